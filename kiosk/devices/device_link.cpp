#include "kiosk/devices/device_link.h"

#include <exception>
#include <string>

namespace kiosk::devices {

void DeviceLink::start(EventSink events, DeviceNotice notice, std::function<void()> body) {
    // The outlets change only while no thread can be calling them.
    m_thread.stop();
    m_events = std::move(events);
    m_notice = std::move(notice);
    m_thread.start([this, body = std::move(body)] {
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

void DeviceLink::report_fault(std::string_view what) noexcept {
    try {
        tell("fault");
        post(core::DeviceFailed{m_name, std::string(what)});
    } catch (...) {
        // Reporting needs memory; when even that fails, the reconnect still follows.
    }
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
