#include "kiosk/core/reconciliation.h"

namespace kiosk::core {

std::string_view to_string(WithdrawalStep step) {
    switch (step) {
        case WithdrawalStep::authorise_requested:
            return "authorise_requested";
        case WithdrawalStep::authorised:
            return "authorised";
        case WithdrawalStep::refused:
            return "refused";
        case WithdrawalStep::dispense_ordered:
            return "dispense_ordered";
        case WithdrawalStep::dispensed:
            return "dispensed";
        case WithdrawalStep::confirm_requested:
            return "confirm_requested";
        case WithdrawalStep::confirmed:
            return "confirmed";
        case WithdrawalStep::present_ordered:
            return "present_ordered";
        case WithdrawalStep::presented:
            return "presented";
        case WithdrawalStep::completed:
            return "completed";
        case WithdrawalStep::retract_ordered:
            return "retract_ordered";
        case WithdrawalStep::reject_ordered:
            return "reject_ordered";
        case WithdrawalStep::notes_secured:
            return "notes_secured";
        case WithdrawalStep::reverse_requested:
            return "reverse_requested";
        case WithdrawalStep::reversed:
            return "reversed";
        case WithdrawalStep::held_for_engineer:
            return "held_for_engineer";
    }
    return "unknown";
}

std::optional<WithdrawalStep> withdrawal_step_named(std::string_view name) {
    for (int value = 0; value <= static_cast<int>(WithdrawalStep::held_for_engineer); ++value) {
        const auto step = static_cast<WithdrawalStep>(value);
        if (to_string(step) == name) {
            return step;
        }
    }
    return std::nullopt;
}

bool is_final(WithdrawalStep step) {
    return step == WithdrawalStep::refused || step == WithdrawalStep::completed ||
           step == WithdrawalStep::reversed || step == WithdrawalStep::held_for_engineer;
}

std::string_view to_string(SettlementAction action) {
    switch (action) {
        case SettlementAction::nothing:
            return "nothing";
        case SettlementAction::reverse:
            return "reverse";
        case SettlementAction::reject_and_reverse:
            return "reject_and_reverse";
        case SettlementAction::retract_and_reverse:
            return "retract_and_reverse";
        case SettlementAction::confirm:
            return "confirm";
        case SettlementAction::hold_for_engineer:
            return "hold_for_engineer";
    }
    return "unknown";
}

namespace {

Settlement reverse_because(ReverseReason reason,
                           SettlementAction action = SettlementAction::reverse) {
    return Settlement{action, reason, {}};
}

}  // namespace

Settlement settle(const UnfinishedWithdrawal& withdrawal, const DispenserReported& dispenser) {
    const WithdrawalStep step = withdrawal.last_step;
    if (is_final(step)) {
        return Settlement{SettlementAction::nothing, ReverseReason::outcome_unknown, {}};
    }
    // Before the dispenser was told anything no note can have moved, whatever it says now.
    if (step == WithdrawalStep::authorise_requested) {
        return reverse_because(ReverseReason::outcome_unknown);
    }
    if (step == WithdrawalStep::authorised) {
        return reverse_because(ReverseReason::cancelled);
    }
    // From here the dispenser may hold the notes: only it can say where they are.
    if (dispenser.fault != CashFault::none || dispenser.state == DispenserState::jammed) {
        return Settlement{SettlementAction::hold_for_engineer, ReverseReason::outcome_unknown, {}};
    }
    if (dispenser.last_transaction != withdrawal.transaction) {
        // The dispense never reached it (its last one is an earlier transaction's): nothing
        // was picked. Any later step without the dispenser knowing the reference means the
        // dispenser was replaced or reset: its notes must be counted by hand.
        if (step == WithdrawalStep::dispense_ordered) {
            return reverse_because(ReverseReason::dispense_failed);
        }
        return Settlement{SettlementAction::hold_for_engineer, ReverseReason::outcome_unknown, {}};
    }
    if (dispenser.last_result == PickResult::nothing_picked) {
        return reverse_because(ReverseReason::dispense_failed);
    }
    switch (dispenser.last_location) {
        case NotesLocation::transport:
            return reverse_because(ReverseReason::dispense_failed,
                                   SettlementAction::reject_and_reverse);
        case NotesLocation::slot:
            // The session that presented them is gone, and cash must not wait at an open
            // shutter for whoever comes next.
            return reverse_because(ReverseReason::cash_not_taken,
                                   SettlementAction::retract_and_reverse);
        case NotesLocation::taken:
            return Settlement{
                SettlementAction::confirm, ReverseReason::outcome_unknown,
                withdrawal.dispensed_known ? withdrawal.dispensed : dispenser.last_amount};
        case NotesLocation::retracted:
            return reverse_because(ReverseReason::cash_not_taken);
        case NotesLocation::rejected:
            return reverse_because(ReverseReason::dispense_failed);
    }
    return Settlement{SettlementAction::hold_for_engineer, ReverseReason::outcome_unknown, {}};
}

}  // namespace kiosk::core
