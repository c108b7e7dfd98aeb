#include "kiosk/core/lexicon.h"

#include <algorithm>

namespace kiosk::core {

Lexicon::Lexicon(std::vector<Entry> entries) {
    for (Entry& entry : entries) {
        if (entry.first.empty()) {
            continue;
        }
        const bool duplicate = std::ranges::any_of(
            m_entries, [&](const Entry& existing) { return existing.first == entry.first; });
        if (!duplicate) {
            m_entries.push_back(std::move(entry));
        }
    }
    std::ranges::stable_sort(m_entries, [](const Entry& left, const Entry& right) {
        return left.first.size() > right.first.size();
    });
}

std::string Lexicon::apply(std::string_view text) const {
    // Matching byte-wise is safe for UTF-8: a word starts with a lead byte, which never equals
    // a continuation byte, so a match always starts on a character boundary.
    std::string result;
    result.reserve(text.size());
    std::size_t position = 0;
    while (position < text.size()) {
        const std::string_view rest = text.substr(position);
        const auto match = std::ranges::find_if(
            m_entries, [&](const Entry& entry) { return rest.starts_with(entry.first); });
        if (match != m_entries.end()) {
            result += match->second;
            position += match->first.size();
        } else {
            result += text[position];
            ++position;
        }
    }
    return result;
}

}  // namespace kiosk::core
