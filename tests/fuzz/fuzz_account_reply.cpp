// libFuzzer harness: the account service's replies as the kiosk maps them
// (kiosk/net/account_contract.h, docs/api/account.yaml). The first byte picks the HTTP
// status, the second what was asked (0 a sign-on, 1 a preferences save, 2 and on each of the
// customer's requests); the rest is the reply body.
// Properties: no reply body, however broken, escapes as an exception or an over-read, and
// what is believed holds to the contract: an ok sign-on has a balance between 0 and the
// largest believed and tokens of the contract's form; a wrong PIN leaves 0 to 9 tries; a
// quote's total is its amount and fee, of the kind asked for; a withdrawal never dispensed
// more than its amount; a statement holds at most 10 dated entries; 5xx is unavailable.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "kiosk/core/account_calls.h"
#include "kiosk/net/account_contract.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace core = kiosk::core;
namespace net = kiosk::net;
using tests::fuzz::require;

// The statuses docs/api/account.yaml gives its operations, and some it does not.
constexpr std::array<long, 16> k_http_statuses{200, 201, 204, 400, 401, 403, 404, 409,
                                               410, 413, 422, 423, 429, 500, 503, 302};

constexpr std::string_view k_transaction = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr std::string_view k_quote_id = "q_1234567890";

core::AccountRequest request_of(std::uint8_t choice) {
    const auto money = [](std::int64_t minor_units) { return core::Money{minor_units, "CNY"}; };
    switch (choice % 11) {
        case 0:
            return core::RequestStatement{};
        case 1:
            return core::RequestQuote{core::MoneyKind::withdrawal, money(50'000), {}};
        case 2:
            return core::RequestQuote{core::MoneyKind::transfer, money(50'000),
                                      std::string_view("6222020000000003")};
        case 3:
            return core::AuthoriseWithdrawal{std::string(k_transaction), std::string(k_quote_id)};
        case 4:
            return core::ConfirmWithdrawal{std::string(k_transaction), money(50'000)};
        case 5:
            return core::ReverseWithdrawal{std::string(k_transaction),
                                           core::ReverseReason::cash_not_taken};
        case 6:
            return core::FindWithdrawal{std::string(k_transaction)};
        case 7:
            return core::ExecuteTransfer{std::string(k_transaction), std::string(k_quote_id)};
        case 8:
            return core::FindTransfer{std::string(k_transaction)};
        case 9:
            return core::LockCard{};
        default: {
            constexpr std::array<std::uint8_t, 8> k_block{1, 2, 3, 4, 5, 6, 7, 8};
            return core::ChangePin{*core::CardNumber::parse("6222020000000011"),
                                   *core::EncryptedPinBlock::from_bytes(k_block)};
        }
    }
}

bool is_currency(std::string_view currency) {
    return currency.size() == 3 && std::ranges::all_of(currency, [](char letter) {
               return letter >= 'A' && letter <= 'Z';
           });
}

void check_sign_on(long http_status, std::string_view body) {
    const core::ServiceReply reply = net::interpret_sign_on_reply(http_status, body);
    if (http_status >= 500) {
        require(reply.status == core::ServiceStatus::unavailable);
    }
    if (reply.status == core::ServiceStatus::wrong_pin) {
        require(reply.tries_left >= 0 && reply.tries_left <= net::k_maximum_tries_left);
    }
    if (reply.status != core::ServiceStatus::ok) {
        require(!reply.balance && !reply.preferences && !reply.session);
        return;
    }
    require(http_status == 200);
    require(reply.balance.has_value());
    require(reply.balance->balance.minor_units >= 0);
    require(reply.balance->balance.minor_units <= net::k_maximum_balance_minor_units);
    require(is_currency(reply.balance->balance.currency));
    if (reply.preferences && !reply.preferences->grant.empty()) {
        require(net::is_token(reply.preferences->grant.view()));
    }
    if (reply.session) {
        require(net::is_token(reply.session->token.view()));
    }
}

void check_money(const core::AccountRequest& request, long http_status, std::string_view body) {
    const core::MoneyReply reply = net::interpret_money_reply(request, http_status, body);
    if (http_status >= 500) {
        require(reply.status == core::MoneyStatus::unavailable);
    }
    if (reply.status != core::MoneyStatus::ok) {
        require(!reply.quote && reply.entries.empty() && reply.card_lock_reference.empty());
        return;
    }
    require(http_status == 200 || http_status == 201);
    if (const auto* asked = std::get_if<core::RequestQuote>(&request)) {
        require(reply.quote.has_value());
        require(reply.quote->kind == asked->kind);
        require(net::is_quote_id(reply.quote->id));
        require(reply.quote->total.currency == reply.quote->amount.currency);
        require(reply.quote->total.minor_units ==
                reply.quote->amount.minor_units + reply.quote->fee.minor_units);
    }
    if (reply.withdrawal) {
        require(reply.withdrawal->dispensed.minor_units <= reply.withdrawal->amount.minor_units);
    }
    if (reply.transfer) {
        require(net::is_masked_account(reply.transfer->payee_masked));
    }
    require(reply.entries.size() <= net::k_maximum_statement_entries);
    for (const core::StatementEntry& entry : reply.entries) {
        require(net::is_date(entry.date));
    }
    if (std::holds_alternative<core::LockCard>(request)) {
        require(net::is_card_lock_reference(reply.card_lock_reference));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const long http_status = k_http_statuses[input.take_byte() % k_http_statuses.size()];
    const std::uint8_t asked = input.take_byte();
    const std::string_view body = input.rest_text();
    if (asked == 0) {
        check_sign_on(http_status, body);
    } else if (asked == 1) {
        if (net::interpret_preferences_reply(http_status, body)) {
            require(http_status == 200);
        }
    } else {
        check_money(request_of(static_cast<std::uint8_t>(asked - 2)), http_status, body);
    }
    return 0;
}
