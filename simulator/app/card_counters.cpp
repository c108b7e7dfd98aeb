#include "simulator/app/card_counters.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

namespace simulator::app {

std::expected<CardCounters, std::string> read_card_counters(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) {
        return CardCounters{};
    }
    std::ifstream in(file);
    if (!in) {
        return std::unexpected(file.string() + ": cannot be read");
    }
    std::stringstream text;
    text << in.rdbuf();
    const auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
        return std::unexpected(file.string() + ": not one JSON object of card counters");
    }
    CardCounters counters;
    for (const auto& [name, value] : parsed.items()) {
        if (!value.is_number_unsigned() ||
            value.get<std::uint64_t>() > std::numeric_limits<std::uint16_t>::max()) {
            return std::unexpected(file.string() + ": the counter of " + name +
                                   " is not a number from 0 to 65535");
        }
        counters[name] = static_cast<std::uint16_t>(value.get<std::uint64_t>());
    }
    return counters;
}

std::expected<void, std::string> write_card_counters(const std::filesystem::path& file,
                                                     const CardCounters& counters) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [name, counter] : counters) {
        object[name] = counter;
    }
    std::filesystem::path written = file;
    written += ".new";
    {
        std::ofstream out(written, std::ios::trunc);
        out << object.dump() << '\n';
        out.flush();
        if (!out) {
            return std::unexpected(written.string() + ": cannot be written");
        }
    }
    std::error_code error;
    std::filesystem::rename(written, file, error);
    if (error) {
        return std::unexpected(file.string() + ": " + error.message());
    }
    return {};
}

}  // namespace simulator::app
