#include "kiosk/devices/device_link.h"

namespace kiosk::devices {

void DeviceLink::start(EventSink events, DeviceNotice notice, std::function<void()> body) {
    // The outlets change only while no thread can be calling them.
    m_thread.stop();
    m_events = std::move(events);
    m_notice = std::move(notice);
    m_thread.start(std::move(body));
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
