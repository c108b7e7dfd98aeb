#include "kiosk/core/lexicon.h"

#include <algorithm>

namespace kiosk::core {
namespace {

// The two bytes at `position` as one number: how the lexicon tells which words may start there.
std::size_t lexicon_pair_at(std::string_view text, std::size_t position) {
    return static_cast<std::size_t>(static_cast<unsigned char>(text[position])) << 8U |
           static_cast<unsigned char>(text[position + 1]);
}

}  // namespace

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
    for (const Entry& entry : m_entries) {
        if (entry.first.size() == 1) {
            m_single_bytes.set(static_cast<unsigned char>(entry.first.front()));
        } else {
            m_first_pairs.set(lexicon_pair_at(entry.first, 0));
        }
    }
}

std::string Lexicon::apply(std::string_view text) const {
    // Matching byte-wise is safe for UTF-8: a word starts with a lead byte, which never equals
    // a continuation byte, so a match always starts on a character boundary.
    std::string result;
    result.reserve(text.size());
    std::size_t position = 0;
    while (position < text.size()) {
        // Most characters start no word: they are copied without looking at the words (every
        // utterance the kiosk speaks passes through here). A word starts with its first two
        // bytes, which for Chinese tell the character apart far better than one.
        const bool may_start =
            m_single_bytes.test(static_cast<unsigned char>(text[position])) ||
            (position + 1 < text.size() && m_first_pairs.test(lexicon_pair_at(text, position)));
        if (!may_start) {
            result += text[position];
            ++position;
            continue;
        }
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
