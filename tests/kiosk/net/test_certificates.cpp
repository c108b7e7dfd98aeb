#include "tests/kiosk/net/test_certificates.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace kiosk::net::testing {

namespace {

// Long enough for any test run, short enough that a leaked file is useless.
constexpr long k_valid_seconds = 2L * 24 * 60 * 60;
// Certificates start a little in the past, so that a clock a moment behind accepts them.
constexpr long k_backdate_seconds = 60;
constexpr long k_x509_version_3 = 2;

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

void require(bool done, std::string_view what) {
    if (!done) {
        throw std::runtime_error("test certificates: " + std::string(what));
    }
}

KeyPointer new_key() {
    KeyPointer key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    require(key != nullptr, "P-256 key");
    return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    require(extension != nullptr, "extension");
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    require(added, "extension added");
}

void add_name(X509_NAME* name, const char* field, std::string_view value) {
    require(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) == 1,
            "name entry");
}

CertificatePointer new_certificate(EVP_PKEY* subject_key) {
    CertificatePointer certificate(X509_new(), &X509_free);
    require(certificate != nullptr, "certificate");
    static long serial = 1;
    require(
        ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial++) == 1 &&
            X509_set_version(certificate.get(), k_x509_version_3) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -k_backdate_seconds) !=
                nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(certificate.get()), k_valid_seconds) != nullptr &&
            X509_set_pubkey(certificate.get(), subject_key) == 1,
        "certificate fields");
    return certificate;
}

struct Authority {
    KeyPointer key{nullptr, &EVP_PKEY_free};
    CertificatePointer certificate{nullptr, &X509_free};
};

Authority new_authority(std::string_view name) {
    Authority authority;
    authority.key = new_key();
    authority.certificate = new_certificate(authority.key.get());
    X509* certificate = authority.certificate.get();
    add_name(X509_get_subject_name(certificate), "CN", name);
    require(X509_set_issuer_name(certificate, X509_get_subject_name(certificate)) == 1, "issuer");
    add_extension(certificate, certificate, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(certificate, certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(certificate, certificate, NID_subject_key_identifier, "hash");
    require(X509_sign(certificate, authority.key.get(), EVP_sha256()) > 0, "authority signed");
    return authority;
}

void write_certificate(const std::filesystem::path& path, X509* certificate) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    require(file != nullptr, "open " + path.string());
    const bool written = PEM_write_X509(file, certificate) == 1;
    std::fclose(file);
    require(written, "write " + path.string());
}

void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    require(file != nullptr, "open " + path.string());
    const bool written =
        PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(file);
    require(written && chmod(path.c_str(), S_IRUSR | S_IWUSR) == 0, "write " + path.string());
}

// A certificate for `subject` signed by `issuer`: a service's (server authentication, for
// 127.0.0.1) or a client's.
CertificateFiles issue(const Authority& issuer, const std::filesystem::path& folder,
                       const std::string& file_stem, bool is_service) {
    KeyPointer key = new_key();
    CertificatePointer certificate = new_certificate(key.get());
    X509* cert = certificate.get();
    if (is_service) {
        add_name(X509_get_subject_name(cert), "CN", "localhost");
    } else {
        add_name(X509_get_subject_name(cert), "OU", "kiosk");
        add_name(X509_get_subject_name(cert), "CN", "lobby-01");
    }
    require(X509_set_issuer_name(cert, X509_get_subject_name(issuer.certificate.get())) == 1,
            "issuer name");
    add_extension(cert, issuer.certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, issuer.certificate.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert, issuer.certificate.get(), NID_authority_key_identifier, "keyid:always");
    if (is_service) {
        add_extension(cert, issuer.certificate.get(), NID_ext_key_usage, "serverAuth");
        add_extension(cert, issuer.certificate.get(), NID_subject_alt_name,
                      "DNS:localhost,IP:127.0.0.1");
    } else {
        add_extension(cert, issuer.certificate.get(), NID_ext_key_usage, "clientAuth");
    }
    require(X509_sign(cert, issuer.key.get(), EVP_sha256()) > 0, "signed");
    CertificateFiles files{folder / (file_stem + ".crt"), folder / (file_stem + ".key")};
    write_certificate(files.certificate, cert);
    write_key(files.key, key.get());
    return files;
}

}  // namespace

TemporaryFolder::TemporaryFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiosk-net-XXXXXX").string();
    require(mkdtemp(pattern.data()) != nullptr, "temporary folder");
    m_path = pattern;
}

TemporaryFolder::~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

const TestPki& test_pki() {
    static TemporaryFolder folder;
    static const TestPki k_pki = [] {
        const Authority authority = new_authority("kiosk/net test terminal authority");
        const Authority stranger = new_authority("a stranger's authority");
        TestPki pki;
        pki.authority = folder.path() / "authority.crt";
        write_certificate(pki.authority, authority.certificate.get());
        pki.service = issue(authority, folder.path(), "service", true);
        pki.kiosk = issue(authority, folder.path(), "kiosk", false);
        pki.stranger = issue(stranger, folder.path(), "stranger", false);
        return pki;
    }();
    return k_pki;
}

}  // namespace kiosk::net::testing
