#pragma once

// The cash dispenser as the core sees it (docs/protocols/dispenser.md): what the core asks of it
// (effects) and what it reports (events). Plain data; kiosk/devices (DispenserService) carries
// the effects out through drivers/dispenser and posts the events.
//
// Every command that moves notes names the withdrawal's transaction reference, the UUID the
// account service knows it by (kiosk/core/account_calls.h). The dispenser carries a DISPENSE
// out once per reference: asking again returns what it did the first time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/account_calls.h"
#include "kiosk/core/money.h"

namespace kiosk::core {

// One cassette as the dispenser reports it (dispenser.md §4, CASSETTES).
enum class CassetteState { ok, low, empty, missing, jammed };

std::string_view to_string(CassetteState state);

struct Cassette {
    int number = 0;      // from 1
    Money denomination;  // of one note
    int count = 0;       // notes in it
    CassetteState state = CassetteState::ok;

    friend bool operator==(const Cassette&, const Cassette&) = default;
};

// Where the notes of a transaction are (dispenser.md §4.3).
enum class NotesLocation { transport, slot, taken, retracted, rejected };

std::string_view to_string(NotesLocation location);

// What a dispense did (dispenser.md §4.3, "result").
enum class PickResult { picked, picked_in_part, nothing_picked };

std::string_view to_string(PickResult result);

// ---- Effects ----

// Pick notes for a withdrawal: a count per cassette, in cassette order. Answered by
// CashDispensed. Sent again with the same reference after any failure to learn the outcome.
struct Dispense {
    TransactionReference transaction;
    std::vector<int> notes;

    friend bool operator==(const Dispense&, const Dispense&) = default;
};
// Open the shutter on the picked notes; answered by CashPresented, then CashTaken when the
// customer takes them.
struct PresentCash {
    TransactionReference transaction;

    friend bool operator==(const PresentCash&, const PresentCash&) = default;
};
// Take back notes not taken at the slot into the reject bin; answered by CashRetracted.
struct RetractCash {
    TransactionReference transaction;

    friend bool operator==(const RetractCash&, const RetractCash&) = default;
};
// Move picked notes that were never presented into the reject bin; answered by CashRejected.
struct RejectCash {
    TransactionReference transaction;

    friend bool operator==(const RejectCash&, const RejectCash&) = default;
};
// Ask where every note is (STATUS and CASSETTES); answered by DispenserReported.
struct CheckDispenser {
    friend bool operator==(const CheckDispenser&, const CheckDispenser&) = default;
};

// ---- Events ----

// Why a cash command could not be carried out.
enum class CashFault {
    none,
    not_enough_notes,  // the cassettes cannot make the mix: nothing was picked
    jammed,            // a note jammed: an engineer must count
    shutter_fault,     // the shutter would not open or close
    out_of_service,    // the dispenser needs an engineer (reject bin full, ...)
    refused,           // busy, wrong reference, nothing held: the kiosk and dispenser disagree
    no_answer,         // the dispenser did not answer or went away: the outcome is unknown
};

std::string_view to_string(CashFault fault);

// The answer to Dispense: what was picked (in part when a note jammed), or why nothing was.
struct CashDispensed {
    TransactionReference transaction;
    PickResult result = PickResult::nothing_picked;
    std::vector<int> notes;  // picked per cassette
    Money amount;            // what the picked notes are worth
    CashFault fault = CashFault::none;

    friend bool operator==(const CashDispensed&, const CashDispensed&) = default;
};
struct CashPresented {
    TransactionReference transaction;
    int notes = 0;
    CashFault fault = CashFault::none;  // shutter_fault, refused, no_answer: not presented

    friend bool operator==(const CashPresented&, const CashPresented&) = default;
};
struct CashTaken {
    TransactionReference transaction;

    friend bool operator==(const CashTaken&, const CashTaken&) = default;
};
struct CashRetracted {
    TransactionReference transaction;
    int notes = 0;  // moved into the reject bin
    CashFault fault = CashFault::none;

    friend bool operator==(const CashRetracted&, const CashRetracted&) = default;
};
struct CashRejected {
    TransactionReference transaction;
    int notes = 0;
    CashFault fault = CashFault::none;

    friend bool operator==(const CashRejected&, const CashRejected&) = default;
};

// dispenser.md §4.1.
enum class DispenserState { idle, stacked, presented, jammed, out_of_service };

std::string_view to_string(DispenserState state);

// Where the notes are, and what the dispenser holds (the answer to CheckDispenser, and what the
// model reports when it finds a dispenser).
struct DispenserReported {
    DispenserState state = DispenserState::out_of_service;
    TransactionReference held;  // the reference of the notes held; empty when none
    int notes_in_transport = 0;
    int notes_at_slot = 0;
    // The last dispense: its reference, result and where its notes are now.
    TransactionReference last_transaction;
    PickResult last_result = PickResult::nothing_picked;
    NotesLocation last_location = NotesLocation::transport;
    Money last_amount;
    std::vector<Cassette> cassettes;
    CashFault fault = CashFault::none;  // no_answer: nothing could be learnt

    friend bool operator==(const DispenserReported&, const DispenserReported&) = default;
};

}  // namespace kiosk::core
