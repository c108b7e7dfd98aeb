#pragma once

// The simulator's card library (simulator/cards/library), loaded once for the tests that put
// its cards into readers or read them directly.

#include "simulator/cards/card_profile.h"

namespace tests {

inline const simulator::cards::CardLibrary& demo_card_library() {
    static const simulator::cards::CardLibrary k_library = *simulator::cards::CardLibrary::load(
        simulator::cards::default_library_path(KIOSK_SOURCE_DIR));
    return k_library;
}

}  // namespace tests
