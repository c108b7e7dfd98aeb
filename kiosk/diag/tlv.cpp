// kiosk-diag tlv HEX: BER-TLV data objects held to EMV's rules (EMV 4.3 Book 3 Annex B), as a
// tree, or the first byte that breaks them.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/emv/tlv.h"
#include "kiosk/diag/command.h"
#include "kiosk/diag/hex_decoder.h"

namespace kiosk::diag {

namespace {

using drivers::emv::Tlv;
using drivers::emv::TlvError;

// Each TlvError as a sentence for the engineer; `offset` says where (kiosk/diag/README.md,
// "kiosk-diag tlv").
std::string_view tlv_error_sentence(TlvError error) {
    switch (error) {
        case TlvError::truncated_tag:
            return "A tag is cut short: its bytes say more tag bytes follow, and its container "
                   "ends first (ISO/IEC 8825-1 §8.1.2).";
        case TlvError::tag_too_long:
            return "A tag is longer than 3 bytes, longer than any EMV tag (EMV 4.3 Book 3 "
                   "Annex B).";
        case TlvError::truncated_length:
            return "A length field is missing or cut short by the end of its container "
                   "(ISO/IEC 8825-1 §8.1.3).";
        case TlvError::unsupported_length:
            return "A length field is not of a form EMV uses: one byte below 80, 81 and one "
                   "byte, or 82 and two bytes (EMV 4.3 Book 3 Annex B).";
        case TlvError::value_overrun:
            return "A value runs past the end of its container: the length field asks for "
                   "more bytes than there are (EMV 4.3 Book 3 Annex B).";
        case TlvError::too_deep:
            return "Templates are nested deeper than any EMV template is (EMV 4.3 Book 3 "
                   "Annex B).";
    }
    return drivers::emv::to_string(error);
}

nlohmann::ordered_json describe_objects(const std::vector<Tlv>& objects) {
    auto described = nlohmann::ordered_json::array();
    for (const Tlv& object : objects) {
        nlohmann::ordered_json entry;
        entry["tag"] = base::to_hex(drivers::emv::tag_bytes(object.tag));
        entry["length"] = object.value.size();
        if (object.is_constructed()) {
            entry["children"] = describe_objects(object.children);
        } else {
            entry["value"] = base::to_hex(object.value);
        }
        described.push_back(std::move(entry));
    }
    return described;
}

nlohmann::ordered_json describe_tlv(std::span<const std::uint8_t> bytes) {
    nlohmann::ordered_json output;
    const auto objects = drivers::emv::parse_emv_tlv(bytes);
    output["valid"] = objects.has_value();
    if (!objects) {
        output["error"] = tlv_error_sentence(objects.error().error);
        output["offset"] = objects.error().offset;
        return output;
    }
    output["objects"] = describe_objects(*objects);
    return output;
}

int decode_tlv(std::span<const std::string_view> arguments) {
    return run_hex_decoder("tlv", arguments[0], describe_tlv);
}

}  // namespace

const Command k_tlv{
    .words = "tlv",
    .arguments = "HEX|-",
    .argument_count = 1,
    .summary = "decode BER-TLV data objects by EMV's rules",
    .run = decode_tlv,
};

}  // namespace kiosk::diag
