#pragma once

// Throwaway TLS identities for the kiosk/net tests, made with OpenSSL in a temporary folder: a
// certificate authority, a service certificate for 127.0.0.1 signed by it, and client
// certificates (a kiosk's, CN=<kiosk id>, OU=kiosk) signed by it or by a stranger's authority.
// Keys are P-256, unencrypted PEM, written with mode 0600.

#include <filesystem>
#include <string>

namespace kiosk::net::testing {

struct CertificateFiles {
    std::filesystem::path certificate;
    std::filesystem::path key;
};

// Everything one mutual TLS test needs, made once per process (it takes a moment under the
// sanitizers) and removed when the process ends.
struct TestPki {
    std::filesystem::path authority;  // the CA certificate both sides trust
    CertificateFiles service;         // for 127.0.0.1 and localhost, signed by the authority
    CertificateFiles kiosk;           // CN=lobby-01, OU=kiosk, signed by the authority
    CertificateFiles stranger;        // CN=lobby-01, OU=kiosk, signed by another authority
};

const TestPki& test_pki();

// A fresh folder under the system's temporary folder, removed with everything in it.
class TemporaryFolder {
  public:
    TemporaryFolder();
    ~TemporaryFolder();
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

}  // namespace kiosk::net::testing
