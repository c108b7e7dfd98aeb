#include "kiosk/load/simulated_kiosk.h"

#include <cstdio>
#include <utility>
#include <variant>

#include "kiosk/net/random_uuid.h"

namespace kiosk::load {

namespace {

// The journal's event of each kind of transaction; the step says how far it got.
constexpr std::string_view k_withdrawal_event = "withdrawal";
constexpr std::string_view k_transfer_event = "transfer";

constexpr std::string_view k_sign_on_call = "sign_on";
constexpr std::string_view k_journal_call = "journal";

enum class SessionKind { balance, withdrawal, transfer };

bool is_refusal(core::MoneyStatus status) {
    // The demo accounts can run out of money or of today's limits during a long run; a bank
    // refusing then is right, and no fault of the kiosk or the service.
    return status == core::MoneyStatus::insufficient_funds ||
           status == core::MoneyStatus::over_limit;
}

core::Money money(std::int64_t minor_units) {
    return core::Money{minor_units, std::string(k_currency)};
}

core::MoneyReply reply_with(core::MoneyStatus status) {
    core::MoneyReply reply;
    reply.status = status;
    return reply;
}

std::int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string terminal_id(int number) {
    char text[16];
    std::snprintf(text, sizeof text, "load-%03d", number);
    return text;
}

SimulatedKiosk::SimulatedKiosk(SimulatedKioskOptions options, const std::vector<LoadCard>& cards)
    : m_options(std::move(options)), m_cards(cards), m_random(m_options.seed) {
    m_options.client.terminal_id = terminal_id(m_options.number);
    m_client = std::make_unique<net::AccountClient>(m_options.client);
}

SimulatedKiosk::~SimulatedKiosk() {
    join();
}

std::expected<void, base::Error<store::JournalError>> SimulatedKiosk::open_journal() {
    auto journal = store::Journal::open(m_options.journal_file);
    if (!journal) {
        return std::unexpected(journal.error());
    }
    m_journal = std::move(*journal);
    return {};
}

void SimulatedKiosk::start() {
    m_client->start(
        [this](core::Event event) {
            {
                std::lock_guard lock(m_mutex);
                m_events.push_back(std::move(event));
            }
            m_arrived.notify_one();
        },
        [this](const net::ServiceNotice& notice) {
            std::lock_guard lock(m_mutex);
            m_last_notice_status = notice.status;
        });
    m_thread = std::thread([this] { run(); });
}

void SimulatedKiosk::join() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
    if (m_client) {
        m_client->stop();
    }
}

void SimulatedKiosk::run() {
    std::uniform_int_distribution<long> start_delay(0, k_start_spread.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(start_delay(m_random)));
    while (Clock::now() < m_options.deadline) {
        run_session();
        std::this_thread::sleep_for(m_options.think);
    }
}

void SimulatedKiosk::run_session() {
    const auto started = Clock::now();
    std::uniform_int_distribution<std::size_t> pick_card(0, m_cards.size() - 1);
    const std::size_t card = pick_card(m_random);
    std::uniform_int_distribution<int> pick_percent(0, 99);
    const int percent = pick_percent(m_random);
    const SessionKind kind = percent < k_balance_share_percent ? SessionKind::balance
                             : percent < k_balance_share_percent + k_withdrawal_share_percent
                                 ? SessionKind::withdrawal
                                 : SessionKind::transfer;

    const auto reply = sign_on(m_cards[card]);
    if (reply && reply->status == core::ServiceStatus::ok && reply->session) {
        const base::SecretText& session = reply->session->token;
        switch (kind) {
            case SessionKind::balance:
                // The sign-on's reply carried the balance: that is the whole enquiry.
                ++m_tally.balances;
                break;
            case SessionKind::withdrawal:
                withdraw(session);
                break;
            case SessionKind::transfer:
                // The next card's account: never the payer's own.
                transfer(session, m_cards[(card + 1) % m_cards.size()]);
                break;
        }
        const auto ended = call(core::EndSession{}, session);
        if (ended.status != core::MoneyStatus::ok) {
            count_not_ok(core::call_name(core::AccountRequest{core::EndSession{}}), ended.status);
        }
    } else if (reply) {
        count_error(k_sign_on_call, reply->status == core::ServiceStatus::ok
                                        ? "no session"
                                        : core::to_string(reply->status));
    }
    ++m_tally.sessions;
    m_tally.session_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - started).count());
}

void SimulatedKiosk::withdraw(const base::SecretText& session) {
    core::RequestQuote asked{core::MoneyKind::withdrawal, money(k_withdrawal_minor_units), {}};
    const auto quoted = call(std::move(asked), session);
    if (quoted.status != core::MoneyStatus::ok || !quoted.quote) {
        count_not_ok("quote", quoted.status);
        return;
    }
    const core::Quote& quote = *quoted.quote;
    const auto reference = net::random_uuid();
    if (!reference) {
        count_error("withdrawal", "no secure random reference");
        return;
    }
    // docs/architecture.md and kiosk/core/reconciliation.h: each step is journaled before the
    // action it names and after its answer, so that a crash leaves no step unrecorded.
    journal(*reference, core::WithdrawalStep::authorise_requested, quote.amount, quote.fee);
    const auto authorised = call(core::AuthoriseWithdrawal{*reference, quote.id}, session);
    if (is_refusal(authorised.status)) {
        journal(*reference, core::WithdrawalStep::refused, quote.amount, quote.fee);
        ++m_tally.refusals;
        return;
    }
    if (authorised.status != core::MoneyStatus::ok || !authorised.withdrawal ||
        authorised.withdrawal->state != core::WithdrawalState::authorised) {
        count_not_ok("withdrawal", authorised.status == core::MoneyStatus::ok
                                       ? core::MoneyStatus::bad_reply
                                       : authorised.status);
        // Whether the service holds the money is unknown: undo it, as the reconciliation would.
        reverse(*reference, core::ReverseReason::outcome_unknown, quote.amount, quote.fee, session);
        return;
    }
    journal(*reference, core::WithdrawalStep::authorised, quote.amount, quote.fee);

    // The simulated dispenser picks the notes at once and always all of them.
    const std::vector<int> notes{static_cast<int>(quote.amount.minor_units / k_note_minor_units)};
    journal(*reference, core::WithdrawalStep::dispense_ordered, quote.amount, quote.fee, notes);
    journal(*reference, core::WithdrawalStep::dispensed, quote.amount, quote.fee, notes);

    journal(*reference, core::WithdrawalStep::confirm_requested, quote.amount, quote.fee);
    core::MoneyReply confirmed;
    for (int attempt = 1; attempt <= k_settle_attempts; ++attempt) {
        confirmed = call(core::ConfirmWithdrawal{*reference, quote.amount}, session);
        if (confirmed.status != core::MoneyStatus::timeout &&
            confirmed.status != core::MoneyStatus::unavailable) {
            break;
        }
        count_not_ok("withdrawal_confirm", confirmed.status);
    }
    const bool debited = confirmed.status == core::MoneyStatus::ok && confirmed.withdrawal &&
                         confirmed.withdrawal->state == core::WithdrawalState::confirmed &&
                         confirmed.withdrawal->dispensed == quote.amount;
    if (!debited) {
        if (confirmed.status != core::MoneyStatus::timeout &&
            confirmed.status != core::MoneyStatus::unavailable) {
            count_not_ok("withdrawal_confirm", confirmed.status == core::MoneyStatus::ok
                                                   ? core::MoneyStatus::bad_reply
                                                   : confirmed.status);
        }
        // The notes never reach the customer: into the reject bin, and the money back.
        journal(*reference, core::WithdrawalStep::reject_ordered, quote.amount, quote.fee, notes);
        journal(*reference, core::WithdrawalStep::notes_secured, quote.amount, quote.fee, notes);
        reverse(*reference, core::ReverseReason::dispense_failed, quote.amount, quote.fee, session);
        return;
    }
    journal(*reference, core::WithdrawalStep::confirmed, quote.amount, quote.fee);
    ++m_tally.withdrawals;
    m_tally.dispensed_minor_units += quote.amount.minor_units;
    journal(*reference, core::WithdrawalStep::present_ordered, quote.amount, quote.fee, notes);
    journal(*reference, core::WithdrawalStep::presented, quote.amount, quote.fee, notes);
    journal(*reference, core::WithdrawalStep::completed, quote.amount, quote.fee, notes);
}

void SimulatedKiosk::reverse(const core::TransactionReference& transaction,
                             core::ReverseReason reason, const core::Money& amount,
                             const core::Money& fee, const base::SecretText& session) {
    journal(transaction, core::WithdrawalStep::reverse_requested, amount, fee);
    core::MoneyReply reversed;
    for (int attempt = 1; attempt <= k_settle_attempts; ++attempt) {
        reversed = call(core::ReverseWithdrawal{transaction, reason}, session);
        if (reversed.status != core::MoneyStatus::timeout &&
            reversed.status != core::MoneyStatus::unavailable) {
            break;
        }
        count_not_ok("withdrawal_reverse", reversed.status);
    }
    if (reversed.status != core::MoneyStatus::ok) {
        if (reversed.status != core::MoneyStatus::timeout &&
            reversed.status != core::MoneyStatus::unavailable) {
            count_not_ok("withdrawal_reverse", reversed.status);
        }
        journal(transaction, core::WithdrawalStep::held_for_engineer, amount, fee);
        return;
    }
    journal(transaction, core::WithdrawalStep::reversed, amount, fee);
}

void SimulatedKiosk::transfer(const base::SecretText& session, const LoadCard& payee) {
    core::RequestQuote asked{core::MoneyKind::transfer, money(k_transfer_minor_units),
                             base::SecretText(payee.pan.digits())};
    const auto quoted = call(std::move(asked), session);
    if (quoted.status != core::MoneyStatus::ok || !quoted.quote) {
        count_not_ok("quote", quoted.status);
        return;
    }
    const core::Quote& quote = *quoted.quote;
    const auto reference = net::random_uuid();
    if (!reference) {
        count_error("transfer", "no secure random reference");
        return;
    }
    journal(*reference, core::TransferStep::requested, quote.amount, quote.fee);
    const auto executed = call(core::ExecuteTransfer{*reference, quote.id}, session);
    if (executed.status == core::MoneyStatus::ok && executed.transfer) {
        journal(*reference, core::TransferStep::done, quote.amount, quote.fee);
        ++m_tally.transfers;
    } else if (is_refusal(executed.status)) {
        journal(*reference, core::TransferStep::refused, quote.amount, quote.fee);
        ++m_tally.refusals;
    } else {
        journal(*reference, core::TransferStep::outcome_unknown, quote.amount, quote.fee);
        count_not_ok("transfer", executed.status == core::MoneyStatus::ok
                                     ? core::MoneyStatus::bad_reply
                                     : executed.status);
    }
}

std::optional<core::ServiceReply> SimulatedKiosk::sign_on(const LoadCard& card) {
    const std::uint64_t call_id = m_next_call_id++;
    const auto started = Clock::now();
    // No chip, so no ARQC: the load run's bank takes sign-ons without one
    // (simulator/app/load_run.cpp).
    m_client->sign_on(call_id, core::BalanceRequest{card.pan, card.pin_block});
    auto event = wait_for(call_id);
    measure(k_sign_on_call, started);
    if (!event) {
        m_client->cancel(call_id);
        count_error(k_sign_on_call, "no answer");
        return std::nullopt;
    }
    if (auto* reply = std::get_if<core::ReplyReceived>(&*event)) {
        return std::move(reply->reply);
    }
    count_error(k_sign_on_call, "an event of another kind");
    return std::nullopt;
}

core::MoneyReply SimulatedKiosk::call(core::AccountRequest request,
                                      const base::SecretText& session) {
    const std::string name(core::call_name(request));
    std::this_thread::sleep_for(m_options.think);
    const std::uint64_t call_id = m_next_call_id++;
    const auto started = Clock::now();
    m_client->request(call_id, std::move(request), session);
    auto event = wait_for(call_id);
    measure(name, started);
    if (!event) {
        m_client->cancel(call_id);
        return reply_with(core::MoneyStatus::timeout);
    }
    if (auto* reply = std::get_if<core::MoneyReplyReceived>(&*event)) {
        return std::move(reply->reply);
    }
    return reply_with(core::MoneyStatus::bad_reply);
}

std::optional<core::Event> SimulatedKiosk::wait_for(std::uint64_t call_id) {
    const auto deadline = Clock::now() + m_options.client.total_timeout + k_answer_grace;
    std::unique_lock lock(m_mutex);
    while (true) {
        while (!m_events.empty()) {
            core::Event event = std::move(m_events.front());
            m_events.pop_front();
            const std::uint64_t id = std::visit(
                [](const auto& value) -> std::uint64_t {
                    if constexpr (requires { value.call_id; }) {
                        return value.call_id;
                    } else {
                        return 0;
                    }
                },
                event);
            if (id == call_id) {
                return event;
            }
        }
        if (m_arrived.wait_until(lock, deadline) == std::cv_status::timeout && m_events.empty()) {
            return std::nullopt;
        }
    }
}

void SimulatedKiosk::measure(std::string_view call, Clock::time_point started) {
    const double milliseconds =
        std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    ++m_tally.requests;
    m_tally.request_ms.push_back(milliseconds);
    m_tally.call_ms[std::string(call)].push_back(milliseconds);
}

void SimulatedKiosk::count_not_ok(std::string_view call, core::MoneyStatus status) {
    if (is_refusal(status)) {
        ++m_tally.refusals;
        return;
    }
    count_error(call, core::to_string(status));
}

void SimulatedKiosk::count_error(std::string_view call, std::string_view what) {
    ++m_tally.errors;
    std::string kind = std::string(call) + ": " + std::string(what);
    {
        // The transport's own word says which failure a timeout or unavailable was.
        std::lock_guard lock(m_mutex);
        if (!m_last_notice_status.empty() && m_last_notice_status != what) {
            kind += " (" + m_last_notice_status + ")";
        }
    }
    ++m_tally.error_kinds[kind];
}

void SimulatedKiosk::journal(const core::TransactionReference& transaction, std::string_view event,
                             std::string_view step, const core::Money& amount,
                             const core::Money& fee, std::vector<int> notes) {
    const store::JournalEntry entry{.event = std::string(event),
                                    .detail = {},
                                    .transaction = transaction,
                                    .step = std::string(step),
                                    .amount_minor_units = amount.minor_units,
                                    .fee_minor_units = fee.minor_units,
                                    .currency = amount.currency,
                                    .notes = std::move(notes)};
    if (auto appended = m_journal->append(entry, unix_now_ms()); !appended) {
        count_error(k_journal_call, store::to_string(appended.error().code));
        return;
    }
    ++m_tally.journal_records;
}

void SimulatedKiosk::journal(const core::TransactionReference& transaction,
                             core::WithdrawalStep step, const core::Money& amount,
                             const core::Money& fee, std::vector<int> notes) {
    journal(transaction, k_withdrawal_event, core::to_string(step), amount, fee, std::move(notes));
}

void SimulatedKiosk::journal(const core::TransactionReference& transaction, core::TransferStep step,
                             const core::Money& amount, const core::Money& fee) {
    journal(transaction, k_transfer_event, core::to_string(step), amount, fee, {});
}

}  // namespace kiosk::load
