#include "simulator/bank/demo_accounts.h"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>

#include "base/text.h"

namespace simulator::bank {

namespace {

// Same limits as the service applies to requests (ISO/IEC 7812-1 PAN, ISO 9564-1 PIN).
constexpr std::size_t k_minimum_pan_length = 12;
constexpr std::size_t k_maximum_pan_length = 19;
constexpr std::size_t k_minimum_pin_length = 4;
constexpr std::size_t k_maximum_pin_length = 12;
// Twelve integer digits is far beyond any demo balance and far inside int64.
constexpr std::size_t k_maximum_integer_digits = 12;

}  // namespace

std::expected<std::int64_t, BankError> parse_amount(std::string_view text) {
    const std::size_t point = text.find('.');
    const std::string_view whole = text.substr(0, point);
    const std::string_view fraction =
        point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
    if (!base::is_digits(whole) || whole.size() > k_maximum_integer_digits) {
        return std::unexpected(BankError::bad_seed);
    }
    if (point != std::string_view::npos && (!base::is_digits(fraction) || fraction.size() > 2)) {
        return std::unexpected(BankError::bad_seed);
    }
    std::int64_t minor = 0;
    for (char digit : whole) {
        minor = minor * 10 + (digit - '0');
    }
    for (std::size_t index = 0; index < 2; ++index) {
        minor = minor * 10 + (index < fraction.size() ? fraction[index] - '0' : 0);
    }
    return minor;
}

std::expected<std::vector<DemoAccount>, base::Error<BankError>> read_demo_accounts(
    const std::filesystem::path& cards_file) {
    // Debian's toml++ is built with exceptions: turn its parse error into a base::Error<BankError>
    // here so that it never travels further.
    toml::table root;
    try {
        root = toml::parse_file(cards_file.string());
    } catch (const toml::parse_error& error) {
        return std::unexpected(
            base::error(BankError::seed_failure,
                        cards_file.string() + ": " + std::string(error.description())));
    }
    const toml::array* cards = root["card"].as_array();
    if (cards == nullptr) {
        return std::unexpected(
            base::error(BankError::seed_failure, cards_file.string() + ": no [[card]] entries"));
    }
    std::vector<DemoAccount> accounts;
    for (const toml::node& node : *cards) {
        const toml::table* card = node.as_table();
        if (card == nullptr) {
            return std::unexpected(
                base::error(BankError::bad_seed, "a [[card]] entry is not a table"));
        }
        const std::string name = (*card)["name"].value_or(std::string{});
        const std::string balance = (*card)["balance"].value_or(std::string{});
        if (balance.empty()) {
            continue;  // no account behind this card: the bank does not know it
        }
        DemoAccount account;
        account.name = name;
        account.pan = (*card)["pan"].value_or(std::string{});
        account.pin = (*card)["pin"].value_or(std::string{});
        if (!base::is_digits(account.pan) || account.pan.size() < k_minimum_pan_length ||
            account.pan.size() > k_maximum_pan_length) {
            return std::unexpected(base::error(BankError::bad_seed, "card " + name + ": bad pan"));
        }
        if (!base::is_digits(account.pin) || account.pin.size() < k_minimum_pin_length ||
            account.pin.size() > k_maximum_pin_length) {
            return std::unexpected(base::error(BankError::bad_seed, "card " + name + ": bad pin"));
        }
        auto amount = parse_amount(balance);
        if (!amount) {
            return std::unexpected(
                base::error(BankError::bad_seed, "card " + name + ": bad balance"));
        }
        account.balance_minor_units = *amount;
        accounts.push_back(std::move(account));
    }
    return accounts;
}

}  // namespace simulator::bank
