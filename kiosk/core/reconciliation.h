#pragma once

// Settling a withdrawal that a crash, a power cut or a lost device left unfinished, before the
// next customer is served (issue 8, "The journal"). The electronic journal says the last step
// the kiosk wrote for the transaction; the dispenser says where the notes of its last dispense
// are. From the two, one decision: the account must end up debited with exactly the cash that
// left the machine.
//
// Pure: the shell reads the journal and asks the dispenser; this decides; the flow carries the
// decision out (reject or retract the notes, then confirm or reverse at the account service).

#include <optional>
#include <string_view>

#include "kiosk/core/account_calls.h"
#include "kiosk/core/cash.h"
#include "kiosk/core/money.h"

namespace kiosk::core {

// The steps of a withdrawal as the kiosk journals them, in the order they happen. A step is
// written before the action it names is started ("..._requested", "..._ordered") and after its
// answer arrives, so that a crash between the two leaves the request's outcome unknown, never
// unrecorded. Only completed and reversed end a withdrawal; held_for_engineer ends the kiosk's
// part and leaves the rest to staff.
enum class WithdrawalStep {
    authorise_requested,  // the account service was asked to hold amount and fee
    authorised,           // it did
    refused,              // it would not (funds, limits): final, nothing moved
    dispense_ordered,     // the dispenser was told to pick the notes
    dispensed,            // it picked them (the amount picked is journaled)
    confirm_requested,    // the account service was asked to debit what was picked
    confirmed,            // it did
    present_ordered,      // the dispenser was told to open the shutter on the notes
    presented,            // the notes are at the slot
    completed,            // the customer took the notes: final
    retract_ordered,      // the notes were not taken in time and are being taken back
    reject_ordered,       // picked notes that must not be given are moved to the reject bin
    notes_secured,        // the notes are in the reject bin (retracted or rejected)
    reverse_requested,    // the account service was asked to undo the withdrawal
    reversed,             // it did: final
    held_for_engineer,    // where the notes are cannot be known (a jam): staff count them
};

std::string_view to_string(WithdrawalStep step);
// The step that to_string names, as the journal's records carry it; nothing for another name.
std::optional<WithdrawalStep> withdrawal_step_named(std::string_view name);

// How the flow journals a withdrawal's step: the record's event is this prefix and the step's
// name ("withdrawal_dispensed"), its step the name, its amount what was authorised (for
// dispensed: what was picked), its fee the fee.
inline constexpr std::string_view k_withdrawal_event_prefix = "withdrawal_";

// Whether nothing more is to be done for a withdrawal whose last journaled step is `step`.
bool is_final(WithdrawalStep step);

// What the journal says of an unfinished withdrawal.
struct UnfinishedWithdrawal {
    TransactionReference transaction;
    WithdrawalStep last_step = WithdrawalStep::authorise_requested;
    Money amount;     // what was authorised
    Money fee;        // the fee quoted with it
    Money dispensed;  // what the dispenser reported picked, when the journal has it
    bool dispensed_known = false;

    friend bool operator==(const UnfinishedWithdrawal&, const UnfinishedWithdrawal&) = default;
};

enum class SettlementAction {
    nothing,              // already final
    reverse,              // no cash left the machine: undo at the account service
    reject_and_reverse,   // the notes are picked but not presented: reject them, then reverse
    retract_and_reverse,  // the notes wait at the slot and nobody is there: take them back, reverse
    confirm,              // the customer took the notes: make sure the debit stands
    hold_for_engineer,    // the dispenser cannot say where the notes are (a jam, no answer)
};

std::string_view to_string(SettlementAction action);

struct Settlement {
    SettlementAction action = SettlementAction::hold_for_engineer;
    ReverseReason reason = ReverseReason::outcome_unknown;  // with the reversing actions
    Money confirm_amount;                                   // with confirm: the notes taken
};

// The decision for one unfinished withdrawal, given what the dispenser reports now.
Settlement settle(const UnfinishedWithdrawal& withdrawal, const DispenserReported& dispenser);

}  // namespace kiosk::core
