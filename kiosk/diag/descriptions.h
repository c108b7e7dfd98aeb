#pragma once

// Descriptions that more than one subcommand of kiosk-diag prints, so that each is printed the
// same way everywhere (kiosk/diag/README.md).

#include <nlohmann/json.hpp>

#include "drivers/ccid/class_descriptor.h"

namespace kiosk::diag {

// A decoded CCID class descriptor with exactly the keys of `ccid-descriptor`
// (ccid_descriptor.cpp).
nlohmann::ordered_json describe_class_descriptor(const drivers::ccid::ClassDescriptor& descriptor);

}  // namespace kiosk::diag
