#pragma once

// The IN side both simulated devices have: a bulk IN endpoint for answers and an interrupt IN
// endpoint for events, each a queue of transfers the host has yet to read. A full queue drops
// its oldest transfer, as a device with a small buffer does. Not locked: the device guards it
// with its own mutex, together with the state its transfers report.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

#include "base/bytes.h"

namespace simulator::devices {

class InEndpoints {
  public:
    // A queue that never drops anything.
    static constexpr std::size_t k_unbounded = std::numeric_limits<std::size_t>::max();

    struct Endpoint {
        std::uint8_t address = 0;
        std::size_t capacity = k_unbounded;  // transfers kept before the oldest is dropped
    };

    InEndpoints(Endpoint bulk, Endpoint interrupt);

    void queue_bulk(base::Bytes transfer);
    void queue_interrupt(base::Bytes transfer);

    // The next transfer for IN endpoint `address`; nothing when its queue is empty or the
    // address is neither of the two.
    std::optional<base::Bytes> take(std::uint8_t address);

    // Drops everything not yet read (the device lost its power).
    void clear();

  private:
    struct Queue {
        Endpoint endpoint;
        std::deque<base::Bytes> transfers;

        void push(base::Bytes transfer);
    };

    Queue m_bulk;
    Queue m_interrupt;
};

}  // namespace simulator::devices
