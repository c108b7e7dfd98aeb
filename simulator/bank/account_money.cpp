// The account store's sessions and money (docs/api/account.yaml, "Sessions" and "Money that
// moves"). Every function runs in one IMMEDIATE transaction, so that a balance, its holds and
// its entries always agree, and a request is either done whole or not at all.

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>

#include "simulator/bank/account_store.h"
#include "simulator/bank/demo_accounts.h"
#include "simulator/bank/pin_hash.h"
#include "simulator/bank/store_internals.h"

namespace simulator::bank {

namespace {

constexpr std::string_view k_session_digest_domain = "kiosk-sim account service session v1:";
// Withdrawals are in whole yuan: the dispenser has no coins.
constexpr std::int64_t k_yuan = 100;
// A quote's id: "q-" and this many random bytes as hex.
constexpr std::size_t k_quote_bytes = 12;
constexpr std::size_t k_card_lock_bytes = 4;
constexpr std::int64_t k_day_ms = 24 * 60 * 60 * 1000;
// The most entries a statement holds (docs/api/account.yaml, "StatementOk").
constexpr int k_statement_entries = 10;

std::string session_digest(std::string_view session) {
    return sha256_hex(k_session_digest_domain, session);
}

std::int64_t day_start_unix_ms(std::int64_t now_unix_ms) {
    const std::int64_t local = now_unix_ms + k_branch_utc_offset_ms;
    return local - local % k_day_ms - k_branch_utc_offset_ms;
}

// YYYY-MM-DD in branch time, from days since 1970-01-01 (H. Hinnant's civil_from_days).
std::string branch_date(std::int64_t unix_ms) {
    std::int64_t days = (unix_ms + k_branch_utc_offset_ms) / k_day_ms + 719468;
    const std::int64_t era = days / 146097;
    const std::int64_t day_of_era = days - era * 146097;
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t month_index = (5 * day_of_year + 2) / 153;
    const std::int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
    const std::int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
    const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    char text[64];
    std::snprintf(text, sizeof text, "%04lld-%02lld-%02lld", static_cast<long long>(year),
                  static_cast<long long>(month), static_cast<long long>(day));
    return text;
}

std::string masked_account(std::string_view account) {
    return "**** " + std::string(account.substr(account.size() - 4));
}

std::int64_t transfer_fee(std::int64_t amount) {
    return amount > k_large_transfer_from ? k_large_transfer_fee : k_transfer_fee;
}

// Too easy to guess: one digit repeated, or a run up or down (1234, 987654).
bool is_guessable_pin(std::string_view pin) {
    if (pin.size() < 2) {
        return true;
    }
    const bool repeated = std::ranges::all_of(pin, [&](char digit) { return digit == pin[0]; });
    bool rising = true;
    bool falling = true;
    for (std::size_t index = 1; index < pin.size(); ++index) {
        rising = rising && pin[index] == pin[index - 1] + 1;
        falling = falling && pin[index] == pin[index - 1] - 1;
    }
    return repeated || rising || falling;
}

std::optional<WithdrawalState> withdrawal_state_from(std::string_view text) {
    for (const WithdrawalState state : {WithdrawalState::authorised, WithdrawalState::confirmed,
                                        WithdrawalState::reversed, WithdrawalState::voided}) {
        if (to_string(state) == text) {
            return state;
        }
    }
    return std::nullopt;
}

std::optional<EntryKind> entry_kind_from(std::string_view text) {
    for (const EntryKind kind :
         {EntryKind::withdrawal, EntryKind::transfer_out, EntryKind::transfer_in,
          EntryKind::deposit, EntryKind::fee, EntryKind::reversal, EntryKind::interest}) {
        if (to_string(kind) == text) {
            return kind;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(MoneyVerdict verdict) {
    switch (verdict) {
        case MoneyVerdict::ok:
            return "ok";
        case MoneyVerdict::replayed:
            return "replayed";
        case MoneyVerdict::session_refused:
            return "session_refused";
        case MoneyVerdict::conflict:
            return "conflict";
        case MoneyVerdict::quote_expired:
            return "quote_expired";
        case MoneyVerdict::insufficient_funds:
            return "insufficient_funds";
        case MoneyVerdict::over_limit:
            return "over_limit";
        case MoneyVerdict::amount_not_allowed:
            return "amount_not_allowed";
        case MoneyVerdict::payee_unknown:
            return "payee_unknown";
        case MoneyVerdict::payee_not_allowed:
            return "payee_not_allowed";
        case MoneyVerdict::unknown_transaction:
            return "unknown_transaction";
        case MoneyVerdict::pin_not_allowed:
            return "pin_not_allowed";
        case MoneyVerdict::wrong_card:
            return "wrong_card";
    }
    return "unknown";
}

std::string_view to_string(MoneyKind kind) {
    return kind == MoneyKind::withdrawal ? "withdrawal" : "transfer";
}

std::string_view to_string(WithdrawalState state) {
    switch (state) {
        case WithdrawalState::authorised:
            return "authorised";
        case WithdrawalState::confirmed:
            return "confirmed";
        case WithdrawalState::reversed:
            return "reversed";
        case WithdrawalState::voided:
            return "void";
    }
    return "unknown";
}

std::string_view to_string(EntryKind kind) {
    switch (kind) {
        case EntryKind::withdrawal:
            return "withdrawal";
        case EntryKind::transfer_out:
            return "transfer_out";
        case EntryKind::transfer_in:
            return "transfer_in";
        case EntryKind::deposit:
            return "deposit";
        case EntryKind::fee:
            return "fee";
        case EntryKind::reversal:
            return "reversal";
        case EntryKind::interest:
            return "interest";
    }
    return "unknown";
}

std::string_view to_string(ReverseReason reason) {
    switch (reason) {
        case ReverseReason::cash_not_taken:
            return "cash_not_taken";
        case ReverseReason::dispense_failed:
            return "dispense_failed";
        case ReverseReason::cancelled:
            return "cancelled";
        case ReverseReason::outcome_unknown:
            return "outcome_unknown";
    }
    return "unknown";
}

// ---- Helpers, each called inside a transaction ----

std::expected<std::string, BankError> AccountStore::open_session(std::int64_t card_id,
                                                                 bool home_bank,
                                                                 std::string_view terminal_id,
                                                                 std::int64_t now_unix_ms) {
    auto session = random_hex(k_session_bytes);
    if (!session) {
        return std::unexpected(BankError::crypto_failure);
    }
    Statement purge(m_database, "DELETE FROM sessions WHERE started_unix_ms <= ?");
    Statement open(m_database,
                   "INSERT INTO sessions (session_digest, card_id, home_bank, terminal_id, "
                   "started_unix_ms, last_used_unix_ms) VALUES (?, ?, ?, ?, ?, ?)");
    if (!purge.run(now_unix_ms - std::int64_t{k_session_lifetime.count()}) ||
        !open.run(session_digest(*session), card_id, std::int64_t{home_bank ? 1 : 0}, terminal_id,
                  now_unix_ms, now_unix_ms)) {
        return std::unexpected(BankError::database_failure);
    }
    return std::move(*session);
}

std::expected<std::optional<AccountStore::SessionCard>, BankError> AccountStore::use_session(
    std::string_view session, std::string_view terminal_id, std::int64_t now_unix_ms) {
    const std::string digest = session_digest(session);
    Statement query(m_database,
                    "SELECT s.card_id, s.terminal_id, s.started_unix_ms, s.last_used_unix_ms, "
                    "s.ended, c.masked_pan, a.id, a.currency, "
                    "EXISTS (SELECT 1 FROM card_locks l WHERE l.card_id = s.card_id), "
                    "s.home_bank "
                    "FROM sessions s JOIN cards c ON c.id = s.card_id "
                    "JOIN accounts a ON a.card_id = s.card_id WHERE s.session_digest = ?");
    if (!query.bind_all(digest)) {
        return std::unexpected(BankError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    if (stepped != SQLITE_ROW) {
        return std::unexpected(BankError::database_failure);
    }
    const bool open = query.text(1) == terminal_id && query.integer(4) == 0 &&
                      now_unix_ms - query.integer(2) < k_session_lifetime.count() &&
                      now_unix_ms - query.integer(3) < k_session_idle_lifetime.count() &&
                      query.integer(8) == 0;
    if (!open) {
        return std::nullopt;
    }
    SessionCard card{query.integer(0), query.integer(6), query.text(5), query.text(7),
                     query.integer(9) != 0};
    Statement touch(m_database,
                    "UPDATE sessions SET last_used_unix_ms = ? WHERE session_digest = ?");
    if (!touch.run(now_unix_ms, digest)) {
        return std::unexpected(BankError::database_failure);
    }
    return card;
}

std::expected<std::int64_t, BankError> AccountStore::available_balance(std::int64_t account_id) {
    Statement query(m_database,
                    "SELECT a.balance_minor_units - COALESCE((SELECT SUM(w.amount + w.fee) FROM "
                    "withdrawals w WHERE w.account_id = a.id AND w.state = 'authorised'), 0) "
                    "FROM accounts a WHERE a.id = ?");
    if (!query.bind_all(account_id) || query.step() != SQLITE_ROW) {
        return std::unexpected(BankError::database_failure);
    }
    return query.integer(0);
}

std::expected<Limits, BankError> AccountStore::limits_of(std::int64_t account_id,
                                                         std::int64_t now_unix_ms) {
    const std::int64_t since = day_start_unix_ms(now_unix_ms);
    // An authorised withdrawal counts in full, a confirmed one as what it dispensed.
    Statement withdrawn(m_database,
                        "SELECT COALESCE(SUM(CASE state WHEN 'authorised' THEN amount "
                        "WHEN 'confirmed' THEN dispensed ELSE 0 END), 0) FROM withdrawals "
                        "WHERE account_id = ? AND created_unix_ms >= ?");
    Statement transferred(m_database,
                          "SELECT COALESCE(SUM(amount), 0) FROM transfers "
                          "WHERE account_id = ? AND created_unix_ms >= ?");
    if (!withdrawn.bind_all(account_id, since) || withdrawn.step() != SQLITE_ROW ||
        !transferred.bind_all(account_id, since) || transferred.step() != SQLITE_ROW) {
        return std::unexpected(BankError::database_failure);
    }
    return Limits{k_withdrawal_per_transaction,
                  std::max<std::int64_t>(0, k_withdrawals_per_day - withdrawn.integer(0)),
                  std::max<std::int64_t>(0, k_transfers_per_day - transferred.integer(0))};
}

std::expected<void, BankError> AccountStore::book(std::int64_t account_id, EntryKind kind,
                                                  bool credit, std::int64_t amount,
                                                  std::string_view transaction,
                                                  std::int64_t now_unix_ms) {
    if (amount == 0) {
        return {};
    }
    Statement update(m_database,
                     "UPDATE accounts SET balance_minor_units = balance_minor_units + ? "
                     "WHERE id = ?");
    Statement entry(m_database,
                    "INSERT INTO entries (account_id, at_unix_ms, kind, credit, amount, "
                    "balance_after, transaction_reference) SELECT id, ?, ?, ?, ?, "
                    "balance_minor_units, ? FROM accounts WHERE id = ?");
    if (!update.run(credit ? amount : -amount, account_id) ||
        !entry.run(now_unix_ms, to_string(kind), std::int64_t{credit ? 1 : 0}, amount, transaction,
                   account_id)) {
        return std::unexpected(BankError::database_failure);
    }
    return {};
}

std::expected<std::optional<Withdrawal>, BankError> AccountStore::load_withdrawal(
    std::string_view transaction, std::string_view terminal_id) {
    Statement query(m_database,
                    "SELECT state, amount, fee, dispensed, currency FROM withdrawals "
                    "WHERE transaction_reference = ? AND terminal_id = ?");
    if (!query.bind_all(transaction, terminal_id)) {
        return std::unexpected(BankError::database_failure);
    }
    const int stepped = query.step();
    if (stepped == SQLITE_DONE) {
        return std::nullopt;
    }
    const auto state = withdrawal_state_from(query.text(0));
    if (stepped != SQLITE_ROW || !state) {
        return std::unexpected(BankError::database_failure);
    }
    return Withdrawal{std::string(transaction), *state,           query.integer(1),
                      query.integer(2),         query.integer(3), query.text(4)};
}

// ---- Requests ----

// Runs `body` in an IMMEDIATE transaction under the store's lock: commits when it returns a
// value, rolls back when it returns an error.
template <typename Body>
auto AccountStore::transaction(Body body) -> decltype(body()) {
    std::lock_guard lock(m_mutex);
    if (!execute("BEGIN IMMEDIATE")) {
        return std::unexpected(BankError::database_failure);
    }
    auto result = body();
    if (!result || !execute("COMMIT")) {
        execute("ROLLBACK");
        if (result) {
            return std::unexpected(BankError::database_failure);
        }
    }
    return result;
}

std::expected<void, BankError> AccountStore::end_session(std::string_view session,
                                                         std::string_view terminal_id) {
    return transaction([&]() -> std::expected<void, BankError> {
        Statement end(m_database,
                      "UPDATE sessions SET ended = 1 WHERE session_digest = ? AND terminal_id = ?");
        if (!end.run(session_digest(session), terminal_id)) {
            return std::unexpected(BankError::database_failure);
        }
        return {};
    });
}

std::expected<StatementResult, BankError> AccountStore::statement(std::string_view session,
                                                                  std::string_view terminal_id,
                                                                  std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<StatementResult, BankError> {
        auto card = use_session(session, terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        StatementResult result;
        if (!*card) {
            return result;
        }
        result.masked_pan = (*card)->masked_pan;
        Statement query(m_database,
                        "SELECT at_unix_ms, kind, credit, amount, balance_after FROM entries "
                        "WHERE account_id = ? ORDER BY id DESC LIMIT ?");
        if (!query.bind_all((*card)->account_id, std::int64_t{k_statement_entries})) {
            return std::unexpected(BankError::database_failure);
        }
        int stepped = 0;
        while ((stepped = query.step()) == SQLITE_ROW) {
            const auto kind = entry_kind_from(query.text(1));
            if (!kind) {
                return std::unexpected(BankError::database_failure);
            }
            result.entries.push_back(StatementEntry{branch_date(query.integer(0)), *kind,
                                                    query.integer(2) != 0, query.integer(3),
                                                    query.integer(4), (*card)->currency});
        }
        if (stepped != SQLITE_DONE) {
            return std::unexpected(BankError::database_failure);
        }
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<QuoteResult, BankError> AccountStore::quote(const QuoteOrder& order,
                                                          std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<QuoteResult, BankError> {
        auto card = use_session(order.session, order.terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        QuoteResult result;
        if (!*card) {
            return result;
        }
        const SessionCard& payer = **card;
        result.masked_pan = payer.masked_pan;
        auto refuse = [&](MoneyVerdict verdict) {
            result.verdict = verdict;
            return result;
        };
        const bool withdrawal = order.kind == MoneyKind::withdrawal;
        if (order.amount <= 0 || order.currency != payer.currency ||
            (withdrawal &&
             (order.amount % k_yuan != 0 || order.amount > k_withdrawal_per_transaction))) {
            return refuse(MoneyVerdict::amount_not_allowed);
        }
        Quote quote;
        quote.kind = order.kind;
        quote.amount = order.amount;
        quote.currency = payer.currency;
        std::int64_t payee_account_id = 0;
        if (withdrawal) {
            quote.fee = payer.home_bank ? 0 : k_other_bank_withdrawal_fee;
        } else {
            Statement payee(m_database,
                            "SELECT a.id FROM cards c JOIN accounts a ON a.card_id = c.id "
                            "WHERE c.pan_digest = ?");
            if (!payee.bind_all(pan_digest(order.payee_account))) {
                return std::unexpected(BankError::database_failure);
            }
            const int found = payee.step();
            if (found == SQLITE_DONE) {
                return refuse(MoneyVerdict::payee_unknown);
            }
            if (found != SQLITE_ROW) {
                return std::unexpected(BankError::database_failure);
            }
            payee_account_id = payee.integer(0);
            if (payee_account_id == payer.account_id) {
                return refuse(MoneyVerdict::payee_not_allowed);
            }
            quote.fee = transfer_fee(order.amount);
            quote.payee_masked = masked_account(order.payee_account);
        }
        auto limits = limits_of(payer.account_id, now_unix_ms);
        auto available = available_balance(payer.account_id);
        if (!limits || !available) {
            return std::unexpected(BankError::database_failure);
        }
        const std::int64_t left =
            withdrawal ? limits->withdrawal_left_today : limits->transfer_left_today;
        if (order.amount > left) {
            result.limit_left = left;
            return refuse(MoneyVerdict::over_limit);
        }
        if (order.amount + quote.fee > *available) {
            return refuse(MoneyVerdict::insufficient_funds);
        }
        auto id = random_hex(k_quote_bytes);
        if (!id) {
            return std::unexpected(BankError::crypto_failure);
        }
        quote.id = "q-" + *id;
        Statement insert(m_database,
                         "INSERT INTO quotes (id, session_digest, kind, amount, fee, currency, "
                         "payee_account_id, payee_masked, expires_unix_ms) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!insert.run(quote.id, session_digest(order.session), to_string(quote.kind),
                        quote.amount, quote.fee, quote.currency, payee_account_id,
                        quote.payee_masked, now_unix_ms + std::int64_t{k_quote_lifetime.count()})) {
            return std::unexpected(BankError::database_failure);
        }
        result.quote = std::move(quote);
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<WithdrawalResult, BankError> AccountStore::authorise_withdrawal(
    std::string_view transaction_reference, std::string_view session, std::string_view terminal_id,
    std::string_view quote_id, std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<WithdrawalResult, BankError> {
        WithdrawalResult result;
        // The reference first: a repeat is answered from what is stored, even after the
        // session has ended (docs/api/account.yaml, "Money that moves").
        {
            Statement existing(m_database,
                               "SELECT quote_id FROM withdrawals WHERE transaction_reference = ?");
            if (!existing.bind_all(transaction_reference)) {
                return std::unexpected(BankError::database_failure);
            }
            const int stepped = existing.step();
            if (stepped == SQLITE_ROW) {
                const bool same = existing.text(0) == quote_id;
                auto stored = load_withdrawal(transaction_reference, terminal_id);
                if (!stored) {
                    return std::unexpected(stored.error());
                }
                result.withdrawal = *stored;
                result.verdict = same && *stored && (*stored)->state != WithdrawalState::voided
                                     ? MoneyVerdict::replayed
                                     : MoneyVerdict::conflict;
                return result;
            }
            if (stepped != SQLITE_DONE) {
                return std::unexpected(BankError::database_failure);
            }
        }
        auto card = use_session(session, terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        if (!*card) {
            result.verdict = MoneyVerdict::session_refused;
            return result;
        }
        const SessionCard& payer = **card;
        result.masked_pan = payer.masked_pan;
        Statement quote(m_database,
                        "SELECT amount, fee, currency FROM quotes WHERE id = ? AND "
                        "session_digest = ? AND kind = 'withdrawal' AND used = 0 AND "
                        "expires_unix_ms > ?");
        if (!quote.bind_all(quote_id, session_digest(session), now_unix_ms)) {
            return std::unexpected(BankError::database_failure);
        }
        const int found = quote.step();
        if (found == SQLITE_DONE) {
            result.verdict = MoneyVerdict::quote_expired;
            return result;
        }
        if (found != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        Withdrawal withdrawal{std::string(transaction_reference),
                              WithdrawalState::authorised,
                              quote.integer(0),
                              quote.integer(1),
                              0,
                              quote.text(2)};
        // The balance and limits may have moved since the quote.
        auto limits = limits_of(payer.account_id, now_unix_ms);
        auto available = available_balance(payer.account_id);
        if (!limits || !available) {
            return std::unexpected(BankError::database_failure);
        }
        if (withdrawal.amount > limits->withdrawal_left_today) {
            result.verdict = MoneyVerdict::over_limit;
            return result;
        }
        if (withdrawal.amount + withdrawal.fee > *available) {
            result.verdict = MoneyVerdict::insufficient_funds;
            return result;
        }
        Statement spend(m_database, "UPDATE quotes SET used = 1 WHERE id = ?");
        Statement insert(m_database,
                         "INSERT INTO withdrawals (transaction_reference, terminal_id, account_id, "
                         "quote_id, state, amount, fee, dispensed, currency, created_unix_ms, "
                         "updated_unix_ms) VALUES (?, ?, ?, ?, 'authorised', ?, ?, 0, ?, ?, ?)");
        if (!spend.run(quote_id) ||
            !insert.run(transaction_reference, terminal_id, payer.account_id, quote_id,
                        withdrawal.amount, withdrawal.fee, withdrawal.currency, now_unix_ms,
                        now_unix_ms)) {
            return std::unexpected(BankError::database_failure);
        }
        result.withdrawal = std::move(withdrawal);
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<WithdrawalResult, BankError> AccountStore::confirm_withdrawal(
    std::string_view transaction_reference, std::string_view terminal_id, std::int64_t dispensed,
    std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<WithdrawalResult, BankError> {
        WithdrawalResult result;
        auto stored = load_withdrawal(transaction_reference, terminal_id);
        if (!stored) {
            return std::unexpected(stored.error());
        }
        if (!*stored) {
            return result;  // unknown_transaction
        }
        Withdrawal withdrawal = **stored;
        result.withdrawal = withdrawal;
        if (withdrawal.state == WithdrawalState::confirmed) {
            result.verdict =
                withdrawal.dispensed == dispensed ? MoneyVerdict::replayed : MoneyVerdict::conflict;
            return result;
        }
        if (withdrawal.state != WithdrawalState::authorised || dispensed > withdrawal.amount) {
            result.verdict = MoneyVerdict::conflict;
            return result;
        }
        Statement account(m_database,
                          "SELECT account_id FROM withdrawals WHERE transaction_reference = ?");
        if (!account.bind_all(transaction_reference) || account.step() != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        const std::int64_t account_id = account.integer(0);
        Statement update(m_database,
                         "UPDATE withdrawals SET state = 'confirmed', dispensed = ?, "
                         "updated_unix_ms = ? WHERE transaction_reference = ?");
        // The hold ends with the state change; the debit is booked in its place.
        if (!update.run(dispensed, now_unix_ms, transaction_reference)) {
            return std::unexpected(BankError::database_failure);
        }
        if (auto booked = book(account_id, EntryKind::withdrawal, false, dispensed,
                               transaction_reference, now_unix_ms);
            !booked) {
            return std::unexpected(booked.error());
        }
        if (auto booked = book(account_id, EntryKind::fee, false, withdrawal.fee,
                               transaction_reference, now_unix_ms);
            !booked) {
            return std::unexpected(booked.error());
        }
        withdrawal.state = WithdrawalState::confirmed;
        withdrawal.dispensed = dispensed;
        result.withdrawal = withdrawal;
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<WithdrawalResult, BankError> AccountStore::reverse_withdrawal(
    std::string_view transaction_reference, std::string_view terminal_id, ReverseReason reason,
    std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<WithdrawalResult, BankError> {
        WithdrawalResult result;
        Statement owner(m_database,
                        "SELECT terminal_id, account_id FROM withdrawals "
                        "WHERE transaction_reference = ?");
        if (!owner.bind_all(transaction_reference)) {
            return std::unexpected(BankError::database_failure);
        }
        const int found = owner.step();
        if (found == SQLITE_DONE) {
            // Never authorised (or not yet): void, so that a late authorisation is refused.
            Statement void_row(m_database,
                               "INSERT INTO withdrawals (transaction_reference, terminal_id, "
                               "account_id, quote_id, state, amount, fee, dispensed, currency, "
                               "created_unix_ms, updated_unix_ms, reason) "
                               "VALUES (?, ?, NULL, '', 'void', 0, 0, 0, ?, ?, ?, ?)");
            if (!void_row.run(transaction_reference, terminal_id, k_demo_currency, now_unix_ms,
                              now_unix_ms, to_string(reason))) {
                return std::unexpected(BankError::database_failure);
            }
            result.withdrawal =
                Withdrawal{std::string(transaction_reference), WithdrawalState::voided, 0, 0, 0,
                           std::string(k_demo_currency)};
            result.verdict = MoneyVerdict::ok;
            return result;
        }
        if (found != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        if (owner.text(0) != terminal_id) {
            result.verdict = MoneyVerdict::conflict;
            return result;
        }
        const std::int64_t account_id = owner.integer(1);
        auto stored = load_withdrawal(transaction_reference, terminal_id);
        if (!stored || !*stored) {
            return std::unexpected(BankError::database_failure);
        }
        Withdrawal withdrawal = **stored;
        if (withdrawal.state == WithdrawalState::reversed ||
            withdrawal.state == WithdrawalState::voided) {
            result.withdrawal = withdrawal;
            result.verdict = MoneyVerdict::replayed;
            return result;
        }
        if (withdrawal.state == WithdrawalState::confirmed) {
            // The cash came back (retracted, or it never left): credit the debit and the fee.
            if (auto booked =
                    book(account_id, EntryKind::reversal, true,
                         withdrawal.dispensed + withdrawal.fee, transaction_reference, now_unix_ms);
                !booked) {
                return std::unexpected(booked.error());
            }
        }
        Statement update(m_database,
                         "UPDATE withdrawals SET state = 'reversed', reason = ?, "
                         "updated_unix_ms = ? WHERE transaction_reference = ?");
        if (!update.run(to_string(reason), now_unix_ms, transaction_reference)) {
            return std::unexpected(BankError::database_failure);
        }
        withdrawal.state = WithdrawalState::reversed;
        result.withdrawal = withdrawal;
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<WithdrawalResult, BankError> AccountStore::find_withdrawal(
    std::string_view transaction_reference, std::string_view terminal_id) {
    return transaction([&]() -> std::expected<WithdrawalResult, BankError> {
        WithdrawalResult result;
        auto stored = load_withdrawal(transaction_reference, terminal_id);
        if (!stored) {
            return std::unexpected(stored.error());
        }
        if (*stored) {
            result.withdrawal = **stored;
            result.verdict = MoneyVerdict::ok;
        }
        return result;
    });
}

std::expected<TransferResult, BankError> AccountStore::execute_transfer(
    std::string_view transaction_reference, std::string_view session, std::string_view terminal_id,
    std::string_view quote_id, std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<TransferResult, BankError> {
        TransferResult result;
        {
            Statement existing(m_database,
                               "SELECT quote_id, terminal_id, amount, fee, currency, payee_masked "
                               "FROM transfers WHERE transaction_reference = ?");
            if (!existing.bind_all(transaction_reference)) {
                return std::unexpected(BankError::database_failure);
            }
            const int stepped = existing.step();
            if (stepped == SQLITE_ROW) {
                if (existing.text(1) != terminal_id) {
                    result.verdict = MoneyVerdict::conflict;
                    return result;
                }
                result.transfer = Transfer{std::string(transaction_reference), existing.integer(2),
                                           existing.integer(3), existing.text(4), existing.text(5)};
                result.verdict =
                    existing.text(0) == quote_id ? MoneyVerdict::replayed : MoneyVerdict::conflict;
                return result;
            }
            if (stepped != SQLITE_DONE) {
                return std::unexpected(BankError::database_failure);
            }
        }
        {
            // Asked after and found missing: the terminal told its customer nothing was sent.
            Statement closed(m_database,
                             "SELECT 1 FROM closed_transfer_references "
                             "WHERE transaction_reference = ?");
            if (!closed.bind_all(transaction_reference)) {
                return std::unexpected(BankError::database_failure);
            }
            const int stepped = closed.step();
            if (stepped == SQLITE_ROW) {
                result.verdict = MoneyVerdict::conflict;
                return result;
            }
            if (stepped != SQLITE_DONE) {
                return std::unexpected(BankError::database_failure);
            }
        }
        auto card = use_session(session, terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        if (!*card) {
            result.verdict = MoneyVerdict::session_refused;
            return result;
        }
        const SessionCard& payer = **card;
        result.masked_pan = payer.masked_pan;
        Statement quote(m_database,
                        "SELECT amount, fee, currency, payee_account_id, payee_masked FROM quotes "
                        "WHERE id = ? AND session_digest = ? AND kind = 'transfer' AND used = 0 "
                        "AND expires_unix_ms > ?");
        if (!quote.bind_all(quote_id, session_digest(session), now_unix_ms)) {
            return std::unexpected(BankError::database_failure);
        }
        const int found = quote.step();
        if (found == SQLITE_DONE) {
            result.verdict = MoneyVerdict::quote_expired;
            return result;
        }
        if (found != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        Transfer transfer{std::string(transaction_reference), quote.integer(0), quote.integer(1),
                          quote.text(2), quote.text(4)};
        const std::int64_t payee_account_id = quote.integer(3);
        auto limits = limits_of(payer.account_id, now_unix_ms);
        auto available = available_balance(payer.account_id);
        if (!limits || !available) {
            return std::unexpected(BankError::database_failure);
        }
        if (transfer.amount > limits->transfer_left_today) {
            result.verdict = MoneyVerdict::over_limit;
            return result;
        }
        if (transfer.amount + transfer.fee > *available) {
            result.verdict = MoneyVerdict::insufficient_funds;
            return result;
        }
        Statement spend(m_database, "UPDATE quotes SET used = 1 WHERE id = ?");
        Statement insert(m_database,
                         "INSERT INTO transfers (transaction_reference, terminal_id, account_id, "
                         "payee_account_id, quote_id, amount, fee, currency, payee_masked, "
                         "created_unix_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (!spend.run(quote_id) ||
            !insert.run(transaction_reference, terminal_id, payer.account_id, payee_account_id,
                        quote_id, transfer.amount, transfer.fee, transfer.currency,
                        transfer.payee_masked, now_unix_ms)) {
            return std::unexpected(BankError::database_failure);
        }
        for (auto booked : {book(payer.account_id, EntryKind::transfer_out, false, transfer.amount,
                                 transaction_reference, now_unix_ms),
                            book(payer.account_id, EntryKind::fee, false, transfer.fee,
                                 transaction_reference, now_unix_ms),
                            book(payee_account_id, EntryKind::transfer_in, true, transfer.amount,
                                 transaction_reference, now_unix_ms)}) {
            if (!booked) {
                return std::unexpected(booked.error());
            }
        }
        result.transfer = std::move(transfer);
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<TransferResult, BankError> AccountStore::find_transfer(
    std::string_view transaction_reference, std::string_view terminal_id) {
    return transaction([&]() -> std::expected<TransferResult, BankError> {
        TransferResult result;
        Statement query(m_database,
                        "SELECT amount, fee, currency, payee_masked FROM transfers "
                        "WHERE transaction_reference = ? AND terminal_id = ?");
        if (!query.bind_all(transaction_reference, terminal_id)) {
            return std::unexpected(BankError::database_failure);
        }
        const int stepped = query.step();
        if (stepped == SQLITE_ROW) {
            result.transfer = Transfer{std::string(transaction_reference), query.integer(0),
                                       query.integer(1), query.text(2), query.text(3)};
            result.verdict = MoneyVerdict::ok;
        } else if (stepped != SQLITE_DONE) {
            return std::unexpected(BankError::database_failure);
        } else {
            // None by this reference: it is closed, so that one still on its way never lands
            // after the terminal has said it was not sent.
            Statement close(m_database,
                            "INSERT OR IGNORE INTO closed_transfer_references "
                            "(transaction_reference, terminal_id) VALUES (?, ?)");
            if (!close.bind_all(transaction_reference, terminal_id) ||
                close.step() != SQLITE_DONE) {
                return std::unexpected(BankError::database_failure);
            }
        }
        return result;
    });
}

std::expected<CardLockResult, BankError> AccountStore::lock_card(std::string_view session,
                                                                 std::string_view terminal_id,
                                                                 std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<CardLockResult, BankError> {
        CardLockResult result;
        auto card = use_session(session, terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        if (!*card) {
            return result;
        }
        result.masked_pan = (*card)->masked_pan;
        auto suffix = random_hex(k_card_lock_bytes);
        if (!suffix) {
            return std::unexpected(BankError::crypto_failure);
        }
        std::ranges::transform(*suffix, suffix->begin(), [](char digit) {
            return digit >= 'a' ? static_cast<char>(digit - 'a' + 'A') : digit;
        });
        result.reference = "L-" + *suffix;
        Statement lock(m_database,
                       "INSERT INTO card_locks (card_id, reference, at_unix_ms) VALUES (?, ?, ?)");
        Statement end(m_database, "UPDATE sessions SET ended = 1 WHERE card_id = ?");
        if (!lock.run((*card)->card_id, result.reference, now_unix_ms) ||
            !end.run((*card)->card_id)) {
            return std::unexpected(BankError::database_failure);
        }
        result.verdict = MoneyVerdict::ok;
        return result;
    });
}

std::expected<MoneyVerdict, BankError> AccountStore::change_pin(std::string_view session,
                                                                std::string_view terminal_id,
                                                                std::string_view pan,
                                                                std::string_view new_pin,
                                                                std::int64_t now_unix_ms) {
    return transaction([&]() -> std::expected<MoneyVerdict, BankError> {
        auto card = use_session(session, terminal_id, now_unix_ms);
        if (!card) {
            return std::unexpected(card.error());
        }
        if (!*card) {
            return MoneyVerdict::session_refused;
        }
        Statement stored(m_database,
                         "SELECT pin_salt, pin_hash, pin_iterations FROM cards "
                         "WHERE id = ? AND pan_digest = ?");
        if (!stored.bind_all((*card)->card_id, pan_digest(pan))) {
            return std::unexpected(BankError::database_failure);
        }
        const int found = stored.step();
        if (found == SQLITE_DONE) {
            return MoneyVerdict::wrong_card;
        }
        PinHash current;
        const std::int64_t iterations = stored.integer(2);
        if (found != SQLITE_ROW || !stored.blob(0, current.salt) ||
            !stored.blob(1, current.digest) || iterations <= 0 ||
            iterations > std::int64_t{10'000'000}) {
            return std::unexpected(BankError::database_failure);
        }
        current.iterations = static_cast<std::uint32_t>(iterations);
        if (is_guessable_pin(new_pin)) {
            return MoneyVerdict::pin_not_allowed;
        }
        auto same = pin_matches(new_pin, current);
        if (!same) {
            return std::unexpected(same.error());
        }
        if (*same) {
            return MoneyVerdict::pin_not_allowed;
        }
        auto hash = hash_pin(new_pin);
        if (!hash) {
            return std::unexpected(hash.error());
        }
        Statement update(m_database,
                         "UPDATE cards SET pin_salt = ?, pin_hash = ?, pin_iterations = ?, "
                         "wrong_pin_count = 0 WHERE id = ?");
        if (!update.run(hash->salt, hash->digest, static_cast<std::int64_t>(hash->iterations),
                        (*card)->card_id)) {
            return std::unexpected(BankError::database_failure);
        }
        return MoneyVerdict::ok;
    });
}

std::expected<CashLedger, BankError> AccountStore::cash_ledger(std::string_view terminal_id,
                                                               std::int64_t since_unix_ms) {
    return transaction([&]() -> std::expected<CashLedger, BankError> {
        // A reversed withdrawal is credited back whole, so only confirmed ones are debits.
        Statement query(m_database,
                        "SELECT COALESCE(SUM(CASE state WHEN 'confirmed' THEN dispensed END), 0), "
                        "COALESCE(SUM(CASE state WHEN 'authorised' THEN amount END), 0), "
                        "COUNT(CASE state WHEN 'confirmed' THEN 1 END) FROM withdrawals "
                        "WHERE (? OR terminal_id = ?) AND created_unix_ms >= ?");
        const std::int64_t every_terminal = terminal_id.empty() ? 1 : 0;
        if (!query.bind_all(every_terminal, terminal_id, since_unix_ms) ||
            query.step() != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        Statement transfers(m_database,
                            "SELECT COALESCE(SUM(amount), 0) FROM transfers "
                            "WHERE (? OR terminal_id = ?) AND created_unix_ms >= ?");
        if (!transfers.bind_all(every_terminal, terminal_id, since_unix_ms) ||
            transfers.step() != SQLITE_ROW) {
            return std::unexpected(BankError::database_failure);
        }
        return CashLedger{query.integer(0), query.integer(1), query.integer(2),
                          transfers.integer(0)};
    });
}

}  // namespace simulator::bank
