// Drives the simulated account service and the kiosk's client through every documented reply
// and prints each exchange as one JSON line, for check_contract.py to hold against
// docs/api/account.yaml. Exits non-zero if the service cannot be started.

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
    "folder, drives it and the kiosk's account client through every documented reply, and\n"
    "prints each exchange as one JSON line to stdout, for check_contract.py to hold against\n"
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

// Captures the body the kiosk's AccountClient sends, so that it too is checked.
std::string client_request_body(const simulator::bank::TlsFiles& identity) {
    httplib::SSLServer server(identity.certificate.c_str(), identity.private_key.c_str());
    std::mutex mutex;
    std::condition_variable received;
    std::string body;
    server.Post("/v1/balance", [&](const httplib::Request& request, httplib::Response& response) {
        {
            std::lock_guard lock(mutex);
            body = request.body;
        }
        received.notify_all();
        response.status = 404;
        response.set_content(R"({"result":"card_unknown"})", "application/json");
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
        std::unique_lock lock(mutex);
        received.wait_for(lock, std::chrono::seconds(10), [&] { return !body.empty(); });
    }
    server.stop();
    thread.join();
    return body;
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
                print_exchange("post", "/v1/balance", body, valid,
                               client.Post("/v1/balance", body, "application/json"));
            };
            print_exchange("get", "/v1/health", "", true, client.Get("/v1/health"));
            post(balance_body("6228480402564890018", "1234"), true);                      // 200
            post(balance_body("6217001234567890122", "0000"), true);                      // 401
            post(balance_body("6217001234567890122", "0000"), true);                      // 401
            post(balance_body("6217001234567890122", "0000"), true);                      // 423
            post(balance_body("6214830000999900001", "0000"), true);                      // 404
            post(R"({"terminal_id":"probe-01","pan":"12"})", false);                      // 400
            post(std::string(simulator::bank::k_maximum_request_bytes + 1, ' '), false);  // 413
            service.set_fault(simulator::bank::Fault::unavailable);
            post(balance_body("6228480402564890018", "1234"), true);  // 503
            print_exchange("get", "/v1/health", "", true, client.Get("/v1/health"));
            service.set_fault(simulator::bank::Fault::none);
        }
    }
    // The kiosk's client speaks only HTTPS, to an authority it is given.
    std::filesystem::create_directories(directory / "tls");
    if (auto identity = simulator::bank::create_loopback_certificate(directory / "tls")) {
        std::cout
            << json{{"kind", "client_request"}, {"body", client_request_body(*identity)}}.dump()
            << '\n';
    } else {
        std::cerr << base::to_string(identity.error()) << '\n';
        status = 2;
    }
    std::filesystem::remove_all(directory);
    return status;
}
