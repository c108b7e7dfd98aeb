#pragma once

// What the account store's two files share (account_store.cpp: cards, PINs, preferences and
// the audit; account_money.cpp: sessions and money): a prepared statement that finalises
// itself, digests and random tokens. Not for use outside simulator/bank.

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace simulator::bank {

class Statement {
  public:
    Statement(sqlite3* database, const char* sql) {
        if (sqlite3_prepare_v2(database, sql, -1, &m_statement, nullptr) != SQLITE_OK) {
            m_statement = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(m_statement); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return m_statement != nullptr; }
    bool bind(int index, std::string_view text) {
        return sqlite3_bind_text(m_statement, index, text.data(), static_cast<int>(text.size()),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    bool bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    bool bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    bool bind(int index, std::int64_t value) {
        return sqlite3_bind_int64(m_statement, index, value) == SQLITE_OK;
    }
    template <std::size_t Size>
    bool bind(int index, const std::array<std::uint8_t, Size>& blob) {
        return sqlite3_bind_blob(m_statement, index, blob.data(), static_cast<int>(Size),
                                 SQLITE_TRANSIENT) == SQLITE_OK;
    }
    // Binds every value in order from parameter 1; false if the statement did not prepare or
    // a value did not bind.
    template <typename... Values>
    bool bind_all(const Values&... values) {
        int index = 0;
        return valid() && (bind(++index, values) && ...);
    }
    int step() { return sqlite3_step(m_statement); }
    // Binds and runs a statement that returns no rows.
    template <typename... Values>
    bool run(const Values&... values) {
        return bind_all(values...) && step() == SQLITE_DONE;
    }
    std::int64_t integer(int column) { return sqlite3_column_int64(m_statement, column); }
    std::string text(int column) {
        const unsigned char* value = sqlite3_column_text(m_statement, column);
        const int size = sqlite3_column_bytes(m_statement, column);
        return value == nullptr ? std::string{}
                                : std::string(reinterpret_cast<const char*>(value),
                                              static_cast<std::size_t>(size));
    }
    template <std::size_t Size>
    bool blob(int column, std::array<std::uint8_t, Size>& out) {
        const void* value = sqlite3_column_blob(m_statement, column);
        if (value == nullptr ||
            sqlite3_column_bytes(m_statement, column) != static_cast<int>(Size)) {
            return false;
        }
        const auto* bytes = static_cast<const std::uint8_t*>(value);
        std::copy(bytes, bytes + Size, out.begin());
        return true;
    }

  private:
    sqlite3_stmt* m_statement = nullptr;
};

// SHA-256 of `domain` followed by `value`, as 64 lowercase hex digits. The domain keeps the
// digest of one kind of secret from ever equalling the digest of another.
std::string sha256_hex(std::string_view domain, std::string_view value);

// The digest by which a card is found: no PAN is stored in clear.
std::string pan_digest(std::string_view pan);

// `count` bytes from OpenSSL's generator as lowercase hex; nothing when the generator fails.
std::optional<std::string> random_hex(std::size_t count);

}  // namespace simulator::bank
