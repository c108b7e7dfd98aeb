#pragma once

// The account service's messages (docs/api/account.yaml). Requests are read field by field,
// each checked against the contract's pattern; what is wrong is a RequestError whose text is
// safe to send back in a 400 reply, since it never echoes a value from the request
// (docs/style.md, "Errors"). Replies are built here too.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"

namespace simulator::bank {

enum class RequestError {
    not_json,                 // the body does not parse as JSON
    not_object,               // the body is JSON but not an object
    unexpected_field,         // a field the contract does not define
    bad_terminal_id,          // terminal_id missing, not a string, or not 1..32 allowed characters
    bad_pan,                  // pan missing, not a string, or not 12..19 digits
    bad_pin_block_format,     // pin_block_format missing or not "iso9564-0" or "iso9564-4"
    bad_pin_block,            // pin_block missing, not a string, or not 16 (format 0) or 32
                              // (format 4) hexadecimal digits
    bad_grant,                // grant missing, not a string, or not 16..128 allowed characters
    bad_elder_mode,           // elder_mode missing or not a boolean
    bad_session,              // session missing, not a string, or not 16..128 allowed characters
    bad_kind,                 // kind missing or not "withdrawal" or "transfer"
    bad_amount,               // amount or dispensed missing, or not a Money object
    bad_payee_account,        // payee_account missing for a transfer, given for a withdrawal, or
                              // not 12..19 digits
    bad_quote,                // quote missing, not a string, or not 8..64 allowed characters
    bad_reason,               // reason missing or not one of the contract's reasons
    bad_transaction,          // the path's transaction reference is not a lowercase UUID
    bad_card_authentication,  // card_authentication not an object of the contract's fields
    bad_pin_block_ksn,        // pin_block_ksn not a string of 24 hexadecimal digits, or beside a
                              // format 0 block (DUKPT makes format 4 blocks only)
    bad_key_check_value,      // master_key_kcv missing or not 10 upper-case hexadecimal digits
    bad_slots,                // slots missing, empty, repeated, or not the contract's slot names
};

std::string_view to_string(RequestError error);

// 1 to 32 characters of A-Z a-z 0-9 . _ -
bool is_terminal_id(std::string_view text);
// A grant or session: 16 to 128 characters of A-Z a-z 0-9 _ -
bool is_token(std::string_view text);
// A quote's id: 8 to 64 characters of A-Z a-z 0-9 _ -
bool is_quote_id(std::string_view text);
// A key check value (account.yaml "KeyCheckValue"): 10 upper-case hexadecimal digits.
bool is_key_check_value(std::string_view text);
// RFC 4122 text form in lower case: 8-4-4-4-12 hexadecimal digits.
bool is_transaction_reference(std::string_view text);
// 12 to 19 digits (ISO/IEC 7812-1 for a PAN; the same for an account number here).
bool is_account_number(std::string_view text);

// docs/api/account.yaml, "pin_block_format": ISO 9564-1 format 0 (TDES, 8 bytes) or format 4
// (AES-128, 16 bytes), docs/protocols/epp.md §4.4.
enum class PinBlockFormat { iso9564_format0, iso9564_format4 };
std::optional<PinBlockFormat> pin_block_format_from(std::string_view name);

// A format 0 block: 16 hexadecimal digits.
std::optional<std::array<std::uint8_t, 8>> parse_pin_block(std::string_view hex);
// A block of `format`: 16 hexadecimal digits for format 0, 32 for format 4.
std::optional<base::Bytes> parse_pin_block(std::string_view hex, PinBlockFormat format);
// The check of a pin_block field of `format` (read_string()'s predicate).
bool (*pin_block_check(PinBlockFormat format))(std::string_view);

// docs/api/account.yaml, "pin_block_ksn" (version 1.4): the 12-byte key serial number of a
// format 4 block enciphered under AES DUKPT (ANSI X9.24-3-2017 §6.1), 24 hexadecimal digits.
bool is_pin_block_ksn(std::string_view text);
std::optional<drivers::dukpt::Ksn> parse_pin_block_ksn(std::string_view hex);

struct Money {
    std::int64_t minor_units = 0;
    std::string currency;
};

// The body as a JSON object holding no field outside `allowed`.
std::expected<nlohmann::json, RequestError> parse_object(
    std::string_view body, std::initializer_list<std::string_view> allowed);

// A string field that passes `valid`; `error` when it is missing, not a string or invalid.
std::expected<std::string, RequestError> read_string(const nlohmann::json& object,
                                                     std::string_view name,
                                                     bool (*valid)(std::string_view),
                                                     RequestError error);
// The terminal_id every request carries (is_terminal_id), written to `audited` as soon as it is
// read, so that a refusal of the rest of the request still names the kiosk in the audit.
std::expected<std::string, RequestError> read_terminal_id(const nlohmann::json& object,
                                                          std::string& audited);
// A Money object: exactly minor_units (0 to 10^13) and currency (three capital letters).
std::expected<Money, RequestError> read_money(const nlohmann::json& object, std::string_view name);

// {"minor_units": ..., "currency": ...}
nlohmann::json money_json(std::int64_t minor_units, std::string_view currency);
// {"result": result}
std::string result_body(std::string_view result);
// {"result": "bad_request", "detail": detail}
std::string bad_request_body(std::string_view detail);

}  // namespace simulator::bank
