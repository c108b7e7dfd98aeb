#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::core {

// A value for a `{name}` placeholder in a message.
struct Placeholder {
    std::string_view name;
    std::string value;
};

// The text shown and spoken when a message key is missing: visible to testers, never a crash.
std::string missing_marker(std::string_view key);

// Replaces each `{name}` whose name has a value; unknown placeholders are left as they are, so a
// mistake shows instead of silently vanishing.
std::string fill_placeholders(std::string_view pattern, std::span<const Placeholder> values);

// One locale's messages: key -> text with `{name}` placeholders. Catalogs are loaded by
// kiosk::resources and handed in; the core never reads a file.
class Catalog {
  public:
    using Messages = std::map<std::string, std::string, std::less<>>;

    Catalog() = default;
    Catalog(std::string locale, Messages messages)
        : m_locale(std::move(locale)), m_messages(std::move(messages)) {}

    const std::string& locale() const { return m_locale; }
    bool contains(std::string_view key) const { return m_messages.contains(key); }
    std::size_t size() const { return m_messages.size(); }
    const Messages& messages() const { return m_messages; }

    // The message, or missing_marker(key).
    std::string text(std::string_view key) const;
    std::string format(std::string_view key, std::initializer_list<Placeholder> values) const;

  private:
    std::string m_locale;
    Messages m_messages;
};

}  // namespace kiosk::core
