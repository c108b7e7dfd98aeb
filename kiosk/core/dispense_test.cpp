#include "kiosk/core/dispense_test.h"

#include <cstddef>

namespace kiosk::core {

std::string_view to_string(DispenseTestStep step) {
    switch (step) {
        case DispenseTestStep::dispense_ordered:
            return "dispense_ordered";
        case DispenseTestStep::dispensed:
            return "dispensed";
        case DispenseTestStep::not_picked:
            return "not_picked";
        case DispenseTestStep::reject_ordered:
            return "reject_ordered";
        case DispenseTestStep::notes_secured:
            return "notes_secured";
        case DispenseTestStep::held_for_engineer:
            return "held_for_engineer";
    }
    return "unknown";
}

std::optional<DispenseTestStep> dispense_test_step_named(std::string_view name) {
    for (int value = 0; value <= static_cast<int>(DispenseTestStep::held_for_engineer); ++value) {
        const auto step = static_cast<DispenseTestStep>(value);
        if (to_string(step) == name) {
            return step;
        }
    }
    return std::nullopt;
}

bool is_final(DispenseTestStep step) {
    return step == DispenseTestStep::not_picked || step == DispenseTestStep::notes_secured ||
           step == DispenseTestStep::held_for_engineer;
}

namespace {

bool gives_notes(const Cassette& cassette) {
    return (cassette.state == CassetteState::ok || cassette.state == CassetteState::low) &&
           cassette.count > 0;
}

}  // namespace

std::optional<std::vector<int>> dispense_test_notes(const std::vector<Cassette>& cassettes) {
    std::vector<int> notes(cassettes.size(), 0);
    const std::string* currency = nullptr;
    for (std::size_t index = 0; index < cassettes.size(); ++index) {
        const Cassette& cassette = cassettes[index];
        if (!gives_notes(cassette)) {
            continue;
        }
        if (currency == nullptr) {
            currency = &cassette.denomination.currency;
        }
        if (cassette.denomination.currency == *currency) {
            notes[index] = 1;
        }
    }
    if (currency == nullptr) {
        return std::nullopt;
    }
    return notes;
}

Money notes_worth(const std::vector<Cassette>& cassettes, const std::vector<int>& notes) {
    Money worth;
    for (std::size_t index = 0; index < cassettes.size() && index < notes.size(); ++index) {
        if (notes[index] == 0) {
            continue;
        }
        worth.currency = cassettes[index].denomination.currency;
        worth.minor_units += cassettes[index].denomination.minor_units * notes[index];
    }
    return worth;
}

std::string_view to_string(DispenseTestRefusal refusal) {
    switch (refusal) {
        case DispenseTestRefusal::no_dispenser:
            return "no_dispenser";
        case DispenseTestRefusal::journal_failed:
            return "journal_failed";
        case DispenseTestRefusal::no_notes:
            return "no_notes";
    }
    return "unknown";
}

DispenseTestStep settle(const UnfinishedDispenseTest& test, const DispenserReported& dispenser) {
    if (is_final(test.last_step)) {
        return test.last_step;
    }
    if (dispenser.fault != CashFault::none || dispenser.state == DispenserState::jammed) {
        return DispenseTestStep::held_for_engineer;
    }
    if (dispenser.last_transaction != test.transaction) {
        // The order never reached it; a later step it does not know means the dispenser was
        // replaced or reset: its notes must be counted by hand.
        return test.last_step == DispenseTestStep::dispense_ordered
                   ? DispenseTestStep::not_picked
                   : DispenseTestStep::held_for_engineer;
    }
    if (dispenser.last_result == PickResult::nothing_picked) {
        return DispenseTestStep::not_picked;
    }
    switch (dispenser.last_location) {
        case NotesLocation::transport:
            return DispenseTestStep::reject_ordered;
        case NotesLocation::retracted:
        case NotesLocation::rejected:
            return DispenseTestStep::notes_secured;
        case NotesLocation::slot:
        case NotesLocation::taken:
            // A test never presents its notes: whatever put them there, staff must count.
            return DispenseTestStep::held_for_engineer;
    }
    return DispenseTestStep::held_for_engineer;
}

}  // namespace kiosk::core
