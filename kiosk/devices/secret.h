#pragma once
// Overwrites secret text (card digits, a PIN pad's account field) before its memory is
// released, through a volatile pointer so that the compiler cannot drop the writes.

#include <cstddef>
#include <string>

namespace kiosk::devices {

inline void wipe(std::string& secret) {
    volatile char* characters = secret.data();
    for (std::size_t index = 0; index < secret.size(); ++index) {
        characters[index] = '\0';
    }
    secret.clear();
}

}  // namespace kiosk::devices
