#pragma once

// The cash dispenser's self-test (issue 10, "a dispense into the reject bin"): one note is
// picked from each cassette that can give notes and moved straight to the reject bin, under a
// transaction reference of its own, so that an engineer sees every cassette pick and the
// transport and the bin work, and no note reaches the slot (docs/protocols/dispenser.md: DISPENSE,
// then REJECT).
//
// No account is involved, but the notes leave the cassettes: like a withdrawal's, each step is
// journaled (with the notes per cassette) before the action it names and after its answer, so
// that the branch's cash count can account for every note, and a start-up after a crash settles a
// test the journal left unfinished before the first customer: notes the dispenser still holds
// for it go to the reject bin, and notes it cannot account for are left to staff.
//
// Pure: the flow carries the test out (flow_dispense_test.cpp); the shell reads the journal.

#include <optional>
#include <string_view>
#include <vector>

#include "kiosk/core/account_calls.h"
#include "kiosk/core/cash.h"
#include "kiosk/core/money.h"

namespace kiosk::core {

// The steps of a dispense test as the kiosk journals them, in the order they happen; named as
// a withdrawal's steps of the same meaning are (reconciliation.h).
enum class DispenseTestStep {
    dispense_ordered,   // the dispenser was told to pick one note from each cassette
    dispensed,          // it picked them all (the notes picked are journaled)
    not_picked,         // it picked none (no notes, out of service, busy): final
    reject_ordered,     // it was told to move them to the reject bin
    notes_secured,      // they are in the reject bin: final
    held_for_engineer,  // where they are cannot be known (a jam, no answer): staff count them
};

std::string_view to_string(DispenseTestStep step);
// The step that to_string names, as the journal's records carry it; nothing for another name.
std::optional<DispenseTestStep> dispense_test_step_named(std::string_view name);

// Whether nothing more is to be done for a test whose last journaled step is `step`.
bool is_final(DispenseTestStep step);

// How the flow journals a test's step: the record's event is this prefix and the step's name
// ("dispense_test_dispensed"), its step the name, its amount what the notes asked for are worth
// (for dispensed: what was picked), no fee, and the notes per cassette when the step moves them.
inline constexpr std::string_view k_dispense_test_event_prefix = "dispense_test_";

// The notes the test asks for, per cassette in order: one from each cassette that can give
// notes (ok or low) in the currency of the first such cassette, none from the others. Nothing
// when no cassette can give a note.
std::optional<std::vector<int>> dispense_test_notes(const std::vector<Cassette>& cassettes);

// What `notes` (per cassette, in order) are worth, in the currency of the cassettes that give
// them.
Money notes_worth(const std::vector<Cassette>& cassettes, const std::vector<int>& notes);

// Why a dispense test is not started (the engineer's screen says so).
enum class DispenseTestRefusal {
    no_dispenser,    // the kiosk found no dispenser, or it went away
    journal_failed,  // the electronic journal cannot be written: no note may move
    no_notes,        // no cassette can give a note
};

std::string_view to_string(DispenseTestRefusal refusal);

// A dispense test, from its order until its notes are secured or left to staff: kept by the
// session (it outlives an engineer who leaves meanwhile), and its outcome shown until the next.
struct DispenseTest {
    TransactionReference transaction;
    DispenseTestStep step = DispenseTestStep::dispense_ordered;
    std::vector<int> notes;             // asked for, per cassette
    Money amount;                       // what they are worth
    std::vector<int> picked;            // per cassette, once the dispenser answered
    Money picked_amount;                // what those are worth
    int rejected = 0;                   // notes the dispenser moved into the reject bin
    CashFault fault = CashFault::none;  // why it was not picked, or was held
    bool settling = false;              // an unfinished test settled at start-up

    friend bool operator==(const DispenseTest&, const DispenseTest&) = default;
};

// What the journal says of a test it left unfinished.
struct UnfinishedDispenseTest {
    TransactionReference transaction;
    DispenseTestStep last_step = DispenseTestStep::dispense_ordered;
    Money amount;  // what the notes asked for are worth

    friend bool operator==(const UnfinishedDispenseTest&, const UnfinishedDispenseTest&) = default;
};

// The step the journal takes next for an unfinished test, given what the dispenser reports
// now: not_picked or notes_secured when nothing is left to do (the dispense never reached the
// dispenser, picked nothing, or its notes are in the reject bin already); reject_ordered when
// its notes are still in the transport; held_for_engineer when the dispenser cannot say where
// they are, or says they left the machine (a test never presents its notes).
DispenseTestStep settle(const UnfinishedDispenseTest& test, const DispenserReported& dispenser);

}  // namespace kiosk::core
