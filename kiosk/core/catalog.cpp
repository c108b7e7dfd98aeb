#include "kiosk/core/catalog.h"

namespace kiosk::core {

std::string missing_marker(std::string_view key) {
    // Not "[[key]]": eSpeak reads double brackets as inline phonemes.
    std::string marker = "[missing: ";
    marker += key;
    marker += ']';
    return marker;
}

std::string fill_placeholders(std::string_view pattern, std::span<const Placeholder> values) {
    std::string result;
    result.reserve(pattern.size());
    std::size_t position = 0;
    while (position < pattern.size()) {
        const std::size_t open = pattern.find('{', position);
        if (open == std::string_view::npos) {
            result += pattern.substr(position);
            break;
        }
        const std::size_t close = pattern.find('}', open + 1);
        if (close == std::string_view::npos) {
            result += pattern.substr(position);
            break;
        }
        result += pattern.substr(position, open - position);
        const std::string_view name = pattern.substr(open + 1, close - open - 1);
        bool replaced = false;
        for (const Placeholder& value : values) {
            if (value.name == name) {
                result += value.value;
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            result += pattern.substr(open, close - open + 1);
        }
        position = close + 1;
    }
    return result;
}

std::string Catalog::text(std::string_view key) const {
    const auto found = m_messages.find(key);
    if (found == m_messages.end()) {
        return missing_marker(key);
    }
    return found->second;
}

std::string Catalog::format(std::string_view key, std::initializer_list<Placeholder> values) const {
    const auto found = m_messages.find(key);
    if (found == m_messages.end()) {
        return missing_marker(key);
    }
    return fill_placeholders(found->second,
                             std::span<const Placeholder>(values.begin(), values.size()));
}

}  // namespace kiosk::core
