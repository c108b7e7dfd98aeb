#include "kiosk/access/private_file.h"

#include <array>
#include <cerrno>
#include <fstream>
#include <span>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiosk::access {

namespace {

// Group's and others' read and write bits: either lets another user learn a password hash or an
// engineer's one-time secret, or give themselves an account or lift the sign-in lock.
constexpr auto k_shared_bits =
    std::filesystem::perms::group_read | std::filesystem::perms::group_write |
    std::filesystem::perms::others_read | std::filesystem::perms::others_write;

}  // namespace

std::filesystem::path previous_file_of(const std::filesystem::path& file) {
    return file.string() + ".previous";
}

std::filesystem::path new_file_of(const std::filesystem::path& file) {
    return file.string() + ".new";
}

std::expected<base::SecretText, base::Error<AccessError>> read_private_file(
    const std::filesystem::path& file) {
    std::error_code status_error;
    const auto status = std::filesystem::status(file, status_error);
    if (status_error || !std::filesystem::is_regular_file(status)) {
        return std::unexpected(base::error(AccessError::file_unreadable, file.string()));
    }
    if ((status.permissions() & k_shared_bits) != std::filesystem::perms::none) {
        return std::unexpected(base::error(AccessError::file_not_private,
                                           file.string() + ": make it private with chmod 600"));
    }
    // Another user's file, however private, could be one they swapped in.
    struct ::stat owner {};
    if (::stat(file.c_str(), &owner) != 0 || owner.st_uid != ::geteuid()) {
        return std::unexpected(base::error(AccessError::file_not_private,
                                           file.string() + ": not the kiosk's user's own file"));
    }
    std::error_code size_error;
    const auto size = std::filesystem::file_size(file, size_error);
    if (size_error) {
        return std::unexpected(base::error(AccessError::file_unreadable, file.string()));
    }
    if (size > k_max_private_file_size) {
        return std::unexpected(base::error(AccessError::file_too_large, file.string()));
    }
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return std::unexpected(base::error(AccessError::file_unreadable, file.string()));
    }
    base::SecretText text;
    text.reserve(static_cast<std::size_t>(size) + 1);
    // Read with a bound, in case the file grew after its size was taken.
    std::array<char, 4096> buffer{};
    while (stream) {
        stream.read(buffer.data(), buffer.size());
        const auto count = static_cast<std::size_t>(stream.gcount());
        if (text.size() + count > k_max_private_file_size) {
            base::wipe(std::span(buffer));
            return std::unexpected(base::error(AccessError::file_too_large, file.string()));
        }
        text.append(std::string_view(buffer.data(), count));
    }
    base::wipe(std::span(buffer));
    if (stream.bad()) {
        return std::unexpected(base::error(AccessError::file_unreadable, file.string()));
    }
    return text;
}

std::expected<void, base::Error<AccessError>> write_private_file(const std::filesystem::path& file,
                                                                 std::string_view text,
                                                                 KeepPrevious keep_previous) {
    const auto new_file = new_file_of(file);
    const auto failed = [&](std::string_view what) {
        ::unlink(new_file.c_str());
        return std::unexpected(
            base::error(AccessError::write_failed, std::string(what) + " " + file.string()));
    };
    ::unlink(new_file.c_str());
    // Created private (0600) before a byte is written, never following a link someone left
    // in its place.
    const int descriptor =
        ::open(new_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (descriptor < 0) {
        return failed("cannot create the new copy of");
    }
    std::size_t written = 0;
    while (written < text.size()) {
        const ::ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            ::close(descriptor);
            return failed("cannot write the new copy of");
        }
        written += static_cast<std::size_t>(count);
    }
    // On the disk before it replaces the old file: a power cut after the rename must find the
    // new content, not an empty file.
    const bool synced = ::fsync(descriptor) == 0;
    if (::close(descriptor) != 0 || !synced) {
        return failed("cannot write the new copy of");
    }
    std::error_code exists_error;
    if (keep_previous == KeepPrevious::yes && std::filesystem::exists(file, exists_error)) {
        const auto previous = previous_file_of(file);
        std::error_code link_error;
        std::filesystem::remove(previous, link_error);
        std::filesystem::create_hard_link(file, previous, link_error);
        if (link_error) {
            return failed("cannot keep the previous copy of");
        }
    }
    if (::rename(new_file.c_str(), file.c_str()) != 0) {
        return failed("cannot rename the new copy over");
    }
    // And the rename itself on the disk: the folder's entry.
    const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int folder_descriptor = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder_descriptor >= 0) {
        ::fsync(folder_descriptor);
        ::close(folder_descriptor);
    }
    return {};
}

}  // namespace kiosk::access
