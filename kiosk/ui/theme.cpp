#include "kiosk/ui/theme.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kiosk::ui {

namespace {

double linear_channel(std::uint8_t value) {
    const double channel = value / 255.0;
    return channel <= 0.04045 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

std::size_t size_index(core::TextSize size) {
    return static_cast<std::size_t>(size);
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

double minimum_capital_mm(core::TextSize size, double viewing_distance_mm) {
    // The height that subtends the angle at the distance: 2 d tan(angle / 2).
    const double half_angle = k_largest_capital_degrees / 2 * std::numbers::pi / 180;
    const double largest =
        std::max(k_minimum_capital_mm, 2 * viewing_distance_mm * std::tan(half_angle));
    switch (size) {
        case core::TextSize::normal:
            return k_minimum_capital_mm;
        case core::TextSize::large:
            return (k_minimum_capital_mm + largest) / 2;
        case core::TextSize::largest:
            return largest;
    }
    return largest;
}

double minimum_main_text_mm(std::string_view theme, core::TextSize size) {
    if (theme != core::k_elder_theme) {
        return 0;
    }
    return (size == core::TextSize::largest ? k_elder_largest_main_text_points
                                            : k_elder_main_text_points) *
           k_millimetres_per_point;
}

Theme theme_for(std::string_view name, bool high_contrast, core::TextSize size) {
    const Palette& palette = high_contrast ? k_high_contrast_palette : k_standard_palette;
    if (name == core::k_elder_theme) {
        return Theme{.name = core::k_elder_theme,
                     .palette = palette,
                     .sizes = k_elder_sizes.at(size_index(size)),
                     .touch_target = k_elder_touch_target};
    }
    return Theme{.name = core::k_standard_theme,
                 .palette = palette,
                 .sizes = k_standard_sizes.at(size_index(size)),
                 .touch_target = k_standard_touch_target};
}

Theme theme_for(const core::ScreenModel& screen) {
    return theme_for(screen.theme, screen.high_contrast, screen.text_size);
}

}  // namespace kiosk::ui
