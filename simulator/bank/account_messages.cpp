#include "simulator/bank/account_messages.h"

#include <algorithm>

#include "base/bytes.h"
#include "base/text.h"
#include "base/uuid.h"

namespace simulator::bank {

namespace {

using nlohmann::json;

constexpr std::size_t k_maximum_terminal_id_length = 32;
constexpr std::size_t k_minimum_token_length = 16;
constexpr std::size_t k_maximum_token_length = 128;
constexpr std::size_t k_minimum_quote_id_length = 8;
constexpr std::size_t k_maximum_quote_id_length = 64;
constexpr std::size_t k_minimum_account_length = 12;
constexpr std::size_t k_maximum_account_length = 19;
constexpr std::size_t k_pin_block_hex_length = 16;
// docs/api/account.yaml, "Money": at most 10^13 minor units.
constexpr std::int64_t k_maximum_minor_units = 10'000'000'000'000;

bool is_alphanumeric(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_token_text(std::string_view text, std::size_t minimum, std::size_t maximum) {
    return text.size() >= minimum && text.size() <= maximum &&
           std::ranges::all_of(text,
                               [](char c) { return is_alphanumeric(c) || c == '_' || c == '-'; });
}

}  // namespace

std::string_view to_string(RequestError error) {
    switch (error) {
        case RequestError::not_json:
            return "body is not valid JSON";
        case RequestError::not_object:
            return "body must be a JSON object";
        case RequestError::bad_card_authentication:
            return "card_authentication must be an object of upper-case hexadecimal fields";
        case RequestError::unexpected_field:
            return "unexpected field in body";
        case RequestError::bad_terminal_id:
            return "terminal_id must be 1 to 32 characters of A-Z a-z 0-9 . _ -";
        case RequestError::bad_pan:
            return "pan must be a string of 12 to 19 digits";
        case RequestError::bad_pin_block_format:
            return "pin_block_format must be \"iso9564-0\" or \"iso9564-4\"";
        case RequestError::bad_key_check_value:
            return "master_key_kcv must be 10 upper-case hexadecimal digits";
        case RequestError::bad_slots:
            return "slots must name 1 to 3 different slots: pin_tdes, pin_aes, authentication";
        case RequestError::bad_pin_block_ksn:
            return "pin_block_ksn must be 24 hexadecimal digits, beside a format 4 block";
        case RequestError::bad_pin_block:
            return "pin_block must be 16 hexadecimal digits (iso9564-0) or 32 (iso9564-4)";
        case RequestError::bad_grant:
            return "grant must be 16 to 128 characters of A-Z a-z 0-9 _ -";
        case RequestError::bad_elder_mode:
            return "elder_mode must be true or false";
        case RequestError::bad_session:
            return "session must be 16 to 128 characters of A-Z a-z 0-9 _ -";
        case RequestError::bad_kind:
            return "kind must be \"withdrawal\" or \"transfer\"";
        case RequestError::bad_amount:
            return "amounts must be {\"minor_units\": 0 to 10^13, \"currency\": ISO 4217 code}";
        case RequestError::bad_payee_account:
            return "payee_account must be 12 to 19 digits, for a transfer only";
        case RequestError::bad_quote:
            return "quote must be 8 to 64 characters of A-Z a-z 0-9 _ -";
        case RequestError::bad_reason:
            return "reason must be one of cash_not_taken, dispense_failed, cancelled, "
                   "outcome_unknown";
        case RequestError::bad_transaction:
            return "the transaction reference must be a lowercase UUID";
    }
    return "bad request";
}

bool is_terminal_id(std::string_view text) {
    return !text.empty() && text.size() <= k_maximum_terminal_id_length &&
           std::ranges::all_of(
               text, [](char c) { return is_alphanumeric(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_token(std::string_view text) {
    return is_token_text(text, k_minimum_token_length, k_maximum_token_length);
}

bool is_quote_id(std::string_view text) {
    return is_token_text(text, k_minimum_quote_id_length, k_maximum_quote_id_length);
}

bool is_transaction_reference(std::string_view text) {
    return base::is_canonical_uuid(text);
}

bool is_key_check_value(std::string_view text) {
    // Upper case only, as account.yaml's pattern: the reply's values compare as text.
    constexpr std::size_t k_digits = 10;
    return text.size() == k_digits && std::ranges::all_of(text, [](char character) {
               return (character >= '0' && character <= '9') ||
                      (character >= 'A' && character <= 'F');
           });
}

bool is_account_number(std::string_view text) {
    return text.size() >= k_minimum_account_length && text.size() <= k_maximum_account_length &&
           base::is_digits(text);
}

std::optional<PinBlockFormat> pin_block_format_from(std::string_view name) {
    if (name == "iso9564-0") {
        return PinBlockFormat::iso9564_format0;
    }
    if (name == "iso9564-4") {
        return PinBlockFormat::iso9564_format4;
    }
    return std::nullopt;
}

std::optional<base::Bytes> parse_pin_block(std::string_view hex, PinBlockFormat format) {
    const std::size_t length = format == PinBlockFormat::iso9564_format4
                                   ? 2 * k_pin_block_hex_length
                                   : k_pin_block_hex_length;
    if (hex.size() != length) {
        return std::nullopt;
    }
    return base::parse_hex(hex);
}

bool is_pin_block_ksn(std::string_view text) {
    return parse_pin_block_ksn(text).has_value();
}

std::optional<drivers::dukpt::Ksn> parse_pin_block_ksn(std::string_view hex) {
    if (hex.size() != 2 * drivers::dukpt::k_ksn_length) {
        return std::nullopt;
    }
    auto bytes = base::parse_hex(hex);
    if (!bytes || bytes->size() != drivers::dukpt::k_ksn_length) {
        return std::nullopt;
    }
    drivers::dukpt::Ksn ksn{};
    std::ranges::copy(*bytes, ksn.begin());
    return ksn;
}

bool (*pin_block_check(PinBlockFormat format))(std::string_view) {
    if (format == PinBlockFormat::iso9564_format4) {
        return [](std::string_view text) {
            return parse_pin_block(text, PinBlockFormat::iso9564_format4).has_value();
        };
    }
    return [](std::string_view text) {
        return parse_pin_block(text, PinBlockFormat::iso9564_format0).has_value();
    };
}

std::optional<std::array<std::uint8_t, 8>> parse_pin_block(std::string_view hex) {
    if (hex.size() != k_pin_block_hex_length) {
        return std::nullopt;
    }
    const auto bytes = base::parse_hex(hex);
    if (!bytes || bytes->size() != 8) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 8> block{};
    std::ranges::copy(*bytes, block.begin());
    return block;
}

std::expected<json, RequestError> parse_object(std::string_view body,
                                               std::initializer_list<std::string_view> allowed) {
    json document = json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return std::unexpected(RequestError::not_json);
    }
    if (!document.is_object()) {
        return std::unexpected(RequestError::not_object);
    }
    for (const auto& [key, value] : document.items()) {
        if (std::ranges::find(allowed, std::string_view(key)) == allowed.end()) {
            return std::unexpected(RequestError::unexpected_field);
        }
    }
    return document;
}

std::expected<std::string, RequestError> read_string(const json& object, std::string_view name,
                                                     bool (*valid)(std::string_view),
                                                     RequestError error) {
    const auto field = object.find(name);
    if (field == object.end() || !field->is_string() ||
        !valid(field->get_ref<const std::string&>())) {
        return std::unexpected(error);
    }
    return field->get<std::string>();
}

std::expected<std::string, RequestError> read_terminal_id(const json& object,
                                                          std::string& audited) {
    auto terminal =
        read_string(object, "terminal_id", is_terminal_id, RequestError::bad_terminal_id);
    if (terminal) {
        audited = *terminal;
    }
    return terminal;
}

std::expected<Money, RequestError> read_money(const json& object, std::string_view name) {
    const auto field = object.find(name);
    if (field == object.end() || !field->is_object() || field->size() != 2) {
        return std::unexpected(RequestError::bad_amount);
    }
    const auto units = field->find("minor_units");
    const auto currency = field->find("currency");
    if (units == field->end() || !units->is_number_integer() || currency == field->end() ||
        !currency->is_string()) {
        return std::unexpected(RequestError::bad_amount);
    }
    const auto& code = currency->get_ref<const std::string&>();
    const bool code_ok =
        code.size() == 3 && std::ranges::all_of(code, [](char c) { return c >= 'A' && c <= 'Z'; });
    // Read unsigned first: a number above INT64_MAX must not wrap into range.
    const bool in_range =
        units->is_number_unsigned()
            ? units->get<std::uint64_t>() <= static_cast<std::uint64_t>(k_maximum_minor_units)
            : units->get<std::int64_t>() >= 0 &&
                  units->get<std::int64_t>() <= k_maximum_minor_units;
    if (!code_ok || !in_range) {
        return std::unexpected(RequestError::bad_amount);
    }
    const std::int64_t minor_units = units->get<std::int64_t>();
    return Money{minor_units, code};
}

json money_json(std::int64_t minor_units, std::string_view currency) {
    return json{{"minor_units", minor_units}, {"currency", currency}};
}

std::string result_body(std::string_view result) {
    return json{{"result", result}}.dump();
}

std::string bad_request_body(std::string_view detail) {
    return json{{"result", "bad_request"}, {"detail", detail}}.dump();
}

}  // namespace simulator::bank
