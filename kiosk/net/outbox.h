#pragma once

// The queue client's outbox: every request it posts to the branch queue service (a ticket, a
// call for staff, a survey answer, a complaint) is written here with its Idempotency-Key
// before it is sent, and removed once it is delivered or refused for good, so that a request
// survives a lost connection and a restart of the kiosk and is sent again with the same key
// (docs/api/queue.yaml, "Idempotency"; kiosk/net/README.md, "The outbox").
//
// It is an SQLite database in WAL mode with synchronous=FULL: a request the kiosk has
// accepted is on the disk before anything is sent. A file that cannot be used (corrupt, not a
// database, of another shape, unreadable) never stops the kiosk: it is moved aside under a
// name with the time, and an empty outbox is started in its place; if not even that can be
// made, the outbox lives in memory for this run.
//
// Nothing in it is personal data (docs/api/queue.yaml, "Privacy"). Threading: one thread
// (the queue client's worker) uses an Outbox.

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

struct sqlite3;

namespace kiosk::net {

// What a request in the outbox asks for; it decides how long the request stays worth
// sending (queue_client.h).
enum class OutboxKind { ticket, assistance, survey, complaint };

std::string_view to_string(OutboxKind kind);
std::optional<OutboxKind> outbox_kind_named(std::string_view name);

struct OutboxEntry {
    std::string idempotency_key;  // a UUID, sent unchanged with every attempt
    OutboxKind kind = OutboxKind::survey;
    std::string path;  // "/v1/survey-answers"
    std::string body;  // the JSON request body, as first sent
    std::chrono::system_clock::time_point created_at{};

    friend bool operator==(const OutboxEntry&, const OutboxEntry&) = default;
};

enum class OutboxError {
    write_failed,  // the request could not be stored or removed
    read_failed,   // the stored requests could not be read
};

std::string_view to_string(OutboxError error);

// What opening the outbox had to do about a file it could not use.
struct OutboxRepair {
    std::string problem;  // what was wrong with it, as SQLite or the file system says it
    std::optional<std::filesystem::path> set_aside_as;  // where the unusable file went
    bool in_memory = false;  // no file could be made: this run's requests do not outlive it
};

class Outbox {
  public:
    // Opens the outbox in `file`, creating it (and its folder) when missing. Never fails: see
    // the top of this file. `repair` says what had to be done, when anything had.
    static Outbox open(const std::filesystem::path& file, std::optional<OutboxRepair>& repair);

    ~Outbox();
    Outbox(Outbox&& other) noexcept;
    Outbox& operator=(Outbox&& other) noexcept;
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // True when the requests are in a file, in WAL mode with synchronous=FULL.
    bool is_durable() const { return m_durable; }

    std::expected<void, base::Error<OutboxError>> add(const OutboxEntry& entry);
    // Removing a key that is not there is no error.
    std::expected<void, base::Error<OutboxError>> remove(std::string_view idempotency_key);

    // Every stored request, the oldest first. A row this kiosk cannot read (an unknown kind,
    // from another version) is removed and counted in `unreadable`.
    struct Contents {
        std::vector<OutboxEntry> entries;
        std::size_t unreadable = 0;
    };
    std::expected<Contents, base::Error<OutboxError>> contents();

  private:
    Outbox(sqlite3* database, bool durable) : m_database(database), m_durable(durable) {}

    sqlite3* m_database = nullptr;
    bool m_durable = false;
};

}  // namespace kiosk::net
