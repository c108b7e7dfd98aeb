#pragma once
// The simulator's control panel: a small window beside the kiosk's in which a developer
// plays the customer: inserts and removes cards, presses PIN pad keys, plugs headphones,
// and breaks the account service.

#include <string>
#include <vector>

#include "simulator/script/runner.h"

namespace simulator::panel {

struct PanelOptions {
    std::vector<std::string> card_names;  // in the order of their function keys F1, F2, ...
    std::string font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
};

// Runs the panel's window until it is closed or the kiosk stops. Returns a message when the
// window cannot be opened.
std::string run_control_panel(const PanelOptions& options, script::Hardware& hardware);

}  // namespace simulator::panel
