#pragma once

// Files the whole project handles the same way. Standard library only.

#include <filesystem>
#include <system_error>

namespace base {

// Removes an SQLite database and the files SQLite keeps beside it (its write-ahead log, shared
// memory index and rollback journal), so that a run that starts afresh finds none of an earlier
// run's records. What is not there is no error.
inline void remove_database(const std::filesystem::path& database) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(database.string() + suffix, ignored);
    }
}

}  // namespace base
