#include "kiosk/core/keys.h"

#include <array>
#include <utility>

namespace kiosk::core {

namespace {

constexpr std::array<std::pair<Key, std::string_view>, 14> key_names{{
    {Key::digit_0, "0"},
    {Key::digit_1, "1"},
    {Key::digit_2, "2"},
    {Key::digit_3, "3"},
    {Key::digit_4, "4"},
    {Key::digit_5, "5"},
    {Key::digit_6, "6"},
    {Key::digit_7, "7"},
    {Key::digit_8, "8"},
    {Key::digit_9, "9"},
    {Key::enter, "enter"},
    {Key::clear, "clear"},
    {Key::cancel, "cancel"},
    {Key::help, "help"},
}};

}  // namespace

std::string_view to_string(Key key) {
    for (const auto& [candidate, name] : key_names) {
        if (candidate == key) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Key> parse_key(std::string_view name) {
    for (const auto& [key, candidate] : key_names) {
        if (candidate == name) {
            return key;
        }
    }
    return std::nullopt;
}

std::optional<int> digit_value(Key key) {
    const auto index = static_cast<int>(key);
    if (index >= static_cast<int>(Key::digit_0) && index <= static_cast<int>(Key::digit_9)) {
        return index - static_cast<int>(Key::digit_0);
    }
    return std::nullopt;
}

std::optional<Key> digit_key(int digit) {
    if (digit < 0 || digit > 9) {
        return std::nullopt;
    }
    return static_cast<Key>(static_cast<int>(Key::digit_0) + digit);
}

}  // namespace kiosk::core
