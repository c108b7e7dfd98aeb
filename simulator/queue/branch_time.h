#pragma once

// The branch's calendar: which day a moment falls on (ticket numbers and complaint references
// restart each day) and how a moment is written in a reply (RFC 3339 with the branch's UTC
// offset, as in docs/api/queue.yaml's examples: "2026-12-02T09:41:07+08:00").
//
// The offset is fixed: China Standard Time has had no daylight saving since 1991, and a fixed
// offset needs no time zone database.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace simulator::queue {

// China Standard Time, UTC+8: the branches the contract was written for.
inline constexpr std::chrono::minutes k_branch_utc_offset{8 * 60};

class BranchCalendar {
  public:
    explicit BranchCalendar(std::chrono::minutes utc_offset = k_branch_utc_offset)
        : m_utc_offset(utc_offset) {}

    // The branch's date of `unix_ms` as the number YYYYMMDD (20261202).
    int day_of(std::int64_t unix_ms) const;
    // `unix_ms` as RFC 3339 in the branch's offset, to the second: 2026-12-02T09:41:07+08:00.
    std::string timestamp(std::int64_t unix_ms) const;

  private:
    std::chrono::minutes m_utc_offset;
};

// Whether `text` is an RFC 3339 date-time (RFC 3339 §5.6): full date, "T", time with optional
// fraction, and "Z" or an offset; each field in its range.
bool is_date_time(std::string_view text);

std::int64_t to_unix_ms(std::chrono::system_clock::time_point moment);

}  // namespace simulator::queue
