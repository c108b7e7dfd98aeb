// Drives the simulated account service and the kiosk's client through every documented reply
// of every operation and prints each exchange as one JSON line, for check_contract.py to hold
// against docs/api/account.yaml. Exits non-zero if the service cannot be started.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/command_line.h"
#include "drivers/epp/epp_security.h"
#include "drivers/iso9564/pin_block.h"
#include "kiosk/net/account_client.h"
#include "simulator/bank/account_service.h"
#include "simulator/bank/tls_certificate.h"

namespace {

using nlohmann::json;

constexpr const char* k_usage =
    "usage: bank_contract_probe\n"
    "A test helper (tests/simulator/bank): starts the simulated account service in a temporary\n"
    "folder, drives it and the kiosk's account client (every call it makes)\n"
    "through every documented reply, and prints each exchange as one JSON line to stdout,\n"
    "for check_contract.py to hold against\n"
    "docs/api/account.yaml. Takes no arguments. Exits 0, or 2 when the service cannot start.\n"
    "  -h, --help    this text\n";

std::string balance_body(std::string_view pan, std::string_view pin) {
    auto block = drivers::iso9564::format0_encrypted(pin, pan, simulator::bank::k_demo_pin_key);
    return json{{"terminal_id", "probe-01"},
                {"pan", pan},
                {"pin_block", block ? base::to_hex(*block) : std::string("00")},
                {"pin_block_format", "iso9564-0"}}
        .dump();
}

void print_exchange(const std::string& method, const std::string& path, const std::string& request,
                    bool valid_request, const httplib::Result& result) {
    json line = {{"kind", "exchange"},
                 {"method", method},
                 {"path", path},
                 {"request", request},
                 {"valid_request", valid_request}};
    if (result) {
        line["status"] = result->status;
        line["reply"] = result->body;
    } else {
        line["status"] = 0;
        line["reply"] = "";
    }
    std::cout << line.dump() << '\n';
}

// The grant of an ok balance reply, or an empty string when the reply has none.
std::string grant_of(const httplib::Result& result) {
    if (!result) {
        return {};
    }
    const json reply = json::parse(result->body, nullptr, false);
    if (reply.is_discarded() || !reply.contains("preferences") ||
        !reply["preferences"].contains("grant") || !reply["preferences"]["grant"].is_string()) {
        return {};
    }
    return reply["preferences"]["grant"].get<std::string>();
}

std::string preferences_body(std::string_view grant, bool elder_mode) {
    return json{{"terminal_id", "probe-01"}, {"grant", grant}, {"elder_mode", elder_mode}}.dump();
}

// The session of an ok sign-on reply, or an empty string.
std::string field_of(const httplib::Result& result, std::initializer_list<const char*> path) {
    if (!result) {
        return {};
    }
    json node = json::parse(result->body, nullptr, false);
    for (const char* key : path) {
        if (!node.is_object() || !node.contains(key)) {
            return {};
        }
        node = node[key];
    }
    return node.is_string() ? node.get<std::string>() : std::string{};
}

json money(std::int64_t minor_units) {
    return json{{"minor_units", minor_units}, {"currency", "CNY"}};
}

// Drives every operation of sessions and money through every status the document lists
// except 503, which the fault section below produces for all of them.
class MoneyProbe {
  public:
    explicit MoneyProbe(httplib::Client& client) : m_client(client) {}

    httplib::Result send(const std::string& method, const std::string& path, const std::string& url,
                         const std::string& body, bool valid) {
        httplib::Result result = method == "get"   ? m_client.Get(url)
                                 : method == "put" ? m_client.Put(url, body, "application/json")
                                                   : m_client.Post(url, body, "application/json");
        print_exchange(method, path, body, valid, result);
        return result;
    }
    // `valid`: whether the body follows the document's schema (the checker holds the probe's
    // own valid requests to it).
    httplib::Result send(const std::string& method, const std::string& path, json body,
                         bool valid = true) {
        body["terminal_id"] = "probe-01";
        return send(method, path, path, body.dump(), valid);
    }
    httplib::Result sign_on(std::string_view pan, std::string_view pin) {
        return send("post", "/v1/sessions", json::parse(balance_body(pan, pin)));
    }
    std::string quote(const std::string& session, std::string_view kind, std::int64_t amount,
                      std::string_view payee = {}) {
        json body = {{"session", session}, {"kind", kind}, {"amount", money(amount)}};
        if (!payee.empty()) {
            body["payee_account"] = payee;
        }
        return field_of(send("post", "/v1/quotes", body), {"quote", "id"});
    }
    // A transaction operation at its template path, with the reference filled in.
    httplib::Result on(const std::string& method, const std::string& path_template,
                       std::string_view reference, const json& body, std::string_view suffix = {},
                       bool valid = true) {
        std::string url = path_template.substr(0, path_template.find('{')) +
                          std::string(reference) + std::string(suffix);
        json request = body;
        request["terminal_id"] = "probe-01";
        if (method == "get") {
            url += "?terminal_id=probe-01";
            return send(method, path_template + std::string(suffix), url, "", true);
        }
        return send(method, path_template + std::string(suffix), url, request.dump(), valid);
    }
    void too_large(const std::string& method, const std::string& path, const std::string& url) {
        send(method, path, url, std::string(simulator::bank::k_maximum_request_bytes + 1, ' '),
             false);
    }

  private:
    httplib::Client& m_client;
};

constexpr std::string_view k_first = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
constexpr std::string_view k_second = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";
constexpr std::string_view k_third = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
constexpr std::string_view k_never = "00000000-0000-4000-8000-000000000000";
// A reference used once, after k_never was asked after (and so closed for transfers).
constexpr std::string_view k_fourth = "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e";
const std::string k_withdrawal = "/v1/withdrawals/{transaction}";
const std::string k_transfer = "/v1/transfers/{transaction}";

void probe_money(MoneyProbe& probe) {
    // zhang-wei pays, alice is paid; li-na was locked by wrong PINs above.
    const std::string session =
        field_of(probe.sign_on("6228480402564890018", "1234"), {"session"});      // 200
    probe.send("post", "/v1/sessions", "/v1/sessions", R"({"pan":"1"})", false);  // 400
    probe.sign_on("6228480402564890018", "0000");                                 // 401
    probe.sign_on("6217001234567890122", "2468");                                 // 423
    probe.sign_on("6214830000999900001", "0000");                                 // 404
    probe.too_large("post", "/v1/sessions", "/v1/sessions");                      // 413
    const json with_session = {{"session", session}};
    probe.send("post", "/v1/statement", with_session);                         // 200
    probe.send("post", "/v1/statement", {{"session", "short"}}, false);        // 400
    probe.send("post", "/v1/statement", {{"session", std::string(64, 'f')}});  // 401
    probe.too_large("post", "/v1/statement", "/v1/statement");                 // 413

    const std::string first = probe.quote(session, "withdrawal", 50'000);               // 200
    probe.send("post", "/v1/quotes", {{"session", session}, {"kind", "loan"}}, false);  // 400
    probe.quote(std::string(64, 'f'), "withdrawal", 100);                               // 401
    probe.quote(session, "withdrawal", 10'050);                                         // 422
    probe.too_large("post", "/v1/quotes", "/v1/quotes");                                // 413

    probe.on("put", k_withdrawal, k_first, {{"session", session}, {"quote", first}});  // 201
    probe.on("put", k_withdrawal, k_first, {{"session", session}, {"quote", first}});  // 200
    const std::string other = probe.quote(session, "withdrawal", 10'000);
    probe.on("put", k_withdrawal, k_first, {{"session", session}, {"quote", other}});   // 409
    probe.on("put", k_withdrawal, k_second, {{"session", session}, {"quote", first}});  // 410
    probe.on("put", k_withdrawal, k_second,
             {{"session", std::string(64, 'f')}, {"quote", other}});                        // 401
    probe.on("put", k_withdrawal, "NOT-A-UUID", {{"session", session}, {"quote", other}});  // 400
    probe.too_large("put", k_withdrawal, "/v1/withdrawals/" + std::string(k_second));       // 413
    probe.on("get", k_withdrawal, k_first, {});                                             // 200
    probe.on("get", k_withdrawal, k_never, {});                                             // 404
    probe.on("get", k_withdrawal, "NOT-A-UUID", {});                                        // 400

    probe.on("post", k_withdrawal, k_first, {{"dispensed", money(50'000)}}, "/confirm");  // 200
    probe.on("post", k_withdrawal, k_first, {{"dispensed", money(100)}}, "/confirm");     // 409
    probe.on("post", k_withdrawal, k_never, {{"dispensed", money(100)}}, "/confirm");     // 404
    probe.on("post", k_withdrawal, k_first, {{"dispensed", money(0)}}, "/confirm");       // 400
    probe.too_large("post", k_withdrawal + "/confirm",
                    "/v1/withdrawals/" + std::string(k_first) + "/confirm");              // 413
    probe.on("post", k_withdrawal, k_first, {{"reason", "cash_not_taken"}}, "/reverse");  // 200
    probe.on("post", k_withdrawal, k_first, {{"reason", "bored"}}, "/reverse", false);    // 400
    probe.too_large("post", k_withdrawal + "/reverse",
                    "/v1/withdrawals/" + std::string(k_first) + "/reverse");  // 413
    {
        // Another terminal reversing this terminal's withdrawal: 409.
        const std::string url = "/v1/withdrawals/" + std::string(k_first) + "/reverse";
        probe.send("post", k_withdrawal + "/reverse", url,
                   json{{"terminal_id", "probe-02"}, {"reason", "cancelled"}}.dump(), true);
    }
    // Over what is left: 20,000 yuan would need a larger balance than 12,345.67 minus 500.
    const std::string payee = "6234560000111122223";
    probe.quote(session, "transfer", 2'000'000, payee);  // 422

    const std::string transfer = probe.quote(session, "transfer", 10'000, payee);
    probe.on("put", k_transfer, k_first, {{"session", session}, {"quote", transfer}});  // 201
    probe.on("put", k_transfer, k_first, {{"session", session}, {"quote", transfer}});  // 200
    const std::string second_transfer = probe.quote(session, "transfer", 20'000, payee);
    probe.on("put", k_transfer, k_first,
             {{"session", session}, {"quote", second_transfer}});                        // 409
    probe.on("put", k_transfer, k_second, {{"session", session}, {"quote", transfer}});  // 410
    probe.on("put", k_transfer, k_second,
             {{"session", std::string(64, 'f')}, {"quote", second_transfer}});               // 401
    probe.on("put", k_transfer, "NOT-A-UUID", {{"session", session}, {"quote", transfer}});  // 400
    probe.too_large("put", k_transfer, "/v1/transfers/" + std::string(k_second));            // 413
    probe.on("get", k_transfer, k_first, {});                                                // 200
    probe.on("get", k_transfer, k_never, {});                                                // 404
    probe.on("get", k_transfer, "NOT-A-UUID", {});                                           // 400
    {
        // A quote that fitted, then the money went elsewhere first: 422 at execution.
        const std::string big = probe.quote(session, "transfer", 1'000'000, payee);
        const std::string drain = probe.quote(session, "transfer", 1'000'000, payee);
        probe.on("put", k_transfer, k_second, {{"session", session}, {"quote", drain}});  // 201
        probe.on("put", k_transfer, k_third, {{"session", session}, {"quote", big}});     // 422
        const std::string cash = probe.quote(session, "withdrawal", 100'000);
        const std::string more = probe.quote(session, "transfer", 130'000, payee);
        probe.on("put", k_transfer, k_fourth, {{"session", session}, {"quote", more}});
        probe.on("put", k_withdrawal, k_third, {{"session", session}, {"quote", cash}});  // 422
    }

    const auto pin_change = [&](std::string_view pin, std::string_view pan) {
        probe.send("post", "/v1/pin-change",
                   {{"session", session},
                    {"pan", pan},
                    {"pin_block", json::parse(balance_body(pan, pin))["pin_block"]},
                    {"pin_block_format", "iso9564-0"}});
    };
    pin_change("1111", "6228480402564890018");  // 422
    pin_change("7391", "6217001234567890122");  // 400
    probe.send(
        "post", "/v1/pin-change",
        {{"session", std::string(64, 'f')},
         {"pan", "6228480402564890018"},
         {"pin_block", json::parse(balance_body("6228480402564890018", "7391"))["pin_block"]},
         {"pin_block_format", "iso9564-0"}});                     // 401
    probe.too_large("post", "/v1/pin-change", "/v1/pin-change");  // 413
    pin_change("7391", "6228480402564890018");                    // 200

    probe.send("post", "/v1/card-lock", {{"session", "short"}}, false);        // 400
    probe.send("post", "/v1/card-lock", {{"session", std::string(64, 'f')}});  // 401
    probe.too_large("post", "/v1/card-lock", "/v1/card-lock");                 // 413
    probe.send("post", "/v1/sessions/end", {{"session", session}});            // 200
    probe.send("post", "/v1/sessions/end", {{"session", "short"}}, false);     // 400
    probe.too_large("post", "/v1/sessions/end", "/v1/sessions/end");           // 413
    const std::string alice = field_of(probe.sign_on(payee, "1111"), {"session"});
    probe.send("post", "/v1/card-lock", {{"session", alice}});                            // 200
    probe.sign_on(payee, "1111");                                                         // 403
    probe.send("post", "/v1/balance", "/v1/balance", balance_body(payee, "1111"), true);  // 403
}

// The demo pad's master key (simulator/devices: the XOR of its two components), given to the
// probe's service as the one master key its bank issued.
constexpr std::array<std::uint8_t, 16> k_probe_master_key = {
    0x1E, 0x3C, 0x1E, 0x78, 0x1E, 0x3C, 0x1E, 0xF0, 0x1E, 0x96, 0xB4, 0x96, 0xF0, 0x96, 0x4B, 0x4B};

std::string probe_master_value() {
    const auto value = drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128,
                                                     drivers::epp::SecretKey(k_probe_master_key));
    return value ? base::to_hex(*value) : std::string();
}

// PIN pad working keys (account.yaml 1.5) under the master key the service holds.
void probe_working_keys(MoneyProbe& probe) {
    const std::string master = probe_master_value();
    const json every_slot = json::array({"authentication", "pin_aes", "pin_tdes"});
    probe.send("post", "/v1/working-keys",
               {{"master_key_kcv", master}, {"slots", every_slot}});  // 200
    probe.send("post", "/v1/working-keys",
               {{"master_key_kcv", "00000A0000"}, {"slots", json::array({"pin_aes"})}});  // 404
    probe.send("post", "/v1/working-keys",
               {{"master_key_kcv", master}, {"slots", json::array({"master"})}}, false);  // 400
    probe.too_large("post", "/v1/working-keys", "/v1/working-keys");                      // 413
}

// Every operation once while the service is unavailable: 503 each.
void probe_money_unavailable(MoneyProbe& probe) {
    const json session = {{"session", std::string(64, 'f')}};
    probe.sign_on("6228480402564890018", "7391");
    for (const char* path : {"/v1/sessions/end", "/v1/statement", "/v1/card-lock"}) {
        probe.send("post", path, session);
    }
    probe.send("post", "/v1/quotes",
               {{"session", std::string(64, 'f')}, {"kind", "withdrawal"}, {"amount", money(100)}});
    const json execute = {{"session", std::string(64, 'f')}, {"quote", "q-0123456789"}};
    probe.on("put", k_withdrawal, k_second, execute);
    probe.on("get", k_withdrawal, k_second, {});
    probe.on("post", k_withdrawal, k_second, {{"dispensed", money(100)}}, "/confirm");
    probe.on("post", k_withdrawal, k_second, {{"reason", "cancelled"}}, "/reverse");
    probe.on("put", k_transfer, k_second, execute);
    probe.on("get", k_transfer, k_second, {});
    probe.send("post", "/v1/pin-change",
               {{"session", std::string(64, 'f')},
                {"pan", "6228480402564890018"},
                {"pin_block", "0123456789ABCDEF"},
                {"pin_block_format", "iso9564-0"}});
    probe.send("post", "/v1/working-keys",
               {{"master_key_kcv", probe_master_value()}, {"slots", json::array({"pin_aes"})}});
}

// One request of the kiosk's AccountClient as a server received it.
struct ClientRequest {
    std::string method;  // "post", "put", "get"
    std::string path;    // as the document writes it: /v1/withdrawals/{transaction}
    std::string body;
};

// The path as the document writes it: a transaction reference becomes {transaction}, the query
// is dropped.
std::string path_template(const std::string& path) {
    std::string result = path.substr(0, path.find('?'));
    for (const std::string_view collection : {"/v1/withdrawals/", "/v1/transfers/"}) {
        if (result.starts_with(collection) && result.size() >= collection.size() + 36) {
            result =
                std::string(collection) + "{transaction}" + result.substr(collection.size() + 36);
        }
    }
    return result;
}

// The requests the kiosk's AccountClient sends for each of its calls, so that they too are
// checked: a server that keeps every request and answers each 503, so the client stops there.
std::vector<ClientRequest> client_requests(const simulator::bank::TlsFiles& identity) {
    httplib::SSLServer server(identity.certificate.c_str(), identity.private_key.c_str());
    std::mutex mutex;
    std::condition_variable received;
    std::vector<ClientRequest> requests;
    const auto keep = [&](const httplib::Request& request, httplib::Response& response) {
        {
            std::lock_guard lock(mutex);
            std::string method = request.method;
            std::ranges::transform(method, method.begin(),
                                   [](char c) { return static_cast<char>(c - 'A' + 'a'); });
            requests.push_back({method, path_template(request.path), request.body});
        }
        received.notify_all();
        response.status = 503;
        response.set_content(R"({"result":"unavailable"})", "application/json");
    };
    server.Post(".*", keep);
    server.Put(".*", keep);
    server.Get(".*", keep);
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    {
        kiosk::net::AccountClient client(kiosk::net::AccountClientOptions{
            .base_url = "https://127.0.0.1:" + std::to_string(port),
            .terminal_id = "KIOSK-0001",
            .ca_file = identity.certificate});
        client.start([](kiosk::core::Event) {}, [](const kiosk::net::ServiceNotice&) {});
        const std::string pan_digits = "6228480402564890018";
        auto pan = kiosk::core::CardNumber::parse(pan_digits);
        auto bytes = drivers::iso9564::format0_encrypted("1234", pan_digits,
                                                         simulator::bank::k_demo_pin_key);
        std::size_t expected = 0;
        if (pan && bytes) {
            if (auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes)) {
                client.sign_on(1, kiosk::core::BalanceRequest{*pan, *block});
                // The same with the chip's ARQC (docs/api/account.yaml, "CardAuthentication").
                client.sign_on(
                    3, kiosk::core::BalanceRequest{*pan, *block,
                                                   kiosk::core::CardAuthentication{
                                                       .cryptogram = "8E2A41C07D3F9B15",
                                                       .cryptogram_information = "80",
                                                       .transaction_counter = "002A",
                                                       .cdol1_data = std::string(58, '0'),
                                                       .application_interchange_profile = "1980",
                                                       .issuer_application_data = "06010A03A00000",
                                                       .pan_sequence_number = "01"}});
                expected += 1;
                const base::SecretText session(std::string(64, 'a'));
                const std::string reference = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
                const kiosk::core::Money amount{50'000, "CNY"};
                std::uint64_t call_id = 10;
                for (kiosk::core::AccountRequest request : std::vector<kiosk::core::AccountRequest>{
                         kiosk::core::RequestStatement{},
                         kiosk::core::RequestQuote{kiosk::core::MoneyKind::withdrawal, amount, {}},
                         kiosk::core::RequestQuote{kiosk::core::MoneyKind::transfer, amount,
                                                   base::SecretText("6234560000111122223")},
                         kiosk::core::AuthoriseWithdrawal{reference, "q-0123456789"},
                         kiosk::core::ConfirmWithdrawal{reference, amount},
                         kiosk::core::ReverseWithdrawal{reference,
                                                        kiosk::core::ReverseReason::cash_not_taken},
                         kiosk::core::FindWithdrawal{reference},
                         kiosk::core::ExecuteTransfer{reference, "q-0123456789"},
                         kiosk::core::FindTransfer{reference}, kiosk::core::LockCard{},
                         kiosk::core::ChangePin{*pan, *block}, kiosk::core::EndSession{}}) {
                    client.request(++call_id, std::move(request), session);
                    ++expected;
                }
                expected += 1;  // the sign-on
            }
            // A DUKPT block with its KSN (docs/api/account.yaml 1.4, "PinBlockKsn"), in a
            // sign-on and a PIN change.
            const kiosk::core::EncryptedPinBlock::Ksn ksn = {0x12, 0x34, 0x56, 0x78, 0x90, 0x12,
                                                             0x34, 0x56, 0x00, 0x00, 0x00, 0x01};
            const std::array<std::uint8_t, 16> dukpt_bytes{0x5A};
            if (auto dukpt = kiosk::core::EncryptedPinBlock::from_bytes(dukpt_bytes, ksn)) {
                client.sign_on(40, kiosk::core::BalanceRequest{*pan, *dukpt});
                client.request(41, kiosk::core::ChangePin{*pan, *dukpt},
                               base::SecretText(std::string(64, 'a')));
                expected += 2;
            }
        }
        client.save_preferences(
            2, base::SecretText("3f6c0a9e1d2b47c58e90f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"),
            true);
        client.fetch_working_keys(3, "0A1B2C3D4E", {"authentication", "pin_aes"});
        expected += 2;
        std::unique_lock lock(mutex);
        received.wait_for(lock, std::chrono::seconds(20),
                          [&] { return requests.size() >= expected; });
    }
    server.stop();
    thread.join();
    return requests;
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::cout << k_usage;
        return 0;
    }
    if (argc > 1) {
        std::cerr << "bank_contract_probe: unknown option " << argv[1] << '\n' << k_usage;
        return 2;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "kiosk-probe-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        return 2;
    }
    const std::filesystem::path directory = pattern;
    int status = 0;
    {
        simulator::bank::AccountServiceConfig config{
            directory / "bank.sqlite",
            std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/cards/demo-cards.toml",
            simulator::bank::k_demo_pin_key};
        config.pad_master_keys = {k_probe_master_key};
        config.pad_authentication_key = std::array<std::uint8_t, 16>{0x0A};
        simulator::bank::AccountService service(config);
        if (auto started = service.start(); !started) {
            std::cerr << base::to_string(started.error()) << '\n';
            status = 2;
        } else {
            httplib::Client client("127.0.0.1", service.port());
            auto post = [&](const std::string& body, bool valid) {
                auto result = client.Post("/v1/balance", body, "application/json");
                print_exchange("post", "/v1/balance", body, valid, result);
                return result;
            };
            auto put = [&](const std::string& body, bool valid) {
                print_exchange("put", "/v1/preferences", body, valid,
                               client.Put("/v1/preferences", body, "application/json"));
            };
            print_exchange("get", "/v1/health", "", true, client.Get("/v1/health"));
            const std::string grant =
                grant_of(post(balance_body("6228480402564890018", "1234"), true));  // 200
            put(preferences_body(grant, true), true);                               // 200
            put(preferences_body(grant, false), true);                              // 403: used
            put(R"({"terminal_id":"probe-01","grant":"short"})", false);            // 400
            put(std::string(simulator::bank::k_maximum_request_bytes + 1, ' '), false);  // 413
            post(balance_body("6228480402564890018", "1234"), true);  // 200, elder mode on
            post(balance_body("6217001234567890122", "0000"), true);  // 401
            post(balance_body("6217001234567890122", "0000"), true);  // 401
            post(balance_body("6217001234567890122", "0000"), true);  // 423
            post(balance_body("6214830000999900001", "0000"), true);  // 404
            post(R"({"terminal_id":"probe-01","pan":"12"})", false);  // 400
            post(std::string(simulator::bank::k_maximum_request_bytes + 1, ' '), false);  // 413
            const std::string unused =
                grant_of(post(balance_body("6234560000111122223", "1111"), true));  // 200
            MoneyProbe money_probe(client);
            probe_money(money_probe);
            probe_working_keys(money_probe);
            service.set_fault(simulator::bank::Fault::unavailable);
            probe_money_unavailable(money_probe);
            post(balance_body("6228480402564890018", "1234"), true);  // 503
            put(preferences_body(unused, true), true);                // 503
            print_exchange("get", "/v1/health", "", true, client.Get("/v1/health"));
            service.set_fault(simulator::bank::Fault::none);
        }
    }
    // The kiosk's client speaks only HTTPS, to an authority it is given.
    std::filesystem::create_directories(directory / "tls");
    if (auto identity = simulator::bank::create_loopback_certificate(directory / "tls")) {
        for (const ClientRequest& request : client_requests(*identity)) {
            std::cout << json{{"kind", "client_request"},
                              {"method", request.method},
                              {"path", request.path},
                              {"body", request.body}}
                             .dump()
                      << '\n';
        }
    } else {
        std::cerr << base::to_string(identity.error()) << '\n';
        status = 2;
    }
    std::filesystem::remove_all(directory);
    return status;
}
