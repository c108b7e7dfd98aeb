#pragma once
// A picture of the screen as the renderer drew it, read back into memory: what screenshots
// are written from and what the pixel tests measure (contrast, capital heights, where ink
// lies) and compare with the reference pictures in tests/data/screens.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <vector>

#include "kiosk/ui/display_error.h"
#include "kiosk/ui/theme.h"

namespace kiosk::ui {

// 8-bit RGB, row by row from the top, three bytes a pixel with no padding.
struct Frame {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;

    Colour at(int x, int y) const {
        const std::size_t offset = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                    static_cast<std::size_t>(x)) *
                                   3;
        return Colour{pixels[offset], pixels[offset + 1], pixels[offset + 2]};
    }
    void set(int x, int y, Colour colour) {
        const std::size_t offset = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                    static_cast<std::size_t>(x)) *
                                   3;
        pixels[offset] = colour.red;
        pixels[offset + 1] = colour.green;
        pixels[offset + 2] = colour.blue;
    }
};

// A frame of one colour.
Frame blank_frame(int width, int height, Colour colour);

// Errors: screenshot_allocation_failed, screenshot_unwritable (naming the file).
std::expected<void, base::Error<DisplayError>> save_png(const Frame& frame,
                                                        const std::filesystem::path& path);
// Errors: picture_unreadable (naming the file).
std::expected<Frame, base::Error<DisplayError>> load_png(const std::filesystem::path& path);

// A smaller copy: each pixel the mean of a factor x factor square (a partial square at the
// right and bottom edges is dropped).
Frame downscale(const Frame& frame, int factor);

}  // namespace kiosk::ui
