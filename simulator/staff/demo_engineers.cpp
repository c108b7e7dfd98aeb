#include "simulator/staff/demo_engineers.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "base/text.h"

namespace simulator::staff {

namespace {

constexpr std::string_view k_engineer_table = "engineer";
constexpr std::array<std::string_view, 7> k_engineer_keys = {
    "id", "role", "password", "password_hash", "otp_secret", "otp_algorithm", "otp_digits"};
// kiosk/access/README.md, "The accounts file": the roles of the service menu.
constexpr std::array<std::string_view, 3> k_roles = {"engineer", "key_custodian", "administrator"};
// RFC 6238 §1.2: the HMAC's hash, as kiosk/access's accounts file names it.
struct AlgorithmName {
    std::string_view in_file;
    drivers::otp::OtpAlgorithm algorithm;
};
constexpr std::array<AlgorithmName, 3> k_algorithm_names = {{
    {"sha1", drivers::otp::OtpAlgorithm::sha1},
    {"sha256", drivers::otp::OtpAlgorithm::sha256},
    {"sha512", drivers::otp::OtpAlgorithm::sha512},
}};
// RFC 4226 §5.3 allows 6 to 8; kiosk/access takes 6 (what authenticator apps show) or 8.
constexpr std::array<std::int64_t, 2> k_code_digits = {6, 8};
// kiosk/access/README.md, "Passwords": pbkdf2-sha256$ITERATIONS$SALT$HASH, SALT and HASH in
// padded Base64 (RFC 4648 §4) of 16 and 32 bytes.
constexpr std::string_view k_hash_scheme = "pbkdf2-sha256";
constexpr std::size_t k_salt_text_length = 24;
constexpr std::size_t k_hash_text_length = 44;
constexpr std::size_t k_longest_iteration_count = 8;  // 20,000,000 at most

// "SOURCE:LINE: what": where a fault is, never the value found there.
base::Error<StaffError> fault_at(StaffError code, std::string_view source,
                                 const toml::source_region& region, std::string_view what) {
    return base::error(code, std::string(source) + ":" + std::to_string(region.begin.line) + ": " +
                                 std::string(what));
}

bool is_base64_text(std::string_view text, std::size_t length) {
    if (text.size() != length) {
        return false;
    }
    const auto padding = text.find('=');
    const std::string_view body = text.substr(0, padding);
    if (padding != std::string_view::npos &&
        text.find_first_not_of('=', padding) != std::string_view::npos) {
        return false;
    }
    return std::ranges::all_of(body, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
}

// The form of kiosk/access's hash text; kiosk/access itself checks the rest (the Base64's
// stray bits, the count's range) when the kiosk loads the accounts file.
bool is_password_hash_text(std::string_view text) {
    std::array<std::string_view, 4> parts;
    std::size_t start = 0;
    for (std::size_t index = 0; index < parts.size(); ++index) {
        const std::size_t end =
            index + 1 < parts.size() ? text.find('$', start) : std::string_view::npos;
        if (index + 1 < parts.size() && end == std::string_view::npos) {
            return false;
        }
        parts[index] = text.substr(start, end == std::string_view::npos ? end : end - start);
        start = end + 1;
    }
    const std::string_view iterations = parts[1];
    return parts[0] == k_hash_scheme && !iterations.empty() &&
           iterations.size() <= k_longest_iteration_count && base::is_digits(iterations) &&
           iterations.front() != '0' && is_base64_text(parts[2], k_salt_text_length) &&
           is_base64_text(parts[3], k_hash_text_length);
}

std::expected<DemoEngineer, base::Error<StaffError>> engineer_from(const toml::table& table,
                                                                   std::string_view source) {
    for (auto&& [key, node] : table) {
        if (std::ranges::find(k_engineer_keys, key.str()) == k_engineer_keys.end()) {
            return std::unexpected(
                fault_at(StaffError::unknown_key, source, key.source(),
                         "unknown key '" + std::string(key.str()) + "' in an [[engineer]] table"));
        }
    }
    for (const std::string_view key : k_engineer_keys) {
        const toml::node* node = table.get(key);
        const bool integer = key == "otp_digits";
        if (node == nullptr || (integer ? !node->is_integer() : !node->is_string())) {
            return std::unexpected(
                fault_at(StaffError::missing_field, source,
                         node != nullptr ? node->source() : table.source(),
                         std::string(key) + (integer ? " (an integer)" : " (a string)") +
                             " is missing or of another type in an [[engineer]] table"));
        }
    }
    const auto text_of = [&table](std::string_view key) -> const std::string& {
        return table.get(key)->as_string()->get();
    };
    const auto place_of = [&table](std::string_view key) { return table.get(key)->source(); };

    DemoEngineer engineer;
    engineer.id = text_of("id");
    if (engineer.id.size() < k_shortest_id || engineer.id.size() > k_longest_id ||
        !base::is_digits(engineer.id)) {
        return std::unexpected(
            fault_at(StaffError::bad_id, source, place_of("id"), "the id (4 to 8 digits)"));
    }
    const std::string who = " of engineer " + engineer.id;
    engineer.role = text_of("role");
    if (std::ranges::find(k_roles, engineer.role) == k_roles.end()) {
        return std::unexpected(
            fault_at(StaffError::bad_role, source, place_of("role"),
                     "the role" + who + " (engineer, key_custodian or administrator)"));
    }
    const std::string& password = text_of("password");
    if (password.size() < k_shortest_password || password.size() > k_longest_password ||
        !base::is_digits(password)) {
        return std::unexpected(fault_at(StaffError::bad_password, source, place_of("password"),
                                        "the password" + who + " (8 to 16 digits)"));
    }
    engineer.password = base::SecretText(password);
    engineer.password_hash = text_of("password_hash");
    if (!is_password_hash_text(engineer.password_hash)) {
        return std::unexpected(
            fault_at(StaffError::bad_password_hash, source, place_of("password_hash"),
                     "the password_hash" + who + " (pbkdf2-sha256$ITERATIONS$SALT$HASH)"));
    }
    auto secret = drivers::otp::from_base32(text_of("otp_secret"));
    if (!secret || secret->size() < k_shortest_secret || secret->size() > k_longest_secret) {
        return std::unexpected(fault_at(StaffError::bad_otp_secret, source, place_of("otp_secret"),
                                        "the otp_secret" + who + " (Base32 of 16 to 128 bytes)"));
    }
    // Canonical Base32, as kiosk/access writes it.
    engineer.otp_secret = drivers::otp::to_base32(*secret);
    const std::string& algorithm = text_of("otp_algorithm");
    const auto named = std::ranges::find(k_algorithm_names, algorithm, &AlgorithmName::in_file);
    if (named == k_algorithm_names.end()) {
        return std::unexpected(fault_at(StaffError::bad_otp_algorithm, source,
                                        place_of("otp_algorithm"),
                                        "the otp_algorithm" + who + " (sha1, sha256 or sha512)"));
    }
    engineer.otp_algorithm = named->algorithm;
    const std::int64_t digits = table.get("otp_digits")->as_integer()->get();
    if (std::ranges::find(k_code_digits, digits) == k_code_digits.end()) {
        return std::unexpected(fault_at(StaffError::bad_otp_digits, source, place_of("otp_digits"),
                                        "the otp_digits" + who + " (6 or 8)"));
    }
    engineer.otp_digits = static_cast<int>(digits);
    return engineer;
}

std::string_view algorithm_name(drivers::otp::OtpAlgorithm algorithm) {
    const auto named = std::ranges::find(k_algorithm_names, algorithm, &AlgorithmName::algorithm);
    return named != k_algorithm_names.end() ? named->in_file : k_algorithm_names.front().in_file;
}

base::Error<StaffError> unknown_engineer(std::string_view id) {
    return base::error(StaffError::unknown_engineer, "'" + std::string(id) + "'");
}

}  // namespace

std::string_view to_string(StaffError error) {
    switch (error) {
        case StaffError::file_unreadable:
            return "the demo engineers' file cannot be read";
        case StaffError::bad_toml:
            return "the demo engineers' file is not TOML";
        case StaffError::unknown_key:
            return "a key no demo engineer has";
        case StaffError::missing_field:
            return "a demo engineer's key is missing or of another type";
        case StaffError::bad_id:
            return "an engineer's id is 4 to 8 digits";
        case StaffError::duplicate_id:
            return "two demo engineers have one id";
        case StaffError::bad_role:
            return "not a role of the service menu";
        case StaffError::bad_password:
            return "an engineer's password is 8 to 16 digits";
        case StaffError::bad_password_hash:
            return "not a password hash text of kiosk/access";
        case StaffError::bad_otp_secret:
            return "a one-time password secret is Base32 of 16 to 128 bytes";
        case StaffError::bad_otp_algorithm:
            return "not a one-time password algorithm (sha1, sha256, sha512)";
        case StaffError::bad_otp_digits:
            return "a one-time code has 6 or 8 digits";
        case StaffError::no_engineers:
            return "the demo engineers' file names no engineer";
        case StaffError::unknown_engineer:
            return "no demo engineer has this id";
        case StaffError::write_failed:
            return "the kiosk's accounts file cannot be written";
        case StaffError::code_failed:
            return "the one-time code cannot be made";
    }
    return "unknown staff error";
}

std::expected<DemoEngineers, base::Error<StaffError>> DemoEngineers::load(
    const std::filesystem::path& file) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (error) {
        return std::unexpected(
            base::error(StaffError::file_unreadable, file.string() + ": " + error.message()));
    }
    if (size > k_largest_file) {
        return std::unexpected(
            base::error(StaffError::file_unreadable, file.string() + ": larger than 1 MiB"));
    }
    std::ifstream stream(file, std::ios::binary);
    std::ostringstream text;
    text << stream.rdbuf();
    if (!stream) {
        return std::unexpected(base::error(StaffError::file_unreadable, file.string()));
    }
    return parse(text.str(), file.filename().string());
}

std::expected<DemoEngineers, base::Error<StaffError>> DemoEngineers::parse(
    std::string_view text, std::string_view source) {
    toml::table document;
    try {
        document = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        // toml++'s description may quote the text where it stopped, a password perhaps.
        return std::unexpected(base::error(
            StaffError::bad_toml, std::string(source) + ":" +
                                      std::to_string(error.source().begin.line) + ": column " +
                                      std::to_string(error.source().begin.column)));
    }
    for (auto&& [key, node] : document) {
        if (key.str() != k_engineer_table) {
            return std::unexpected(fault_at(StaffError::unknown_key, source, key.source(),
                                            "unknown key '" + std::string(key.str()) +
                                                "': the file holds [[engineer]] tables"));
        }
    }
    const toml::node* engineers = document.get(k_engineer_table);
    if (engineers == nullptr) {
        return std::unexpected(base::error(StaffError::no_engineers, std::string(source)));
    }
    const toml::array* tables = engineers->as_array();
    if (tables != nullptr && tables->empty()) {
        return std::unexpected(base::error(StaffError::no_engineers, std::string(source)));
    }
    if (tables == nullptr || !tables->is_array_of_tables()) {
        return std::unexpected(fault_at(StaffError::missing_field, source, engineers->source(),
                                        "engineer must be [[engineer]] tables"));
    }
    DemoEngineers result;
    std::set<std::string, std::less<>> ids;
    for (const toml::node& element : *tables) {
        const toml::table& table = *element.as_table();
        auto engineer = engineer_from(table, source);
        if (!engineer) {
            return std::unexpected(engineer.error());
        }
        if (!ids.insert(engineer->id).second) {
            return std::unexpected(fault_at(StaffError::duplicate_id, source,
                                            table.get("id")->source(),
                                            "engineer " + engineer->id + " again"));
        }
        result.m_engineers.push_back(std::move(*engineer));
    }
    if (result.m_engineers.empty()) {
        return std::unexpected(base::error(StaffError::no_engineers, std::string(source)));
    }
    return result;
}

const DemoEngineer* DemoEngineers::find(std::string_view id) const {
    const auto found = std::ranges::find(m_engineers, id, &DemoEngineer::id);
    return found != m_engineers.end() ? &*found : nullptr;
}

namespace {

// The value of `name` in a URI's query (`?a=1&b=2`), or nothing.
std::optional<std::string_view> query_value(std::string_view uri, std::string_view name) {
    const auto query = uri.find('?');
    if (query == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = uri.substr(query + 1);
    while (!rest.empty()) {
        const auto end = rest.find('&');
        const std::string_view pair = rest.substr(0, end);
        if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
            return pair.substr(name.size() + 1);
        }
        if (end == std::string_view::npos) {
            break;
        }
        rest = rest.substr(end + 1);
    }
    return std::nullopt;
}

}  // namespace

bool DemoEngineers::add_scanned(std::string_view uri, std::string_view engineer_id) {
    const std::string label = "otpauth://totp/Kiosk:" + std::string(engineer_id) + "?";
    if (!uri.starts_with(label) || find(engineer_id) != nullptr) {
        return false;
    }
    const auto secret = query_value(uri, "secret");
    if (!secret || !drivers::otp::from_base32(*secret)) {
        return false;
    }
    DemoEngineer engineer;
    engineer.id = std::string(engineer_id);
    engineer.otp_secret = std::string(*secret);
    const auto digits = query_value(uri, "digits");
    engineer.otp_digits = digits == "8" ? 8 : 6;
    const auto algorithm = query_value(uri, "algorithm");
    engineer.otp_algorithm = algorithm == "SHA256"   ? drivers::otp::OtpAlgorithm::sha256
                             : algorithm == "SHA512" ? drivers::otp::OtpAlgorithm::sha512
                                                     : drivers::otp::OtpAlgorithm::sha1;
    m_engineers.push_back(std::move(engineer));
    return true;
}

std::string DemoEngineers::accounts_text() const {
    std::string text =
        "# The field engineers' accounts of the kiosk's service menu (kiosk/access/README.md),\n"
        "# written by kiosk-sim from its demo engineers (simulator/staff/demo-engineers.toml).\n";
    for (const DemoEngineer& engineer : m_engineers) {
        // Digits, a role's name, a hash text in Base64 and Base32: nothing a TOML basic string
        // must escape (each was checked on loading).
        text += "\n[[engineer]]\nid = \"" + engineer.id + "\"\nrole = \"" + engineer.role +
                "\"\npassword = \"" + engineer.password_hash + "\"\notp_secret = \"" +
                engineer.otp_secret + "\"\notp_algorithm = \"" +
                std::string(algorithm_name(engineer.otp_algorithm)) +
                "\"\notp_digits = " + std::to_string(engineer.otp_digits) + "\n";
    }
    return text;
}

std::expected<void, base::Error<StaffError>> DemoEngineers::write_accounts_file(
    const std::filesystem::path& file) const {
    const auto failed = [&file](std::string_view why) {
        return std::unexpected(
            base::error(StaffError::write_failed, file.string() + ": " + std::string(why)));
    };
    std::filesystem::path fresh = file;
    fresh += ".new";
    std::error_code error;
    std::filesystem::remove(fresh, error);
    {
        // Made empty, then private, and only then written: the hashes and secrets are never
        // in a file others may read, not even for a moment.
        std::ofstream create(fresh, std::ios::binary | std::ios::trunc);
        if (!create) {
            return failed("cannot create it");
        }
    }
    std::filesystem::permissions(
        fresh, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace, error);
    if (error) {
        std::filesystem::remove(fresh, error);
        return failed("cannot make it private");
    }
    {
        std::ofstream out(fresh, std::ios::binary | std::ios::trunc);
        out << accounts_text();
        if (!out.flush()) {
            std::filesystem::remove(fresh, error);
            return failed("cannot write it");
        }
    }
    std::filesystem::rename(fresh, file, error);
    if (error) {
        std::filesystem::remove(fresh, error);
        return failed(error.message());
    }
    return {};
}

std::expected<base::SecretText, base::Error<StaffError>> DemoEngineers::one_time_code(
    std::string_view engineer_id, std::int64_t unix_time) const {
    const DemoEngineer* engineer = find(engineer_id);
    if (engineer == nullptr) {
        return std::unexpected(unknown_engineer(engineer_id));
    }
    auto secret = drivers::otp::from_base32(engineer->otp_secret);
    if (!secret) {
        return std::unexpected(base::error(StaffError::code_failed,
                                           std::string(drivers::otp::to_string(secret.error()))));
    }
    // RFC 6238 §4.1: 30-second steps from the Unix epoch, as authenticator apps count them.
    auto code =
        drivers::otp::totp(*secret, unix_time,
                           drivers::otp::TotpParameters{.digits = engineer->otp_digits,
                                                        .algorithm = engineer->otp_algorithm});
    if (!code) {
        return std::unexpected(base::error(StaffError::code_failed,
                                           std::string(drivers::otp::to_string(code.error()))));
    }
    base::SecretText result(*code);
    base::wipe(*code);
    return result;
}

std::expected<base::SecretText, base::Error<StaffError>> DemoEngineers::password(
    std::string_view engineer_id) const {
    const DemoEngineer* engineer = find(engineer_id);
    if (engineer == nullptr) {
        return std::unexpected(unknown_engineer(engineer_id));
    }
    return engineer->password;
}

}  // namespace simulator::staff
