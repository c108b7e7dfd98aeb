#include "simulator/queue/demo_branch.h"

#include <toml++/toml.h>

#include <set>
#include <string>

#include "simulator/queue/queue_messages.h"

namespace simulator::queue {

namespace {

base::Error<QueueError> bad(const std::string& business, std::string_view what) {
    return base::error(QueueError::bad_seed, "business " + business + ": " + std::string(what));
}

bool is_localized_text(const LocalizedText& text) {
    const auto fits = [](const std::string& value) {
        const std::size_t length = utf8_length(value);
        return length >= 1 && length <= k_maximum_localized_text_length;
    };
    return fits(text.zh_cn) && fits(text.zh_hk) && fits(text.en);
}

LocalizedText localized_text(const toml::node_view<const toml::node>& node) {
    return LocalizedText{node["zh-CN"].value_or(std::string{}),
                         node["zh-HK"].value_or(std::string{}), node["en"].value_or(std::string{})};
}

}  // namespace

std::expected<std::vector<Business>, base::Error<QueueError>> read_demo_branch(
    const std::filesystem::path& branch_file) {
    // Debian's toml++ is built with exceptions: its parse error becomes a QueueError here and
    // travels no further (docs/style.md, "Errors").
    toml::table root;
    try {
        root = toml::parse_file(branch_file.string());
    } catch (const toml::parse_error& error) {
        return std::unexpected(
            base::error(QueueError::seed_failure,
                        branch_file.string() + ": " + std::string(error.description())));
    }
    const toml::array* entries = root["business"].as_array();
    if (entries == nullptr || entries->empty() || entries->size() > k_maximum_businesses) {
        return std::unexpected(
            base::error(QueueError::seed_failure,
                        branch_file.string() + ": no [[business]] entries, or over 50"));
    }
    std::vector<Business> businesses;
    std::set<std::string> ids;
    std::set<std::string> prefixes;
    std::set<int> ranks;
    for (const toml::node& node : *entries) {
        const toml::table* table = node.as_table();
        if (table == nullptr) {
            return std::unexpected(
                base::error(QueueError::bad_seed, "a [[business]] entry is not a table"));
        }
        const toml::node_view<const toml::node> entry{node};
        Business business;
        business.id = entry["id"].value_or(std::string{});
        business.ticket_prefix = entry["ticket_prefix"].value_or(std::string{});
        business.popularity_rank = entry["popularity_rank"].value_or(0);
        business.typical_duration_minutes = entry["typical_duration_minutes"].value_or(0);
        business.open_counters = entry["open_counters"].value_or(-1);
        business.first_counter = entry["first_counter"].value_or(0);
        business.open_now = entry["open_now"].value_or(false);
        business.waiting_at_opening = entry["waiting_at_opening"].value_or(-1);
        business.names = localized_text(entry["names"]);
        if (!is_business_id(business.id)) {
            return std::unexpected(bad(business.id, "id must match ^[a-z][a-z0-9_]{0,31}$"));
        }
        if (business.ticket_prefix.size() != 1 || business.ticket_prefix[0] < 'A' ||
            business.ticket_prefix[0] > 'Z') {
            return std::unexpected(bad(business.id, "ticket_prefix must be one capital letter"));
        }
        if (business.popularity_rank < 1 || business.popularity_rank > k_maximum_popularity_rank) {
            return std::unexpected(bad(business.id, "popularity_rank must be 1 to 50"));
        }
        if (business.typical_duration_minutes < 1 ||
            business.typical_duration_minutes > k_maximum_typical_duration_minutes) {
            return std::unexpected(bad(business.id, "typical_duration_minutes must be 1 to 240"));
        }
        if (business.open_counters < 0 || business.open_counters > k_maximum_counter_number ||
            business.first_counter < 1 || business.first_counter > k_maximum_counter_number) {
            return std::unexpected(
                bad(business.id, "open_counters must be 0 to 99 and first_counter 1 to 99"));
        }
        if (business.waiting_at_opening < 0 ||
            business.waiting_at_opening > k_maximum_people_waiting) {
            return std::unexpected(bad(business.id, "waiting_at_opening must be 0 to 999"));
        }
        if (!is_localized_text(business.names)) {
            return std::unexpected(
                bad(business.id, "names needs zh-CN, zh-HK and en, each 1 to 80 characters"));
        }
        const toml::array* materials = entry["materials"].as_array();
        if (materials == nullptr || materials->size() > k_maximum_materials) {
            return std::unexpected(bad(business.id, "materials must be a list of at most 10"));
        }
        for (const toml::node& material : *materials) {
            LocalizedText text = localized_text(toml::node_view<const toml::node>{material});
            if (!is_localized_text(text)) {
                return std::unexpected(bad(
                    business.id, "each material needs zh-CN, zh-HK and en, 1 to 80 characters"));
            }
            business.materials.push_back(std::move(text));
        }
        if (!ids.insert(business.id).second || !prefixes.insert(business.ticket_prefix).second ||
            !ranks.insert(business.popularity_rank).second) {
            return std::unexpected(
                bad(business.id, "id, ticket_prefix and popularity_rank must be unique"));
        }
        businesses.push_back(std::move(business));
    }
    return businesses;
}

}  // namespace simulator::queue
