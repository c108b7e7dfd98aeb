#pragma once

// What the demo cards remember between runs of kiosk-sim that keep the bank's database
// (`--keep-database`): each chip's application transaction counter (EMV 4.3 Book 3 Annex A,
// 9F36). A real card never counts back, and the bank refuses a counter it has already seen
// (a replayed cryptogram, EMV 4.3 Book 2 §8.1), so a card that forgot its counter would be
// refused as a clone. Kept in DIR/card-counters.json, one object: {"zhang-wei": 7, ...}.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <string>

namespace simulator::app {

using CardCounters = std::map<std::string, std::uint16_t>;

// The counters in `file`; none when the file does not exist. Errors (the file unreadable, not
// one JSON object of names and counters 0..65535) say what is wrong with it: a run must not go
// on with counters it cannot trust.
std::expected<CardCounters, std::string> read_card_counters(const std::filesystem::path& file);

// Writes them whole (a file beside it renamed over it), so that a run killed mid-write leaves
// the old counters or the new ones.
std::expected<void, std::string> write_card_counters(const std::filesystem::path& file,
                                                     const CardCounters& counters);

}  // namespace simulator::app
