#pragma once

#include <optional>
#include <string_view>

namespace kiosk::core {

// The keys of the kiosk's keypad (docs/accessibility.md, "Input": a 12-key telephone layout with
// Enter, Clear and Cancel, plus the one key straight to a person from docs/service-standards.md).
enum class Key {
    digit_0,
    digit_1,
    digit_2,
    digit_3,
    digit_4,
    digit_5,
    digit_6,
    digit_7,
    digit_8,
    digit_9,
    enter,
    clear,
    cancel,
    help,
};

// "0".."9", "enter", "clear", "cancel", "help": the names used in screen models and the
// transcript.
std::string_view to_string(Key key);

// The inverse of to_string; nothing for a name that is not a key.
std::optional<Key> parse_key(std::string_view name);

// The digit a digit key stands for; nothing for the function keys.
std::optional<int> digit_value(Key key);

// The key for a digit 0..9; nothing outside that range.
std::optional<Key> digit_key(int digit);

}  // namespace kiosk::core
