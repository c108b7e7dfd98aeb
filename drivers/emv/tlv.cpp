#include "drivers/emv/tlv.h"

#include "base/bytes.h"

namespace drivers::emv {

namespace {

std::expected<std::vector<Tlv>, TlvError> parse_level(std::span<const std::uint8_t> bytes,
                                                      int depth) {
    if (depth > k_max_tlv_depth) {
        return std::unexpected(TlvError::too_deep);
    }
    std::vector<Tlv> objects;
    std::size_t position = 0;
    while (position < bytes.size()) {
        const std::uint8_t first = bytes[position];
        if (first == 0x00 || first == 0xFF) {
            ++position;  // padding between objects
            continue;
        }
        const auto tag = read_tag(bytes, position);
        if (!tag) {
            return std::unexpected(tag.error());
        }
        // ISO/IEC 8825-1 §8.1.3: short form below 80, else 81..84 give the number of
        // length bytes; 80 (indefinite) has no place in EMV.
        if (position >= bytes.size()) {
            return std::unexpected(TlvError::truncated_length);
        }
        const std::uint8_t length_byte = bytes[position++];
        std::size_t length = 0;
        if (length_byte < 0x80) {
            length = length_byte;
        } else {
            const std::size_t count = length_byte & 0x7FU;
            if (count == 0 || count > 4) {
                return std::unexpected(TlvError::unsupported_length);
            }
            if (bytes.size() - position < count) {
                return std::unexpected(TlvError::truncated_length);
            }
            for (std::size_t index = 0; index < count; ++index) {
                length = (length << 8) | bytes[position++];
            }
        }
        if (bytes.size() - position < length) {
            return std::unexpected(TlvError::value_overrun);
        }
        Tlv object;
        object.tag = *tag;
        const auto value = bytes.subspan(position, length);
        object.value.assign(value.begin(), value.end());
        position += length;
        if (object.is_constructed()) {
            auto children = parse_level(value, depth + 1);
            if (!children) {
                return std::unexpected(children.error());
            }
            object.children = std::move(*children);
        }
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
            return "tlv: tag longer than 4 bytes";
        case TlvError::truncated_length:
            return "tlv: length cut short";
        case TlvError::unsupported_length:
            return "tlv: indefinite or oversized length";
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
            if (++tag_length > 4) {
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

std::expected<std::vector<Tlv>, TlvError> parse_tlv(std::span<const std::uint8_t> bytes) {
    return parse_level(bytes, 0);
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
