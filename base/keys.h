#pragma once

// The keys of the kiosk's keypad, and the one table of their names (docs/accessibility.md,
// "Input": a 12-key telephone layout with Enter, Clear and Cancel, plus the one key straight to
// a person from docs/service-standards.md). The core, the PIN pad driver, the scenario files and
// the simulator's control panel all speak of keys through this type and these names.

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace base {

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
    // The speech keys (docs/accessibility.md, "Keypad controls"): star and hash complete the
    // 12-key telephone layout; audio is the dedicated key beside the headphone jack. None of
    // them is ever part of a PIN, so the PIN pad reports them in every mode.
    star,
    hash,
    audio,
};

// Every key with its name in screen models, the transcript and scenario files.
inline constexpr std::array<std::pair<Key, std::string_view>, 17> k_key_names{{
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
    {Key::star, "star"},
    {Key::hash, "hash"},
    {Key::audio, "audio"},
}};

constexpr std::string_view to_string(Key key) {
    for (const auto& [candidate, name] : k_key_names) {
        if (candidate == key) {
            return name;
        }
    }
    return "unknown";
}

// The inverse of to_string; nothing for a name that is not a key.
constexpr std::optional<Key> parse_key(std::string_view name) {
    for (const auto& [key, candidate] : k_key_names) {
        if (candidate == name) {
            return key;
        }
    }
    return std::nullopt;
}

// The keys that control speech (repeat, pause, audio mode) rather than answer the screen.
constexpr bool is_speech_key(Key key) {
    return key == Key::star || key == Key::hash || key == Key::audio;
}

constexpr bool is_digit(Key key) {
    return key >= Key::digit_0 && key <= Key::digit_9;
}

// The digit a digit key stands for; nothing for the function keys.
constexpr std::optional<int> digit_value(Key key) {
    if (!is_digit(key)) {
        return std::nullopt;
    }
    return static_cast<int>(key) - static_cast<int>(Key::digit_0);
}

// The key for a digit 0..9; nothing outside that range.
constexpr std::optional<Key> digit_key(int digit) {
    if (digit < 0 || digit > 9) {
        return std::nullopt;
    }
    return static_cast<Key>(static_cast<int>(Key::digit_0) + digit);
}

// The developer's keyboard as the keypad, by the character its key types: 0-9, Enter ('\r'),
// Backspace or Delete (Clear), Esc (Cancel), ? or / (Help), * (star), # (hash), a (Audio).
// SDL's keycode for a printable or control key is that character, so the kiosk's window and
// the simulator's control panel map keys through this one table.
constexpr std::optional<Key> key_for_character(char32_t character) {
    if (character >= U'0' && character <= U'9') {
        return digit_key(static_cast<int>(character - U'0'));
    }
    switch (character) {
        case U'\r':
            return Key::enter;
        case U'\b':
        case U'\x7f':
            return Key::clear;
        case U'\x1b':
            return Key::cancel;
        case U'?':
        case U'/':
            return Key::help;
        case U'*':
            return Key::star;
        case U'#':
            return Key::hash;
        case U'a':
            return Key::audio;
        default:
            return std::nullopt;
    }
}

}  // namespace base
