#include "kiosk/access/private_file.h"

#include <array>
#include <fstream>
#include <span>
#include <string>
#include <system_error>

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
        std::error_code ignored;
        std::filesystem::remove(new_file, ignored);
        return std::unexpected(
            base::error(AccessError::write_failed, std::string(what) + " " + file.string()));
    };
    {
        std::error_code ignored;
        std::filesystem::remove(new_file, ignored);
        std::ofstream stream(new_file, std::ios::binary | std::ios::trunc);
        if (!stream) {
            return failed("cannot create the new copy of");
        }
        std::error_code permissions_error;
        std::filesystem::permissions(
            new_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
            std::filesystem::perm_options::replace, permissions_error);
        if (permissions_error) {
            return failed("cannot make private the new copy of");
        }
        stream.write(text.data(), static_cast<std::streamsize>(text.size()));
        stream.flush();
        if (!stream) {
            return failed("cannot write the new copy of");
        }
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
    std::error_code rename_error;
    std::filesystem::rename(new_file, file, rename_error);
    if (rename_error) {
        return failed("cannot rename the new copy over");
    }
    return {};
}

}  // namespace kiosk::access
