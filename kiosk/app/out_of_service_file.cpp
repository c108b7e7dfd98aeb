#include "kiosk/app/out_of_service_file.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

namespace kiosk::app {

std::string_view to_string(OutOfServiceFileError error) {
    switch (error) {
        case OutOfServiceFileError::unreadable:
            return "the out-of-service file cannot be read";
        case OutOfServiceFileError::malformed:
            return "the out-of-service file is not as the kiosk writes it";
        case OutOfServiceFileError::unwritable:
            return "the out-of-service file cannot be written";
    }
    return "unknown";
}

std::expected<std::optional<core::OutOfServiceReason>, base::Error<OutOfServiceFileError>>
read_out_of_service(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error)) {
        if (error) {
            return std::unexpected(base::error(OutOfServiceFileError::unreadable, file.string()));
        }
        return std::nullopt;
    }
    std::ifstream stream(file);
    std::ostringstream text;
    text << stream.rdbuf();
    if (!stream) {
        return std::unexpected(base::error(OutOfServiceFileError::unreadable, file.string()));
    }
    toml::table table;
    try {
        table = toml::parse(text.str(), file.string());
    } catch (const toml::parse_error& parse_error) {
        return std::unexpected(
            base::error(OutOfServiceFileError::malformed,
                        file.string() + ": " + std::string(parse_error.description())));
    }
    const std::optional<std::string> reason = table["reason"].value<std::string>();
    if (!reason || table.size() != 1) {
        return std::unexpected(
            base::error(OutOfServiceFileError::malformed, file.string() + ": reason = \"...\""));
    }
    const std::optional<core::OutOfServiceReason> named =
        core::out_of_service_reason_named(*reason);
    if (!named) {
        return std::unexpected(base::error(OutOfServiceFileError::malformed,
                                           file.string() + ": no reason named " + *reason));
    }
    return named;
}

std::expected<void, base::Error<OutOfServiceFileError>> write_out_of_service(
    const std::filesystem::path& file, const std::optional<core::OutOfServiceReason>& reason) {
    std::error_code error;
    if (!reason) {
        std::filesystem::remove(file, error);
        if (error) {
            return std::unexpected(base::error(OutOfServiceFileError::unwritable, file.string()));
        }
        return {};
    }
    std::filesystem::path next = file;
    next += ".new";
    {
        std::ofstream stream(next, std::ios::trunc);
        stream << "# Written by the kiosk when an engineer takes it out of service; removed when\n"
                  "# they put it back. Customers are told the reason.\n"
               << "reason = \"" << core::to_string(*reason) << "\"\n";
        stream.flush();
        if (!stream) {
            return std::unexpected(base::error(OutOfServiceFileError::unwritable, next.string()));
        }
    }
    std::filesystem::rename(next, file, error);
    if (error) {
        return std::unexpected(base::error(OutOfServiceFileError::unwritable, file.string()));
    }
    return {};
}

}  // namespace kiosk::app
