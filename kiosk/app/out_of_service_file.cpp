#include "kiosk/app/out_of_service_file.h"

#include <string>
#include <system_error>

#include <toml++/toml.h>

#include "kiosk/access/private_file.h"

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
    // The kiosk's own file, written as kiosk/access writes its files: private and durable.
    const auto text = access::read_private_file(file);
    if (!text) {
        return std::unexpected(
            base::error(OutOfServiceFileError::unreadable, to_string(text.error())));
    }
    toml::table table;
    try {
        table = toml::parse(text->view(), file.string());
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
    if (!reason) {
        std::error_code error;
        std::filesystem::remove(file, error);
        if (error) {
            return std::unexpected(base::error(OutOfServiceFileError::unwritable, file.string()));
        }
        return {};
    }
    const std::string text =
        "# Written by the kiosk when an engineer takes it out of service; removed when they put\n"
        "# it back. Customers are told the reason.\n"
        "reason = \"" +
        std::string(core::to_string(*reason)) + "\"\n";
    if (const auto written = access::write_private_file(file, text, access::KeepPrevious::no);
        !written) {
        return std::unexpected(
            base::error(OutOfServiceFileError::unwritable, to_string(written.error())));
    }
    return {};
}

}  // namespace kiosk::app
