#include "kiosk/app/cash_journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <expected>
#include <utility>

#include "kiosk/app/journal_entry.h"

namespace kiosk::app {

namespace {

// The journal's records of cash by transaction come in two kinds, told apart by their event's
// prefix: a customer's withdrawal (core/reconciliation.h) and an engineer's dispense test
// (core/dispense_test.h).
template <typename Step>
struct CashRecords;

template <>
struct CashRecords<core::WithdrawalStep> {
    static constexpr std::string_view k_prefix = core::k_withdrawal_event_prefix;
    static constexpr std::string_view k_what = "withdrawal";
    static std::optional<core::WithdrawalStep> step_named(std::string_view name) {
        return core::withdrawal_step_named(name);
    }
};

template <>
struct CashRecords<core::DispenseTestStep> {
    static constexpr std::string_view k_prefix = core::k_dispense_test_event_prefix;
    static constexpr std::string_view k_what = "dispense test";
    static std::optional<core::DispenseTestStep> step_named(std::string_view name) {
        return core::dispense_test_step_named(name);
    }
};

template <typename Step>
bool is_cash_journal_record(const kiosk::store::JournalRecord& record) {
    return record.entry.event.starts_with(CashRecords<Step>::k_prefix);
}

// What in a cash record the core cannot have written, or nothing: it writes the event as the
// prefix and the step's name, and money in a currency with no negative amount.
template <typename Step>
std::optional<std::string> cash_journal_record_problem(const kiosk::store::JournalEntry& entry) {
    if (!CashRecords<Step>::step_named(entry.step)) {
        return fmt::format("a {} step this kiosk does not know (\"{}\")", CashRecords<Step>::k_what,
                           entry.step);
    }
    if (entry.event != std::string(CashRecords<Step>::k_prefix) + entry.step) {
        return fmt::format("event \"{}\" does not match its step \"{}\"", entry.event, entry.step);
    }
    // The store writes no currency but an empty one or three capital letters (Journal::append).
    if (entry.currency.empty()) {
        return std::string("no currency");
    }
    if (entry.amount_minor_units < 0 || entry.fee_minor_units < 0) {
        return std::string("a negative amount");
    }
    return std::nullopt;
}

bool is_cash_journal_withdrawal(const kiosk::store::JournalRecord& record) {
    return is_cash_journal_record<core::WithdrawalStep>(record);
}

// The unfinished withdrawal that `records`, all of one transaction, tell of, `last` being the
// last of them; or the record the core cannot have written.
std::expected<core::UnfinishedWithdrawal, UnreadableWithdrawal> cash_journal_withdrawal_of(
    const std::vector<kiosk::store::JournalRecord>& records,
    const kiosk::store::JournalRecord& last) {
    // The amount authorised is on every step's record but "dispensed", which carries what was
    // picked instead (core::k_withdrawal_event_prefix).
    const kiosk::store::JournalRecord* authorised = nullptr;
    const kiosk::store::JournalRecord* dispensed = nullptr;
    for (const kiosk::store::JournalRecord& record : records) {
        if (!is_cash_journal_withdrawal(record)) {
            continue;
        }
        if (auto problem = cash_journal_record_problem<core::WithdrawalStep>(record.entry)) {
            return std::unexpected(UnreadableWithdrawal{record.sequence, std::move(*problem)});
        }
        if (record.entry.step == core::to_string(core::WithdrawalStep::dispensed)) {
            dispensed = &record;
        } else {
            authorised = &record;
        }
    }
    if (authorised == nullptr) {
        return std::unexpected(
            UnreadableWithdrawal{last.sequence, "no record of the amount authorised"});
    }
    const std::string& currency = authorised->entry.currency;
    core::UnfinishedWithdrawal withdrawal{
        .transaction = last.entry.transaction,
        .last_step = *core::withdrawal_step_named(last.entry.step),
        .amount = core::Money{authorised->entry.amount_minor_units, currency},
        .fee = core::Money{authorised->entry.fee_minor_units, currency},
        .dispensed = core::Money{0, currency},
        .dispensed_known = false,
    };
    if (dispensed != nullptr) {
        withdrawal.dispensed =
            core::Money{dispensed->entry.amount_minor_units, dispensed->entry.currency};
        withdrawal.dispensed_known = true;
    }
    return withdrawal;
}

// The unfinished dispense test that `records`, all of one transaction, tell of, `last` being
// the last of them; or the record the core cannot have written. What its notes are worth is on
// its first record, the order.
std::expected<core::UnfinishedDispenseTest, UnreadableWithdrawal> cash_journal_dispense_test_of(
    const std::vector<kiosk::store::JournalRecord>& records,
    const kiosk::store::JournalRecord& last) {
    const kiosk::store::JournalRecord* ordered = nullptr;
    for (const kiosk::store::JournalRecord& record : records) {
        if (!is_cash_journal_record<core::DispenseTestStep>(record)) {
            continue;
        }
        if (auto problem = cash_journal_record_problem<core::DispenseTestStep>(record.entry)) {
            return std::unexpected(UnreadableWithdrawal{record.sequence, std::move(*problem)});
        }
        if (ordered == nullptr) {
            ordered = &record;
        }
    }
    if (ordered == nullptr) {
        return std::unexpected(UnreadableWithdrawal{last.sequence, "no record of the test"});
    }
    return core::UnfinishedDispenseTest{
        .transaction = last.entry.transaction,
        .last_step = *core::dispense_test_step_named(last.entry.step),
        .amount = core::Money{ordered->entry.amount_minor_units, ordered->entry.currency},
    };
}

std::int64_t cash_journal_now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

CashJournal::CashJournal(std::unique_ptr<kiosk::store::Journal> journal,
                         std::optional<std::string> failure)
    : m_journal(std::move(journal)), m_failure(std::move(failure)) {}

CashJournal CashJournal::open(const std::filesystem::path& file) {
    auto journal = kiosk::store::Journal::open(file);
    if (!journal) {
        return CashJournal(nullptr, base::to_string(journal.error()));
    }
    return CashJournal(std::move(*journal), std::nullopt);
}

void CashJournal::fail(std::string reason) {
    if (!m_failure) {
        m_failure = std::move(reason);
    }
}

std::optional<core::JournalFailed> CashJournal::take_failure() {
    if (!m_failure || m_failure_taken) {
        return std::nullopt;
    }
    m_failure_taken = true;
    return core::JournalFailed{*m_failure};
}

UnfinishedReading CashJournal::read_unfinished() {
    UnfinishedReading reading;
    if (!m_journal) {
        return reading;
    }
    const auto last_records = m_journal->last_records_by_transaction();
    if (!last_records) {
        fail(base::to_string(last_records.error()));
        return reading;
    }
    // Each withdrawal with the sequence of its first record, which orders them oldest first:
    // the last records come in the order they were written, and a withdrawal begun earlier may
    // have been written to last.
    std::vector<std::pair<std::int64_t, core::UnfinishedWithdrawal>> found;
    std::vector<std::pair<std::int64_t, core::UnfinishedDispenseTest>> found_tests;
    for (const kiosk::store::JournalRecord& last : *last_records) {
        const bool withdrawal = is_cash_journal_withdrawal(last);
        if (!withdrawal && !is_cash_journal_record<core::DispenseTestStep>(last)) {
            continue;
        }
        auto problem = withdrawal ? cash_journal_record_problem<core::WithdrawalStep>(last.entry)
                                  : cash_journal_record_problem<core::DispenseTestStep>(last.entry);
        if (problem) {
            reading.unreadable.push_back(UnreadableWithdrawal{last.sequence, std::move(*problem)});
            continue;
        }
        if (withdrawal ? core::is_final(*core::withdrawal_step_named(last.entry.step))
                       : core::is_final(*core::dispense_test_step_named(last.entry.step))) {
            continue;
        }
        const auto records = m_journal->records_of(last.entry.transaction);
        if (!records) {
            fail(base::to_string(records.error()));
            return reading;
        }
        if (!withdrawal) {
            auto test = cash_journal_dispense_test_of(*records, last);
            if (!test) {
                reading.unreadable.push_back(std::move(test.error()));
                continue;
            }
            found_tests.emplace_back(records->front().sequence, std::move(*test));
            continue;
        }
        auto unfinished = cash_journal_withdrawal_of(*records, last);
        if (!unfinished) {
            reading.unreadable.push_back(std::move(unfinished.error()));
            continue;
        }
        found.emplace_back(records->front().sequence, std::move(*unfinished));
    }
    std::ranges::stable_sort(found, {}, [](const auto& pair) { return pair.first; });
    for (auto& [first_sequence, withdrawal] : found) {
        reading.unfinished.push_back(std::move(withdrawal));
    }
    std::ranges::stable_sort(found_tests, {}, [](const auto& pair) { return pair.first; });
    for (auto& [first_sequence, test] : found_tests) {
        reading.unfinished_dispense_tests.push_back(std::move(test));
    }
    return reading;
}

core::FaultsReported CashJournal::recent_faults(std::uint64_t call_id) const {
    core::FaultsReported report{
        .call_id = call_id, .readable = false, .journal_records = 0, .faults = {}};
    if (!m_journal) {
        return report;
    }
    const auto records = m_journal->latest_named("staff_notified");
    if (!records) {
        return report;
    }
    report.readable = true;
    report.journal_records = m_journal->tail().sequence;
    for (const kiosk::store::JournalRecord& record : *records) {
        const std::time_t seconds = static_cast<std::time_t>(record.at_unix_ms / 1'000);
        std::tm local{};
        localtime_r(&seconds, &local);
        report.faults.push_back(core::RecentFault{.month = local.tm_mon + 1,
                                                  .day = local.tm_mday,
                                                  .hour = local.tm_hour,
                                                  .minute = local.tm_min,
                                                  .reason = record.entry.detail});
    }
    return report;
}

core::CountersReported CashJournal::counters(std::uint64_t call_id,
                                             std::int64_t now_unix_ms) const {
    core::CountersReported report{.call_id = call_id, .readable = false, .counts = {}};
    if (!m_journal) {
        return report;
    }
    const std::time_t now = static_cast<std::time_t>(now_unix_ms / 1'000);
    std::tm midnight{};
    localtime_r(&now, &midnight);
    midnight.tm_hour = 0;
    midnight.tm_min = 0;
    midnight.tm_sec = 0;
    midnight.tm_isdst = -1;  // whatever daylight saving time says that day
    const std::int64_t since_unix_ms = static_cast<std::int64_t>(std::mktime(&midnight)) * 1'000;
    const auto counts = m_journal->count_events("staff_notified", since_unix_ms);
    if (!counts) {
        return report;
    }
    report.readable = true;
    for (const kiosk::store::EventCount& count : *counts) {
        report.counts.push_back(core::JournalCount{.event = count.event,
                                                   .reason = count.detail,
                                                   .today = count.since,
                                                   .in_all = count.total});
    }
    return report;
}

bool CashJournal::admit(const core::Effect& effect) {
    // Once a record is missing, none is attempted again: the journal no longer tells the whole
    // story until an engineer has seen to it, and a store that is locked would hold the event
    // loop for its busy time-out at every further record.
    if (const auto* journal = std::get_if<core::Journal>(&effect);
        journal != nullptr && (journal->transaction || journal->audit) && !m_failure) {
        if (auto written = m_journal->append(entry_of(*journal), cash_journal_now_unix_ms());
            !written) {
            fail(base::to_string(written.error()));
        }
    }
    return !(m_failure && core::is_money_giving(effect));
}

}  // namespace kiosk::app
