#pragma once

// The account service's contract (docs/api/account.yaml) as the kiosk holds to it: the limits
// of its fields, and how each HTTP reply maps to the core's values (kiosk/core/events.h,
// kiosk/core/account_calls.h). The mapping is strict: a reply that is not exactly what the
// contract allows for that request is bad_reply. Secrets in a reply (a grant, a session token)
// are copied into base::SecretText and wiped in the parsed document.
//
// Pure functions: no I/O, no clock, no threads.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/account_calls.h"
#include "kiosk/core/events.h"

namespace kiosk::net {

// A balance reply is about 200 bytes with its preferences; anything near this limit is not our
// service.
inline constexpr std::size_t k_maximum_reply_bytes = 16 * 1024;
// The largest balance the kiosk will believe: 100 billion yuan in fen.
inline constexpr std::int64_t k_maximum_balance_minor_units = 10'000'000'000'000;
// The service locks a card after a few wrong PINs; a larger count is a broken reply.
inline constexpr int k_maximum_tries_left = 9;
// docs/api/account.yaml, "Grant" and "SessionToken": an opaque token of 16 to 128 characters of
// A-Z a-z 0-9 _ -. Anything else in a reply makes the reply broken, and the client never sends
// it.
inline constexpr std::size_t k_minimum_token_length = 16;
inline constexpr std::size_t k_maximum_token_length = 128;

// docs/api/account.yaml, "Quote": an id of 8 to 64 characters of A-Z a-z 0-9 _ -.
inline constexpr std::size_t k_minimum_quote_id_length = 8;
inline constexpr std::size_t k_maximum_quote_id_length = 64;
// docs/api/account.yaml, "StatementOk".
inline constexpr std::size_t k_maximum_statement_entries = 10;

// "**** 3445": a payee account's last four digits.
bool is_masked_account(std::string_view text);
// YYYY-MM-DD, digits in place (the calendar is the service's).
bool is_date(std::string_view text);
// docs/api/account.yaml, "CardLockOk": 4 to 32 of A-Z 0-9 -.
bool is_card_lock_reference(std::string_view text);

// Whether `text` is a grant or session token the contract allows: checked before a token is
// believed or sent, so that it goes into a request body as it is, with nothing to escape.
bool is_token(std::string_view text);
bool is_quote_id(std::string_view text);

// A reply that carries nothing but how the call ended: what a call that failed before or
// without a well-formed answer returns.
core::ServiceReply reply_with(core::ServiceStatus status);
core::MoneyReply money_reply_with(core::MoneyStatus status);

// How a received sign-on reply maps to the core's ServiceReply (docs/api/account.yaml). Anything
// that is not exactly the contract is bad_reply; 503 and other 5xx are unavailable. An ok reply
// without `preferences` has none (a service that keeps no preferences), one without `session`
// and `limits` opens none (a service of version 1.1: the balance only); either present but
// malformed makes the whole reply bad_reply.
core::ServiceReply interpret_sign_on_reply(long http_status, std::string_view body);

// How a received reply to one of the customer's requests maps to the core's MoneyReply: the
// payload the request's success carries (a quote, a withdrawal, a transfer, statement entries,
// a card lock reference) must be there and well formed, or the reply is bad_reply; so is a
// refusal the contract does not give for that request. 5xx is unavailable.
core::MoneyReply interpret_money_reply(const core::AccountRequest& request, long http_status,
                                       std::string_view body);

// Whether a reply to PUT /v1/preferences says the preferences were stored: only 200 with
// {"result":"ok"}. Everything else (403 grant_refused, 400, 5xx, a broken body) is not saved.
bool interpret_preferences_reply(long http_status, std::string_view body);

// docs/api/account.yaml, "KeySlot": the working-key slots a kiosk may ask the bank for.
bool is_working_key_slot(std::string_view slot);
// docs/api/account.yaml, "KeyCheckValue": 10 upper-case hexadecimal digits.
bool is_check_value(std::string_view text);

// How a reply to POST /v1/working-keys maps to the core's values: ok only with exactly one key
// per slot asked for, in that order, each with a 64-digit key block and a 10-digit KCV in
// upper-case hexadecimal; no_keys for 404 {"result":"no_keys"}; anything else unavailable (a
// broken reply included: the ceremony cannot go on without the bank's keys either way).
core::WorkingKeysFetched interpret_working_keys_reply(long http_status, std::string_view body,
                                                      const std::vector<std::string>& slots);

}  // namespace kiosk::net
