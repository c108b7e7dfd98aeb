#pragma once
// What every device model shares: the thread it runs on, where its news goes (core events to
// the shell, notices to the transcript), and the loop that looks for its device, serves it
// while it stays, and looks for it again every k_reopen_interval once it is gone. Each model
// keeps only what differs: how it opens its device and what it does with it.
//
// Presence: the link posts core::DeviceMissing once when the device is first found missing
// (at start, when it was never there) or is lost, and core::DeviceReturned once when the
// model reports it working again (connected()) after it was reported missing. A device that
// is there from the start is never reported either way. Events and notices are posted from
// the link's thread.
//
// Waking: the thread sleeps while its device is missing, and waits on its device while it is
// there. wake() ends either wait at once (the device's wait through the transport given to
// watch()), so a request queued by another thread is carried out without any timer.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drivers/usb/transport.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/events.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_timing.h"
#include "kiosk/devices/service_thread.h"

namespace kiosk::devices {

// One model's part in DeviceLink::run(). `Connection` is whatever the model holds while its
// device is open.
template <typename Connection>
struct LinkSteps {
    // Which device this is, for DeviceMissing and DeviceReturned.
    core::Device device = core::Device::card_reader;
    // The notices for "not found" (given once, not every k_reopen_interval) and "gone".
    std::string_view missing_notice;
    std::string_view disconnected_notice;
    // Opens the device; nothing when it is not there.
    std::function<std::optional<Connection>(const drivers::usb::UsbContext&)> connect;
    // Uses the open device until it goes or stop is requested. It calls
    // DeviceLink::connected() once the device has shown that it works.
    std::function<void(Connection&)> serve;
    // Puts the model in its missing state: before the first look, and after each loss.
    std::function<void()> mark_missing;
    // Runs on every look that finds no device, e.g. to refuse requests nobody can carry out.
    std::function<void()> while_missing = {};
};

class DeviceLink {
  public:
    // `name` is the device's name in notices ("card reader") and, with dashes for spaces, the
    // name of its thread ("card-reader") as `top` and /proc/PID/task/TID/comm show it.
    explicit DeviceLink(std::string name) : m_name(std::move(name)) {}

    // Runs `body` on the link's thread after stopping a running one; `events` and `notice`
    // are called from that thread.
    void start(EventSink events, DeviceNotice notice, std::function<void()> body);
    // Asks the thread to finish, ends its wait, and joins it.
    void stop();
    bool stop_requested() const { return m_thread.stop_requested(); }
    // Sleeps for `duration`, until stop is requested or until wake(); false when stop was
    // requested.
    bool sleep_for(std::chrono::milliseconds duration) { return m_thread.sleep_for(duration); }

    // Ends the thread's sleep, or its wait on the watched transport, at once. Any thread;
    // never blocks for long (a transport's wake() only signals libusb).
    void wake();

    // While a Watch lives, wake() also ends a wait on `transport`. Made by the link's thread
    // for the transport it serves, and destroyed before that transport is.
    class Watch {
      public:
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;
        ~Watch();

      private:
        friend class DeviceLink;
        explicit Watch(DeviceLink& link) : m_link(link) {}
        DeviceLink& m_link;
    };
    [[nodiscard]] Watch watch(drivers::usb::Transport& transport);

    // Hands an event to the shell. Any thread.
    void post(core::Event event);
    // Records a notice under the device's name.
    void tell(std::string_view event);
    // The model found its device working: DeviceReturned when it had been reported missing.
    // Link thread only.
    void connected();

    // The body of a model's thread: until stop is requested, connects and serves its device,
    // and while it is missing, looks again every k_reopen_interval.
    template <typename Connection>
    void run(const LinkSteps<Connection>& steps);

  private:
    // Tells the shell that the model's code failed (DeviceFailed) before it starts again.
    void report_fault(std::string_view what) noexcept;
    // DeviceMissing, unless it was already posted and the device has not come back since.
    void report_missing();
    // Names the calling thread after the device.
    void name_thread() const;

    std::string m_name;
    EventSink m_events;
    DeviceNotice m_notice;
    ServiceThread m_thread;
    // Presence as the shell last heard it (link thread only; reset by start()).
    std::optional<core::Device> m_device;
    bool m_missing_reported = false;
    // The transport the thread waits on, while it serves it.
    std::mutex m_watch_mutex;
    drivers::usb::Transport* m_watched = nullptr;
};

template <typename Connection>
void DeviceLink::run(const LinkSteps<Connection>& steps) {
    m_device = steps.device;
    steps.mark_missing();
    // A context that cannot be created now (no USB stack yet) is tried again on the next look.
    std::optional<drivers::usb::UsbContext> context;
    bool missing_told = false;
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
            if (!missing_told) {
                tell(steps.missing_notice);
                missing_told = true;
            }
            report_missing();
            if (steps.while_missing) {
                steps.while_missing();
            }
            sleep_for(k_reopen_interval);
            continue;
        }
        missing_told = false;
        steps.serve(*connection);
        // The model's state says missing before anyone hears that it is: whoever reacts to
        // DeviceMissing sees the state that goes with it.
        steps.mark_missing();
        // After "disconnected", a device that stays away needs no "missing" as well.
        if (!stop_requested()) {
            tell(steps.disconnected_notice);
            missing_told = true;
            report_missing();
        }
    }
}

}  // namespace kiosk::devices
