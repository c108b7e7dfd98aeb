#include "kiosk/access/accounts.h"

#include <openssl/rand.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "base/text.h"
#include "kiosk/access/private_file.h"

namespace kiosk::access {

namespace {

using AccountsResult = std::expected<std::vector<EngineerAccount>, base::Error<AccessError>>;

constexpr std::string_view k_engineer_table = "engineer";
constexpr std::array<std::string_view, 6> k_account_keys{
    "id", "role", "password", "otp_secret", "otp_algorithm", "otp_digits"};
constexpr std::array k_roles{core::EngineerRole::engineer, core::EngineerRole::key_custodian,
                             core::EngineerRole::administrator};

// The algorithms' names in the accounts file, and in an otpauth URI (Key Uri Format,
// "Algorithm").
struct OtpAlgorithmName {
    drivers::otp::OtpAlgorithm algorithm;
    std::string_view in_file;
    std::string_view in_uri;
};
constexpr std::array<OtpAlgorithmName, 3> k_otp_algorithm_names{{
    {drivers::otp::OtpAlgorithm::sha1, "sha1", "SHA1"},
    {drivers::otp::OtpAlgorithm::sha256, "sha256", "SHA256"},
    {drivers::otp::OtpAlgorithm::sha512, "sha512", "SHA512"},
}};

const OtpAlgorithmName& name_of(drivers::otp::OtpAlgorithm algorithm) {
    const auto found =
        std::ranges::find(k_otp_algorithm_names, algorithm, &OtpAlgorithmName::algorithm);
    return found != k_otp_algorithm_names.end() ? *found : k_otp_algorithm_names.front();
}

// "SOURCE:LINE: what", the place of a fault in the accounts file; never its value.
base::Error<AccessError> accounts_fault(AccessError code, std::string_view source,
                                        const toml::source_region& region, std::string_view what) {
    return base::error(code, std::string(source) + ":" + std::to_string(region.begin.line) + ": " +
                                 std::string(what));
}

bool is_valid_digit_count(std::int64_t digits) {
    return digits == k_short_code_digits || digits == k_long_code_digits;
}

bool is_valid_otp_secret_length(std::size_t length) {
    return length >= k_min_otp_secret_length && length <= drivers::otp::k_max_secret_length;
}

// Reads one [[engineer]] table.
std::expected<EngineerAccount, base::Error<AccessError>> account_from(const toml::table& table,
                                                                      std::string_view source) {
    for (auto&& [key, node] : table) {
        if (std::ranges::find(k_account_keys, key.str()) == k_account_keys.end()) {
            return std::unexpected(accounts_fault(
                AccessError::unknown_key, source, key.source(),
                "unknown key '" + std::string(key.str()) + "' in an [[engineer]] table"));
        }
    }
    for (const std::string_view key : k_account_keys) {
        const toml::node* node = table.get(key);
        const bool right_type =
            node != nullptr && (key == "otp_digits" ? node->is_integer() : node->is_string());
        if (!right_type) {
            return std::unexpected(accounts_fault(
                AccessError::missing_field, source,
                node != nullptr ? node->source() : table.source(),
                std::string(key) + (key == "otp_digits" ? " (an integer)" : " (a string)") +
                    " is missing or of another type in an [[engineer]] table"));
        }
    }
    const auto string_of = [&table](std::string_view key) -> const std::string& {
        return table.get(key)->as_string()->get();
    };
    const auto region_of = [&table](std::string_view key) { return table.get(key)->source(); };

    EngineerAccount account;
    account.id = string_of("id");
    if (!is_valid_id(account.id)) {
        return std::unexpected(
            accounts_fault(AccessError::bad_id, source, region_of("id"), "the id"));
    }
    const auto role = parse_role(string_of("role"));
    if (!role) {
        return std::unexpected(accounts_fault(AccessError::bad_role, source, region_of("role"),
                                              "the role of engineer " + account.id));
    }
    account.role = *role;
    auto password = parse_password_hash(string_of("password"));
    if (!password) {
        return std::unexpected(accounts_fault(
            AccessError::bad_password_hash, source, region_of("password"),
            "the password of engineer " + account.id + ": " + password.error().context));
    }
    account.password = std::move(*password);
    auto secret = drivers::otp::from_base32(string_of("otp_secret"));
    if (!secret || !is_valid_otp_secret_length(secret->size())) {
        return std::unexpected(accounts_fault(AccessError::bad_otp_secret, source,
                                              region_of("otp_secret"),
                                              "the otp_secret of engineer " + account.id));
    }
    account.otp_secret = std::move(*secret);
    const auto algorithm = parse_otp_algorithm(string_of("otp_algorithm"));
    if (!algorithm) {
        return std::unexpected(accounts_fault(AccessError::bad_otp_algorithm, source,
                                              region_of("otp_algorithm"),
                                              "the otp_algorithm of engineer " + account.id));
    }
    account.otp.algorithm = *algorithm;
    const std::int64_t digits = table.get("otp_digits")->as_integer()->get();
    if (!is_valid_digit_count(digits)) {
        return std::unexpected(accounts_fault(AccessError::bad_otp_digits, source,
                                              region_of("otp_digits"),
                                              "the otp_digits of engineer " + account.id));
    }
    account.otp.digits = static_cast<int>(digits);
    return account;
}

std::expected<std::vector<EngineerAccount>, base::Error<AccessError>> load_or_empty(
    const std::filesystem::path& file) {
    std::error_code status_error;
    if (!std::filesystem::exists(std::filesystem::symlink_status(file, status_error))) {
        return std::vector<EngineerAccount>{};
    }
    return load_accounts(file);
}

}  // namespace

bool is_valid_id(std::string_view id) {
    return id.size() >= k_min_id_length && id.size() <= k_max_id_length && base::is_digits(id);
}

bool is_valid_password(const base::SecretText& password) {
    return password.size() >= k_min_password_length && password.size() <= k_max_password_length &&
           base::is_digits(password.view());
}

std::optional<core::EngineerRole> parse_role(std::string_view text) {
    for (const auto role : k_roles) {
        if (core::to_string(role) == text) {
            return role;
        }
    }
    return std::nullopt;
}

std::optional<drivers::otp::OtpAlgorithm> parse_otp_algorithm(std::string_view text) {
    for (const auto& name : k_otp_algorithm_names) {
        if (name.in_file == text) {
            return name.algorithm;
        }
    }
    return std::nullopt;
}

AccountsResult parse_accounts(std::string_view text, std::string_view source) {
    toml::table document;
    try {
        document = toml::parse(text, source);
    } catch (const toml::parse_error& error) {
        // toml++'s description may quote the text where it stopped, which may be a secret:
        // only the place is given.
        return std::unexpected(base::error(
            AccessError::bad_toml, std::string(source) + ":" +
                                       std::to_string(error.source().begin.line) + ": column " +
                                       std::to_string(error.source().begin.column)));
    }
    std::vector<EngineerAccount> accounts;
    for (auto&& [key, node] : document) {
        if (key.str() != k_engineer_table) {
            return std::unexpected(accounts_fault(AccessError::unknown_key, source, key.source(),
                                                  "unknown key '" + std::string(key.str()) +
                                                      "': the file holds [[engineer]] tables"));
        }
    }
    const toml::node* engineers = document.get(k_engineer_table);
    if (engineers == nullptr) {
        return accounts;
    }
    const toml::array* tables = engineers->as_array();
    if (tables == nullptr || !tables->is_array_of_tables()) {
        return std::unexpected(accounts_fault(AccessError::missing_field, source,
                                              engineers->source(),
                                              "engineer must be [[engineer]] tables"));
    }
    std::set<std::string, std::less<>> ids;
    for (const toml::node& element : *tables) {
        const toml::table& table = *element.as_table();
        auto account = account_from(table, source);
        if (!account) {
            return std::unexpected(account.error());
        }
        if (!ids.insert(account->id).second) {
            return std::unexpected(accounts_fault(AccessError::duplicate_id, source,
                                                  table.get("id")->source(),
                                                  "engineer " + account->id + " again"));
        }
        accounts.push_back(std::move(*account));
    }
    return accounts;
}

base::SecretText accounts_text(const std::vector<EngineerAccount>& accounts) {
    base::SecretText text;
    text.append(
        "# The field engineers' accounts of the kiosk's service menu (kiosk/access/README.md).\n"
        "# Kept with kiosk-diag engineer add, remove and list; private to the kiosk's user.\n");
    for (const auto& account : accounts) {
        // Every value is digits, a role's name, Base64 or Base32: nothing a TOML basic string
        // must escape.
        text.append("\n[[engineer]]\nid = \"");
        text.append(account.id);
        text.append("\"\nrole = \"");
        text.append(core::to_string(account.role));
        text.append("\"\npassword = \"");
        std::string hash = to_text(account.password);
        text.append(hash);
        base::wipe(hash);
        text.append("\"\notp_secret = \"");
        std::string secret = drivers::otp::to_base32(account.otp_secret);
        text.append(secret);
        base::wipe(secret);
        text.append("\"\notp_algorithm = \"");
        text.append(name_of(account.otp.algorithm).in_file);
        text.append("\"\notp_digits = ");
        text.append(std::to_string(account.otp.digits));
        text.append("\n");
    }
    return text;
}

std::expected<std::vector<EngineerAccount>, base::Error<AccessError>> load_accounts(
    const std::filesystem::path& file) {
    const auto text = read_private_file(file);
    if (!text) {
        return std::unexpected(text.error());
    }
    return parse_accounts(text->view(), file.string());
}

std::expected<void, base::Error<AccessError>> save_accounts(
    const std::filesystem::path& file, const std::vector<EngineerAccount>& accounts) {
    const auto text = accounts_text(accounts);
    return write_private_file(file, text.view(), KeepPrevious::yes);
}

namespace {

// What a new account's request may hold: refused before anything is paid for or read.
std::expected<void, base::Error<AccessError>> check_request(const NewAccountRequest& request) {
    if (!is_valid_id(request.id)) {
        return std::unexpected(base::error(AccessError::bad_id));
    }
    if (!is_valid_password(request.password)) {
        return std::unexpected(base::error(AccessError::bad_password));
    }
    if (!is_valid_digit_count(request.otp_digits)) {
        return std::unexpected(base::error(AccessError::bad_otp_digits));
    }
    if (request.otp_secret && !is_valid_otp_secret_length(request.otp_secret->size())) {
        return std::unexpected(
            base::error(AccessError::bad_otp_secret, "a given secret must be 16 to 128 bytes"));
    }
    return {};
}

bool has_id(const std::vector<EngineerAccount>& accounts, std::string_view id) {
    return std::ranges::any_of(accounts, [&](const auto& account) { return account.id == id; });
}

}  // namespace

std::expected<PreparedAccount, base::Error<AccessError>> prepare_account(
    const NewAccountRequest& request) {
    if (auto checked = check_request(request); !checked) {
        return std::unexpected(checked.error());
    }
    PreparedAccount prepared;
    EngineerAccount& account = prepared.account;
    account.id = request.id;
    account.role = request.role;
    account.otp.digits = request.otp_digits;
    account.otp.algorithm = request.otp_algorithm;
    if (request.otp_secret) {
        account.otp_secret = *request.otp_secret;
    } else {
        account.otp_secret.resize(k_new_otp_secret_length);
        if (RAND_bytes(account.otp_secret.data(), static_cast<int>(account.otp_secret.size())) !=
            1) {
            return std::unexpected(base::error(AccessError::crypto_failure, "RAND_bytes"));
        }
    }
    auto password = hash_password(request.password, request.iterations);
    if (!password) {
        return std::unexpected(password.error());
    }
    account.password = std::move(*password);
    prepared.secret.account = {.id = account.id, .role = account.role};
    std::string secret = drivers::otp::to_base32(account.otp_secret);
    prepared.secret.otp_secret_base32 = secret;
    base::wipe(secret);
    prepared.secret.otpauth_uri = otpauth_uri(account.id, account.otp_secret, account.otp);
    return prepared;
}

std::expected<void, base::Error<AccessError>> add_prepared_account(
    const std::filesystem::path& file, const EngineerAccount& account) {
    auto accounts = load_or_empty(file);
    if (!accounts) {
        return std::unexpected(accounts.error());
    }
    if (has_id(*accounts, account.id)) {
        return std::unexpected(base::error(AccessError::duplicate_id, "engineer " + account.id));
    }
    accounts->push_back(account);
    return save_accounts(file, *accounts);
}

std::expected<NewAccount, base::Error<AccessError>> add_account(const std::filesystem::path& file,
                                                                const NewAccountRequest& request) {
    // A taken id is refused before the password's hash is paid for.
    if (auto checked = check_request(request); !checked) {
        return std::unexpected(checked.error());
    }
    auto accounts = load_or_empty(file);
    if (!accounts) {
        return std::unexpected(accounts.error());
    }
    if (has_id(*accounts, request.id)) {
        return std::unexpected(base::error(AccessError::duplicate_id, "engineer " + request.id));
    }
    auto prepared = prepare_account(request);
    if (!prepared) {
        return std::unexpected(prepared.error());
    }
    if (auto added = add_prepared_account(file, prepared->account); !added) {
        return std::unexpected(added.error());
    }
    return std::move(prepared->secret);
}

std::expected<void, base::Error<AccessError>> remove_account(const std::filesystem::path& file,
                                                             std::string_view id) {
    auto accounts = load_accounts(file);
    if (!accounts) {
        return std::unexpected(accounts.error());
    }
    const auto found =
        std::ranges::find_if(*accounts, [&](const auto& account) { return account.id == id; });
    if (found == accounts->end()) {
        return std::unexpected(base::error(AccessError::unknown_id,
                                           is_valid_id(id) ? "engineer " + std::string(id) : ""));
    }
    const auto is_administrator = [](const EngineerAccount& account) {
        return account.role == core::EngineerRole::administrator;
    };
    if (is_administrator(*found) && std::ranges::count_if(*accounts, is_administrator) == 1) {
        return std::unexpected(
            base::error(AccessError::last_administrator, "engineer " + std::string(id)));
    }
    accounts->erase(found);
    return save_accounts(file, *accounts);
}

std::expected<std::vector<AccountSummary>, base::Error<AccessError>> list_accounts(
    const std::filesystem::path& file) {
    const auto accounts = load_accounts(file);
    if (!accounts) {
        return std::unexpected(accounts.error());
    }
    std::vector<AccountSummary> summaries;
    for (const auto& account : *accounts) {
        summaries.push_back({.id = account.id, .role = account.role});
    }
    return summaries;
}

core::AccountsOutcome accounts_outcome(AccessError error) {
    switch (error) {
        case AccessError::unknown_id:
            return core::AccountsOutcome::unknown_id;
        case AccessError::duplicate_id:
            return core::AccountsOutcome::duplicate_id;
        case AccessError::last_administrator:
            return core::AccountsOutcome::last_administrator;
        case AccessError::write_failed:
        case AccessError::crypto_failure:
            return core::AccountsOutcome::unwritable;
        default:
            return core::AccountsOutcome::unreadable;
    }
}

base::SecretText otpauth_uri(std::string_view id, std::span<const std::uint8_t> secret,
                             const drivers::otp::TotpParameters& parameters) {
    std::string base32 = drivers::otp::to_base32(secret);
    // Key Uri Format, "Secret": the padding of RFC 3548 §2.2 should be omitted.
    const auto padding = base32.find('=');
    if (padding != std::string::npos) {
        base::wipe(base32.data() + padding, base32.size() - padding);
        base32.resize(padding);
    }
    // The issuer and the id need no percent-encoding (RFC 3986 §2.3: letters and digits are
    // unreserved).
    base::SecretText uri;
    uri.append("otpauth://totp/");
    uri.append(k_otp_issuer);
    uri.append(":");
    uri.append(id);
    uri.append("?secret=");
    uri.append(base32);
    base::wipe(base32);
    uri.append("&issuer=");
    uri.append(k_otp_issuer);
    uri.append("&algorithm=");
    uri.append(name_of(parameters.algorithm).in_uri);
    uri.append("&digits=");
    uri.append(std::to_string(parameters.digits));
    uri.append("&period=");
    uri.append(std::to_string(parameters.step_seconds));
    return uri;
}

}  // namespace kiosk::access
