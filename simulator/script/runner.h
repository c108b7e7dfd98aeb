#pragma once
// Runs a scenario against the simulated hardware while following the kiosk's transcript.
// Expectations wait (bounded) for the transcript to show what a customer would see and hear;
// the end checks look at everything recorded once the kiosk has stopped.

#include <nlohmann/json.hpp>

#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "simulator/script/scenario.h"

namespace simulator::script {

// What a scenario can do to the kiosk's world.
class Hardware {
  public:
    virtual ~Hardware() = default;
    virtual std::expected<void, std::string> insert_card(const std::string& name) = 0;
    virtual std::expected<void, std::string> remove_card() = 0;
    virtual std::expected<void, std::string> press_key(base::Key key) = 0;
    // Types the digits once the PIN pad is collecting a PIN (a customer waits for the prompt).
    virtual std::expected<void, std::string> type_pin(const std::string& digits) = 0;
    virtual std::expected<void, std::string> set_headphones(bool plugged) = 0;
    virtual std::expected<void, std::string> set_fault(const std::string& service,
                                                       const std::string& mode) = 0;
    virtual bool kiosk_running() = 0;
};

// Reads the JSON Lines transcript as it grows; a half-written last line waits for its end.
class TranscriptFollower {
  public:
    explicit TranscriptFollower(std::filesystem::path path);
    void poll();
    const std::vector<nlohmann::json>& records() const { return m_records; }
    int malformed_lines() const { return m_malformed_lines; }

  private:
    std::filesystem::path m_path;
    std::uintmax_t m_offset = 0;
    std::string m_partial;
    std::vector<nlohmann::json> m_records;
    int m_malformed_lines = 0;
};

struct RunOptions {
    // Files besides the transcript that a `forbid text` step searches (the kiosk's log).
    std::vector<std::filesystem::path> logs;
    // Told each step as it starts, for the console.
    std::function<void(const std::string&)> narrate;
};

struct Outcome {
    std::vector<std::string> failures;
    bool passed() const { return failures.empty(); }
};

// Runs the steps in order; stops at the first failed step (the rest would depend on it).
Outcome run_steps(const Scenario& scenario, Hardware& hardware, TranscriptFollower& transcript,
                  const RunOptions& options);

// The checks of `expect screens`, `forbid speech` and `forbid text`, over everything recorded.
void check_at_end(const Scenario& scenario, const std::vector<nlohmann::json>& records,
                  const RunOptions& options, Outcome& outcome);

// Whether a speech record matches a pattern.
bool matches(const SpeechPattern& pattern, const nlohmann::json& record);

}  // namespace simulator::script
