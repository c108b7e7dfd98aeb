#pragma once

// The files of kiosk/access (the engineers' accounts, the sign-in state) are private to the
// kiosk's user and replaced whole: read only when neither group nor others may read or write
// them, as kiosk/app/config.cpp refuses a shared client key, and written as a new file renamed
// over the old one, so that a crash leaves either the old file or the new one, never a mix.

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string_view>

#include "base/error.h"
#include "base/wipe.h"
#include "kiosk/access/access_error.h"

namespace kiosk::access {

// The largest file read: an accounts file of a thousand engineers is about 250 kB, and a file
// far beyond that is not one the kiosk wrote.
inline constexpr std::uintmax_t k_max_private_file_size = 1024 * 1024;

// The whole file, if it is a regular file of at most k_max_private_file_size bytes, owned by the
// kiosk's user, that group and others may neither read nor write. Missing: file_unreadable.
std::expected<base::SecretText, base::Error<AccessError>> read_private_file(
    const std::filesystem::path& file);

// Whether `keep_previous` keeps the replaced file as NAME.previous.
enum class KeepPrevious { no, yes };

// Writes `text` to NAME.new in the same folder (created with mode 0600, never through a link),
// fsyncs it, keeps the current file as NAME.previous when asked (a hard link, so that NAME never
// disappears), renames NAME.new over NAME (rename(2) replaces a file atomically within one file
// system) and fsyncs the folder, so that a power cut leaves the old file or the new one, whole.
std::expected<void, base::Error<AccessError>> write_private_file(const std::filesystem::path& file,
                                                                 std::string_view text,
                                                                 KeepPrevious keep_previous);

// NAME.previous and NAME.new for `file`.
std::filesystem::path previous_file_of(const std::filesystem::path& file);
std::filesystem::path new_file_of(const std::filesystem::path& file);

}  // namespace kiosk::access
