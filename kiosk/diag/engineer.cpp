// kiosk-diag engineer add | remove | list: the bank's and the engineers' provisioning of the
// service menu's accounts (kiosk/access/README.md, "The accounts file"). The password is read
// from standard input, never from the command line, where other users can see it in the process
// list and the shell keeps it in its history.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/wipe.h"
#include "kiosk/access/accounts.h"
#include "kiosk/diag/command.h"

namespace kiosk::diag {

namespace {

constexpr std::string_view k_engineer_accounts_option = "--accounts";
constexpr std::string_view k_engineer_id_option = "--id";
constexpr std::string_view k_engineer_role_option = "--role";
constexpr std::string_view k_engineer_secret_option = "--secret-hex";
constexpr std::array<std::string_view, 4> k_engineer_options{
    k_engineer_accounts_option, k_engineer_id_option, k_engineer_role_option,
    k_engineer_secret_option};
// A line longer than the longest password and its line end is not a password.
constexpr std::size_t k_engineer_password_line_limit = access::k_max_password_length + 2;

// The options of one engineer command, by name; the command says which it needs.
struct EngineerOptions {
    std::array<std::optional<std::string_view>, k_engineer_options.size()> values;

    std::optional<std::string_view> operator[](std::string_view option) const {
        const auto* const found =
            std::find(k_engineer_options.begin(), k_engineer_options.end(), option);
        return values[static_cast<std::size_t>(found - k_engineer_options.begin())];
    }
};

int engineer_refusal(std::string_view command, std::string_view reason) {
    std::fprintf(stderr, "kiosk-diag engineer %.*s: %.*s\n", static_cast<int>(command.size()),
                 command.data(), static_cast<int>(reason.size()), reason.data());
    return k_exit_unusable;
}

// The options of `arguments`, each at most once and with its value, each of `required` given,
// and none outside `allowed`; nothing, with the reason on stderr, otherwise.
std::optional<EngineerOptions> engineer_options_of(std::string_view command,
                                                   std::span<const std::string_view> arguments,
                                                   std::span<const std::string_view> required,
                                                   std::span<const std::string_view> allowed) {
    EngineerOptions options;
    for (std::size_t index = 0; index < arguments.size(); index += 2) {
        const std::string_view argument = arguments[index];
        const auto* const found =
            std::find(k_engineer_options.begin(), k_engineer_options.end(), argument);
        std::string problem;
        if (found == k_engineer_options.end() ||
            std::find(allowed.begin(), allowed.end(), argument) == allowed.end()) {
            problem = "is not an option of this command";
        } else if (options.values[static_cast<std::size_t>(found - k_engineer_options.begin())]) {
            problem = "is given twice";
        } else if (index + 1 == arguments.size()) {
            problem = "has no value";
        }
        if (!problem.empty()) {
            engineer_refusal(command, std::string(argument) + " " + problem);
            return std::nullopt;
        }
        options.values[static_cast<std::size_t>(found - k_engineer_options.begin())] =
            arguments[index + 1];
    }
    for (const std::string_view option : required) {
        if (!options[option]) {
            engineer_refusal(command, std::string(option) + " is missing");
            return std::nullopt;
        }
    }
    return options;
}

// One line of standard input, without its line end; nothing when there is none or it is
// longer than a password can be. Read a character at a time into the secret, so that no
// buffer of the C library's line reading keeps a copy.
std::optional<base::SecretText> engineer_password_line() {
    base::SecretText line;
    line.reserve(k_engineer_password_line_limit);
    bool ended = false;
    for (int character = std::getchar(); character != EOF; character = std::getchar()) {
        if (character == '\n') {
            ended = true;
            break;
        }
        if (line.size() == k_engineer_password_line_limit) {
            return std::nullopt;
        }
        line.push_back(static_cast<char>(character));
    }
    if (!ended && line.empty()) {
        return std::nullopt;
    }
    if (!line.empty() && line.view().back() == '\r') {
        line.assign(line.view().substr(0, line.size() - 1));
    }
    return line;
}

// An error of the accounts file: its description (file and line, never a value) on stdout as
// {"valid":false,"error":...}, and exit status 2.
int engineer_failure(const base::Error<access::AccessError>& error) {
    nlohmann::ordered_json output;
    output["valid"] = false;
    output["error"] = base::to_string(error);
    std::puts(output.dump().c_str());
    return k_exit_unusable;
}

int engineer_add(std::span<const std::string_view> arguments) {
    constexpr std::array<std::string_view, 3> k_required{
        k_engineer_accounts_option, k_engineer_id_option, k_engineer_role_option};
    const auto options =
        engineer_options_of("add", arguments, k_required, std::span(k_engineer_options));
    if (!options) {
        return k_exit_unusable;
    }
    access::NewAccountRequest request;
    request.id = std::string(*(*options)[k_engineer_id_option]);
    if (!access::is_valid_id(request.id)) {
        return engineer_refusal("add", "--id must be 4 to 8 digits");
    }
    const auto role = access::parse_role(*(*options)[k_engineer_role_option]);
    if (!role) {
        return engineer_refusal("add", "--role must be engineer, key_custodian or administrator");
    }
    request.role = *role;
    if (const auto hex = (*options)[k_engineer_secret_option]) {
        auto secret = base::parse_hex(*hex);
        if (!secret) {
            return engineer_refusal("add", "--secret-hex is not hexadecimal");
        }
        request.otp_secret = std::move(*secret);
    }
    auto password = engineer_password_line();
    if (!password || !access::is_valid_password(*password)) {
        return engineer_refusal("add",
                                "the password, one line on standard input, must be 8 to 16 digits");
    }
    request.password = std::move(*password);
    const auto added =
        access::add_account(std::string(*(*options)[k_engineer_accounts_option]), request);
    if (!added) {
        return engineer_failure(added.error());
    }
    // Written as it is rather than through a JSON library, which would keep copies of the
    // secret it does not wipe. Every character is a digit, a letter, '=' or one of the URI's
    // ":/?&": nothing JSON escapes.
    std::printf(
        "{\"id\":\"%s\",\"role\":\"%s\",\"otp_secret\":\"%.*s\",\"otpauth_uri\":\"%.*s\"}\n",
        added->account.id.c_str(), std::string(core::to_string(added->account.role)).c_str(),
        static_cast<int>(added->otp_secret_base32.size()), added->otp_secret_base32.view().data(),
        static_cast<int>(added->otpauth_uri.size()), added->otpauth_uri.view().data());
    return k_exit_decoded;
}

int engineer_remove(std::span<const std::string_view> arguments) {
    constexpr std::array<std::string_view, 2> k_required{k_engineer_accounts_option,
                                                         k_engineer_id_option};
    const auto options = engineer_options_of("remove", arguments, k_required, k_required);
    if (!options) {
        return k_exit_unusable;
    }
    const std::string_view id = *(*options)[k_engineer_id_option];
    if (!access::is_valid_id(id)) {
        return engineer_refusal("remove", "--id must be 4 to 8 digits");
    }
    const auto removed =
        access::remove_account(std::string(*(*options)[k_engineer_accounts_option]), id);
    if (!removed) {
        return engineer_failure(removed.error());
    }
    nlohmann::ordered_json output;
    output["removed"] = id;
    std::puts(output.dump().c_str());
    return k_exit_decoded;
}

int engineer_list(std::span<const std::string_view> arguments) {
    constexpr std::array<std::string_view, 1> k_required{k_engineer_accounts_option};
    const auto options = engineer_options_of("list", arguments, k_required, k_required);
    if (!options) {
        return k_exit_unusable;
    }
    const auto accounts =
        access::list_accounts(std::string(*(*options)[k_engineer_accounts_option]));
    if (!accounts) {
        return engineer_failure(accounts.error());
    }
    nlohmann::ordered_json engineers = nlohmann::ordered_json::array();
    for (const auto& account : *accounts) {
        nlohmann::ordered_json entry;
        entry["id"] = account.id;
        entry["role"] = core::to_string(account.role);
        engineers.push_back(entry);
    }
    nlohmann::ordered_json output;
    output["engineers"] = engineers;
    std::puts(output.dump().c_str());
    return k_exit_decoded;
}

}  // namespace

const Command k_engineer_add{
    .words = "engineer add",
    .arguments = "--accounts FILE --id ID --role ROLE [--secret-hex HEX] < PASSWORD",
    .argument_count = 8,
    .summary = "add a service menu account; prints its one-time password secret once",
    .run = engineer_add,
    .options = k_engineer_options,
};

const Command k_engineer_remove{
    .words = "engineer remove",
    .arguments = "--accounts FILE --id ID",
    .argument_count = 4,
    .summary = "remove a service menu account",
    .run = engineer_remove,
    .options = k_engineer_options,
};

const Command k_engineer_list{
    .words = "engineer list",
    .arguments = "--accounts FILE",
    .argument_count = 2,
    .summary = "list the service menu's accounts: ids and roles",
    .run = engineer_list,
    .options = k_engineer_options,
};

}  // namespace kiosk::diag
