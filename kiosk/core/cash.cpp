#include "kiosk/core/cash.h"

namespace kiosk::core {

std::string_view to_string(CassetteState state) {
    switch (state) {
        case CassetteState::ok:
            return "ok";
        case CassetteState::low:
            return "low";
        case CassetteState::empty:
            return "empty";
        case CassetteState::missing:
            return "missing";
        case CassetteState::jammed:
            return "jammed";
    }
    return "unknown";
}

std::string_view to_string(NotesLocation location) {
    switch (location) {
        case NotesLocation::transport:
            return "transport";
        case NotesLocation::slot:
            return "slot";
        case NotesLocation::taken:
            return "taken";
        case NotesLocation::retracted:
            return "retracted";
        case NotesLocation::rejected:
            return "rejected";
    }
    return "unknown";
}

std::string_view to_string(PickResult result) {
    switch (result) {
        case PickResult::picked:
            return "picked";
        case PickResult::picked_in_part:
            return "picked_in_part";
        case PickResult::nothing_picked:
            return "nothing_picked";
    }
    return "unknown";
}

std::string_view to_string(CashFault fault) {
    switch (fault) {
        case CashFault::none:
            return "none";
        case CashFault::not_enough_notes:
            return "not_enough_notes";
        case CashFault::jammed:
            return "jammed";
        case CashFault::shutter_fault:
            return "shutter_fault";
        case CashFault::out_of_service:
            return "out_of_service";
        case CashFault::refused:
            return "refused";
        case CashFault::no_answer:
            return "no_answer";
    }
    return "unknown";
}

std::string_view to_string(DispenserState state) {
    switch (state) {
        case DispenserState::idle:
            return "idle";
        case DispenserState::stacked:
            return "stacked";
        case DispenserState::presented:
            return "presented";
        case DispenserState::jammed:
            return "jammed";
        case DispenserState::out_of_service:
            return "out_of_service";
    }
    return "unknown";
}

}  // namespace kiosk::core
