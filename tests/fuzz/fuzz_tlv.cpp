// libFuzzer harness: BER-TLV parsing (drivers/emv/tlv.h, EMV 4.3 Book 3 Annex B, ISO/IEC
// 8825-1 §8.1), fed a card's response data as the kiosk reads it.
// Properties: no value is longer than the input; every object, encoded again with its tag
// and value (the shortest length form, §8.1.3), parses back to the same object with the same
// children; find_tag finds each top-level object's tag; read_tag never moves past the input;
// parse_emv_tlv (EMV's own rules) accepts only what parse_tlv accepts, with the same result,
// and names a failure's offset within the input.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "drivers/emv/tlv.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace emv = drivers::emv;
using tests::fuzz::require;

void check_object(const emv::Tlv& object, std::size_t input_length, int depth) {
    require(depth <= emv::k_max_tlv_depth);
    require(object.value.size() <= input_length);
    // §8.1.2.5: only a constructed object has children.
    require(object.is_constructed() || object.children.empty());
    for (const emv::Tlv& child : object.children) {
        check_object(child, object.value.size(), depth + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);

    std::size_t position = 0;
    if (emv::read_tag(bytes, position)) {
        require(position >= 1 && position <= size);
    }

    // EMV's own rules (Book 3 Annex B) are stricter than the kiosk's: what they take, the
    // kiosk's parse takes the same; what they refuse, they place within the input.
    const auto strict = emv::parse_emv_tlv(bytes);
    const auto objects = emv::parse_tlv(bytes);
    if (strict) {
        require(objects.has_value());
        require(*strict == *objects);
    } else {
        require(strict.error().offset <= size);
    }
    if (!objects) {
        require(!emv::to_string(objects.error()).empty());
        return 0;
    }
    for (const emv::Tlv& object : *objects) {
        check_object(object, size, 0);
        const base::Bytes encoded = emv::encode_tlv(object.tag, object.value);
        const auto again = emv::parse_tlv(encoded);
        require(again.has_value());
        require(again->size() == 1);
        require(again->front() == object);
        require(emv::find_tag(*objects, object.tag) != nullptr);
    }
    return 0;
}
