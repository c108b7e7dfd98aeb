#include "drivers/iso7816/atr.h"

#include <algorithm>

#include "base/bytes.h"
#include "drivers/iso7816/pps.h"

namespace drivers::iso7816 {

namespace {

constexpr std::uint8_t k_ts_direct = 0x3B;
constexpr std::uint8_t k_ts_inverse = 0x3F;
constexpr std::uint8_t k_default_ifsc = 32;
constexpr std::uint8_t k_global_bytes = 15;

// §8.2.5: the exclusive-or of every byte from T0 to TCK is zero when TCK is right.
std::uint8_t exclusive_or_from_t0(std::span<const std::uint8_t> bytes) {
    std::uint8_t check = 0;
    for (std::size_t index = 1; index < bytes.size(); ++index) {
        check = static_cast<std::uint8_t>(check ^ bytes[index]);
    }
    return check;
}

}  // namespace

std::string_view to_string(AtrError error) {
    switch (error) {
        case AtrError::empty:
            return "atr: empty";
        case AtrError::invalid_ts:
            return "atr: TS is neither 3B nor 3F";
        case AtrError::truncated_format:
            return "atr: T0 missing";
        case AtrError::truncated_interface_bytes:
            return "atr: interface bytes missing";
        case AtrError::truncated_historical_bytes:
            return "atr: historical bytes missing";
        case AtrError::missing_tck:
            return "atr: check byte TCK missing";
        case AtrError::wrong_tck:
            return "atr: check byte TCK wrong";
        case AtrError::unexpected_tck:
            return "atr: check byte TCK present though only T=0 is offered";
        case AtrError::trailing_bytes:
            return "atr: bytes after the end";
        case AtrError::too_long:
            return "atr: longer than 33 bytes";
    }
    return "atr: unknown error";
}

base::Bytes Atr::protocols() const {
    base::Bytes result;
    for (const InterfaceBytes& group : groups) {
        if (group.td) {
            const auto protocol = static_cast<std::uint8_t>(*group.td & 0x0F);
            if (protocol != k_global_bytes &&
                std::find(result.begin(), result.end(), protocol) == result.end()) {
                result.push_back(protocol);
            }
        }
    }
    if (result.empty()) {
        result.push_back(0);
    }
    return result;
}

std::uint8_t Atr::fi_di() const {
    if (!groups.empty() && groups[0].ta) {
        return *groups[0].ta;
    }
    return k_default_fi_di;
}

std::uint8_t Atr::extra_guard_time() const {
    if (!groups.empty() && groups[0].tc) {
        return *groups[0].tc;
    }
    return 0;
}

bool Atr::is_specific_mode() const {
    return groups.size() >= 2 && groups[1].ta.has_value();
}

std::uint8_t Atr::t1_information_field_size() const {
    // ISO/IEC 7816-3 §11.4.2: the first TAi (i > 2) following a TD(i-1) that names T=1.
    for (std::size_t index = 1; index + 1 < groups.size(); ++index) {
        const auto& td = groups[index].td;
        if (td && (*td & 0x0F) == 1 && groups[index + 1].ta) {
            return *groups[index + 1].ta;
        }
    }
    return k_default_ifsc;
}

std::expected<Atr, AtrError> parse_atr(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
        return std::unexpected(AtrError::empty);
    }
    if (bytes.size() > k_max_atr_length) {
        return std::unexpected(AtrError::too_long);
    }
    Atr atr;
    atr.bytes.assign(bytes.begin(), bytes.end());
    // §8.1: TS fixes the convention. Readers hand over inverse-convention ATRs already
    // decoded, so TS reads 3F.
    if (bytes[0] == k_ts_direct) {
        atr.convention = Convention::direct;
    } else if (bytes[0] == k_ts_inverse) {
        atr.convention = Convention::inverse;
    } else {
        return std::unexpected(AtrError::invalid_ts);
    }
    if (bytes.size() < 2) {
        return std::unexpected(AtrError::truncated_format);
    }
    atr.format = bytes[1];
    std::size_t position = 2;
    // §8.2.2: the high nibble of T0, then of each TDi, says which of TA TB TC TD follow.
    std::uint8_t indicator = static_cast<std::uint8_t>(atr.format >> 4);
    bool needs_tck = false;
    while (true) {
        InterfaceBytes group;
        std::optional<std::uint8_t>* slots[] = {&group.ta, &group.tb, &group.tc, &group.td};
        for (int bit = 0; bit < 4; ++bit) {
            if ((indicator & (1U << bit)) != 0) {
                if (position >= bytes.size()) {
                    return std::unexpected(AtrError::truncated_interface_bytes);
                }
                *slots[bit] = bytes[position++];
            }
        }
        atr.groups.push_back(group);
        if (!group.td) {
            break;
        }
        // §8.2.5: TCK is present when any TD names a protocol other than T=0.
        if ((*group.td & 0x0F) != 0) {
            needs_tck = true;
        }
        indicator = static_cast<std::uint8_t>(*group.td >> 4);
    }
    const std::size_t historical_count = atr.format & 0x0F;
    if (bytes.size() - position < historical_count) {
        return std::unexpected(AtrError::truncated_historical_bytes);
    }
    atr.historical_bytes.assign(
        bytes.begin() + static_cast<std::ptrdiff_t>(position),
        bytes.begin() + static_cast<std::ptrdiff_t>(position + historical_count));
    position += historical_count;
    if (needs_tck) {
        if (position >= bytes.size()) {
            return std::unexpected(AtrError::missing_tck);
        }
        atr.tck = bytes[position++];
        if (exclusive_or_from_t0(bytes.first(position)) != 0) {
            return std::unexpected(AtrError::wrong_tck);
        }
    }
    if (position != bytes.size()) {
        // §8.2.5: with only T=0 offered TCK shall be absent. One extra byte that makes the
        // exclusive-or of T0 to it zero is a check byte the card should not have sent, which
        // tells an engineer more than "bytes after the end".
        if (!needs_tck && bytes.size() - position == 1 && exclusive_or_from_t0(bytes) == 0) {
            return std::unexpected(AtrError::unexpected_tck);
        }
        return std::unexpected(AtrError::trailing_bytes);
    }
    return atr;
}

}  // namespace drivers::iso7816
