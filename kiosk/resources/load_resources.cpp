#include "kiosk/resources/load_resources.h"

#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace kiosk::resources {

std::string_view to_string(ResourceError error) {
    switch (error) {
        case ResourceError::directory_missing:
            return "locales directory missing";
        case ResourceError::no_locales:
            return "no locale in the locales directory";
        case ResourceError::catalog_missing:
            return "catalog missing";
        case ResourceError::default_locale_missing:
            return "default locale missing";
        case ResourceError::file_unreadable:
            return "file unreadable";
        case ResourceError::syntax:
            return "syntax error";
        case ResourceError::not_text:
            return "value is not text";
        case ResourceError::empty:
            return "catalog empty";
    }
    return "unknown resource error";
}

namespace {

// The context is the file or folder at fault, then what exactly is wrong there.
std::unexpected<base::Error<ResourceError>> failure(ResourceError code, std::string_view path,
                                                    std::string_view detail = {}) {
    std::string context(path);
    if (!detail.empty()) {
        context += ": ";
        context += detail;
    }
    return std::unexpected(base::error(code, std::move(context)));
}

std::expected<toml::table, base::Error<ResourceError>> parse_toml(std::string_view text,
                                                                  std::string_view source_path) {
    try {
        return toml::parse(text, source_path);
    } catch (const toml::parse_error& error) {
        std::ostringstream detail;
        detail << "line " << error.source().begin.line << ", column " << error.source().begin.column
               << ": " << error.description();
        return failure(ResourceError::syntax, source_path, detail.str());
    }
}

// Flattens nested tables into dotted keys; anything but a string or a table is an error.
std::expected<void, base::Error<ResourceError>> flatten(const toml::table& table,
                                                        const std::string& prefix,
                                                        std::string_view source_path,
                                                        core::Catalog::Messages& messages) {
    for (const auto& [key, node] : table) {
        std::string name =
            prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        if (const toml::table* nested = node.as_table()) {
            if (auto result = flatten(*nested, name, source_path, messages); !result) {
                return result;
            }
        } else if (const toml::value<std::string>* text = node.as_string()) {
            messages.emplace(std::move(name), text->get());
        } else {
            return failure(ResourceError::not_text, source_path,
                           "\"" + name + "\" is not a string");
        }
    }
    return {};
}

std::expected<std::string, base::Error<ResourceError>> read_file(
    const std::filesystem::path& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) {
        return failure(ResourceError::file_unreadable, path.string(), "cannot open");
    }
    std::ostringstream contents;
    contents << stream.rdbuf();
    if (stream.bad()) {
        return failure(ResourceError::file_unreadable, path.string(), "read failed");
    }
    return contents.str();
}

}  // namespace

std::expected<core::Catalog, base::Error<ResourceError>> parse_catalog(
    std::string_view toml_text, std::string locale, std::string_view source_path) {
    auto table = parse_toml(toml_text, source_path);
    if (!table) {
        return std::unexpected(table.error());
    }
    core::Catalog::Messages messages;
    if (auto flattened = flatten(*table, "", source_path, messages); !flattened) {
        return std::unexpected(flattened.error());
    }
    if (messages.empty()) {
        return failure(ResourceError::empty, source_path, "no messages");
    }
    return core::Catalog(std::move(locale), std::move(messages));
}

std::expected<core::Lexicon, base::Error<ResourceError>> parse_lexicon(
    std::string_view toml_text, std::string_view source_path) {
    auto table = parse_toml(toml_text, source_path);
    if (!table) {
        return std::unexpected(table.error());
    }
    std::vector<core::Lexicon::Entry> entries;
    for (const auto& [word, node] : *table) {
        const toml::value<std::string>* replacement = node.as_string();
        if (replacement == nullptr) {
            return failure(ResourceError::not_text, source_path,
                           "\"" + std::string(word.str()) + "\" is not a string");
        }
        entries.emplace_back(std::string(word.str()), replacement->get());
    }
    return core::Lexicon(std::move(entries));
}

std::expected<core::Resources, base::Error<ResourceError>> load_resources(
    const std::filesystem::path& locales_directory) {
    std::error_code error;
    if (!std::filesystem::is_directory(locales_directory, error)) {
        return failure(ResourceError::directory_missing, locales_directory.string());
    }
    core::Resources resources;
    std::filesystem::directory_iterator folders(locales_directory, error);
    if (error) {
        return failure(ResourceError::file_unreadable, locales_directory.string(), error.message());
    }
    for (const std::filesystem::directory_entry& folder : folders) {
        if (!folder.is_directory(error)) {
            continue;
        }
        const std::string locale = folder.path().filename().string();
        const std::filesystem::path messages_path = folder.path() / "messages.toml";
        if (!std::filesystem::exists(messages_path, error)) {
            return failure(ResourceError::catalog_missing, messages_path.string());
        }
        auto text = read_file(messages_path);
        if (!text) {
            return std::unexpected(text.error());
        }
        auto catalog = parse_catalog(*text, locale, messages_path.string());
        if (!catalog) {
            return std::unexpected(catalog.error());
        }
        resources.catalogs.emplace(locale, std::move(*catalog));

        const std::filesystem::path lexicon_path = folder.path() / "lexicon.toml";
        if (std::filesystem::exists(lexicon_path, error)) {
            auto lexicon_text = read_file(lexicon_path);
            if (!lexicon_text) {
                return std::unexpected(lexicon_text.error());
            }
            auto lexicon = parse_lexicon(*lexicon_text, lexicon_path.string());
            if (!lexicon) {
                return std::unexpected(lexicon.error());
            }
            resources.lexicons.emplace(locale, std::move(*lexicon));
        }
    }
    if (resources.catalogs.empty()) {
        return failure(ResourceError::no_locales, locales_directory.string());
    }
    if (!resources.has_locale(resources.default_locale)) {
        return failure(ResourceError::default_locale_missing, locales_directory.string(),
                       "no catalog for " + resources.default_locale);
    }
    return resources;
}

}  // namespace kiosk::resources
