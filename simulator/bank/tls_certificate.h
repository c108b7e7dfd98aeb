#pragma once

// Throwaway TLS identities for the simulated services, so that the kiosk's HTTPS path (the one
// a branch uses) runs in the simulator and in tests too.
//
// Two shapes:
// - create_loopback_certificate(): one self-signed server certificate, which the client trusts
//   directly (server authentication only, as the account service has always been served);
// - create_mutual_tls_files(): a run's own certificate authority and, signed by it, a server
//   certificate and the client certificates of a kiosk and of a staff device, for mutual TLS
//   (docs/api/queue.yaml, "Security"). The authority's private key never leaves memory: once
//   the files are written nobody can issue another certificate under it.
//
// Every private key is written unencrypted with mode 0600. Nothing here is a secret worth
// keeping: a run makes new ones, valid for k_loopback_certificate_days.

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "simulator/bank/bank_error.h"

namespace simulator::bank {

struct TlsFiles {
    std::filesystem::path certificate;  // PEM
    std::filesystem::path private_key;  // PEM, unencrypted, mode 0600
};

// How long every generated certificate is valid: a simulator run or a test, never longer.
inline constexpr long k_loopback_certificate_days = 2;

// The subject Organizational Units that say what kind of client a certificate belongs to
// (docs/api/queue.yaml, "Security").
inline constexpr std::string_view k_kiosk_unit = "kiosk";
inline constexpr std::string_view k_staff_unit = "staff";

// The Common Names the simulator gives its own identities.
inline constexpr std::string_view k_default_authority_name = "kiosk-sim terminal authority";
inline constexpr std::string_view k_default_staff_device_name = "kiosk-sim staff device";

// Creates a self-signed P-256 certificate for 127.0.0.1 and localhost in `directory`
// (service.crt, service.key), named `common_name` (tests make a second, rival one). The
// certificate is its own authority: the client is given service.crt as its CA file.
std::expected<TlsFiles, base::Error<BankError>> create_loopback_certificate(
    const std::filesystem::path& directory,
    const std::string& common_name = "kiosk-sim account service");

// A certificate authority that lives in memory for one run: a P-256 key and a self-signed CA
// certificate (basic constraints CA, path length 0), valid for k_loopback_certificate_days.
// It signs the certificates below with ECDSA-SHA256.
class LoopbackAuthority {
  public:
    static std::expected<LoopbackAuthority, base::Error<BankError>> create(
        std::string_view common_name = k_default_authority_name);

    ~LoopbackAuthority();
    LoopbackAuthority(LoopbackAuthority&& other) noexcept;
    LoopbackAuthority& operator=(LoopbackAuthority&& other) noexcept;
    LoopbackAuthority(const LoopbackAuthority&) = delete;
    LoopbackAuthority& operator=(const LoopbackAuthority&) = delete;

    // Writes the authority's certificate (PEM) to `path`: the CA file both sides trust.
    std::expected<void, base::Error<BankError>> write_certificate(
        const std::filesystem::path& path) const;

    // A server certificate for 127.0.0.1 and localhost (extended key usage serverAuth), written
    // as `<stem>.crt` and `<stem>.key` in `directory`.
    std::expected<TlsFiles, base::Error<BankError>> issue_server_certificate(
        const std::filesystem::path& directory, std::string_view stem = "server") const;

    // A client certificate (extended key usage clientAuth) with subject CN=`common_name`,
    // OU=`unit`, written as `<stem>.crt` and `<stem>.key` in `directory`.
    std::expected<TlsFiles, base::Error<BankError>> issue_client_certificate(
        const std::filesystem::path& directory, std::string_view stem, std::string_view common_name,
        std::string_view unit) const;

  private:
    struct Keys;
    explicit LoopbackAuthority(std::unique_ptr<Keys> keys);
    std::unique_ptr<Keys> m_keys;
};

// Whether `path` holds at least one PEM certificate. A service checks its client CA file with
// it before serving: cpp-httplib ignores a CA file it cannot load, and would then refuse every
// client with no word of why.
std::expected<void, base::Error<BankError>> check_certificate_file(
    const std::filesystem::path& path);

// Everything mutual TLS needs for one simulator run, all in one directory.
struct MutualTlsFiles {
    std::filesystem::path authority;  // ca.crt: the CA file of the kiosk, the staff device and
                                      // the services (their client CA setting)
    TlsFiles server;                  // server.crt, server.key: what the services serve
    TlsFiles kiosk;                   // kiosk.crt, kiosk.key: CN=<kiosk id>, OU=kiosk
    TlsFiles staff;                   // staff.crt, staff.key: CN=<staff device>, OU=staff
};

// Makes a fresh LoopbackAuthority and the four files of MutualTlsFiles in `directory`, which
// must exist. The authority's key is forgotten when this returns.
std::expected<MutualTlsFiles, base::Error<BankError>> create_mutual_tls_files(
    const std::filesystem::path& directory, std::string_view kiosk_id,
    std::string_view staff_device_name = k_default_staff_device_name);

}  // namespace simulator::bank
