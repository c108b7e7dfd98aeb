#pragma once
// How the device models talk to the shell: core events for the session, and device notices
// for the transcript's `device` records (docs/architecture.md, "Contracts other programs rely on").

#include <functional>
#include <string_view>

#include "kiosk/core/events.h"

namespace kiosk::devices {

// Posts one event into the shell's queue. Provided by the app, thread-safe; the device models
// call it from their own threads.
using EventSink = std::function<void(core::Event)>;

// Records something that happened to a device: `device` is its name ("card reader",
// "pin pad"), `event` a short technical phrase ("connected", "card inserted"). Neither ever
// holds personal data: no card number, no PIN, no key a customer typed during PIN entry.
using DeviceNotice = std::function<void(std::string_view device, std::string_view event)>;

}  // namespace kiosk::devices
