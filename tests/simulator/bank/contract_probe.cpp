// Drives the simulated account service and the kiosk's client through every documented reply
// of every operation and prints each exchange as one JSON line, for check_contract.py to hold
// against docs/api/account.yaml. Exits non-zero if the service cannot be started.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string_view>
#include <thread>

#include "base/bytes.h"
#include "base/command_line.h"
#include "drivers/iso9564/pin_block.h"
#include "kiosk/net/account_client.h"
#include "simulator/bank/account_service.h"
#include "simulator/bank/tls_certificate.h"

namespace {

using nlohmann::json;

constexpr const char* k_usage =
    "usage: bank_contract_probe\n"
    "A test helper (tests/simulator/bank): starts the simulated account service in a temporary\n"
    "folder, drives it and the kiosk's account client (balance and preferences calls)\n"
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

// The bodies the kiosk's AccountClient sends for each of its calls, so that they too are checked.
struct ClientRequests {
    std::string balance;
    std::string preferences;
};

ClientRequests client_request_bodies(const simulator::bank::TlsFiles& identity) {
    httplib::SSLServer server(identity.certificate.c_str(), identity.private_key.c_str());
    std::mutex mutex;
    std::condition_variable received;
    ClientRequests bodies;
    server.Post("/v1/balance", [&](const httplib::Request& request, httplib::Response& response) {
        {
            std::lock_guard lock(mutex);
            bodies.balance = request.body;
        }
        received.notify_all();
        response.status = 404;
        response.set_content(R"({"result":"card_unknown"})", "application/json");
    });
    server.Put("/v1/preferences",
               [&](const httplib::Request& request, httplib::Response& response) {
                   {
                       std::lock_guard lock(mutex);
                       bodies.preferences = request.body;
                   }
                   received.notify_all();
                   response.status = 403;
                   response.set_content(R"({"result":"grant_refused"})", "application/json");
               });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    {
        kiosk::net::AccountClient client(kiosk::net::AccountClientOptions{
            .base_url = "https://127.0.0.1:" + std::to_string(port),
            .terminal_id = "KIOSK-0001",
            .ca_file = identity.certificate});
        client.start([](kiosk::core::Event) {}, [](const kiosk::net::ServiceNotice&) {});
        auto pan = kiosk::core::CardNumber::parse("6228480402564890018");
        auto bytes = drivers::iso9564::format0_encrypted("1234", "6228480402564890018",
                                                         simulator::bank::k_demo_pin_key);
        if (pan && bytes) {
            if (auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes)) {
                client.request_balance(1, *pan, *block);
            }
        }
        client.save_preferences(
            2, base::SecretText("3f6c0a9e1d2b47c58e90f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"),
            true);
        std::unique_lock lock(mutex);
        received.wait_for(lock, std::chrono::seconds(10),
                          [&] { return !bodies.balance.empty() && !bodies.preferences.empty(); });
    }
    server.stop();
    thread.join();
    return bodies;
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
        simulator::bank::AccountService service(
            {directory / "bank.sqlite",
             std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/cards/demo-cards.toml",
             simulator::bank::k_demo_pin_key});
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
            service.set_fault(simulator::bank::Fault::unavailable);
            post(balance_body("6228480402564890018", "1234"), true);  // 503
            put(preferences_body(unused, true), true);                // 503
            print_exchange("get", "/v1/health", "", true, client.Get("/v1/health"));
            service.set_fault(simulator::bank::Fault::none);
        }
    }
    // The kiosk's client speaks only HTTPS, to an authority it is given.
    std::filesystem::create_directories(directory / "tls");
    if (auto identity = simulator::bank::create_loopback_certificate(directory / "tls")) {
        const ClientRequests bodies = client_request_bodies(*identity);
        std::cout << json{{"kind", "client_request"},
                          {"method", "post"},
                          {"path", "/v1/balance"},
                          {"body", bodies.balance}}
                         .dump()
                  << '\n'
                  << json{{"kind", "client_request"},
                          {"method", "put"},
                          {"path", "/v1/preferences"},
                          {"body", bodies.preferences}}
                         .dump()
                  << '\n';
    } else {
        std::cerr << base::to_string(identity.error()) << '\n';
        status = 2;
    }
    std::filesystem::remove_all(directory);
    return status;
}
