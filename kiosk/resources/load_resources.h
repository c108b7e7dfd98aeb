#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "kiosk/core/catalog.h"
#include "kiosk/core/lexicon.h"
#include "kiosk/core/resources.h"

namespace kiosk::resources {

enum class ResourceErrorKind {
    directory_missing,       // the locales directory does not exist
    no_locales,              // it holds no locale folder
    catalog_missing,         // a locale folder has no messages.toml
    default_locale_missing,  // the kiosk's home language has no catalog
    file_unreadable,         // a file exists but cannot be read
    syntax,                  // not valid TOML (or not valid UTF-8)
    not_text,                // a message or lexicon value that is not a string
    empty,                   // a catalog without a single message
};

std::string_view to_string(ResourceErrorKind kind);

struct ResourceError {
    ResourceErrorKind kind;
    std::string path;    // the file or directory at fault
    std::string detail;  // what exactly: the key, the line and column, ...
};

// "catalog syntax error: /…/zh-CN/messages.toml: line 3, column 7: …"
std::string to_string(const ResourceError& error);

// A catalog from the text of a messages.toml. Tables nest into dotted keys: `[welcome]` then
// `title = "…"` is the message "welcome.title". Every value must be a string.
std::expected<core::Catalog, ResourceError> parse_catalog(std::string_view toml_text,
                                                          std::string locale,
                                                          std::string_view source_path);

// A lexicon from the text of a lexicon.toml: a flat table of word = "replacement".
std::expected<core::Lexicon, ResourceError> parse_lexicon(std::string_view toml_text,
                                                          std::string_view source_path);

// Every folder under `locales_directory` is a locale ("zh-CN", "en", ...) with a messages.toml
// and optionally a lexicon.toml. The default locale must be among them. Policy numbers are
// the defaults from kiosk/core/policy.h.
std::expected<core::Resources, ResourceError> load_resources(
    const std::filesystem::path& locales_directory);

}  // namespace kiosk::resources
