#pragma once

// Where the kiosk keeps that an engineer left it out of service, and why, so that a restart (a
// power cut, an update) does not open it to customers again behind the engineer's back
// ([service] out_of_service_file; kiosk/core/README.md, "The service menu").

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "base/error.h"
#include "kiosk/core/service_menu.h"

namespace kiosk::app {

enum class OutOfServiceFileError { unreadable, malformed, unwritable };

std::string_view to_string(OutOfServiceFileError error);

// Nothing when the kiosk is in service (no file). A file that cannot be read or understood is an
// error: the caller keeps the kiosk out of service rather than guess (docs/style.md, "Errors").
std::expected<std::optional<core::OutOfServiceReason>, base::Error<OutOfServiceFileError>>
read_out_of_service(const std::filesystem::path& file);

// Writes the reason (kiosk/access/private_file.h: private, replaced whole, fsynced), or removes the
// file when the kiosk is back in service.
std::expected<void, base::Error<OutOfServiceFileError>> write_out_of_service(
    const std::filesystem::path& file, const std::optional<core::OutOfServiceReason>& reason);

}  // namespace kiosk::app
