#pragma once
// Every screen the core builds (core::k_all_screen_ids), filled with sample customer data: a
// card, a balance, PIN tries left, digits typed. The display's warm-up lays them all out, and
// the tests and kiosk_ui_bench render them, so a screen the core adds is covered at once.

#include <string_view>
#include <vector>

#include "kiosk/core/resources.h"
#include "kiosk/core/screen.h"

namespace kiosk::ui {

// What a screen is drawn with besides its words.
struct ScreenLook {
    bool elder = false;
    bool high_contrast = false;
    core::TextSize text_size = core::TextSize::normal;
};

// The look's name for files and messages: "elder-high-contrast-largest", "standard-normal".
std::string look_name(const ScreenLook& look);

// Every screen in one locale and look, in the order of core::k_all_screen_ids.
std::vector<core::ScreenModel> sample_screens(const core::Resources& resources,
                                              std::string_view locale, const ScreenLook& look);

}  // namespace kiosk::ui
