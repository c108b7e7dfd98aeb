#include "kiosk/ui/theme.h"

#include <algorithm>
#include <cmath>

namespace kiosk::ui {

namespace {

double linear_channel(std::uint8_t value) {
    const double channel = value / 255.0;
    return channel <= 0.04045 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

}  // namespace

double relative_luminance(Colour colour) {
    return 0.2126 * linear_channel(colour.red) + 0.7152 * linear_channel(colour.green) +
           0.0722 * linear_channel(colour.blue);
}

double contrast_ratio(Colour first, Colour second) {
    const double lighter = std::max(relative_luminance(first), relative_luminance(second));
    const double darker = std::min(relative_luminance(first), relative_luminance(second));
    return (lighter + 0.05) / (darker + 0.05);
}

Theme theme_named(std::string_view name) {
    if (name == "elder") {
        return Theme{.name = "elder",
                     .palette = {},
                     .sizes = k_elder_sizes,
                     .touch_target = k_elder_touch_target};
    }
    return Theme{.name = "standard",
                 .palette = {},
                 .sizes = k_standard_sizes,
                 .touch_target = k_standard_touch_target};
}

}  // namespace kiosk::ui
