// libFuzzer harness: the scenario parser (simulator/script/scenario.h, docs/scenarios.md),
// which reads the scripted customers of the end-to-end tests. The first byte picks what reads
// the rest: 0 a whole scenario file, 1 one duration ("500ms", "1.5s"), 2 one amount in yuan.
// Properties: every step is one line of the text, numbered in order; a PIN typed is digits
// only, and a `type pin` that is not digits is refused without repeating it in the error
// (docs/scenarios.md: a PIN is never repeated); durations and amounts are never negative, and
// whole yuan are counted in fen exactly.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "simulator/script/scenario.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace script = simulator::script;
using tests::fuzz::require;

bool is_digits(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

void check_scenario(std::string_view text) {
    const auto scenario = script::parse_scenario(text);
    if (!scenario) {
        const auto& error = scenario.error();
        require(!script::to_string(error.code).empty());
        require(error.context.starts_with("line "));
        if (error.code == script::ScenarioError::pin_not_digits) {
            // Only the line's number: not the word that was typed as a PIN.
            require(is_digits(std::string_view(error.context).substr(5)));
        }
        return;
    }
    const auto line_count = static_cast<int>(std::ranges::count(text, '\n')) + 1;
    int previous_line = 0;
    for (const script::Step& step : scenario->steps) {
        require(step.line > previous_line && step.line <= line_count);
        previous_line = step.line;
        require(text.find(step.source) != std::string_view::npos);
        if (const auto* pin = std::get_if<script::TypePin>(&step.action)) {
            require(!pin->digits.empty() && is_digits(pin->digits));
        }
        if (const auto* wait = std::get_if<script::Wait>(&step.action)) {
            require(wait->duration.count() >= 0);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const std::string_view text = input.rest_text();
    switch (selector % 3) {
        case 0:
            check_scenario(text);
            break;
        case 1:
            if (const auto duration = script::parse_duration(text)) {
                require(duration->count() >= 0);
            }
            break;
        default:
            if (const auto fen = script::parse_yuan(text)) {
                require(*fen >= 0);
                if (!text.empty() && text.size() <= 12 && is_digits(text)) {
                    std::int64_t yuan = 0;
                    for (const char digit : text) {
                        yuan = yuan * 10 + (digit - '0');
                    }
                    require(*fen == yuan * 100);
                }
            }
            break;
    }
    return 0;
}
