#pragma once

// The simulator's card library (simulator/cards/library), loaded once for the tests that put
// its cards into readers or read them directly.

#include <stdexcept>
#include <utility>

#include "base/error.h"
#include "simulator/cards/card_profile.h"

namespace tests {

inline const simulator::cards::CardLibrary& demo_card_library() {
    static const simulator::cards::CardLibrary k_library = [] {
        auto loaded = simulator::cards::CardLibrary::load(
            simulator::cards::default_library_path(KIOSK_SOURCE_DIR));
        if (!loaded) {
            // Each test that needs the library fails saying why, instead of reading nothing.
            throw std::runtime_error("the demo card library did not load: " +
                                     base::to_string(loaded.error()));
        }
        return std::move(*loaded);
    }();
    return k_library;
}

}  // namespace tests
