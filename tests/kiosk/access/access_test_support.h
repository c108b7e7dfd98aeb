#pragma once

// What the tests of kiosk/access share: a temporary folder, private files written as a person
// with an editor would, and accounts made at the lowest iteration count so that cases run fast.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/bytes.h"
#include "kiosk/access/accounts.h"
#include "kiosk/access/password_hash.h"

namespace kiosk::access::testing {

class TemporaryFolder {
  public:
    TemporaryFolder() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "kiosk-access-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// Writes `text` to `file`, readable and writable by its owner only.
inline void write_private(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
}

inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// RFC 6238 Appendix B's SHA-1 secret, "12345678901234567890".
inline base::Bytes rfc6238_secret() {
    const std::string text = "12345678901234567890";
    return base::Bytes(text.begin(), text.end());
}

inline NewAccountRequest quick_request(std::string id, std::string password,
                                       core::EngineerRole role = core::EngineerRole::engineer) {
    NewAccountRequest request;
    request.id = std::move(id);
    request.role = role;
    request.password = password;
    request.iterations = k_minimum_iterations;
    request.otp_secret = rfc6238_secret();
    return request;
}

// The fields of one [[engineer]] table as TOML value texts: valid by default (RFC 6238's
// secret in Base32), so that a test changes the one it is about.
struct EngineerTable {
    std::string id = "\"1234\"";
    std::string role = "\"engineer\"";
    std::string password;  // a hash text in quotes
    std::string otp_secret = "\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"";
    std::string otp_algorithm = "\"sha1\"";
    std::string otp_digits = "6";

    // Seven lines: the header, then the fields in the order above.
    std::string text() const {
        return "[[engineer]]\nid = " + id + "\nrole = " + role + "\npassword = " + password +
               "\notp_secret = " + otp_secret + "\notp_algorithm = " + otp_algorithm +
               "\notp_digits = " + otp_digits + "\n";
    }
};

}  // namespace kiosk::access::testing
