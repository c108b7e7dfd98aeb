#include "drivers/ccid/reader_quirks.h"

#include <array>

namespace drivers::ccid {

namespace {

using namespace std::chrono_literals;

// The facts are those the open-source CCID driver applies in its ccid_open_hack() and
// commands.c (LGPL-2.1; facts about hardware, not its code), for readers whose descriptors
// are in tests/data/ccid-readers.jsonl, so that each correction is checked against what the
// reader really announces.
const std::array k_quirks{
    ReaderQuirks{
        .vendor_id = 0x076B,
        .product_id = 0x3021,
        .model = "Omnikey CardMan 3121",
        .exchange_level = ExchangeLevel::tpdu,
        .reason = "announces short APDU level but exchanges TPDUs",
    },
    ReaderQuirks{
        .vendor_id = 0x04E6,
        .product_id = 0x5111,
        .model = "SCM SCR331-DI",
        .max_message_length = 271,
        .reason = "its firmware announces dwMaxCCIDMessageLength 263, too short for a full "
                  "short APDU, and handles 271",
    },
    ReaderQuirks{
        .vendor_id = 0x0B81,
        .product_id = 0x0200,
        .model = "id3 CL1356",
        .command_timeout = 60s,
        .reason = "its firmware answers slowly",
    },
};

}  // namespace

std::span<const ReaderQuirks> known_reader_quirks() {
    return k_quirks;
}

const ReaderQuirks* find_reader_quirks(std::uint16_t vendor_id, std::uint16_t product_id) {
    for (const ReaderQuirks& quirks : k_quirks) {
        if (quirks.vendor_id == vendor_id && quirks.product_id == product_id) {
            return &quirks;
        }
    }
    return nullptr;
}

ClassDescriptor apply_quirks(ClassDescriptor descriptor, const ReaderQuirks& quirks) {
    if (quirks.exchange_level) {
        descriptor.features &= ~feature::k_exchange_level_mask;
        switch (*quirks.exchange_level) {
            case ExchangeLevel::character:
                break;
            case ExchangeLevel::tpdu:
                descriptor.features |= feature::k_tpdu_level;
                break;
            case ExchangeLevel::short_apdu:
                descriptor.features |= feature::k_short_apdu_level;
                break;
            case ExchangeLevel::extended_apdu:
                descriptor.features |= feature::k_extended_apdu_level;
                break;
        }
    }
    if (quirks.max_message_length) {
        descriptor.max_message_length = *quirks.max_message_length;
    }
    return descriptor;
}

}  // namespace drivers::ccid
