#pragma once
// What every device model shares: the thread it runs on, where its news goes (core events to
// the shell, notices to the transcript), and the loop that looks for its device, serves it
// while it stays, and looks for it again every k_reopen_interval once it is gone. Each model
// keeps only what differs: how it opens its device and what it does with it.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drivers/usb/usb_transport.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_timing.h"
#include "kiosk/devices/service_thread.h"

namespace kiosk::devices {

// One model's part in DeviceLink::run(). `Connection` is whatever the model holds while its
// device is open.
template <typename Connection>
struct LinkSteps {
    // The notices for "not found" (given once, not every k_reopen_interval) and "gone".
    std::string_view missing_notice;
    std::string_view disconnected_notice;
    // Opens the device; nothing when it is not there.
    std::function<std::optional<Connection>(const drivers::usb::UsbContext&)> connect;
    // Uses the open device until it goes or stop is requested.
    std::function<void(Connection&)> serve;
    // Puts the model in its missing state: before the first look, and after each loss.
    std::function<void()> mark_missing;
    // Runs on every look that finds no device, e.g. to refuse requests nobody can carry out.
    std::function<void()> while_missing = {};
};

class DeviceLink {
  public:
    // `name` is the device's name in notices ("card reader").
    explicit DeviceLink(std::string name) : m_name(std::move(name)) {}

    // Runs `body` on the link's thread after stopping a running one; `events` and `notice`
    // are called from that thread.
    void start(EventSink events, DeviceNotice notice, std::function<void()> body);
    void stop() { m_thread.stop(); }
    bool stop_requested() const { return m_thread.stop_requested(); }
    // Sleeps for `duration` or until stop is requested; false when stop was requested.
    bool sleep_for(std::chrono::milliseconds duration) { return m_thread.sleep_for(duration); }

    // Hands an event to the shell. Any thread.
    void post(core::Event event);
    // Records a notice under the device's name.
    void tell(std::string_view event);

    // The body of a model's thread: until stop is requested, connects and serves its device,
    // and while it is missing, looks again every k_reopen_interval.
    template <typename Connection>
    void run(const LinkSteps<Connection>& steps);

  private:
    // Tells the shell that the model's code failed (DeviceFailed) before it starts again.
    void report_fault(std::string_view what) noexcept;

    std::string m_name;
    EventSink m_events;
    DeviceNotice m_notice;
    ServiceThread m_thread;
};

template <typename Connection>
void DeviceLink::run(const LinkSteps<Connection>& steps) {
    steps.mark_missing();
    // A context that cannot be created now (no USB stack yet) is tried again on the next look.
    std::optional<drivers::usb::UsbContext> context;
    bool missing_reported = false;
    while (!stop_requested()) {
        if (!context) {
            if (auto created = drivers::usb::UsbContext::create()) {
                context.emplace(std::move(*created));
            }
        }
        std::optional<Connection> connection;
        if (context) {
            connection = steps.connect(*context);
        }
        if (!connection) {
            if (!missing_reported) {
                tell(steps.missing_notice);
                missing_reported = true;
            }
            if (steps.while_missing) {
                steps.while_missing();
            }
            sleep_for(k_reopen_interval);
            continue;
        }
        missing_reported = false;
        steps.serve(*connection);
        // After "disconnected", a device that stays away needs no "missing" as well.
        if (!stop_requested()) {
            tell(steps.disconnected_notice);
            missing_reported = true;
        }
        steps.mark_missing();
    }
}

}  // namespace kiosk::devices
