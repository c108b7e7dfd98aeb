#include "kiosk/ui/frame.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>

#include <cstring>

namespace kiosk::ui {

Frame blank_frame(int width, int height, Colour colour) {
    Frame frame{.width = width,
                .height = height,
                .pixels = std::vector<std::uint8_t>(static_cast<std::size_t>(width) *
                                                    static_cast<std::size_t>(height) * 3)};
    if (colour != Colour{}) {
        std::uint8_t* pixel = frame.pixels.data();
        std::uint8_t* const end = pixel + frame.pixels.size();
        for (; pixel != end; pixel += 3) {
            pixel[0] = colour.red;
            pixel[1] = colour.green;
            pixel[2] = colour.blue;
        }
    }
    return frame;
}

std::expected<void, base::Error<DisplayError>> save_png(const Frame& frame,
                                                        const std::filesystem::path& path) {
    SDL_Surface* surface =
        SDL_CreateRGBSurfaceWithFormat(0, frame.width, frame.height, 24, SDL_PIXELFORMAT_RGB24);
    if (surface == nullptr) {
        return std::unexpected(
            base::error(DisplayError::screenshot_allocation_failed, SDL_GetError()));
    }
    const auto row_bytes = static_cast<std::size_t>(frame.width) * 3;
    for (int y = 0; y < frame.height; ++y) {
        std::memcpy(static_cast<std::uint8_t*>(surface->pixels) + y * surface->pitch,
                    frame.pixels.data() + static_cast<std::size_t>(y) * row_bytes, row_bytes);
    }
    std::expected<void, base::Error<DisplayError>> result;
    if (IMG_SavePNG(surface, path.c_str()) != 0) {
        result = std::unexpected(base::error(DisplayError::screenshot_unwritable,
                                             path.string() + ": " + IMG_GetError()));
    }
    SDL_FreeSurface(surface);
    return result;
}

std::expected<Frame, base::Error<DisplayError>> load_png(const std::filesystem::path& path) {
    SDL_Surface* loaded = IMG_Load(path.c_str());
    if (loaded == nullptr) {
        return std::unexpected(
            base::error(DisplayError::picture_unreadable, path.string() + ": " + IMG_GetError()));
    }
    SDL_Surface* surface = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_RGB24, 0);
    SDL_FreeSurface(loaded);
    if (surface == nullptr) {
        return std::unexpected(
            base::error(DisplayError::picture_unreadable, path.string() + ": " + SDL_GetError()));
    }
    Frame frame{.width = surface->w,
                .height = surface->h,
                .pixels = std::vector<std::uint8_t>(static_cast<std::size_t>(surface->w) *
                                                    static_cast<std::size_t>(surface->h) * 3)};
    const auto row_bytes = static_cast<std::size_t>(frame.width) * 3;
    for (int y = 0; y < frame.height; ++y) {
        std::memcpy(frame.pixels.data() + static_cast<std::size_t>(y) * row_bytes,
                    static_cast<const std::uint8_t*>(surface->pixels) + y * surface->pitch,
                    row_bytes);
    }
    SDL_FreeSurface(surface);
    return frame;
}

Frame downscale(const Frame& frame, int factor) {
    const int width = frame.width / factor;
    const int height = frame.height / factor;
    Frame small = blank_frame(width, height, Colour{});
    const int area = factor * factor;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            int sums[3] = {0, 0, 0};
            for (int dy = 0; dy < factor; ++dy) {
                const std::uint8_t* row =
                    frame.pixels.data() + (static_cast<std::size_t>(y * factor + dy) *
                                               static_cast<std::size_t>(frame.width) +
                                           static_cast<std::size_t>(x * factor)) *
                                              3;
                for (int dx = 0; dx < factor * 3; dx += 3) {
                    sums[0] += row[dx];
                    sums[1] += row[dx + 1];
                    sums[2] += row[dx + 2];
                }
            }
            // Rounded to the nearest value.
            small.set(x, y,
                      Colour{static_cast<std::uint8_t>((sums[0] + area / 2) / area),
                             static_cast<std::uint8_t>((sums[1] + area / 2) / area),
                             static_cast<std::uint8_t>((sums[2] + area / 2) / area)});
        }
    }
    return small;
}

}  // namespace kiosk::ui
