// The account service's replies for sessions and money (docs/api/account.yaml, "Sessions" and
// "Money that moves"): each request is read field by field, handed to the store, and its
// verdict mapped to the contract's status and body.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/wipe.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/bank/account_messages.h"
#include "simulator/bank/account_service.h"

namespace simulator::bank {

namespace {

using nlohmann::json;

json withdrawal_json(const Withdrawal& withdrawal) {
    return json{{"transaction", withdrawal.transaction},
                {"state", to_string(withdrawal.state)},
                {"amount", money_json(withdrawal.amount, withdrawal.currency)},
                {"fee", money_json(withdrawal.fee, withdrawal.currency)},
                {"dispensed", money_json(withdrawal.dispensed, withdrawal.currency)}};
}

json transfer_json(const Transfer& transfer) {
    return json{{"transaction", transfer.transaction},
                {"state", "executed"},
                {"amount", money_json(transfer.amount, transfer.currency)},
                {"fee", money_json(transfer.fee, transfer.currency)},
                {"payee_masked", transfer.payee_masked}};
}

// The status of a verdict that is not ok or replayed, and its body.
AccountService::Reply refusal(MoneyVerdict verdict, std::string_view audit_result = {}) {
    const std::string result(to_string(verdict));
    const std::string audit = audit_result.empty() ? result : std::string(audit_result);
    switch (verdict) {
        case MoneyVerdict::session_refused:
            return {401, result_body(result), audit};
        case MoneyVerdict::conflict:
            return {409, result_body(result), audit};
        case MoneyVerdict::quote_expired:
            return {410, result_body(result), audit};
        case MoneyVerdict::unknown_transaction:
            return {404, result_body(result), audit};
        case MoneyVerdict::wrong_card:
            return {400, bad_request_body("pan is not the session's card"), audit};
        case MoneyVerdict::insufficient_funds:
        case MoneyVerdict::over_limit:
        case MoneyVerdict::amount_not_allowed:
        case MoneyVerdict::payee_unknown:
        case MoneyVerdict::payee_not_allowed:
        case MoneyVerdict::pin_not_allowed:
            return {422, result_body(result), audit};
        case MoneyVerdict::ok:
        case MoneyVerdict::replayed:
            break;
    }
    return {503, result_body("unavailable"), "database_failure"};
}

AccountService::Reply unavailable(BankError error) {
    return {503, result_body("unavailable"), std::string(to_string(error))};
}

std::optional<ReverseReason> reverse_reason_from(std::string_view text) {
    for (const ReverseReason reason :
         {ReverseReason::cash_not_taken, ReverseReason::dispense_failed, ReverseReason::cancelled,
          ReverseReason::outcome_unknown}) {
        if (to_string(reason) == text) {
            return reason;
        }
    }
    return std::nullopt;
}

bool is_reverse_reason(std::string_view text) {
    return reverse_reason_from(text).has_value();
}

bool is_money_kind(std::string_view text) {
    return text == "withdrawal" || text == "transfer";
}

// The terminal and session every session request starts with; the terminal goes into the audit.
struct SessionFields {
    std::string terminal_id;
    std::string session;
};

std::expected<SessionFields, RequestError> read_session_fields(const json& document,
                                                               AuditEntry& audit) {
    auto terminal = read_terminal_id(document, audit.terminal_id);
    if (!terminal) {
        return std::unexpected(terminal.error());
    }
    auto session = read_string(document, "session", is_token, RequestError::bad_session);
    if (!session) {
        return std::unexpected(session.error());
    }
    return SessionFields{*terminal, *session};
}

// A PUT that executes a quote (docs/api/account.yaml, "ExecuteRequest"): the transaction in the
// path, the terminal, session and quote in the body.
struct ExecuteOrder {
    std::string transaction;
    std::string terminal_id;
    std::string session;
    std::string quote;
};

std::expected<ExecuteOrder, RequestError> read_execute_request(const httplib::Request& request,
                                                               AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "session", "quote"});
    if (!document) {
        return std::unexpected(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return std::unexpected(fields.error());
    }
    auto quote = read_string(*document, "quote", is_quote_id, RequestError::bad_quote);
    if (!quote) {
        return std::unexpected(quote.error());
    }
    const std::string transaction = request.matches[1];
    if (!is_transaction_reference(transaction)) {
        return std::unexpected(RequestError::bad_transaction);
    }
    audit.transaction = transaction;
    return ExecuteOrder{transaction, fields->terminal_id, fields->session, *quote};
}

}  // namespace

AccountService::Reply AccountService::answer_end_session(const httplib::Request& request,
                                                         AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "session"});
    if (!document) {
        return bad_request(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return bad_request(fields.error());
    }
    if (auto ended = m_store->end_session(fields->session, fields->terminal_id); !ended) {
        return unavailable(ended.error());
    }
    return {200, result_body("ok"), "ok"};
}

AccountService::Reply AccountService::answer_statement(const httplib::Request& request,
                                                       AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "session"});
    if (!document) {
        return bad_request(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return bad_request(fields.error());
    }
    auto statement = m_store->statement(fields->session, fields->terminal_id, now_unix_ms());
    if (!statement) {
        return unavailable(statement.error());
    }
    audit.masked_pan = statement->masked_pan;
    if (statement->verdict != MoneyVerdict::ok) {
        return refusal(statement->verdict);
    }
    json entries = json::array();
    for (const StatementEntry& entry : statement->entries) {
        entries.push_back({{"date", entry.date},
                           {"kind", to_string(entry.kind)},
                           {"direction", entry.credit ? "credit" : "debit"},
                           {"amount", money_json(entry.amount, entry.currency)},
                           {"balance_after", money_json(entry.balance_after, entry.currency)}});
    }
    return {200, json{{"result", "ok"}, {"entries", entries}}.dump(), "ok"};
}

AccountService::Reply AccountService::answer_quote(const httplib::Request& request,
                                                   AuditEntry& audit) {
    auto document =
        parse_object(request.body, {"terminal_id", "session", "kind", "amount", "payee_account"});
    if (!document) {
        return bad_request(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return bad_request(fields.error());
    }
    auto kind = read_string(*document, "kind", is_money_kind, RequestError::bad_kind);
    if (!kind) {
        return bad_request(kind.error());
    }
    auto amount = read_money(*document, "amount");
    if (!amount) {
        return bad_request(amount.error());
    }
    QuoteOrder order{fields->session,
                     fields->terminal_id,
                     *kind == "withdrawal" ? MoneyKind::withdrawal : MoneyKind::transfer,
                     amount->minor_units,
                     amount->currency,
                     {}};
    const bool has_payee = document->contains("payee_account");
    if (order.kind == MoneyKind::transfer) {
        auto payee = read_string(*document, "payee_account", is_account_number,
                                 RequestError::bad_payee_account);
        if (!payee) {
            return bad_request(payee.error());
        }
        order.payee_account = *payee;
    } else if (has_payee) {
        return bad_request(RequestError::bad_payee_account);
    }
    auto quote = m_store->quote(order, now_unix_ms());
    base::wipe(order.payee_account);
    if (!quote) {
        return unavailable(quote.error());
    }
    audit.masked_pan = quote->masked_pan;
    if (quote->verdict == MoneyVerdict::over_limit) {
        return {422,
                json{{"result", "over_limit"},
                     {"limit_left", money_json(quote->limit_left, amount->currency)}}
                    .dump(),
                "over_limit"};
    }
    if (quote->verdict != MoneyVerdict::ok) {
        return refusal(quote->verdict);
    }
    const Quote& made = quote->quote;
    json body = {{"id", made.id},
                 {"kind", to_string(made.kind)},
                 {"amount", money_json(made.amount, made.currency)},
                 {"fee", money_json(made.fee, made.currency)},
                 {"total", money_json(made.amount + made.fee, made.currency)},
                 {"expires_in_s", k_quote_lifetime.count() / 1000}};
    if (!made.payee_masked.empty()) {
        body["payee_masked"] = made.payee_masked;
    }
    return {200, json{{"result", "ok"}, {"quote", body}}.dump(), "ok"};
}

AccountService::Reply AccountService::answer_authorise_withdrawal(const httplib::Request& request,
                                                                  AuditEntry& audit) {
    auto order = read_execute_request(request, audit);
    if (!order) {
        return bad_request(order.error());
    }
    auto result = m_store->authorise_withdrawal(order->transaction, order->session,
                                                order->terminal_id, order->quote, now_unix_ms());
    if (!result) {
        return unavailable(result.error());
    }
    audit.masked_pan = result->masked_pan;
    return withdrawal_reply(*result, 201);
}

AccountService::Reply AccountService::withdrawal_reply(const WithdrawalResult& result,
                                                       int created_status) {
    const std::string audit(to_string(result.verdict));
    switch (result.verdict) {
        case MoneyVerdict::ok:
        case MoneyVerdict::replayed:
            return {
                result.verdict == MoneyVerdict::ok ? created_status : 200,
                json{{"result", "ok"}, {"withdrawal", withdrawal_json(*result.withdrawal)}}.dump(),
                audit};
        case MoneyVerdict::conflict: {
            json body = {{"result", "conflict"}};
            if (result.withdrawal) {
                body["withdrawal"] = withdrawal_json(*result.withdrawal);
            }
            return {409, body.dump(), audit};
        }
        default:
            return refusal(result.verdict);
    }
}

AccountService::Reply AccountService::answer_confirm_withdrawal(const httplib::Request& request,
                                                                AuditEntry& audit) {
    const std::string transaction = request.matches[1];
    auto document = parse_object(request.body, {"terminal_id", "dispensed"});
    if (!document) {
        return bad_request(document.error());
    }
    const auto terminal = read_terminal_id(*document, audit.terminal_id);
    if (!terminal) {
        return bad_request(terminal.error());
    }
    auto dispensed = read_money(*document, "dispensed");
    if (!dispensed || dispensed->minor_units == 0) {
        return bad_request(RequestError::bad_amount);
    }
    if (!is_transaction_reference(transaction)) {
        return bad_request(RequestError::bad_transaction);
    }
    audit.transaction = transaction;
    auto result =
        m_store->confirm_withdrawal(transaction, *terminal, dispensed->minor_units, now_unix_ms());
    if (!result) {
        return unavailable(result.error());
    }
    if (result->withdrawal && result->withdrawal->currency != dispensed->currency &&
        result->verdict == MoneyVerdict::ok) {
        return unavailable(BankError::database_failure);
    }
    return withdrawal_reply(*result, 200);
}

AccountService::Reply AccountService::answer_reverse_withdrawal(const httplib::Request& request,
                                                                AuditEntry& audit) {
    const std::string transaction = request.matches[1];
    auto document = parse_object(request.body, {"terminal_id", "reason"});
    if (!document) {
        return bad_request(document.error());
    }
    const auto terminal = read_terminal_id(*document, audit.terminal_id);
    if (!terminal) {
        return bad_request(terminal.error());
    }
    auto reason = read_string(*document, "reason", is_reverse_reason, RequestError::bad_reason);
    if (!reason) {
        return bad_request(reason.error());
    }
    if (!is_transaction_reference(transaction)) {
        return bad_request(RequestError::bad_transaction);
    }
    audit.transaction = transaction;
    auto result = m_store->reverse_withdrawal(transaction, *terminal, *reverse_reason_from(*reason),
                                              now_unix_ms());
    if (!result) {
        return unavailable(result.error());
    }
    return withdrawal_reply(*result, 200);
}

AccountService::Reply AccountService::answer_get_withdrawal(const httplib::Request& request,
                                                            AuditEntry& audit) {
    const std::string transaction = request.matches[1];
    const std::string terminal = request.get_param_value("terminal_id");
    if (!is_terminal_id(terminal)) {
        return bad_request(RequestError::bad_terminal_id);
    }
    audit.terminal_id = terminal;
    if (!is_transaction_reference(transaction)) {
        return bad_request(RequestError::bad_transaction);
    }
    audit.transaction = transaction;
    auto result = m_store->find_withdrawal(transaction, terminal);
    if (!result) {
        return unavailable(result.error());
    }
    return withdrawal_reply(*result, 200);
}

AccountService::Reply AccountService::transfer_reply(const TransferResult& result) {
    const std::string audit(to_string(result.verdict));
    switch (result.verdict) {
        case MoneyVerdict::ok:
        case MoneyVerdict::replayed:
            return {result.verdict == MoneyVerdict::ok ? 201 : 200,
                    json{{"result", "ok"}, {"transfer", transfer_json(*result.transfer)}}.dump(),
                    audit};
        case MoneyVerdict::conflict: {
            json body = {{"result", "conflict"}};
            if (result.transfer) {
                body["transfer"] = transfer_json(*result.transfer);
            }
            return {409, body.dump(), audit};
        }
        default:
            return refusal(result.verdict);
    }
}

AccountService::Reply AccountService::answer_execute_transfer(const httplib::Request& request,
                                                              AuditEntry& audit) {
    auto order = read_execute_request(request, audit);
    if (!order) {
        return bad_request(order.error());
    }
    auto result = m_store->execute_transfer(order->transaction, order->session, order->terminal_id,
                                            order->quote, now_unix_ms());
    if (!result) {
        return unavailable(result.error());
    }
    audit.masked_pan = result->masked_pan;
    return transfer_reply(*result);
}

AccountService::Reply AccountService::answer_get_transfer(const httplib::Request& request,
                                                          AuditEntry& audit) {
    const std::string transaction = request.matches[1];
    const std::string terminal = request.get_param_value("terminal_id");
    if (!is_terminal_id(terminal)) {
        return bad_request(RequestError::bad_terminal_id);
    }
    audit.terminal_id = terminal;
    if (!is_transaction_reference(transaction)) {
        return bad_request(RequestError::bad_transaction);
    }
    audit.transaction = transaction;
    auto result = m_store->find_transfer(transaction, terminal);
    if (!result) {
        return unavailable(result.error());
    }
    if (result->verdict == MoneyVerdict::ok) {
        result->verdict = MoneyVerdict::replayed;  // found, not made now: 200
    }
    return transfer_reply(*result);
}

AccountService::Reply AccountService::answer_card_lock(const httplib::Request& request,
                                                       AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "session"});
    if (!document) {
        return bad_request(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return bad_request(fields.error());
    }
    auto result = m_store->lock_card(fields->session, fields->terminal_id, now_unix_ms());
    if (!result) {
        return unavailable(result.error());
    }
    audit.masked_pan = result->masked_pan;
    if (result->verdict != MoneyVerdict::ok) {
        return refusal(result->verdict);
    }
    return {200, json{{"result", "ok"}, {"reference", result->reference}}.dump(), "ok"};
}

AccountService::Reply AccountService::answer_pin_change(const httplib::Request& request,
                                                        AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "session", "pan", "pin_block",
                                                "pin_block_format", "pin_block_ksn"});
    if (!document) {
        return bad_request(document.error());
    }
    auto fields = read_session_fields(*document, audit);
    if (!fields) {
        return bad_request(fields.error());
    }
    auto pan = read_string(*document, "pan", is_account_number, RequestError::bad_pan);
    if (!pan) {
        return bad_request(pan.error());
    }
    audit.masked_pan = mask_pan(*pan);
    auto format_name = read_string(
        *document, "pin_block_format",
        [](std::string_view text) { return pin_block_format_from(text).has_value(); },
        RequestError::bad_pin_block_format);
    if (!format_name) {
        return bad_request(format_name.error());
    }
    const PinBlockFormat format = *pin_block_format_from(*format_name);
    auto block_text =
        read_string(*document, "pin_block", pin_block_check(format), RequestError::bad_pin_block);
    if (!block_text) {
        return bad_request(block_text.error());
    }
    // account.yaml 1.4: a DUKPT block's KSN, only beside a format 4 block.
    std::optional<drivers::dukpt::Ksn> ksn;
    if (document->contains("pin_block_ksn")) {
        auto ksn_text = read_string(*document, "pin_block_ksn", is_pin_block_ksn,
                                    RequestError::bad_pin_block_ksn);
        if (!ksn_text) {
            return bad_request(ksn_text.error());
        }
        if (format != PinBlockFormat::iso9564_format4) {
            return bad_request(RequestError::bad_pin_block_ksn);
        }
        ksn = parse_pin_block_ksn(*ksn_text);
    }
    // The new PIN's block (ISO 9564-1:2017 §9.4.2, §9.4.6). The customer is signed on already:
    // a block that does not decipher (a replayed DUKPT block included) tells nothing about the
    // PIN, and changes nothing.
    auto pin = decipher_pin(format, *parse_pin_block(*block_text, format), *pan, ksn);
    if (!pin) {
        return {400, bad_request_body("pin_block does not decipher to an ISO 9564 block"),
                "bad_pin_block"};
    }
    auto verdict =
        m_store->change_pin(fields->session, fields->terminal_id, *pan, *pin, now_unix_ms());
    base::wipe(*pin);
    base::wipe(*pan);
    if (!verdict) {
        return unavailable(verdict.error());
    }
    if (*verdict != MoneyVerdict::ok) {
        return refusal(*verdict);
    }
    return {200, result_body("ok"), "ok"};
}

}  // namespace simulator::bank
