#pragma once

// The shell's side of the electronic journal (kiosk/store): it writes the record of each
// money-moving step before the effect after it runs, and each step of the audit trail, holds back
// every effect that gives money once a record could not be written, and reads at start-up the
// withdrawals a crash left unfinished (docs/architecture.md, "The electronic journal").
//
// Threading: used by the event loop's thread only, like the store's Journal it owns.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/core/dispense_test.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/reconciliation.h"
#include "kiosk/store/journal.h"

namespace kiosk::app {

// A withdrawal whose last record the core cannot have written (a step it does not name, a
// currency that is not an ISO 4217 code, an event that does not match its step). Where its
// notes and its debit are cannot be told from the journal, so it is never settled by guess:
// it is left to staff.
struct UnreadableWithdrawal {
    std::int64_t sequence = 0;  // the record that cannot be read, for the engineer to look up
    std::string problem;        // what is wrong with it, never personal data

    friend bool operator==(const UnreadableWithdrawal&, const UnreadableWithdrawal&) = default;
};

// What the journal says is left to settle at start-up.
struct UnfinishedReading {
    std::vector<core::UnfinishedWithdrawal> unfinished;  // for core::Started, oldest first
    // The dispenser's self-tests left unfinished (core/dispense_test.h), oldest first.
    std::vector<core::UnfinishedDispenseTest> unfinished_dispense_tests;
    // Withdrawals and tests alike, for staff, in the journal's order.
    std::vector<UnreadableWithdrawal> unreadable;
};

class CashJournal {
  public:
    // Opens the journal in `file` (its folder must exist). A journal that cannot be opened
    // leaves this failed from the start, with the store's error as the reason.
    static CashJournal open(const std::filesystem::path& file);

    // The withdrawals whose last record names a step that is not final, oldest first (by their
    // first record), each with the amount and fee it was authorised with and, when the journal
    // has a "dispensed" record of it, the amount picked; and likewise the dispense tests, each
    // with what the notes it asked for are worth. A withdrawal whose records the core
    // cannot have written is reported in `unreadable` instead. A journal that cannot be read
    // makes this failed: what is unfinished cannot be known, so no cash may be given.
    UnfinishedReading read_unfinished();

    // Called for each effect, in order, just before the shell would carry it out. A Journal
    // effect with a transaction, or one of the audit trail (the service menu's steps), is
    // appended to the journal, on the disk before this returns; any other goes to the
    // transcript only and is not written here. Returns whether the
    // effect may be carried out: false only for an effect that gives money
    // (core::is_money_giving) once this has failed.
    bool admit(const core::Effect& effect);

    // The JournalFailed the shell must step, once: after the journal could not be opened, read
    // or written, the first call returns it and every later call nothing.
    std::optional<core::JournalFailed> take_failure();

    bool failed() const { return m_failure.has_value(); }

    // The service menu's recent faults (core::ReportFaults): the latest records of the faults
    // staff were told of (`staff_notified`), newest first, with their local time, and how many
    // records the journal holds. Not readable: a journal that could not be opened or read.
    core::FaultsReported recent_faults(std::uint64_t call_id) const;

    // The service menu's counters (core::ReportCounters): how many records of each event the
    // journal holds, staff notices by reason, in all and since the kiosk's local midnight before
    // `now_unix_ms`. Not readable: a journal that could not be opened or read.
    core::CountersReported counters(std::uint64_t call_id, std::int64_t now_unix_ms) const;

  private:
    explicit CashJournal(std::unique_ptr<kiosk::store::Journal> journal,
                         std::optional<std::string> failure);
    void fail(std::string reason);

    std::unique_ptr<kiosk::store::Journal> m_journal;  // none when it could not be opened
    std::optional<std::string> m_failure;              // why, once failed: the store's error
    bool m_failure_taken = false;
};

}  // namespace kiosk::app
