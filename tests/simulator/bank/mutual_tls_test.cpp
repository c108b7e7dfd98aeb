// The simulator's throwaway certificate authority (simulator/bank/tls_certificate.h) and the
// account service's client CA setting: with it the handshake needs a certificate of that
// authority; without it the service serves any TLS client as before.

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "bank_fixture.h"
#include "simulator/bank/tls_certificate.h"

using namespace bank_test;
using simulator::bank::MutualTlsFiles;

namespace {

using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

CertificatePointer read_certificate(const std::filesystem::path& path) {
    std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"),
                                                            &std::fclose);
    REQUIRE(file);
    CertificatePointer certificate(PEM_read_X509(file.get(), nullptr, nullptr, nullptr),
                                   &X509_free);
    REQUIRE(certificate);
    return certificate;
}

std::string subject_field(X509* certificate, int nid) {
    char text[256] = {};
    const int length =
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), nid, text, sizeof text);
    return length < 0 ? std::string{} : std::string(text, static_cast<std::size_t>(length));
}

// Whether `certificate` chains to `authority` for `purpose` (X509_PURPOSE_SSL_CLIENT or
// X509_PURPOSE_SSL_SERVER), as a TLS peer would check it.
bool verifies(X509* certificate, X509* authority, int purpose) {
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                  &X509_STORE_free);
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                            &X509_STORE_CTX_free);
    REQUIRE(X509_STORE_add_cert(store.get(), authority) == 1);
    REQUIRE(X509_STORE_CTX_init(context.get(), store.get(), certificate, nullptr) == 1);
    X509_STORE_CTX_set_purpose(context.get(), purpose);
    return X509_verify_cert(context.get()) == 1;
}

MutualTlsFiles make_files(const std::filesystem::path& directory) {
    auto files = simulator::bank::create_mutual_tls_files(directory, "lobby-01");
    INFO((files ? std::string("made") : base::to_string(files.error())));
    REQUIRE(files.has_value());
    return *files;
}

// An account service over HTTPS whose clients must present a certificate of `files`.
simulator::bank::AccountServiceConfig mutual_config(const std::filesystem::path& directory,
                                                    const MutualTlsFiles& files) {
    auto config = config_in(directory);
    config.tls = files.server;
    config.client_authority = files.authority;
    return config;
}

std::unique_ptr<httplib::SSLClient> client_for(int port, const std::filesystem::path& authority,
                                               const simulator::bank::TlsFiles* identity) {
    auto client = identity == nullptr ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                                      : std::make_unique<httplib::SSLClient>(
                                            "127.0.0.1", port, identity->certificate.string(),
                                            identity->private_key.string());
    client->set_ca_cert_path(authority.string().c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(2);
    client->set_read_timeout(5);
    return client;
}

}  // namespace

TEST_CASE("The kiosk certificate is named after the kiosk and the staff one is OU staff") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    CHECK(files.authority == directory.path() / "ca.crt");
    CHECK(files.kiosk.certificate == directory.path() / "kiosk.crt");
    CHECK(files.kiosk.private_key == directory.path() / "kiosk.key");
    auto kiosk = read_certificate(files.kiosk.certificate);
    CHECK(subject_field(kiosk.get(), NID_commonName) == "lobby-01");
    CHECK(subject_field(kiosk.get(), NID_organizationalUnitName) == "kiosk");
    auto staff = read_certificate(files.staff.certificate);
    CHECK(subject_field(staff.get(), NID_organizationalUnitName) == "staff");
    CHECK_FALSE(subject_field(staff.get(), NID_commonName).empty());
}

TEST_CASE("Every private key is readable and writable by its owner only") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    for (const auto& key :
         {files.server.private_key, files.kiosk.private_key, files.staff.private_key}) {
        struct stat status {};
        REQUIRE(::stat(key.c_str(), &status) == 0);
        INFO(key);
        CHECK((status.st_mode & 0777) == 0600);
    }
    // The authority's key is never written.
    CHECK_FALSE(std::filesystem::exists(directory.path() / "ca.key"));
}

TEST_CASE("The certificates chain to the run's authority each for its own purpose") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    auto authority = read_certificate(files.authority);
    auto server = read_certificate(files.server.certificate);
    auto kiosk = read_certificate(files.kiosk.certificate);
    CHECK(verifies(server.get(), authority.get(), X509_PURPOSE_SSL_SERVER));
    CHECK(verifies(kiosk.get(), authority.get(), X509_PURPOSE_SSL_CLIENT));
    // A client certificate cannot serve, and the server's cannot be a client's.
    CHECK_FALSE(verifies(kiosk.get(), authority.get(), X509_PURPOSE_SSL_SERVER));
    CHECK_FALSE(verifies(server.get(), authority.get(), X509_PURPOSE_SSL_CLIENT));
    CHECK(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
    CHECK(X509_check_host(server.get(), "localhost", 0, 0, nullptr) == 1);
    // Another run's authority does not vouch for this run's certificates.
    TemporaryDirectory other_directory;
    const MutualTlsFiles other = make_files(other_directory.path());
    auto other_authority = read_certificate(other.authority);
    CHECK_FALSE(verifies(kiosk.get(), other_authority.get(), X509_PURPOSE_SSL_CLIENT));
}

TEST_CASE("The generated certificates expire within two days") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    auto kiosk = read_certificate(files.kiosk.certificate);
    int days = 0;
    int seconds = 0;
    REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(kiosk.get()),
                           X509_get0_notAfter(kiosk.get())) == 1);
    CHECK(days * 86'400 + seconds <= 2 * 86'400 + 60);
    CHECK(days >= 1);
}

TEST_CASE("The account service with a client authority refuses a client without a certificate") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    simulator::bank::AccountService service(mutual_config(directory.path(), files));
    REQUIRE(service.start());
    auto client = client_for(service.port(), files.authority, nullptr);
    auto result = client->Get("/v1/health");
    CHECK_FALSE(result);
    CHECK(service.audit_entries()->empty());
}

TEST_CASE("The account service refuses a client certificate of another authority") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    TemporaryDirectory rival_directory;
    const MutualTlsFiles rival = make_files(rival_directory.path());
    simulator::bank::AccountService service(mutual_config(directory.path(), files));
    REQUIRE(service.start());
    auto client = client_for(service.port(), files.authority, &rival.kiosk);
    auto result = post_balance(*client, k_zhang_wei_pan, k_zhang_wei_pin);
    CHECK_FALSE(result);
    CHECK(service.audit_entries()->empty());
}

TEST_CASE("The account service serves a kiosk certificate of its client authority") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    simulator::bank::AccountService service(mutual_config(directory.path(), files));
    REQUIRE(service.start());
    auto client = client_for(service.port(), files.authority, &files.kiosk);
    auto result = post_balance(*client, k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(nlohmann::json::parse(result->body)["result"] == "ok");
}

TEST_CASE("The account service without a client authority serves any TLS client as before") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    auto config = config_in(directory.path());
    config.tls = files.server;
    simulator::bank::AccountService service(config);
    REQUIRE(service.start());
    auto client = client_for(service.port(), files.authority, nullptr);
    auto result = client->Get("/v1/health");
    REQUIRE(result);
    CHECK(result->status == 200);
}

TEST_CASE("The account service refuses a client authority it cannot use") {
    TemporaryDirectory directory;
    const MutualTlsFiles files = make_files(directory.path());
    auto without_tls = config_in(directory.path());
    without_tls.client_authority = files.authority;
    simulator::bank::AccountService plain(without_tls);
    auto refused = plain.start();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == simulator::bank::BankError::tls_failure);

    auto unreadable = mutual_config(directory.path(), files);
    unreadable.client_authority = directory.path() / "kiosk.key";
    simulator::bank::AccountService service(unreadable);
    auto started = service.start();
    REQUIRE_FALSE(started);
    CHECK(started.error().code == simulator::bank::BankError::tls_failure);
}
