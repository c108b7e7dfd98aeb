#include "drivers/emv/tlv.h"

#include "base/bytes.h"

namespace drivers::emv {

namespace {

// What a parse accepts: the kiosk's lenient rules or EMV's own (tlv.h).
struct TlvRules {
    std::size_t max_tag_length = 0;    // bytes of a tag
    std::size_t max_length_field = 0;  // bytes of a length field, its first byte included
};

// ISO/IEC 8825-1 §8.1.2 allows tags of any length and §8.1.3 length fields of up to 127
// bytes; the kiosk takes 4 and 5, more than any card it has met sends.
constexpr TlvRules k_kiosk_rules{.max_tag_length = 4, .max_length_field = 5};
constexpr TlvRules k_emv_rules{.max_tag_length = k_emv_max_tag_length,
                               .max_length_field = k_emv_max_length_field};

std::expected<Tag, TlvError> read_tag_of_at_most(std::span<const std::uint8_t> bytes,
                                                 std::size_t& position, std::size_t max_length) {
    if (position >= bytes.size()) {
        return std::unexpected(TlvError::truncated_tag);
    }
    const std::uint8_t first = bytes[position++];
    // ISO/IEC 8825-1 §8.1.2: low five bits all set = more tag bytes follow, each with bit 8
    // set except the last.
    Tag tag = first;
    std::size_t tag_length = 1;
    if ((first & 0x1F) == 0x1F) {
        while (true) {
            if (position >= bytes.size()) {
                return std::unexpected(TlvError::truncated_tag);
            }
            if (++tag_length > max_length) {
                return std::unexpected(TlvError::tag_too_long);
            }
            const std::uint8_t next = bytes[position++];
            tag = (tag << 8) | next;
            if ((next & 0x80) == 0) {
                break;
            }
        }
    }
    return tag;
}

// Parses the objects of `bytes`, which start at `base_offset` of the whole input. `owner` is
// the offset of the tag of the constructed object whose value `bytes` is (for too_deep).
std::expected<std::vector<Tlv>, TlvFailure> parse_level(std::span<const std::uint8_t> bytes,
                                                        std::size_t base_offset, std::size_t owner,
                                                        int depth, const TlvRules& rules) {
    if (depth > k_max_tlv_depth) {
        return std::unexpected(TlvFailure{TlvError::too_deep, owner});
    }
    std::vector<Tlv> objects;
    std::size_t position = 0;
    const auto fail = [&base_offset](TlvError error, std::size_t at) {
        return std::unexpected(TlvFailure{error, base_offset + at});
    };
    while (position < bytes.size()) {
        const std::uint8_t first = bytes[position];
        if (first == 0x00 || first == 0xFF) {
            ++position;  // padding between objects
            continue;
        }
        const std::size_t tag_start = position;
        const auto tag = read_tag_of_at_most(bytes, position, rules.max_tag_length);
        if (!tag) {
            return fail(tag.error(), tag_start);
        }
        // ISO/IEC 8825-1 §8.1.3: short form below 80, else 81.. give the number of length
        // bytes that follow; 80 (indefinite) has no place in EMV.
        const std::size_t length_start = position;
        if (position >= bytes.size()) {
            return fail(TlvError::truncated_length, length_start);
        }
        const std::uint8_t length_byte = bytes[position++];
        std::size_t length = 0;
        if (length_byte < 0x80) {
            length = length_byte;
        } else {
            const std::size_t count = length_byte & 0x7FU;
            if (count == 0 || count + 1 > rules.max_length_field) {
                return fail(TlvError::unsupported_length, length_start);
            }
            if (bytes.size() - position < count) {
                return fail(TlvError::truncated_length, length_start);
            }
            for (std::size_t index = 0; index < count; ++index) {
                length = (length << 8) | bytes[position++];
            }
        }
        if (bytes.size() - position < length) {
            return fail(TlvError::value_overrun, length_start);
        }
        Tlv object;
        object.tag = *tag;
        const auto value = bytes.subspan(position, length);
        object.value.assign(value.begin(), value.end());
        if (object.is_constructed()) {
            auto children = parse_level(value, base_offset + position, base_offset + tag_start,
                                        depth + 1, rules);
            if (!children) {
                return std::unexpected(children.error());
            }
            object.children = std::move(*children);
        }
        position += length;
        objects.push_back(std::move(object));
    }
    return objects;
}

void put_length(base::Bytes& bytes, std::size_t length) {
    if (length < 0x80) {
        bytes.push_back(static_cast<std::uint8_t>(length));
    } else if (length <= 0xFF) {
        bytes.push_back(0x81);
        bytes.push_back(static_cast<std::uint8_t>(length));
    } else if (length <= 0xFFFF) {
        bytes.push_back(0x82);
        bytes.push_back(static_cast<std::uint8_t>(length >> 8));
        bytes.push_back(static_cast<std::uint8_t>(length & 0xFF));
    } else {
        bytes.push_back(0x83);
        bytes.push_back(static_cast<std::uint8_t>((length >> 16) & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>((length >> 8) & 0xFF));
        bytes.push_back(static_cast<std::uint8_t>(length & 0xFF));
    }
}

}  // namespace

std::string_view to_string(TlvError error) {
    switch (error) {
        case TlvError::truncated_tag:
            return "tlv: tag cut short";
        case TlvError::tag_too_long:
            return "tlv: tag too long";
        case TlvError::truncated_length:
            return "tlv: length cut short";
        case TlvError::unsupported_length:
            return "tlv: indefinite or too long length field";
        case TlvError::value_overrun:
            return "tlv: value runs past the end";
        case TlvError::too_deep:
            return "tlv: nested too deep";
    }
    return "tlv: unknown error";
}

bool Tlv::is_constructed() const {
    Tag first = tag;
    while (first > 0xFF) {
        first >>= 8;
    }
    return (first & 0x20) != 0;
}

const Tlv* Tlv::find(Tag wanted) const {
    return find_tag(children, wanted);
}

const Tlv* find_tag(const std::vector<Tlv>& objects, Tag tag) {
    for (const Tlv& object : objects) {
        if (object.tag == tag) {
            return &object;
        }
        if (const Tlv* found = find_tag(object.children, tag)) {
            return found;
        }
    }
    return nullptr;
}

std::expected<Tag, TlvError> read_tag(std::span<const std::uint8_t> bytes, std::size_t& position) {
    return read_tag_of_at_most(bytes, position, k_kiosk_rules.max_tag_length);
}

std::expected<std::vector<Tlv>, TlvError> parse_tlv(std::span<const std::uint8_t> bytes) {
    auto objects = parse_level(bytes, 0, 0, 0, k_kiosk_rules);
    if (!objects) {
        return std::unexpected(objects.error().error);
    }
    return std::move(*objects);
}

std::expected<std::vector<Tlv>, TlvFailure> parse_emv_tlv(std::span<const std::uint8_t> bytes) {
    return parse_level(bytes, 0, 0, 0, k_emv_rules);
}

base::Bytes tag_bytes(Tag tag) {
    base::Bytes bytes;
    bool started = false;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const auto byte = static_cast<std::uint8_t>((tag >> shift) & 0xFF);
        if (byte != 0 || started || shift == 0) {
            bytes.push_back(byte);
            started = true;
        }
    }
    return bytes;
}

base::Bytes encode_tlv(Tag tag, std::span<const std::uint8_t> value) {
    base::Bytes bytes = tag_bytes(tag);
    put_length(bytes, value.size());
    bytes.insert(bytes.end(), value.begin(), value.end());
    return bytes;
}

base::Bytes encode_constructed(Tag tag, std::span<const base::Bytes> children) {
    base::Bytes value;
    for (const base::Bytes& child : children) {
        value.insert(value.end(), child.begin(), child.end());
    }
    return encode_tlv(tag, value);
}

}  // namespace drivers::emv
