#include "kiosk/net/account_contract.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "base/uuid.h"
#include "base/wipe.h"

namespace kiosk::net {

namespace {

using nlohmann::json;

bool has_result(const json& document, std::string_view expected) {
    const auto result = document.find("result");
    return result != document.end() && result->is_string() &&
           result->get_ref<const std::string&>() == expected;
}

bool is_currency_code(const json& value) {
    if (!value.is_string()) {
        return false;
    }
    const auto& code = value.get_ref<const std::string&>();
    return code.size() == 3 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// The `preferences` of an ok balance reply (docs/api/account.yaml, "CardPreferences"), or
// nothing when it does not match the contract. The grant is copied into a SecretText and its
// text in the parsed document is wiped, whatever else the object holds.
std::optional<core::CardPreferences> read_preferences(json& value) {
    if (!value.is_object()) {
        return std::nullopt;
    }
    const auto grant = value.find("grant");
    const auto elder_mode = value.find("elder_mode");
    if (grant == value.end() || !grant->is_string()) {
        return std::nullopt;
    }
    auto& grant_text = grant->get_ref<std::string&>();
    std::optional<core::CardPreferences> preferences;
    if (is_token(grant_text) && elder_mode != value.end() && elder_mode->is_boolean()) {
        preferences = core::CardPreferences{elder_mode->get<bool>(), base::SecretText(grant_text)};
    }
    base::wipe(grant_text);
    return preferences;
}

// docs/api/account.yaml, "Money": an integer number of minor units from 0 to 10^13 (never a
// float or a string: money has no binary fractions) and an ISO 4217 code.
std::optional<core::Money> read_money(const json& value) {
    if (!value.is_object() || value.size() != 2) {
        return std::nullopt;
    }
    const auto minor = value.find("minor_units");
    const auto currency = value.find("currency");
    if (minor == value.end() || currency == value.end() || !minor->is_number_integer() ||
        !is_currency_code(*currency)) {
        return std::nullopt;
    }
    const bool in_range = minor->is_number_unsigned()
                              ? minor->get<std::uint64_t>() <=
                                    static_cast<std::uint64_t>(k_maximum_balance_minor_units)
                              : minor->get<std::int64_t>() >= 0 &&
                                    minor->get<std::int64_t>() <= k_maximum_balance_minor_units;
    if (!in_range) {
        return std::nullopt;
    }
    return core::Money{minor->get<std::int64_t>(), currency->get<std::string>()};
}

std::optional<core::Money> money_field(const json& object, std::string_view name) {
    const auto found = object.find(name);
    return found == object.end() ? std::nullopt : read_money(*found);
}

// The session and limits of an ok sign-on reply, or nothing when they do not match the
// contract. The token is copied into a SecretText and wiped in the parsed document.
std::optional<core::AccountSession> read_session(json& document) {
    const auto token = document.find("session");
    const auto limits = document.find("limits");
    if (token == document.end() || !token->is_string() || limits == document.end() ||
        !limits->is_object() || limits->size() != 3) {
        return std::nullopt;
    }
    auto& token_text = token->get_ref<std::string&>();
    const auto per_transaction = money_field(*limits, "withdrawal_per_transaction");
    const auto withdrawal_left = money_field(*limits, "withdrawal_left_today");
    const auto transfer_left = money_field(*limits, "transfer_left_today");
    std::optional<core::AccountSession> session;
    if (is_token(token_text) && per_transaction && withdrawal_left && transfer_left) {
        session =
            core::AccountSession{base::SecretText(token_text),
                                 core::Limits{*per_transaction, *withdrawal_left, *transfer_left}};
    }
    base::wipe(token_text);
    return session;
}

}  // namespace

core::ServiceReply reply_with(core::ServiceStatus status) {
    core::ServiceReply reply;
    reply.status = status;
    return reply;
}

core::MoneyReply money_reply_with(core::MoneyStatus status) {
    core::MoneyReply reply;
    reply.status = status;
    return reply;
}

core::ServiceReply interpret_sign_on_reply(long http_status, std::string_view body) {
    // 503, and any other server-side failure, is "the service is down" whatever the body says.
    if (http_status >= 500 && http_status <= 599) {
        return reply_with(core::ServiceStatus::unavailable);
    }
    if (body.size() > k_maximum_reply_bytes) {
        return reply_with(core::ServiceStatus::bad_reply);
    }
    // Not const: the grant's text in it is wiped once it has been read.
    json document = json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return reply_with(core::ServiceStatus::bad_reply);
    }
    switch (http_status) {
        case 200: {
            const auto balance = document.find("balance");
            if (!has_result(document, "ok") || balance == document.end() || !balance->is_object()) {
                break;
            }
            const auto minor = balance->find("minor_units");
            const auto currency = balance->find("currency");
            // An integer in JSON, never a float or a string: money has no binary fractions.
            if (minor == balance->end() || currency == balance->end() ||
                !minor->is_number_integer() || !is_currency_code(*currency)) {
                break;
            }
            if (minor->is_number_unsigned()) {
                if (minor->get<std::uint64_t>() >
                    static_cast<std::uint64_t>(k_maximum_balance_minor_units)) {
                    break;
                }
            } else if (minor->get<std::int64_t>() < 0) {
                break;
            }
            // Optional (a service that keeps no preferences), but never malformed.
            std::optional<core::CardPreferences> preferences;
            if (const auto found = document.find("preferences"); found != document.end()) {
                preferences = read_preferences(*found);
                if (!preferences) {
                    break;
                }
            }
            // Optional too (a service of version 1.1 opens no sessions: the customer can see the
            // balance but move no money), but never malformed.
            std::optional<core::AccountSession> session;
            if (document.contains("session") || document.contains("limits")) {
                session = read_session(document);
                if (!session) {
                    break;
                }
            }
            core::ServiceReply reply = reply_with(core::ServiceStatus::ok);
            reply.balance = core::BalanceReply{
                core::Money{minor->get<std::int64_t>(), currency->get<std::string>()}};
            reply.preferences = std::move(preferences);
            reply.session = std::move(session);
            return reply;
        }
        case 401: {
            const auto tries = document.find("tries_left");
            if (!has_result(document, "wrong_pin") || tries == document.end() ||
                !tries->is_number_integer()) {
                break;
            }
            if (tries->is_number_unsigned()
                    ? tries->get<std::uint64_t>() > static_cast<std::uint64_t>(k_maximum_tries_left)
                    : (tries->get<std::int64_t>() < 0 ||
                       tries->get<std::int64_t>() > k_maximum_tries_left)) {
                break;
            }
            core::ServiceReply reply = reply_with(core::ServiceStatus::wrong_pin);
            reply.tries_left = tries->get<int>();
            return reply;
        }
        case 403:
            if (has_result(document, "card_blocked")) {
                return reply_with(core::ServiceStatus::card_blocked);
            }
            break;
        case 404:
            if (has_result(document, "card_unknown")) {
                return reply_with(core::ServiceStatus::card_unknown);
            }
            break;
        case 423:
            if (has_result(document, "pin_locked")) {
                return reply_with(core::ServiceStatus::pin_locked);
            }
            break;
        default:
            break;
    }
    return reply_with(core::ServiceStatus::bad_reply);
}

namespace {

// `digits` upper-case hexadecimal digits.
bool is_upper_hex(std::string_view text, std::size_t digits) {
    return text.size() == digits && std::ranges::all_of(text, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
           });
}

// docs/api/account.yaml, "WorkingKeysOk": a key block of 32 bytes, a KCV of 5.
constexpr std::size_t k_key_block_digits = 64;
constexpr std::size_t k_check_value_digits = 10;

}  // namespace

bool is_check_value(std::string_view text) {
    return is_upper_hex(text, k_check_value_digits);
}

bool is_working_key_slot(std::string_view slot) {
    return slot == "pin_tdes" || slot == "pin_aes" || slot == "authentication";
}

core::WorkingKeysFetched interpret_working_keys_reply(long http_status, std::string_view body,
                                                      const std::vector<std::string>& slots) {
    core::WorkingKeysFetched fetched;
    if (body.size() > k_maximum_reply_bytes) {
        return fetched;
    }
    const json document = json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return fetched;
    }
    if (http_status == 404 && document.size() == 1 && has_result(document, "no_keys")) {
        fetched.outcome = core::WorkingKeysOutcome::no_keys;
        return fetched;
    }
    const auto keys = document.find("keys");
    if (http_status != 200 || document.size() != 2 || !has_result(document, "ok") ||
        keys == document.end() || !keys->is_array() || keys->size() != slots.size()) {
        return fetched;
    }
    for (std::size_t index = 0; index < slots.size(); ++index) {
        const json& key = (*keys)[index];
        if (!key.is_object() || key.size() != 3) {
            return fetched;
        }
        const auto slot = key.find("slot");
        const auto block = key.find("key_block");
        const auto value = key.find("kcv");
        if (slot == key.end() || block == key.end() || value == key.end() || !slot->is_string() ||
            !block->is_string() || !value->is_string() ||
            slot->get<std::string>() != slots[index] ||
            !is_upper_hex(block->get<std::string>(), k_key_block_digits) ||
            !is_check_value(value->get<std::string>())) {
            return fetched;
        }
        fetched.keys.push_back(core::WorkingKeyBlock{.slot = slots[index],
                                                     .key_block = block->get<std::string>(),
                                                     .check_value = value->get<std::string>()});
    }
    fetched.outcome = core::WorkingKeysOutcome::ok;
    return fetched;
}

bool interpret_preferences_reply(long http_status, std::string_view body) {
    if (http_status != 200 || body.size() > k_maximum_reply_bytes) {
        return false;
    }
    const json document = json::parse(body, nullptr, false);
    return !document.is_discarded() && document.is_object() && has_result(document, "ok");
}

namespace {

// `minimum` to `maximum` characters of A-Z a-z 0-9 _ -.
bool is_token_text(std::string_view text, std::size_t minimum, std::size_t maximum) {
    return text.size() >= minimum && text.size() <= maximum &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      c == '_' || c == '-';
           });
}

std::optional<std::string> string_field(const json& object, std::string_view name) {
    const auto found = object.find(name);
    if (found == object.end() || !found->is_string()) {
        return std::nullopt;
    }
    return found->get<std::string>();
}

// docs/api/account.yaml, "Quote".
std::optional<core::Quote> read_quote(const json& value) {
    if (!value.is_object()) {
        return std::nullopt;
    }
    const auto id = string_field(value, "id");
    const auto kind = string_field(value, "kind");
    const auto amount = money_field(value, "amount");
    const auto fee = money_field(value, "fee");
    const auto total = money_field(value, "total");
    const auto expires = value.find("expires_in_s");
    if (!id || !is_quote_id(*id) || !kind || (*kind != "withdrawal" && *kind != "transfer") ||
        !amount || !fee || !total || expires == value.end() || !expires->is_number_integer()) {
        return std::nullopt;
    }
    // The total is the amount and the fee, in one currency, or the reply is not believed.
    if (amount->currency != fee->currency || amount->currency != total->currency ||
        total->minor_units != amount->minor_units + fee->minor_units) {
        return std::nullopt;
    }
    core::Quote quote{
        *id,     *kind == "withdrawal" ? core::MoneyKind::withdrawal : core::MoneyKind::transfer,
        *amount, *fee,
        *total,  {}};
    if (const auto payee = value.find("payee_masked"); payee != value.end()) {
        if (!payee->is_string() || !is_masked_account(payee->get_ref<const std::string&>())) {
            return std::nullopt;
        }
        quote.payee_masked = payee->get<std::string>();
    }
    return quote;
}

std::optional<core::WithdrawalState> withdrawal_state_from(std::string_view text) {
    for (const auto state : {core::WithdrawalState::authorised, core::WithdrawalState::confirmed,
                             core::WithdrawalState::reversed, core::WithdrawalState::voided}) {
        if (core::to_string(state) == text) {
            return state;
        }
    }
    return std::nullopt;
}

// docs/api/account.yaml, "Withdrawal".
std::optional<core::WithdrawalRecord> read_withdrawal(const json& value) {
    if (!value.is_object()) {
        return std::nullopt;
    }
    const auto transaction = string_field(value, "transaction");
    const auto state_text = string_field(value, "state");
    const auto state = state_text ? withdrawal_state_from(*state_text) : std::nullopt;
    const auto amount = money_field(value, "amount");
    const auto fee = money_field(value, "fee");
    const auto dispensed = money_field(value, "dispensed");
    if (!transaction || !base::is_canonical_uuid(*transaction) || !state || !amount || !fee ||
        !dispensed || dispensed->minor_units > amount->minor_units) {
        return std::nullopt;
    }
    return core::WithdrawalRecord{*transaction, *state, *amount, *fee, *dispensed};
}

// docs/api/account.yaml, "Transfer".
std::optional<core::TransferRecord> read_transfer(const json& value) {
    if (!value.is_object()) {
        return std::nullopt;
    }
    const auto transaction = string_field(value, "transaction");
    const auto state = string_field(value, "state");
    const auto amount = money_field(value, "amount");
    const auto fee = money_field(value, "fee");
    const auto payee = string_field(value, "payee_masked");
    if (!transaction || !base::is_canonical_uuid(*transaction) || state != "executed" || !amount ||
        !fee || !payee || !is_masked_account(*payee)) {
        return std::nullopt;
    }
    return core::TransferRecord{*transaction, *amount, *fee, *payee};
}

std::optional<core::StatementEntryKind> entry_kind_from(std::string_view text) {
    using Kind = core::StatementEntryKind;
    for (const auto kind : {Kind::withdrawal, Kind::transfer_out, Kind::transfer_in, Kind::deposit,
                            Kind::fee, Kind::reversal, Kind::interest}) {
        if (core::to_string(kind) == text) {
            return kind;
        }
    }
    return std::nullopt;
}

// docs/api/account.yaml, "StatementOk": at most 10 entries.
std::optional<std::vector<core::StatementEntry>> read_entries(const json& value) {
    if (!value.is_array() || value.size() > k_maximum_statement_entries) {
        return std::nullopt;
    }
    std::vector<core::StatementEntry> entries;
    for (const json& item : value) {
        if (!item.is_object()) {
            return std::nullopt;
        }
        const auto date = string_field(item, "date");
        const auto kind_text = string_field(item, "kind");
        const auto kind = kind_text ? entry_kind_from(*kind_text) : std::nullopt;
        const auto direction = string_field(item, "direction");
        const auto amount = money_field(item, "amount");
        const auto after = money_field(item, "balance_after");
        if (!date || !is_date(*date) || !kind || (direction != "debit" && direction != "credit") ||
            !amount || !after) {
            return std::nullopt;
        }
        entries.push_back(
            core::StatementEntry{*date, *kind, direction == "credit", *amount, *after});
    }
    return entries;
}

// The refusals each request may meet (docs/api/account.yaml): any other is a broken reply.
bool may_be_refused_with(const core::AccountRequest& request, core::MoneyStatus status) {
    using Status = core::MoneyStatus;
    const bool quote = std::holds_alternative<core::RequestQuote>(request);
    const bool execute = std::holds_alternative<core::AuthoriseWithdrawal>(request) ||
                         std::holds_alternative<core::ExecuteTransfer>(request);
    switch (status) {
        case Status::insufficient_funds:
        case Status::over_limit:
            return quote || execute;
        case Status::amount_not_allowed:
        case Status::payee_unknown:
        case Status::payee_not_allowed:
            return quote || execute;
        case Status::pin_not_allowed:
            return std::holds_alternative<core::ChangePin>(request);
        case Status::quote_expired:
            return execute;
        default:
            return false;
    }
}

std::optional<core::MoneyStatus> refusal_from(std::string_view result) {
    using Status = core::MoneyStatus;
    for (const auto status :
         {Status::insufficient_funds, Status::over_limit, Status::amount_not_allowed,
          Status::payee_unknown, Status::payee_not_allowed, Status::pin_not_allowed}) {
        if (core::to_string(status) == result) {
            return status;
        }
    }
    return std::nullopt;
}

bool needs_session(const core::AccountRequest& request) {
    return !std::holds_alternative<core::ConfirmWithdrawal>(request) &&
           !std::holds_alternative<core::ReverseWithdrawal>(request) &&
           !std::holds_alternative<core::FindWithdrawal>(request) &&
           !std::holds_alternative<core::FindTransfer>(request);
}

// What an ok reply to `request` must carry, read into `reply`; false when it is not there.
bool read_success(const core::AccountRequest& request, const json& document,
                  core::MoneyReply& reply) {
    if (std::holds_alternative<core::RequestQuote>(request)) {
        const auto found = document.find("quote");
        reply.quote = found == document.end() ? std::nullopt : read_quote(*found);
        return reply.quote && reply.quote->kind == std::get<core::RequestQuote>(request).kind;
    }
    if (std::holds_alternative<core::AuthoriseWithdrawal>(request) ||
        std::holds_alternative<core::ConfirmWithdrawal>(request) ||
        std::holds_alternative<core::ReverseWithdrawal>(request) ||
        std::holds_alternative<core::FindWithdrawal>(request)) {
        const auto found = document.find("withdrawal");
        reply.withdrawal = found == document.end() ? std::nullopt : read_withdrawal(*found);
        return reply.withdrawal.has_value();
    }
    if (std::holds_alternative<core::ExecuteTransfer>(request) ||
        std::holds_alternative<core::FindTransfer>(request)) {
        const auto found = document.find("transfer");
        reply.transfer = found == document.end() ? std::nullopt : read_transfer(*found);
        return reply.transfer.has_value();
    }
    if (std::holds_alternative<core::RequestStatement>(request)) {
        const auto found = document.find("entries");
        auto entries = found == document.end() ? std::nullopt : read_entries(*found);
        if (entries) {
            reply.entries = std::move(*entries);
        }
        return entries.has_value();
    }
    if (std::holds_alternative<core::LockCard>(request)) {
        const auto reference = string_field(document, "reference");
        if (!reference || !is_card_lock_reference(*reference)) {
            return false;
        }
        reply.card_lock_reference = *reference;
        return true;
    }
    return document.size() == 1;  // ChangePin, EndSession: {"result": "ok"} and nothing else
}

}  // namespace

bool is_masked_account(std::string_view text) {
    return text.size() == 9 && text.substr(0, 5) == "**** " &&
           std::all_of(text.begin() + 5, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return false;
    }
    for (std::size_t index = 0; index < text.size(); ++index) {
        if (index != 4 && index != 7 && (text[index] < '0' || text[index] > '9')) {
            return false;
        }
    }
    return true;
}

bool is_card_lock_reference(std::string_view text) {
    return text.size() >= 4 && text.size() <= 32 &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-';
           });
}

core::MoneyReply interpret_money_reply(const core::AccountRequest& request, long http_status,
                                       std::string_view body) {
    using Status = core::MoneyStatus;
    if (http_status >= 500 && http_status <= 599) {
        return money_reply_with(Status::unavailable);
    }
    if (body.size() > k_maximum_reply_bytes) {
        return money_reply_with(Status::bad_reply);
    }
    const json document = json::parse(body, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return money_reply_with(Status::bad_reply);
    }
    core::MoneyReply reply = money_reply_with(Status::bad_reply);
    switch (http_status) {
        case 200:
        case 201:
            if (has_result(document, "ok") && read_success(request, document, reply)) {
                reply.status = Status::ok;
                return reply;
            }
            break;
        case 401:
            if (needs_session(request) && has_result(document, "session_refused")) {
                return money_reply_with(Status::session_refused);
            }
            break;
        case 404:
            if (!needs_session(request) &&
                !std::holds_alternative<core::ReverseWithdrawal>(request) &&
                has_result(document, "unknown_transaction")) {
                return money_reply_with(Status::unknown_transaction);
            }
            break;
        case 409: {
            if (!has_result(document, "conflict")) {
                break;
            }
            reply.status = Status::conflict;
            // What the service holds under the reference, when it says.
            if (const auto found = document.find("withdrawal"); found != document.end()) {
                reply.withdrawal = read_withdrawal(*found);
                if (!reply.withdrawal) {
                    return money_reply_with(Status::bad_reply);
                }
            }
            if (const auto found = document.find("transfer"); found != document.end()) {
                reply.transfer = read_transfer(*found);
                if (!reply.transfer) {
                    return money_reply_with(Status::bad_reply);
                }
            }
            return reply;
        }
        case 410:
            if (may_be_refused_with(request, Status::quote_expired) &&
                has_result(document, "quote_expired")) {
                return money_reply_with(Status::quote_expired);
            }
            break;
        case 422: {
            const auto result = string_field(document, "result");
            const auto status = result ? refusal_from(*result) : std::nullopt;
            if (!status || !may_be_refused_with(request, *status)) {
                break;
            }
            reply.status = *status;
            if (*status == Status::over_limit && document.contains("limit_left")) {
                reply.limit_left = money_field(document, "limit_left");
                if (!reply.limit_left) {
                    return money_reply_with(Status::bad_reply);
                }
            }
            return reply;
        }
        default:
            break;
    }
    return money_reply_with(Status::bad_reply);
}

bool is_token(std::string_view text) {
    return is_token_text(text, k_minimum_token_length, k_maximum_token_length);
}

bool is_quote_id(std::string_view text) {
    return is_token_text(text, k_minimum_quote_id_length, k_maximum_quote_id_length);
}

}  // namespace kiosk::net
