#pragma once

// Reads the simulator's demo branch (simulator/queue/demo-branch.toml): the businesses the
// queue service seeds into an empty database, with their names and materials in every
// language, counters, ranks and the people already waiting when the branch opens.

#include <expected>
#include <filesystem>
#include <vector>

#include "simulator/queue/queue_error.h"
#include "simulator/queue/queue_records.h"

namespace simulator::queue {

// Ranges from docs/api/queue.yaml, "Business".
inline constexpr int k_maximum_typical_duration_minutes = 240;
inline constexpr int k_maximum_counter_number = 99;
inline constexpr int k_maximum_popularity_rank = 50;
inline constexpr int k_maximum_people_waiting = 999;
inline constexpr std::size_t k_maximum_materials = 10;
inline constexpr std::size_t k_maximum_businesses = 50;

// Every business of the file, in the file's order, each checked against the contract's ranges;
// ticket prefixes, ids and popularity ranks are unique. The computed fields (people_waiting,
// estimated_wait_minutes) are zero.
std::expected<std::vector<Business>, base::Error<QueueError>> read_demo_branch(
    const std::filesystem::path& branch_file);

}  // namespace simulator::queue
