#pragma once
// The transcript contract of docs/architecture.md: JSON Lines, one object per thing that happened,
// each with `t_ms` (since the kiosk started) and `kind`. Other programs read it (the simulator's
// scenario runner, reviewers), so its shape only grows.
//
// Privacy: no PIN, PIN block or full card number ever reaches these functions; beyond the
// contract, private elements and private speech are written as "[private]", so that balances
// and account details stay out of files too (docs/accessibility.md "Privacy"). An input element
// (the PIN field) is written as private whatever it holds: its dots are the PIN's length. The
// file is readable by its owner only (mode 0600), whatever the umask.

#include <chrono>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "base/error.h"
#include "kiosk/core/screen.h"

namespace kiosk::app {

inline constexpr std::string_view k_redacted_text = "[private]";

// What can stop a transcript from being recorded. Errors carry it as
// base::Error<TranscriptError>, whose context names the file and the system's reason.
enum class TranscriptError {
    unwritable,   // the file cannot be created or opened for writing
    not_private,  // the file cannot be made readable by its owner only (mode 0600)
};

std::string_view to_string(TranscriptError error);

struct SpeechRecord {
    std::string channel;
    std::string voice;
    std::string text;      // the words, as the catalog says them
    std::string phonetic;  // what eSpeak NG was given (the lexicon applied)
    bool interrupted = false;
    bool is_private = false;
    long played_ms = 0;  // how much audio was played: 0 when it was replaced before it began
    std::chrono::steady_clock::time_point started;  // when synthesis began
};

class Transcript {
  public:
    using Clock = std::chrono::steady_clock;

    // Creates the file, or truncates an existing one, and gives it mode 0600 before anything is
    // written. Errors: unwritable, not_private. Transcript::disabled() records nothing (every
    // call is cheap).
    static std::expected<Transcript, base::Error<TranscriptError>> open(
        const std::filesystem::path& path, Clock::time_point start);
    static Transcript disabled();

    Transcript(Transcript&& other) noexcept;
    Transcript& operator=(Transcript&&) = delete;
    Transcript(const Transcript&) = delete;
    Transcript& operator=(const Transcript&) = delete;
    ~Transcript();

    // Each is safe to call from any thread.
    void screen(const core::ScreenModel& screen);
    void speech(const SpeechRecord& record);
    void tone(std::string_view kind);
    void input(std::string_view source, std::string_view key);
    void device(std::string_view device, std::string_view event);
    // `detail`: what the client did about the call ("kept", "delivered", or why it was dropped:
    // "older than 120 s: ..."); omitted when empty.
    void service(std::string_view service, std::string_view call, std::string_view status,
                 long milliseconds, std::string_view detail = {});
    void timer(std::string_view id, std::string_view action, int milliseconds);
    void journal(std::string_view event, std::string_view detail);
    void metric(std::string_view name, double value, std::string_view unit);

  private:
    Transcript(std::FILE* file, Clock::time_point start);
    void write(std::string line);

    std::mutex m_mutex;
    std::FILE* m_file = nullptr;
    Clock::time_point m_start;
};

}  // namespace kiosk::app
