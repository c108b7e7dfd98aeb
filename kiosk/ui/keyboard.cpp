#include "kiosk/ui/keyboard.h"

namespace kiosk::ui {

namespace {

// The character a numeric keypad key stands for; the keycode itself for any other key.
SDL_Keycode without_keypad(SDL_Keycode keycode) {
    if (keycode >= SDLK_KP_1 && keycode <= SDLK_KP_9) {
        return SDLK_1 + (keycode - SDLK_KP_1);
    }
    switch (keycode) {
        case SDLK_KP_0:
            return SDLK_0;
        case SDLK_KP_ENTER:
            return SDLK_RETURN;
        case SDLK_KP_MULTIPLY:
            return SDLK_ASTERISK;
        case SDLK_KP_HASH:
            return SDLK_HASH;
        default:
            return keycode;
    }
}

}  // namespace

std::optional<base::Key> keypad_key(SDL_Keycode keycode) {
    const SDL_Keycode key = without_keypad(keycode);
    // Keys that type no character (F1, the arrows) have keycodes far above this.
    if (key < 0 || key > 0x7f) {
        return std::nullopt;
    }
    return base::key_for_character(static_cast<char32_t>(key));
}

}  // namespace kiosk::ui
