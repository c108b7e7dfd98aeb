#include "kiosk/app/transcript.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace kiosk::app {

namespace {

using Json = nlohmann::ordered_json;

// Only the kiosk's own user may read what customers did: rw-------.
constexpr mode_t k_owner_only = S_IRUSR | S_IWUSR;

// Opens the file for writing with mode 0600 from its first instant: created so, or, when it
// exists already, emptied and changed to 0600 through the very descriptor before anything is
// written. A symbolic link in its place is refused (O_NOFOLLOW).
std::expected<std::FILE*, base::Error<TranscriptError>> open_owner_only(
    const std::filesystem::path& path) {
    const auto failure = [&path](TranscriptError code, std::string_view reason) {
        return std::unexpected(base::error(code, path.string() + ": " + std::string(reason)));
    };
    const int descriptor =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, k_owner_only);
    if (descriptor < 0) {
        return failure(TranscriptError::unwritable, std::strerror(errno));
    }
    struct stat status {};
    if (::fchmod(descriptor, k_owner_only) != 0 || ::fstat(descriptor, &status) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(descriptor);
        return failure(TranscriptError::not_private, reason);
    }
    if ((status.st_mode & 0777) != k_owner_only) {
        ::close(descriptor);
        return failure(TranscriptError::not_private, "its mode is not 0600");
    }
    std::FILE* file = ::fdopen(descriptor, "w");
    if (file == nullptr) {
        const std::string reason = std::strerror(errno);
        ::close(descriptor);
        return failure(TranscriptError::unwritable, reason);
    }
    return file;
}

}  // namespace

std::string_view to_string(TranscriptError error) {
    switch (error) {
        case TranscriptError::unwritable:
            return "cannot write the transcript";
        case TranscriptError::not_private:
            return "cannot make the transcript readable by its owner only";
    }
    return "unknown transcript error";
}

Transcript::Transcript(std::FILE* file, Clock::time_point start) : m_file(file), m_start(start) {}

Transcript::Transcript(Transcript&& other) noexcept
    : m_file(std::exchange(other.m_file, nullptr)), m_start(other.m_start) {}

Transcript::~Transcript() {
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

std::expected<Transcript, base::Error<TranscriptError>> Transcript::open(
    const std::filesystem::path& path, Clock::time_point start) {
    // What a customer did is no business of the machine's other users: the file is the
    // owner's alone before the first record, and one that cannot be made so is not written.
    auto file = open_owner_only(path);
    if (!file) {
        return std::unexpected(file.error());
    }
    return Transcript(*file, start);
}

Transcript Transcript::disabled() {
    return Transcript(nullptr, Clock::now());
}

void Transcript::write(std::string line) {
    std::lock_guard lock(m_mutex);
    if (m_file == nullptr) {
        return;
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), m_file);
    // Flushed per record: the simulator follows the file while the kiosk runs.
    std::fflush(m_file);
}

namespace {

Json record(Transcript::Clock::time_point start, std::string_view kind) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Transcript::Clock::now() - start);
    Json json;
    json["t_ms"] = elapsed.count();
    json["kind"] = kind;
    return json;
}

std::string dump(const Json& json) {
    // Invalid UTF-8 from any source is replaced, never allowed to break the file.
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void Transcript::screen(const core::ScreenModel& screen) {
    if (m_file == nullptr) {
        return;
    }
    Json json = record(m_start, "screen");
    json["id"] = screen.id;
    json["locale"] = screen.locale;
    json["theme"] = screen.theme;
    Json elements = Json::array();
    for (const core::Element& element : screen.elements) {
        // An input element is the PIN field: its dots are the PIN's length, so it is written
        // as private even when it is empty, and every PIN screen's record reads the same.
        const bool is_private = element.is_private || element.role == core::Role::input;
        Json item;
        item["role"] = core::to_string(element.role);
        item["text"] = is_private ? std::string(k_redacted_text) : element.text;
        if (element.key) {
            item["key"] = base::to_string(*element.key);
        }
        if (is_private) {
            item["private"] = true;
        }
        elements.push_back(std::move(item));
    }
    json["elements"] = std::move(elements);
    write(dump(json));
}

void Transcript::speech(const SpeechRecord& speech) {
    if (m_file == nullptr) {
        return;
    }
    const bool is_private = speech.is_private;
    Json json = record(m_start, "speech");
    json["channel"] = speech.channel;
    json["voice"] = speech.voice;
    json["text"] = is_private ? std::string(k_redacted_text) : speech.text;
    // What eSpeak NG was given: the words through the lexicon (docs/architecture.md,
    // "Contracts").
    json["phonetic"] = is_private ? std::string(k_redacted_text) : speech.phonetic;
    if (is_private) {
        json["private"] = true;
    }
    if (speech.interrupted) {
        json["interrupted"] = true;
    }
    json["played_ms"] = speech.played_ms;
    // Which screen an utterance belongs to shows in when it began: a record is written when
    // the utterance ends, which for speech cut by a new screen is after that screen's record.
    json["started_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(speech.started - m_start).count();
    write(dump(json));
}

void Transcript::tone(std::string_view kind) {
    Json json = record(m_start, "tone");
    json["tone"] = kind;
    write(dump(json));
}

void Transcript::input(std::string_view source, std::string_view key) {
    Json json = record(m_start, "input");
    json["source"] = source;
    json["key"] = key;
    write(dump(json));
}

void Transcript::device(std::string_view device, std::string_view event) {
    Json json = record(m_start, "device");
    json["device"] = device;
    json["event"] = event;
    write(dump(json));
}

void Transcript::service(std::string_view service, std::string_view call, std::string_view status,
                         long milliseconds, std::string_view detail) {
    Json json = record(m_start, "service");
    json["service"] = service;
    json["call"] = call;
    json["status"] = status;
    json["ms"] = milliseconds;
    if (!detail.empty()) {
        json["detail"] = detail;
    }
    write(dump(json));
}

void Transcript::timer(std::string_view id, std::string_view action, int milliseconds) {
    Json json = record(m_start, "timer");
    json["id"] = id;
    json["action"] = action;
    if (milliseconds > 0) {
        json["ms"] = milliseconds;
    }
    write(dump(json));
}

void Transcript::journal(std::string_view event, std::string_view detail) {
    Json json = record(m_start, "journal");
    json["event"] = event;
    if (!detail.empty()) {
        json["detail"] = detail;
    }
    write(dump(json));
}

void Transcript::metric(std::string_view name, double value, std::string_view unit) {
    Json json = record(m_start, "metric");
    json["name"] = name;
    json["value"] = value;
    json["unit"] = unit;
    write(dump(json));
}

}  // namespace kiosk::app
