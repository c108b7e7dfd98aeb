// libFuzzer harness: data object lists (drivers/emv/dol.h, EMV 4.3 Book 3 §5.4), a PDOL or
// CDOL as a card sends it, and the terminal data built for it.
// Properties: a list has at most one entry per two input bytes (a tag and a one-byte length);
// the list written again (tag bytes, length) parses back to itself; the data built for it is
// exactly as long as the lengths the list asks for, whatever values the terminal holds.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "drivers/emv/dol.h"
#include "drivers/emv/tlv.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace emv = drivers::emv;
    const auto entries = emv::parse_dol({data, size});
    if (!entries) {
        require(!emv::to_string(entries.error()).empty());
        return 0;
    }
    require(entries->size() * 2 <= size);

    base::Bytes written;
    std::size_t total_length = 0;
    std::map<emv::Tag, base::Bytes> values;
    std::size_t index = 0;
    for (const emv::DolEntry& entry : *entries) {
        const base::Bytes tag = emv::tag_bytes(entry.tag);
        written.insert(written.end(), tag.begin(), tag.end());
        written.push_back(static_cast<std::uint8_t>(entry.length));
        total_length += entry.length;
        // The terminal holds a value for every other entry, shorter or longer than asked.
        if (index++ % 2 == 0) {
            values[entry.tag] = base::Bytes(entry.tag % 40, static_cast<std::uint8_t>(entry.tag));
        }
    }
    const auto again = emv::parse_dol(written);
    require(again.has_value());
    require(*again == *entries);

    const base::Bytes built = emv::build_dol_data(*entries, values);
    require(built.size() == total_length);
    return 0;
}
