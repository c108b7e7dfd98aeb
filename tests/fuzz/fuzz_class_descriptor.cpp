// libFuzzer harness: the CCID class descriptor decoder (drivers/ccid/class_descriptor.h,
// CCID Rev 1.1 §5.1), fed the interface's extra bytes as a reader sends them.
// Property: a decoded descriptor, encoded again, decodes to the same descriptor, and its
// encoding is exactly the 54 bytes of §5.1.

#include <cstddef>
#include <cstdint>

#include "drivers/ccid/class_descriptor.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace ccid = drivers::ccid;
    const auto descriptor = ccid::decode_class_descriptor({data, size});
    if (!descriptor) {
        require(!ccid::to_string(descriptor.error()).empty());
        return 0;
    }
    // A descriptor is read only from 54 bytes that were there.
    require(size >= ccid::k_class_descriptor_length);
    require(!ccid::to_string(descriptor->exchange_level()).empty());
    require(!descriptor->ccid_version().empty());

    const base::Bytes encoded = ccid::encode_class_descriptor(*descriptor);
    require(encoded.size() == ccid::k_class_descriptor_length);
    const auto again = ccid::decode_class_descriptor(encoded);
    require(again.has_value());
    require(ccid::encode_class_descriptor(*again) == encoded);
    require(again->exchange_level() == descriptor->exchange_level());
    require(again->max_message_length == descriptor->max_message_length);
    require(again->features == descriptor->features);
    return 0;
}
