// libFuzzer harness: the Answer-to-Reset parser (drivers/iso7816/atr.h, ISO/IEC 7816-3:2006
// §8.2), fed the bytes a card sends after reset.
// Properties: an ATR is the whole input and no longer than §8.1 allows; its parts (T0, the
// interface bytes announced by the TD chain, the historical bytes, TCK) add up to exactly its
// bytes, so the parser claims no byte it was not given; the accessors of §8.3 and §11.4.2 read
// only what was parsed.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "drivers/iso7816/atr.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace iso7816 = drivers::iso7816;
    const auto atr = iso7816::parse_atr({data, size});
    if (!atr) {
        require(!iso7816::to_string(atr.error()).empty());
        return 0;
    }
    require(atr->bytes.size() <= size);
    require(atr->bytes.size() <= iso7816::k_max_atr_length);
    require(std::equal(atr->bytes.begin(), atr->bytes.end(), data));
    // §8.2.2: T0's low nibble counts the historical bytes.
    require(atr->historical_bytes.size() == (atr->format & 0x0F));

    // TS, T0, the interface bytes, the historical bytes and TCK are every byte of the ATR.
    std::size_t interface_count = 0;
    for (const auto& group : atr->groups) {
        interface_count += static_cast<std::size_t>(group.ta.has_value()) +
                           static_cast<std::size_t>(group.tb.has_value()) +
                           static_cast<std::size_t>(group.tc.has_value()) +
                           static_cast<std::size_t>(group.td.has_value());
    }
    require(2 + interface_count + atr->historical_bytes.size() +
                static_cast<std::size_t>(atr->tck.has_value()) ==
            atr->bytes.size());

    for (const std::uint8_t protocol : atr->protocols()) {
        require(protocol <= 14);  // §8.2.3: T=15 is global bytes, not a protocol
    }
    static_cast<void>(atr->fi_di());
    static_cast<void>(atr->extra_guard_time());
    static_cast<void>(atr->is_specific_mode());
    static_cast<void>(atr->t1_information_field_size());
    return 0;
}
