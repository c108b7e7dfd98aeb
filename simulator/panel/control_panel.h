#pragma once
// The simulator's control panel: a small window beside the kiosk's in which a developer
// plays the customer (inserts and removes cards, presses PIN pad keys, plugs headphones), the
// branch's staff (acknowledges and closes calls for staff) and whatever breaks: the account
// and queue services, the devices' cables, the printer's paper and cover, the kiosk's speech,
// and the kiosk itself (restarts it).

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "simulator/script/runner.h"

namespace simulator::panel {

struct PanelOptions {
    std::vector<std::string> card_names;  // in the order of their function keys F1, F2, ...
    std::string font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
};

// What stops the panel's window from opening. Errors carry it as base::Error<PanelError>,
// whose context is SDL's reason or the font file.
enum class PanelError {
    video_unavailable,          // SDL's video subsystem did not start
    font_renderer_unavailable,  // SDL_ttf did not start
    font_unreadable,            // the panel's font file cannot be opened
    window_unavailable,         // SDL could not open the window or its renderer
};

std::string_view to_string(PanelError error);

// Runs the panel's window until it is closed or the kiosk stops.
std::expected<void, base::Error<PanelError>> run_control_panel(const PanelOptions& options,
                                                               script::Hardware& hardware);

}  // namespace simulator::panel
