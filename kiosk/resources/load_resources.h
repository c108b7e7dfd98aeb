#pragma once

// The kiosk's words from the locale folders: the catalogs of messages and the speech lexicons.

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/error.h"
#include "kiosk/core/catalog.h"
#include "kiosk/core/lexicon.h"
#include "kiosk/core/resources.h"

namespace kiosk::resources {

// What can be wrong with the locale folders. Errors carry it as base::Error<ResourceError>,
// whose context names the file or folder at fault and what exactly is wrong there (the key,
// the line and column): "syntax error: /…/zh-CN/messages.toml: line 3, column 7: …".
enum class ResourceError {
    directory_missing,       // the locales directory does not exist
    no_locales,              // it holds no locale folder
    catalog_missing,         // a locale folder has no messages.toml
    default_locale_missing,  // the kiosk's home language has no catalog
    file_unreadable,         // a file exists but cannot be read
    syntax,                  // not valid TOML (or not valid UTF-8)
    not_text,                // a message or lexicon value that is not a string
    empty,                   // a catalog without a single message
};

std::string_view to_string(ResourceError error);

// A catalog from the text of a messages.toml. Tables nest into dotted keys: `[welcome]` then
// `title = "…"` is the message "welcome.title". Every value must be a string.
std::expected<core::Catalog, base::Error<ResourceError>> parse_catalog(
    std::string_view toml_text, std::string locale, std::string_view source_path);

// A lexicon from the text of a lexicon.toml: a flat table of word = "replacement".
std::expected<core::Lexicon, base::Error<ResourceError>> parse_lexicon(
    std::string_view toml_text, std::string_view source_path);

// Every folder under `locales_directory` is a locale ("zh-CN", "en", ...) with a messages.toml
// and optionally a lexicon.toml. The default locale must be among them. Policy numbers are
// the defaults from kiosk/core/policy.h.
std::expected<core::Resources, base::Error<ResourceError>> load_resources(
    const std::filesystem::path& locales_directory);

}  // namespace kiosk::resources
