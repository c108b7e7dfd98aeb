#include "simulator/devices/in_endpoints.h"

#include <utility>

#include "base/bytes.h"

namespace simulator::devices {

InEndpoints::InEndpoints(Endpoint bulk, Endpoint interrupt)
    : m_bulk{bulk, {}}, m_interrupt{interrupt, {}} {}

void InEndpoints::Queue::push(base::Bytes transfer) {
    if (transfers.size() >= endpoint.capacity) {
        transfers.pop_front();
    }
    transfers.push_back(std::move(transfer));
}

void InEndpoints::queue_bulk(base::Bytes transfer) {
    m_bulk.push(std::move(transfer));
}

void InEndpoints::queue_interrupt(base::Bytes transfer) {
    m_interrupt.push(std::move(transfer));
}

std::optional<base::Bytes> InEndpoints::take(std::uint8_t address) {
    Queue* queue = nullptr;
    if (address == m_bulk.endpoint.address) {
        queue = &m_bulk;
    } else if (address == m_interrupt.endpoint.address) {
        queue = &m_interrupt;
    }
    if (queue == nullptr || queue->transfers.empty()) {
        return std::nullopt;
    }
    auto next = std::move(queue->transfers.front());
    queue->transfers.pop_front();
    return next;
}

void InEndpoints::clear() {
    m_bulk.transfers.clear();
    m_interrupt.transfers.clear();
}

}  // namespace simulator::devices
