#pragma once

#include <bitset>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosk::core {

// Word -> replacement applied to speech text just before synthesis. For Mandarin it spells
// polyphones in tone-numbered pinyin, which eSpeak's cmn-latn-pinyin voice then reads right
// (docs/platform-facts.md: 银行 alone is read yín xíng; "yin2 hang2" is read yín háng).
class Lexicon {
  public:
    using Entry = std::pair<std::string, std::string>;

    Lexicon() = default;
    // Entries with an empty word are dropped; of two entries with the same word the first wins.
    explicit Lexicon(std::vector<Entry> entries);

    // Scans left to right; at each position the longest matching word is replaced, so 行长
    // wins over 行 and replaced text is never scanned again.
    std::string apply(std::string_view text) const;

    std::size_t size() const { return m_entries.size(); }
    // Longest word first.
    const std::vector<Entry>& entries() const { return m_entries; }

  private:
    std::vector<Entry> m_entries;
    std::bitset<256> m_single_bytes;   // the words of one byte
    std::bitset<65536> m_first_pairs;  // the first two bytes of every longer word
};

}  // namespace kiosk::core
