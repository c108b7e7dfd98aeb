#pragma once

// What some readers get wrong about themselves, keyed by USB vendor and product id. A reader's
// class descriptor is the first word on what it can do, but a few models in the field
// announce one thing and do another; the open-source CCID driver (ccid.apdu.fr) has met them
// and keeps the facts this table is built from. Where a reader has a quirk, the descriptor is
// corrected before anything is decided from it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "drivers/ccid/class_descriptor.h"

namespace drivers::ccid {

struct ReaderQuirks {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::string_view model = {};
    // The exchange level the reader really works at, where it announces another.
    std::optional<ExchangeLevel> exchange_level = std::nullopt;
    // dwMaxCCIDMessageLength as the reader's firmware really handles it.
    std::optional<std::uint32_t> max_message_length = std::nullopt;
    // The reader needs longer than the usual command timeout to answer.
    std::optional<std::chrono::milliseconds> command_timeout = std::nullopt;
    // Why, for the engineer reading the log.
    std::string_view reason = {};
};

// The known quirks (a table compiled into the driver).
std::span<const ReaderQuirks> known_reader_quirks();

// The quirks of one reader model, or nothing for a reader that says the truth.
const ReaderQuirks* find_reader_quirks(std::uint16_t vendor_id, std::uint16_t product_id);

// The descriptor corrected by the quirks.
ClassDescriptor apply_quirks(ClassDescriptor descriptor, const ReaderQuirks& quirks);

}  // namespace drivers::ccid
