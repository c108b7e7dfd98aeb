#pragma once

// One simulated kiosk of a load run: the kiosk's own account client (kiosk/net) and its own
// electronic journal (kiosk/store), driven by a customer who signs on, asks the balance,
// withdraws cash or transfers money, and signs off, again and again until the run's time is
// up. There is no window, no speech and no device: the customer's choices come from a seeded
// generator, and the cash dispenser is simulated by journaling the steps a dispense writes.
//
// Threading: start() runs the customer on a thread of the kiosk's own; the account client's
// worker is a second thread. tally() may be read once join() has returned.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/wipe.h"
#include "kiosk/core/account_calls.h"
#include "kiosk/core/events.h"
#include "kiosk/core/reconciliation.h"
#include "kiosk/core/transfer.h"
#include "kiosk/load/load_cards.h"
#include "kiosk/load/load_tally.h"
#include "kiosk/net/account_client.h"
#include "kiosk/store/journal.h"

namespace kiosk::load {

// The customers' mix, in percent of sessions: what a branch's kiosk mostly serves is balance
// enquiries, then cash, then transfers. The shares add up to 100.
inline constexpr int k_balance_share_percent = 50;
inline constexpr int k_withdrawal_share_percent = 35;
inline constexpr int k_transfer_share_percent = 15;
static_assert(k_balance_share_percent + k_withdrawal_share_percent + k_transfer_share_percent ==
              100);

// Small amounts, so that the demo accounts last a whole run: 10 yuan (one note) a withdrawal
// and 1 yuan a transfer. The smallest demo account (1,002.05 yuan, a card of another bank that
// pays a 2 yuan fee a withdrawal) still lasts some 80 withdrawals, and 100 yuan would use up the
// daily limit of 20,000 yuan per card (simulator/bank/account_store.h) within one long run.
inline constexpr std::int64_t k_withdrawal_minor_units = 1'000;
inline constexpr std::int64_t k_note_minor_units = 1'000;
inline constexpr std::int64_t k_transfer_minor_units = 100;
inline constexpr std::string_view k_currency = "CNY";

// Kiosks come on line at random moments within this time, not all in the same millisecond.
inline constexpr std::chrono::milliseconds k_start_spread{1'000};
// How long past the client's own total time-out a kiosk waits for a call's event before it
// counts the call as unanswered: the client always answers within its time-out, so this is
// only a safety net against a lost event.
inline constexpr std::chrono::milliseconds k_answer_grace{2'000};
// A confirm or a reverse that timed out or found the service unavailable is asked again (the
// same reference is always safe to repeat, docs/api/account.yaml) this many times in all, as
// the reconciliation would before the next customer.
inline constexpr int k_settle_attempts = 3;

struct SimulatedKioskOptions {
    int number = 1;  // 1..N: names the terminal (load-001) and the journal file
    net::AccountClientOptions client;
    std::filesystem::path journal_file;
    std::uint64_t seed = 1;
    // Sessions start until this moment; the one running then is finished.
    std::chrono::steady_clock::time_point deadline;
    // The customer's time before each request after the sign-on and before the next customer
    // comes: reading a screen, typing an amount. Zero makes every kiosk ask as fast as the
    // service answers, far more than a customer would.
    std::chrono::milliseconds think{0};
};

// The terminal id of kiosk `number`: "load-001".
std::string terminal_id(int number);

class SimulatedKiosk {
  public:
    // `cards` must outlive the kiosk.
    SimulatedKiosk(SimulatedKioskOptions options, const std::vector<LoadCard>& cards);
    ~SimulatedKiosk();
    SimulatedKiosk(const SimulatedKiosk&) = delete;
    SimulatedKiosk& operator=(const SimulatedKiosk&) = delete;

    // Opens the kiosk's journal (before any thread starts, so that a bad folder is told at once).
    std::expected<void, base::Error<store::JournalError>> open_journal();
    // Starts the account client and the customer's thread.
    void start();
    // Waits until the customer's last session has ended, then stops the client.
    void join();

    const LoadTally& tally() const { return m_tally; }
    const std::filesystem::path& journal_file() const { return m_options.journal_file; }

  private:
    using Clock = std::chrono::steady_clock;

    void run();
    void run_session();
    void withdraw(const base::SecretText& session);
    void transfer(const base::SecretText& session, const LoadCard& payee);

    // Sends a sign-on and waits for its ReplyReceived; none when no event came in time.
    std::optional<core::ServiceReply> sign_on(const LoadCard& card);
    // Sends one of the customer's requests and waits for its MoneyReplyReceived; a reply with
    // status timeout when no event came in time.
    core::MoneyReply call(core::AccountRequest request, const base::SecretText& session);
    // Waits for the event of `call_id`, dropping any other (a late answer to a given-up call).
    std::optional<core::Event> wait_for(std::uint64_t call_id);
    void measure(std::string_view call, Clock::time_point started);

    // Counts a reply that is not `ok`: a refusal for funds or a limit, or an error.
    void count_not_ok(std::string_view call, core::MoneyStatus status);
    void count_error(std::string_view call, std::string_view what);

    void journal(const core::TransactionReference& transaction, std::string_view event,
                 std::string_view step, const core::Money& amount, const core::Money& fee,
                 std::vector<int> notes = {});
    void journal(const core::TransactionReference& transaction, core::WithdrawalStep step,
                 const core::Money& amount, const core::Money& fee, std::vector<int> notes = {});
    void journal(const core::TransactionReference& transaction, core::TransferStep step,
                 const core::Money& amount, const core::Money& fee);
    // Undoes a withdrawal whose outcome the kiosk cannot vouch for, as the reconciliation would
    // (kiosk/core/reconciliation.h, "reverse").
    void reverse(const core::TransactionReference& transaction, core::ReverseReason reason,
                 const core::Money& amount, const core::Money& fee,
                 const base::SecretText& session);

    SimulatedKioskOptions m_options;
    const std::vector<LoadCard>& m_cards;
    std::mt19937_64 m_random;
    std::unique_ptr<net::AccountClient> m_client;
    std::unique_ptr<store::Journal> m_journal;
    std::thread m_thread;
    std::uint64_t m_next_call_id = 1;
    LoadTally m_tally;

    // What the client's worker hands over: events, and the status of the last notice (the
    // transport's own word for a failure, "timeout", "connect_failed", for the error's kind).
    std::mutex m_mutex;
    std::condition_variable m_arrived;
    std::deque<core::Event> m_events;
    std::string m_last_notice_status;
};

}  // namespace kiosk::load
