#pragma once

// What a load run counts and measures: sessions, requests and their latencies, errors by
// kind, and the money the simulated dispensers handed out. Each simulated kiosk keeps its own
// tally on its own thread; the program merges them at the end.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::load {

struct LoadTally {
    std::int64_t sessions = 0;     // customer sessions finished (signed on or not)
    std::int64_t requests = 0;     // calls to the account service, sign-on and end included
    std::int64_t errors = 0;       // calls that did not end as the session expected
    std::int64_t balances = 0;     // sessions that only asked the balance
    std::int64_t withdrawals = 0;  // withdrawals confirmed by the account service
    std::int64_t transfers = 0;    // transfers the account service executed
    // Quotes and requests the service refused for funds or a daily limit: a demo account can
    // run out, which is not the kiosk's or the service's fault (kiosk/load/README.md).
    std::int64_t refusals = 0;
    std::int64_t dispensed_minor_units = 0;              // cash of confirmed withdrawals
    std::int64_t journal_records = 0;                    // records appended to the journals
    std::vector<double> request_ms;                      // each call, from the call to its event
    std::vector<double> session_ms;                      // each session, from sign-on to its end
    std::map<std::string, std::vector<double>> call_ms;  // by call name ("sign_on", "quote")
    std::map<std::string, std::int64_t> error_kinds;     // "sign_on: timeout" → count

    void merge(const LoadTally& other);
};

// The value below which `percent` of `values` lie (nearest rank), 0 when there are none.
double percentile(std::vector<double> values, double percent);

// Milliseconds rounded to a tenth, for the report.
double rounded_ms(double milliseconds);

}  // namespace kiosk::load
