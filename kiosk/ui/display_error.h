#pragma once

// What can go wrong with the kiosk's screen: starting SDL's video and fonts, opening the
// window, and saving or reading a picture of the screen. Errors carry it as
// base::Error<DisplayError>, whose context names the file and gives SDL's reason
// (docs/style.md, "Errors").

#include <string_view>

#include "base/error.h"

namespace kiosk::ui {

enum class DisplayError {
    video_unavailable,             // SDL's video subsystem did not start (no display, no driver)
    font_renderer_unavailable,     // SDL_ttf did not start
    window_unavailable,            // SDL could not open the window
    renderer_unavailable,          // SDL could not create a renderer for the window
    font_unreadable,               // a font file is missing or is not a font SDL_ttf can open
    screenshot_allocation_failed,  // no memory for the picture of the screen
    screen_unreadable,             // the renderer could not hand back the screen's pixels
    screenshot_unwritable,         // the PNG file could not be written
    picture_unreadable,            // a PNG file could not be read (a reference picture)
};

std::string_view to_string(DisplayError error);

}  // namespace kiosk::ui
