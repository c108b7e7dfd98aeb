#include "bank_fixture.h"
#include "base/bytes.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include "drivers/iso9564/pin_block.h"

namespace bank_test {

std::filesystem::path demo_cards_path() {
    return std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator" / "cards" / "demo-cards.toml";
}

TemporaryDirectory::TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiosk-bank-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    REQUIRE(made != nullptr);
    m_path = made;
}

TemporaryDirectory::~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

simulator::bank::AccountServiceConfig config_in(const std::filesystem::path& directory) {
    return {directory / "bank.sqlite", demo_cards_path(), simulator::bank::k_demo_pin_key};
}

RunningBank::RunningBank() : service(config_in(directory.path())) {
    auto started = service.start();
    INFO((started ? std::string("started") : base::to_string(started.error())));
    REQUIRE(started.has_value());
    REQUIRE(service.port() > 0);
}

httplib::Client RunningBank::client() const {
    httplib::Client client("127.0.0.1", service.port());
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    return client;
}

nlohmann::json body_of(const httplib::Result& result) {
    REQUIRE(result);
    const nlohmann::json document = nlohmann::json::parse(result->body, nullptr, false);
    REQUIRE_FALSE(document.is_discarded());
    return document;
}

std::string pin_block_hex(std::string_view pin, std::string_view pan) {
    auto block = drivers::iso9564::format0_encrypted(pin, pan, simulator::bank::k_demo_pin_key);
    REQUIRE(block.has_value());
    return base::to_hex(*block);
}

std::string balance_body(std::string_view pan, std::string_view pin_block) {
    return nlohmann::json{{"terminal_id", "lobby-01"},
                          {"pan", pan},
                          {"pin_block", pin_block},
                          {"pin_block_format", "iso9564-0"}}
        .dump();
}

std::string preferences_body(std::string_view grant, bool elder_mode,
                             std::string_view terminal_id) {
    return nlohmann::json{
        {"terminal_id", terminal_id}, {"grant", grant}, {"elder_mode", elder_mode}}
        .dump();
}

}  // namespace bank_test
