#pragma once
// The developer's keyboard (or a USB numeric keypad) as the kiosk's keypad. The keys that type
// a character map through base::key_for_character, the table the simulator's control panel
// uses too; the numeric keypad's keys are mapped to the characters they stand for first.

#include <SDL2/SDL_keycode.h>

#include <optional>

#include "base/keys.h"

namespace kiosk::ui {

std::optional<base::Key> keypad_key(SDL_Keycode keycode);

}  // namespace kiosk::ui
