#include "simulator/bank/bank_error.h"

namespace simulator::bank {

std::string_view to_string(BankError error) {
    switch (error) {
        case BankError::database_failure:
            return "database_failure";
        case BankError::seed_failure:
            return "seed_failure";
        case BankError::bad_seed:
            return "bad_seed";
        case BankError::bind_failure:
            return "bind_failure";
        case BankError::already_running:
            return "already_running";
        case BankError::crypto_failure:
            return "crypto_failure";
        case BankError::tls_failure:
            return "tls_failure";
    }
    return "unknown";
}

}  // namespace simulator::bank
