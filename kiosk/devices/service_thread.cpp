#include "kiosk/devices/service_thread.h"

namespace kiosk::devices {

void ServiceThread::start(std::function<void()> body) {
    stop();
    {
        std::lock_guard lock(m_mutex);
        m_stop = false;
        m_woken = false;
    }
    m_thread = std::thread(std::move(body));
}

void ServiceThread::request_stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
}

void ServiceThread::stop() {
    request_stop();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) {
        m_thread.join();
    }
}

void ServiceThread::wake() {
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_wake.notify_all();
}

bool ServiceThread::stop_requested() const {
    std::lock_guard lock(m_mutex);
    return m_stop;
}

bool ServiceThread::sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, duration, [this] { return m_stop || m_woken; });
    m_woken = false;
    return !m_stop;
}

}  // namespace kiosk::devices
