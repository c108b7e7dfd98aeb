#include "kiosk/devices/device_link.h"

#include <algorithm>
#include <exception>
#include <fstream>
#include <string>

namespace kiosk::devices {

namespace {

// Linux keeps a thread's name in 16 bytes, the last one the terminating zero.
constexpr std::size_t k_thread_name_length = 15;

}  // namespace

void DeviceLink::start(EventSink events, DeviceNotice notice, std::function<void()> body) {
    // The outlets change only while no thread can be calling them.
    stop();
    m_events = std::move(events);
    m_notice = std::move(notice);
    m_device.reset();
    m_missing_reported = false;
    m_thread.start([this, body = std::move(body)] {
        name_thread();
        // Whatever escapes the model's code (a bug, memory exhausted by a device that lies about
        // its sizes) ends here, never in std::terminate: the fault is reported, and after a
        // pause the model looks for its device again as after an unplug.
        while (!stop_requested()) {
            try {
                body();
                return;
            } catch (const std::exception& error) {
                report_fault(error.what());
            } catch (...) {
                report_fault("unknown exception");
            }
            sleep_for(k_fault_backoff);
        }
    });
}

void DeviceLink::stop() {
    m_thread.request_stop();
    wake();
    m_thread.stop();
}

void DeviceLink::wake() {
    m_thread.wake();
    std::lock_guard lock(m_watch_mutex);
    if (m_watched != nullptr) {
        m_watched->wake();
    }
}

DeviceLink::Watch DeviceLink::watch(drivers::usb::Transport& transport) {
    std::lock_guard lock(m_watch_mutex);
    m_watched = &transport;
    return Watch(*this);
}

DeviceLink::Watch::~Watch() {
    std::lock_guard lock(m_link.m_watch_mutex);
    m_link.m_watched = nullptr;
}

void DeviceLink::name_thread() const {
    // The standard library's threads have no name of their own; Linux lets a thread rename
    // itself through its comm file (proc(5), /proc/thread-self). A name is a convenience for
    // `top -H` and the idle benchmark, so a failure is ignored.
    std::string name = m_name.substr(0, k_thread_name_length);
    std::replace(name.begin(), name.end(), ' ', '-');
    std::ofstream comm("/proc/thread-self/comm");
    comm << name;
}

void DeviceLink::report_fault(std::string_view what) noexcept {
    try {
        tell("fault");
        post(core::DeviceFailed{m_name, std::string(what)});
    } catch (...) {
        // Reporting needs memory; when even that fails, the reconnect still follows.
    }
}

void DeviceLink::report_missing() {
    if (m_missing_reported || !m_device || stop_requested()) {
        return;
    }
    m_missing_reported = true;
    post(core::DeviceMissing{*m_device});
}

void DeviceLink::connected() {
    if (!m_missing_reported || !m_device) {
        return;
    }
    m_missing_reported = false;
    post(core::DeviceReturned{*m_device});
}

void DeviceLink::post(core::Event event) {
    // Once stopping, the shell no longer listens; what a stopping model finishes (a
    // half-finished card read) is not news.
    if (m_events && !m_thread.stop_requested()) {
        m_events(std::move(event));
    }
}

void DeviceLink::tell(std::string_view event) {
    if (m_notice) {
        m_notice(m_name, event);
    }
}

}  // namespace kiosk::devices
