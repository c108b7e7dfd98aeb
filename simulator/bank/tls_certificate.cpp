#include "simulator/bank/tls_certificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

namespace simulator::bank {

namespace {

constexpr long k_seconds_per_day = 24 * 60 * 60;
// A little slack so that a clock a minute behind still accepts the certificate.
constexpr long k_backdate_seconds = 60;
// Random serial numbers of this many bits: unique enough that no two certificates of a run
// share one, and short of the 20 octets RFC 5280 §4.1.2.2 allows.
constexpr int k_serial_bits = 64;
// What the private key files may be: read and written by their owner only.
constexpr mode_t k_private_key_mode = S_IRUSR | S_IWUSR;
// The X.509 version field holds the version less one: 2 is version 3 (RFC 5280 §4.1.2.1).
constexpr long k_x509_version_3 = 2;

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePointer = std::unique_ptr<std::FILE, FileCloser>;

base::Error<BankError> failure(std::string context) {
    return base::error(BankError::tls_failure, std::move(context));
}

KeyPointer new_p256_key() {
    return KeyPointer(EVP_EC_gen("P-256"), &EVP_PKEY_free);
}

// Adds one X.509 v3 extension written in OpenSSL's configuration syntax. `issuer` is the
// signing certificate, which the authority key identifier is taken from.
bool add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) {
        return false;
    }
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

bool add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
}

// The fields every certificate here shares: version 3, a random serial, the validity window
// and the subject's public key. The subject name is filled by the caller.
CertificatePointer new_certificate(EVP_PKEY* subject_key) {
    CertificatePointer certificate(X509_new(), &X509_free);
    if (!certificate) {
        return certificate;
    }
    X509* cert = certificate.get();
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
    const bool ok =
        serial && BN_rand(serial.get(), k_serial_bits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr &&
        X509_set_version(cert, k_x509_version_3) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(cert), -k_backdate_seconds) != nullptr &&
        X509_gmtime_adj(X509_getm_notAfter(cert),
                        k_loopback_certificate_days * k_seconds_per_day) != nullptr &&
        X509_set_pubkey(cert, subject_key) == 1;
    if (!ok) {
        certificate.reset();
    }
    return certificate;
}

// Creates `path` for writing with mode 0600 before a byte of the key is in it, so that no other
// user can open it in between (fopen would create it with the umask's wider mode).
FilePointer open_private_file(const std::filesystem::path& path) {
    const int descriptor =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, k_private_key_mode);
    if (descriptor < 0) {
        return FilePointer(nullptr);
    }
    // A file left by an earlier run keeps its old mode through O_CREAT: set it again.
    if (::fchmod(descriptor, k_private_key_mode) != 0) {
        ::close(descriptor);
        return FilePointer(nullptr);
    }
    std::FILE* file = ::fdopen(descriptor, "wb");
    if (file == nullptr) {
        ::close(descriptor);
    }
    return FilePointer(file);
}

std::expected<void, base::Error<BankError>> write_private_key(const std::filesystem::path& path,
                                                              EVP_PKEY* key) {
    FilePointer out = open_private_file(path);
    if (!out || PEM_write_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return std::unexpected(failure("cannot write " + path.string()));
    }
    return {};
}

std::expected<void, base::Error<BankError>> write_certificate_file(
    const std::filesystem::path& path, X509* certificate) {
    FilePointer out(std::fopen(path.c_str(), "wb"));
    if (!out || PEM_write_X509(out.get(), certificate) != 1) {
        return std::unexpected(failure("cannot write " + path.string()));
    }
    return {};
}

std::expected<TlsFiles, base::Error<BankError>> write_pair(const std::filesystem::path& directory,
                                                           std::string_view stem, X509* certificate,
                                                           EVP_PKEY* key) {
    const std::string base_name(stem);
    TlsFiles files{directory / (base_name + ".crt"), directory / (base_name + ".key")};
    if (auto written = write_private_key(files.private_key, key); !written) {
        return std::unexpected(written.error());
    }
    if (auto written = write_certificate_file(files.certificate, certificate); !written) {
        return std::unexpected(written.error());
    }
    return files;
}

}  // namespace

std::expected<TlsFiles, base::Error<BankError>> create_loopback_certificate(
    const std::filesystem::path& directory, const std::string& common_name) {
    KeyPointer key = new_p256_key();
    if (!key) {
        return std::unexpected(failure("cannot generate a P-256 key"));
    }
    CertificatePointer certificate = new_certificate(key.get());
    if (!certificate) {
        return std::unexpected(failure("cannot allocate a certificate"));
    }
    X509* cert = certificate.get();
    X509_NAME* name = X509_get_subject_name(cert);
    const bool fields_ok =
        add_name_entry(name, "CN", common_name) && X509_set_issuer_name(cert, name) == 1 &&
        add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE") &&
        add_extension(cert, cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
        add_extension(cert, cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
        X509_sign(cert, key.get(), EVP_sha256()) > 0;
    if (!fields_ok) {
        return std::unexpected(failure("cannot build the certificate"));
    }
    return write_pair(directory, "service", cert, key.get());
}

struct LoopbackAuthority::Keys {
    KeyPointer key{nullptr, &EVP_PKEY_free};
    CertificatePointer certificate{nullptr, &X509_free};
};

LoopbackAuthority::LoopbackAuthority(std::unique_ptr<Keys> keys) : m_keys(std::move(keys)) {}
LoopbackAuthority::~LoopbackAuthority() = default;
LoopbackAuthority::LoopbackAuthority(LoopbackAuthority&& other) noexcept = default;
LoopbackAuthority& LoopbackAuthority::operator=(LoopbackAuthority&& other) noexcept = default;

std::expected<LoopbackAuthority, base::Error<BankError>> LoopbackAuthority::create(
    std::string_view common_name) {
    auto keys = std::make_unique<Keys>();
    keys->key = new_p256_key();
    if (!keys->key) {
        return std::unexpected(failure("cannot generate a P-256 key"));
    }
    keys->certificate = new_certificate(keys->key.get());
    if (!keys->certificate) {
        return std::unexpected(failure("cannot allocate a certificate"));
    }
    X509* cert = keys->certificate.get();
    X509_NAME* name = X509_get_subject_name(cert);
    // Path length 0: the authority signs end-entity certificates only.
    const bool fields_ok =
        add_name_entry(name, "CN", common_name) && X509_set_issuer_name(cert, name) == 1 &&
        add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
        add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") &&
        add_extension(cert, cert, NID_subject_key_identifier, "hash") &&
        X509_sign(cert, keys->key.get(), EVP_sha256()) > 0;
    if (!fields_ok) {
        return std::unexpected(failure("cannot build the authority's certificate"));
    }
    return LoopbackAuthority(std::move(keys));
}

std::expected<void, base::Error<BankError>> LoopbackAuthority::write_certificate(
    const std::filesystem::path& path) const {
    return write_certificate_file(path, m_keys->certificate.get());
}

std::expected<TlsFiles, base::Error<BankError>> LoopbackAuthority::issue_server_certificate(
    const std::filesystem::path& directory, std::string_view stem) const {
    KeyPointer key = new_p256_key();
    if (!key) {
        return std::unexpected(failure("cannot generate a P-256 key"));
    }
    CertificatePointer certificate = new_certificate(key.get());
    if (!certificate) {
        return std::unexpected(failure("cannot allocate a certificate"));
    }
    X509* cert = certificate.get();
    X509* issuer = m_keys->certificate.get();
    const bool fields_ok =
        add_name_entry(X509_get_subject_name(cert), "CN", "localhost") &&
        X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1 &&
        add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
        add_extension(cert, issuer, NID_key_usage, "critical,digitalSignature") &&
        add_extension(cert, issuer, NID_ext_key_usage, "serverAuth") &&
        add_extension(cert, issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
        add_extension(cert, issuer, NID_subject_key_identifier, "hash") &&
        add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always") &&
        X509_sign(cert, m_keys->key.get(), EVP_sha256()) > 0;
    if (!fields_ok) {
        return std::unexpected(failure("cannot build the server certificate"));
    }
    return write_pair(directory, stem, cert, key.get());
}

std::expected<TlsFiles, base::Error<BankError>> LoopbackAuthority::issue_client_certificate(
    const std::filesystem::path& directory, std::string_view stem, std::string_view common_name,
    std::string_view unit) const {
    KeyPointer key = new_p256_key();
    if (!key) {
        return std::unexpected(failure("cannot generate a P-256 key"));
    }
    CertificatePointer certificate = new_certificate(key.get());
    if (!certificate) {
        return std::unexpected(failure("cannot allocate a certificate"));
    }
    X509* cert = certificate.get();
    X509* issuer = m_keys->certificate.get();
    X509_NAME* name = X509_get_subject_name(cert);
    const bool fields_ok =
        add_name_entry(name, "OU", unit) && add_name_entry(name, "CN", common_name) &&
        X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1 &&
        add_extension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") &&
        add_extension(cert, issuer, NID_key_usage, "critical,digitalSignature") &&
        add_extension(cert, issuer, NID_ext_key_usage, "clientAuth") &&
        add_extension(cert, issuer, NID_subject_key_identifier, "hash") &&
        add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always") &&
        X509_sign(cert, m_keys->key.get(), EVP_sha256()) > 0;
    if (!fields_ok) {
        return std::unexpected(
            failure("cannot build the client certificate for " + std::string(common_name)));
    }
    return write_pair(directory, stem, cert, key.get());
}

std::expected<void, base::Error<BankError>> check_certificate_file(
    const std::filesystem::path& path) {
    FilePointer in(std::fopen(path.c_str(), "rb"));
    if (!in) {
        return std::unexpected(failure("cannot read " + path.string()));
    }
    CertificatePointer certificate(PEM_read_X509(in.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!certificate) {
        return std::unexpected(failure(path.string() + " holds no PEM certificate"));
    }
    return {};
}

std::expected<MutualTlsFiles, base::Error<BankError>> create_mutual_tls_files(
    const std::filesystem::path& directory, std::string_view kiosk_id,
    std::string_view staff_device_name) {
    auto authority = LoopbackAuthority::create();
    if (!authority) {
        return std::unexpected(authority.error());
    }
    MutualTlsFiles files;
    files.authority = directory / "ca.crt";
    if (auto written = authority->write_certificate(files.authority); !written) {
        return std::unexpected(written.error());
    }
    auto server = authority->issue_server_certificate(directory, "server");
    if (!server) {
        return std::unexpected(server.error());
    }
    auto kiosk = authority->issue_client_certificate(directory, "kiosk", kiosk_id, k_kiosk_unit);
    if (!kiosk) {
        return std::unexpected(kiosk.error());
    }
    auto staff =
        authority->issue_client_certificate(directory, "staff", staff_device_name, k_staff_unit);
    if (!staff) {
        return std::unexpected(staff.error());
    }
    files.server = std::move(*server);
    files.kiosk = std::move(*kiosk);
    files.staff = std::move(*staff);
    return files;
}

}  // namespace simulator::bank
