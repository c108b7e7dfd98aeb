#include "kiosk/ui/display_error.h"

namespace kiosk::ui {

std::string_view to_string(DisplayError error) {
    switch (error) {
        case DisplayError::video_unavailable:
            return "cannot start SDL video";
        case DisplayError::font_renderer_unavailable:
            return "cannot start SDL_ttf";
        case DisplayError::window_unavailable:
            return "cannot open the window";
        case DisplayError::renderer_unavailable:
            return "cannot create a renderer";
        case DisplayError::font_unreadable:
            return "cannot open font";
        case DisplayError::screenshot_allocation_failed:
            return "cannot allocate a screenshot";
        case DisplayError::screen_unreadable:
            return "cannot read the screen";
        case DisplayError::screenshot_unwritable:
            return "cannot write the screenshot";
        case DisplayError::picture_unreadable:
            return "cannot read the picture";
    }
    return "unknown display error";
}

}  // namespace kiosk::ui
