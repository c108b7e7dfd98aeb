// Reference pictures of every screen, kept in tests/data/screens: each screen the core builds,
// in each locale, in three looks (standard normal, elder normal, standard high-contrast
// largest), drawn headlessly at 1920x1080 with private elements redacted (Privacy::redact) and
// scaled down by four to 480x270. A screen that differs from its picture by more than a small
// tolerance fails; its picture and a picture of the difference (changed pixels in magenta over
// the dimmed reference) are written under the build folder's screens/ and their paths printed.
//
// To accept a change (new wording, a new screen, a new look), run scripts/update-screens (or
// this binary with KIOSK_UPDATE_SCREENS=1), look at the pictures, and commit them.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "tests/kiosk/ui/screen_pixels.h"

using namespace kiosk;
using namespace kiosk::ui;
using namespace kiosk::ui::testing;

namespace {

constexpr int k_downscale = 4;
// A pixel has changed when a channel differs by more than this after scaling down, and a
// picture when more than this share of its pixels has: room for a rasteriser's rounding, none
// for a changed word.
constexpr int k_channel_tolerance = 24;
constexpr double k_changed_share = 0.001;

const std::filesystem::path k_references = KIOSK_SOURCE_DIR "/tests/data/screens";
const std::filesystem::path k_differences = KIOSK_BINARY_DIR "/screens";

const std::vector<ScreenLook> k_looks{
    {.elder = false, .high_contrast = false, .text_size = core::TextSize::normal},
    {.elder = true, .high_contrast = false, .text_size = core::TextSize::normal},
    {.elder = false, .high_contrast = true, .text_size = core::TextSize::largest},
};

bool updating() {
    const char* value = std::getenv("KIOSK_UPDATE_SCREENS");
    return value != nullptr && std::string_view(value) == "1";
}

std::filesystem::path picture_name(const ScreenLook& look, const std::string& locale,
                                   const std::string& screen) {
    return std::filesystem::path(look_name(look)) / locale / (screen + ".png");
}

// Every picture the catalogs call for, relative to tests/data/screens.
std::set<std::filesystem::path> expected_pictures() {
    std::set<std::filesystem::path> names;
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        for (const ScreenLook& look : k_looks) {
            for (const core::ScreenModel& screen : sample_screens(catalogs(), locale, look)) {
                names.insert(picture_name(look, locale, screen.id));
            }
        }
    }
    return names;
}

std::set<std::filesystem::path> pictures_on_disk() {
    std::set<std::filesystem::path> names;
    if (!std::filesystem::exists(k_references)) {
        return names;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(k_references)) {
        if (entry.is_regular_file() && entry.path().extension() == ".png") {
            names.insert(std::filesystem::relative(entry.path(), k_references));
        }
    }
    return names;
}

int channel_difference(Colour first, Colour second) {
    return std::max({std::abs(first.red - second.red), std::abs(first.green - second.green),
                     std::abs(first.blue - second.blue)});
}

// How many pixels differ from the reference by more than the tolerance.
int changed_pixels(const Frame& reference, const Frame& actual) {
    int changed = 0;
    for (int y = 0; y < actual.height; ++y) {
        for (int x = 0; x < actual.width; ++x) {
            changed += channel_difference(reference.at(x, y), actual.at(x, y)) > k_channel_tolerance
                           ? 1
                           : 0;
        }
    }
    return changed;
}

// The reference dimmed to a third of its grey, with every changed pixel in magenta: drawn only
// for a screen that failed.
Frame difference_picture(const Frame& reference, const Frame& actual) {
    Frame difference = blank_frame(actual.width, actual.height, Colour{});
    for (int y = 0; y < actual.height; ++y) {
        for (int x = 0; x < actual.width; ++x) {
            const Colour was = reference.at(x, y);
            if (channel_difference(was, actual.at(x, y)) > k_channel_tolerance) {
                difference.set(x, y, Colour{0xFF, 0x00, 0xFF});
            } else {
                const auto grey = static_cast<std::uint8_t>((was.red + was.green + was.blue) / 9);
                difference.set(x, y, Colour{grey, grey, grey});
            }
        }
    }
    return difference;
}

}  // namespace

TEST_CASE("Every screen looks as its reference picture in tests/data/screens") {
    auto display = open_display();
    int updated = 0;
    // One frame for every screen: a full-size frame is 6 MB, fresh memory each time otherwise.
    Frame frame;
    for (const auto& [locale, catalog] : catalogs().catalogs) {
        for (const ScreenLook& look : k_looks) {
            for (const core::ScreenModel& screen : sample_screens(catalogs(), locale, look)) {
                const std::filesystem::path name = picture_name(look, locale, screen.id);
                INFO(name.string());
                display->show(screen);
                display->render();
                REQUIRE(display->read_frame(Privacy::redact, frame).has_value());
                const Frame actual = downscale(frame, k_downscale);
                const std::filesystem::path reference_path = k_references / name;
                if (updating()) {
                    std::filesystem::create_directories(reference_path.parent_path());
                    REQUIRE(save_png(actual, reference_path).has_value());
                    ++updated;
                    continue;
                }
                auto reference = load_png(reference_path);
                if (!reference) {
                    FAIL_CHECK("no reference picture " << reference_path.string()
                                                       << ": run scripts/update-screens");
                    continue;
                }
                REQUIRE(reference->width == actual.width);
                REQUIRE(reference->height == actual.height);
                const int changed = changed_pixels(*reference, actual);
                const auto allowed =
                    static_cast<int>(k_changed_share * actual.width * actual.height);
                if (changed > allowed) {
                    const std::filesystem::path base = k_differences / name;
                    std::filesystem::create_directories(base.parent_path());
                    const auto actual_path = base.parent_path() / (screen.id + "-actual.png");
                    const auto difference_path =
                        base.parent_path() / (screen.id + "-difference.png");
                    REQUIRE(save_png(actual, actual_path).has_value());
                    REQUIRE(save_png(difference_picture(*reference, actual), difference_path)
                                .has_value());
                    FAIL_CHECK(changed << " pixels differ from " << reference_path.string()
                                       << "\n  now:        " << actual_path.string()
                                       << "\n  difference: " << difference_path.string()
                                       << "\n  if the change is meant, run scripts/update-screens");
                }
            }
        }
    }
    if (updating()) {
        // Pictures of screens or locales that are gone.
        const auto expected = expected_pictures();
        for (const auto& name : pictures_on_disk()) {
            if (!expected.contains(name)) {
                std::filesystem::remove(k_references / name);
            }
        }
        WARN("wrote " << updated << " reference pictures to " << k_references.string());
    }
}

TEST_CASE("Every reference picture in tests/data/screens belongs to a screen the core builds") {
    const auto expected = expected_pictures();
    const auto on_disk = pictures_on_disk();
    for (const auto& name : on_disk) {
        INFO(name.string() << ": no such screen, locale or look any more; run "
                              "scripts/update-screens");
        CHECK(expected.contains(name));
    }
    for (const auto& name : expected) {
        INFO(name.string() << " is missing; run scripts/update-screens");
        CHECK(on_disk.contains(name));
    }
}
