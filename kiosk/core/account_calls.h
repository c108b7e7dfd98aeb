#pragma once

// What the core asks of the bank's account service once the customer has signed on, and what
// comes back (docs/api/account.yaml, "Sessions" and "Money that moves"). Plain data: the shell's
// AccountClient (kiosk/net) turns a request into HTTPS and the answer into a MoneyReplyReceived.
//
// A transaction is named by its reference, a UUID the core is handed (the core makes no
// randomness) and journals before the first attempt; the same reference goes to the account
// service and, for a withdrawal, to the cash dispenser. Repeating a request with the same
// reference is always safe: the service answers with what it holds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/wipe.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/core/money.h"

namespace kiosk::core {

// A transaction's reference: a UUID in lower case (base/uuid.h).
using TransactionReference = std::string;

// What is left of the card's limits today, as the sign-on reply states it.
struct Limits {
    Money withdrawal_per_transaction;
    Money withdrawal_left_today;
    Money transfer_left_today;

    friend bool operator==(const Limits&, const Limits&) = default;
};

// The session a correct PIN opens: a secret token (never shown, logged or journaled) that the
// customer's further requests present instead of the card number and PIN block.
struct AccountSession {
    base::SecretText token;
    Limits limits;

    friend bool operator==(const AccountSession&, const AccountSession&) = default;
};

enum class MoneyKind { withdrawal, transfer };

std::string_view to_string(MoneyKind kind);

// The fee and total of an amount, checked against balance and limits; confirmed by the customer
// before anything moves.
struct Quote {
    std::string id;
    MoneyKind kind = MoneyKind::withdrawal;
    Money amount;
    Money fee;
    Money total;
    std::string payee_masked;  // a transfer's payee: "**** 3445"

    friend bool operator==(const Quote&, const Quote&) = default;
};

enum class WithdrawalState { authorised, confirmed, reversed, voided };

std::string_view to_string(WithdrawalState state);

struct WithdrawalRecord {
    TransactionReference transaction;
    WithdrawalState state = WithdrawalState::voided;
    Money amount;
    Money fee;
    Money dispensed;

    friend bool operator==(const WithdrawalRecord&, const WithdrawalRecord&) = default;
};

struct TransferRecord {
    TransactionReference transaction;
    Money amount;
    Money fee;
    std::string payee_masked;

    friend bool operator==(const TransferRecord&, const TransferRecord&) = default;
};

enum class StatementEntryKind {
    withdrawal,
    transfer_out,
    transfer_in,
    deposit,
    fee,
    reversal,
    interest
};

std::string_view to_string(StatementEntryKind kind);

struct StatementEntry {
    std::string date;  // YYYY-MM-DD
    StatementEntryKind kind = StatementEntryKind::deposit;
    bool credit = false;
    Money amount;
    Money balance_after;

    friend bool operator==(const StatementEntry&, const StatementEntry&) = default;
};

// Why a withdrawal is reversed; the account service records it.
enum class ReverseReason { cash_not_taken, dispense_failed, cancelled, outcome_unknown };

std::string_view to_string(ReverseReason reason);

// ---- Requests ----

struct RequestStatement {
    friend bool operator==(const RequestStatement&, const RequestStatement&) = default;
};
struct RequestQuote {
    MoneyKind kind = MoneyKind::withdrawal;
    Money amount;
    // A transfer's payee account, digits only: another customer's number, so a secret like
    // the card number (wiped, never shown in full, never journaled).
    base::SecretText payee_account;

    friend bool operator==(const RequestQuote&, const RequestQuote&) = default;
};
struct AuthoriseWithdrawal {
    TransactionReference transaction;
    std::string quote_id;

    friend bool operator==(const AuthoriseWithdrawal&, const AuthoriseWithdrawal&) = default;
};
struct ConfirmWithdrawal {
    TransactionReference transaction;
    Money dispensed;

    friend bool operator==(const ConfirmWithdrawal&, const ConfirmWithdrawal&) = default;
};
struct ReverseWithdrawal {
    TransactionReference transaction;
    ReverseReason reason = ReverseReason::outcome_unknown;

    friend bool operator==(const ReverseWithdrawal&, const ReverseWithdrawal&) = default;
};
// What became of a withdrawal whose answer was lost.
struct FindWithdrawal {
    TransactionReference transaction;

    friend bool operator==(const FindWithdrawal&, const FindWithdrawal&) = default;
};
struct ExecuteTransfer {
    TransactionReference transaction;
    std::string quote_id;

    friend bool operator==(const ExecuteTransfer&, const ExecuteTransfer&) = default;
};
struct FindTransfer {
    TransactionReference transaction;

    friend bool operator==(const FindTransfer&, const FindTransfer&) = default;
};
struct LockCard {
    friend bool operator==(const LockCard&, const LockCard&) = default;
};
// The new PIN as a block the PIN pad made with this card's PAN; the kiosk never sees the PIN.
struct ChangePin {
    CardNumber pan;
    EncryptedPinBlock pin_block;

    friend bool operator==(const ChangePin&, const ChangePin&) = default;
};
struct EndSession {
    friend bool operator==(const EndSession&, const EndSession&) = default;
};

using AccountRequest = std::variant<RequestStatement, RequestQuote, AuthoriseWithdrawal,
                                    ConfirmWithdrawal, ReverseWithdrawal, FindWithdrawal,
                                    ExecuteTransfer, FindTransfer, LockCard, ChangePin, EndSession>;

// The request's name in the transcript and the service notices: "quote", "withdrawal", ...
std::string_view call_name(const AccountRequest& request);

// ---- Replies ----

enum class MoneyStatus {
    ok,                   // done (or done before with this same request)
    session_refused,      // the session has ended: the customer signs on again
    conflict,             // the reference names another request, or its state forbids this
    quote_expired,        // the quote is old or used: quote again
    insufficient_funds,   // not enough in the account for the total
    over_limit,           // above what is left of a daily limit (limit_left says how much is)
    amount_not_allowed,   // zero, not whole yuan, or above the most one transaction may move
    payee_unknown,        // no account with that number
    payee_not_allowed,    // the card's own account
    unknown_transaction,  // the service holds no transaction of this terminal by that reference
    pin_not_allowed,      // the new PIN is too easy to guess or the same as now
    unavailable,          // the service said it cannot answer now, or was never reached
    // No answer: none in time, or the connection lost once the request could have reached the
    // service. The outcome is unknown until asked.
    timeout,
    bad_reply,  // an answer that is not the contract's
};

std::string_view to_string(MoneyStatus status);

struct MoneyReply {
    MoneyStatus status = MoneyStatus::bad_reply;
    std::optional<Quote> quote;                  // with ok, to RequestQuote
    std::optional<WithdrawalRecord> withdrawal;  // with ok or conflict, to a withdrawal request
    std::optional<TransferRecord> transfer;      // with ok or conflict, to a transfer request
    std::optional<Money> limit_left;             // with over_limit, when the service said
    std::vector<StatementEntry> entries;         // with ok, to RequestStatement
    std::string card_lock_reference;             // with ok, to LockCard

    friend bool operator==(const MoneyReply&, const MoneyReply&) = default;
};

}  // namespace kiosk::core
