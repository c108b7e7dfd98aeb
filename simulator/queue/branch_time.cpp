#include "simulator/queue/branch_time.h"

#include <cstdio>
#include <cstdlib>

namespace simulator::queue {

namespace {

// The civil date and time of a moment shifted by the offset.
struct CivilTime {
    std::chrono::year_month_day date;
    std::chrono::hh_mm_ss<std::chrono::seconds> time{std::chrono::seconds{0}};
};

CivilTime civil(std::int64_t unix_ms, std::chrono::minutes utc_offset) {
    using namespace std::chrono;
    const sys_seconds moment{floor<seconds>(milliseconds{unix_ms}) + utc_offset};
    const sys_days day = floor<days>(moment);
    return CivilTime{year_month_day{day}, hh_mm_ss<seconds>{moment - day}};
}

bool is_digit(char character) {
    return character >= '0' && character <= '9';
}

// The number in text[first, first + count), or -1 when any of those is not a digit.
int digits_at(std::string_view text, std::size_t first, std::size_t count) {
    if (first + count > text.size()) {
        return -1;
    }
    int value = 0;
    for (std::size_t index = first; index < first + count; ++index) {
        if (!is_digit(text[index])) {
            return -1;
        }
        value = value * 10 + (text[index] - '0');
    }
    return value;
}

// RFC 3339 §5.6 field limits; a leap second may be written as 60.
constexpr int k_last_month = 12;
constexpr int k_last_hour = 23;
constexpr int k_last_minute = 59;
constexpr int k_last_second = 60;

}  // namespace

int BranchCalendar::day_of(std::int64_t unix_ms) const {
    const CivilTime now = civil(unix_ms, m_utc_offset);
    return static_cast<int>(now.date.year()) * 10'000 +
           static_cast<int>(static_cast<unsigned>(now.date.month())) * 100 +
           static_cast<int>(static_cast<unsigned>(now.date.day()));
}

std::string BranchCalendar::timestamp(std::int64_t unix_ms) const {
    const CivilTime now = civil(unix_ms, m_utc_offset);
    const long offset_minutes = static_cast<long>(m_utc_offset.count());
    const long offset_magnitude = std::labs(offset_minutes);
    char text[80];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld%c%02ld:%02ld",
                  static_cast<int>(now.date.year()), static_cast<unsigned>(now.date.month()),
                  static_cast<unsigned>(now.date.day()),
                  static_cast<long>(now.time.hours().count()),
                  static_cast<long>(now.time.minutes().count()),
                  static_cast<long>(now.time.seconds().count()), offset_minutes < 0 ? '-' : '+',
                  offset_magnitude / 60, offset_magnitude % 60);
    return text;
}

bool is_date_time(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS is 19 characters; the fraction and the offset follow.
    constexpr std::size_t k_seconds_end = 19;
    if (text.size() < k_seconds_end + 1 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
        return false;
    }
    const int year = digits_at(text, 0, 4);
    const int month = digits_at(text, 5, 2);
    const int day = digits_at(text, 8, 2);
    const int hour = digits_at(text, 11, 2);
    const int minute = digits_at(text, 14, 2);
    const int second = digits_at(text, 17, 2);
    if (year < 0 || month < 1 || month > k_last_month || day < 1 || hour < 0 ||
        hour > k_last_hour || minute < 0 || minute > k_last_minute || second < 0 ||
        second > k_last_second) {
        return false;
    }
    const std::chrono::year_month_day date{std::chrono::year{year},
                                           std::chrono::month{static_cast<unsigned>(month)},
                                           std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) {
        return false;
    }
    std::size_t position = k_seconds_end;
    if (text[position] == '.') {
        ++position;
        const std::size_t fraction_start = position;
        while (position < text.size() && is_digit(text[position])) {
            ++position;
        }
        if (position == fraction_start) {
            return false;
        }
    }
    const std::string_view zone = text.substr(position);
    if (zone == "Z" || zone == "z") {
        return true;
    }
    // +HH:MM or -HH:MM
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
        return false;
    }
    const int zone_hour = digits_at(zone, 1, 2);
    const int zone_minute = digits_at(zone, 4, 2);
    return zone_hour >= 0 && zone_hour <= k_last_hour && zone_minute >= 0 &&
           zone_minute <= k_last_minute;
}

std::int64_t to_unix_ms(std::chrono::system_clock::time_point moment) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(moment.time_since_epoch()).count();
}

}  // namespace simulator::queue
