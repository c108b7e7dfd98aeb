#include "simulator/queue/queue_error.h"

namespace simulator::queue {

std::string_view to_string(QueueError error) {
    switch (error) {
        case QueueError::database_failure:
            return "database_failure";
        case QueueError::seed_failure:
            return "seed_failure";
        case QueueError::bad_seed:
            return "bad_seed";
        case QueueError::bind_failure:
            return "bind_failure";
        case QueueError::already_running:
            return "already_running";
        case QueueError::tls_failure:
            return "tls_failure";
        case QueueError::unsafe_configuration:
            return "unsafe_configuration";
        case QueueError::not_running:
            return "not_running";
    }
    return "unknown";
}

}  // namespace simulator::queue
