#pragma once

// How the shell writes a core::Journal effect to the electronic journal (kiosk/store): the
// event and its detail, and for a money-moving step its transaction record. The store checks
// what it is given (no card number, a well-formed reference and currency) and refuses the rest.

#include "kiosk/core/effects.h"
#include "kiosk/store/journal.h"

namespace kiosk::app {

kiosk::store::JournalEntry entry_of(const core::Journal& journal);

}  // namespace kiosk::app
