#include "simulator/usb/reap_signal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <utility>

namespace simulator::usb {
namespace {

// The smallest pipe Linux makes (fcntl(2), F_SETPIPE_SZ: one page): a single buffer, so one
// write of this size makes the pipe full (no POLLOUT) and one read of it makes it empty
// (POLLOUT). pipe(7): a pipe polls writable while it has a free buffer.
constexpr int k_pipe_size = 4096;

}  // namespace

std::expected<ReapSignal, BusError> ReapSignal::create(const std::string& path) {
    if (::mkfifo(path.c_str(), 0666) != 0) {
        return std::unexpected(BusError::testbed_failed);
    }
    // Read and write: opening never blocks, and the pipe lives while the port holds it even
    // when no client has the node open.
    const int descriptor = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (descriptor < 0) {
        ::unlink(path.c_str());
        return std::unexpected(BusError::testbed_failed);
    }
    ReapSignal signal(descriptor);
    if (::fcntl(descriptor, F_SETPIPE_SZ, k_pipe_size) != k_pipe_size) {
        ::unlink(path.c_str());
        return std::unexpected(BusError::testbed_failed);
    }
    signal.set_ready(false);
    if (signal.ready()) {
        ::unlink(path.c_str());
        return std::unexpected(BusError::testbed_failed);
    }
    return signal;
}

ReapSignal::ReapSignal(ReapSignal&& other) noexcept
    : m_descriptor(std::exchange(other.m_descriptor, -1)), m_ready(other.m_ready) {}

ReapSignal& ReapSignal::operator=(ReapSignal&& other) noexcept {
    if (this != &other) {
        if (m_descriptor >= 0) {
            ::close(m_descriptor);
        }
        m_descriptor = std::exchange(other.m_descriptor, -1);
        m_ready = other.m_ready;
    }
    return *this;
}

ReapSignal::~ReapSignal() {
    if (m_descriptor >= 0) {
        ::close(m_descriptor);
    }
}

void ReapSignal::set_ready(bool ready) {
    if (ready == m_ready || m_descriptor < 0) {
        return;
    }
    std::array<char, k_pipe_size> page{};
    // Whole pages only: the pipe holds one, so each call moves it in or out entirely.
    const auto moved = ready ? ::read(m_descriptor, page.data(), page.size())
                             : ::write(m_descriptor, page.data(), page.size());
    if (moved == k_pipe_size) {
        m_ready = ready;
    }
}

}  // namespace simulator::usb
