#include "simulator/cards/virtual_card.h"

#include <algorithm>

#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/pps.h"

namespace simulator::cards {

std::optional<base::Bytes> VirtualCard::answer_pps(std::span<const std::uint8_t> request) {
    const auto answer = atr();
    if (!answer) {
        return std::nullopt;
    }
    auto parsed = drivers::iso7816::parse_atr(*answer);
    // PPSS PPS0 [PPS1] PCK: PPS2 and PPS3 are not offered by this card.
    if (!parsed || request.size() < 3 || request.size() > 4 || request[0] != 0xFF) {
        return std::nullopt;
    }
    std::uint8_t check = 0;
    for (const std::uint8_t byte : request) {
        check ^= byte;
    }
    const std::uint8_t pps0 = request[1];
    const bool has_pps1 = (pps0 & 0x10) != 0;
    const base::Bytes offered = parsed->protocols();
    if (check != 0 || (pps0 & 0xE0 & ~0x10) != 0 || request.size() != (has_pps1 ? 4U : 3U) ||
        std::ranges::find(offered, pps0 & 0x0F) == offered.end()) {
        return std::nullopt;
    }
    if (has_pps1) {
        const std::uint8_t asked = request[2];
        const auto asked_di = drivers::iso7816::baud_rate_adjustment(asked);
        const auto own_di = drivers::iso7816::baud_rate_adjustment(parsed->fi_di());
        if ((asked & 0xF0) != (parsed->fi_di() & 0xF0) || !asked_di || !own_di ||
            *asked_di > *own_di) {
            return std::nullopt;
        }
    }
    return base::Bytes(request.begin(), request.end());
}

}  // namespace simulator::cards
