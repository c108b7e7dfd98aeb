#include "kiosk/load/load_tally.h"

#include <algorithm>
#include <cmath>

namespace kiosk::load {

void LoadTally::merge(const LoadTally& other) {
    sessions += other.sessions;
    requests += other.requests;
    errors += other.errors;
    balances += other.balances;
    withdrawals += other.withdrawals;
    transfers += other.transfers;
    refusals += other.refusals;
    dispensed_minor_units += other.dispensed_minor_units;
    journal_records += other.journal_records;
    request_ms.insert(request_ms.end(), other.request_ms.begin(), other.request_ms.end());
    session_ms.insert(session_ms.end(), other.session_ms.begin(), other.session_ms.end());
    for (const auto& [name, values] : other.call_ms) {
        auto& mine = call_ms[name];
        mine.insert(mine.end(), values.begin(), values.end());
    }
    for (const auto& [kind, count] : other.error_kinds) {
        error_kinds[kind] += count;
    }
}

double percentile(std::vector<double> values, double percent) {
    if (values.empty()) {
        return 0.0;
    }
    // Nearest rank: the smallest value with at least `percent` of the values at or below it.
    const double rank = std::ceil(percent / 100.0 * static_cast<double>(values.size()));
    const auto index =
        static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(values.size()))) - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                     values.end());
    return values[index];
}

double rounded_ms(double milliseconds) {
    return std::round(milliseconds * 10.0) / 10.0;
}

}  // namespace kiosk::load
