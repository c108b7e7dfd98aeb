#include "simulator/bank/tls_certificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace simulator::bank {

namespace {

constexpr long k_seconds_per_day = 24 * 60 * 60;
// A little slack so that a clock a minute behind still accepts the certificate.
constexpr long k_backdate_seconds = 60;

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

base::Error<BankError> failure(std::string context) {
    return base::error(BankError::tls_failure, std::move(context));
}

bool add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) {
        return false;
    }
    const bool added = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return added;
}

}  // namespace

std::expected<TlsFiles, base::Error<BankError>> create_loopback_certificate(
    const std::filesystem::path& directory, const std::string& common_name) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    if (!key) {
        return std::unexpected(failure("cannot generate a P-256 key"));
    }
    std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), &X509_free);
    if (!certificate) {
        return std::unexpected(failure("cannot allocate a certificate"));
    }
    X509* cert = certificate.get();
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
    const bool serial_ok = serial &&
                           BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
                           BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
    X509_NAME* name = X509_get_subject_name(cert);
    const bool fields_ok =
        serial_ok && X509_set_version(cert, 2) == 1 &&
        X509_gmtime_adj(X509_getm_notBefore(cert), -k_backdate_seconds) != nullptr &&
        X509_gmtime_adj(X509_getm_notAfter(cert),
                        k_loopback_certificate_days * k_seconds_per_day) != nullptr &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1 &&
        X509_set_issuer_name(cert, name) == 1 && X509_set_pubkey(cert, key.get()) == 1 &&
        add_extension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
        add_extension(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
        add_extension(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") &&
        X509_sign(cert, key.get(), EVP_sha256()) > 0;
    if (!fields_ok) {
        return std::unexpected(failure("cannot build the certificate"));
    }

    TlsFiles files{directory / "service.crt", directory / "service.key"};
    {
        std::unique_ptr<std::FILE, FileCloser> out(std::fopen(files.private_key.c_str(), "wb"));
        if (!out) {
            return std::unexpected(failure("cannot write " + files.private_key.string()));
        }
        std::filesystem::permissions(files.private_key, std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write);
        if (PEM_write_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
            return std::unexpected(failure("cannot write " + files.private_key.string()));
        }
    }
    {
        std::unique_ptr<std::FILE, FileCloser> out(std::fopen(files.certificate.c_str(), "wb"));
        if (!out || PEM_write_X509(out.get(), cert) != 1) {
            return std::unexpected(failure("cannot write " + files.certificate.string()));
        }
    }
    return files;
}

}  // namespace simulator::bank
