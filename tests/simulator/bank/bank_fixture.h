#pragma once

// A running account service on a free loopback port over a fresh temporary database seeded
// from the project's demo cards, and helpers to talk to it as a terminal would.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "simulator/bank/account_service.h"

namespace bank_test {

inline constexpr std::string_view k_zhang_wei_pan = "6228480402564890018";
inline constexpr std::string_view k_zhang_wei_pin = "1234";
inline constexpr std::string_view k_li_na_pan = "6217001234567890122";
inline constexpr std::string_view k_li_na_pin = "2468";
inline constexpr std::string_view k_alice_pan = "6234560000111122223";
inline constexpr std::string_view k_alice_pin = "1111";
inline constexpr std::string_view k_zhou_min_pin = "958316";
inline constexpr std::string_view k_chan_mei_pin = "1357";
inline constexpr std::string_view k_stranger_pan = "6214830000999900001";

std::filesystem::path demo_cards_path();

class TemporaryDirectory {
  public:
    TemporaryDirectory();
    ~TemporaryDirectory();
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

simulator::bank::AccountServiceConfig config_in(const std::filesystem::path& directory);

struct RunningBank {
    RunningBank();
    TemporaryDirectory directory;
    simulator::bank::AccountService service;
    httplib::Client client() const;
};

std::string pin_block_hex(std::string_view pin, std::string_view pan);

// A reply's body as JSON; the test fails if there was no reply or it is not JSON.
nlohmann::json body_of(const httplib::Result& result);

std::string balance_body(std::string_view pan, std::string_view pin_block);

// Works with httplib::Client and httplib::SSLClient alike.
template <typename HttpClient>
httplib::Result post_balance(HttpClient& client, std::string_view pan, std::string_view pin) {
    return client.Post("/v1/balance", balance_body(pan, pin_block_hex(pin, pan)),
                       "application/json");
}

std::string preferences_body(std::string_view grant, bool elder_mode,
                             std::string_view terminal_id = "lobby-01");

template <typename HttpClient>
httplib::Result put_preferences(HttpClient& client, std::string_view grant, bool elder_mode,
                                std::string_view terminal_id = "lobby-01") {
    return client.Put("/v1/preferences", preferences_body(grant, elder_mode, terminal_id),
                      "application/json");
}

}  // namespace bank_test
