// libFuzzer harness: the files of the service menu's sign-in (kiosk/access): the engineers'
// accounts (TOML, parse_accounts), the sign-in state (TOML, parse_state) and a password hash's
// text (parse_password_hash), as a damaged disk or a hand edit could leave them. The first byte
// picks which; the rest is the text.
// Properties: a bad text is a named AccessError, never a crash or an exception; what parses is
// written back (accounts_text, state_text, to_text) as a text that parses to the same thing, so
// the kiosk never writes a file it would refuse; every account read has an id of 4 to 8 digits, a
// one-time code of 6 to 8 digits and a secret; a state never counts failures below zero.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kiosk/access/accounts.h"
#include "kiosk/access/password_hash.h"
#include "kiosk/access/sign_in_desk.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace access = kiosk::access;
using tests::fuzz::require;

void check_accounts(std::string_view text) {
    const auto accounts = access::parse_accounts(text, "fuzz");
    if (!accounts) {
        return;
    }
    for (const access::EngineerAccount& account : *accounts) {
        require(access::is_valid_id(account.id));
        require(account.otp.digits >= 6 && account.otp.digits <= 8);
        require(!account.otp_secret.empty());
    }
    const base::SecretText written = access::accounts_text(*accounts);
    const auto again = access::parse_accounts(written.view(), "written");
    require(again.has_value() && again->size() == accounts->size());
    require(access::accounts_text(*again).view() == written.view());
}

void check_state(std::string_view text) {
    const auto state = access::parse_state(text, "fuzz");
    if (!state) {
        return;
    }
    require(state->failures >= 0);
    const auto again = access::parse_state(access::state_text(*state), "written");
    require(again.has_value() && *again == *state);
}

void check_password_hash(std::string_view text) {
    const auto hash = access::parse_password_hash(text);
    if (!hash) {
        return;
    }
    const std::string written = access::to_text(*hash);
    const auto again = access::parse_password_hash(written);
    require(again.has_value() && access::to_text(*again) == written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const std::string text(input.rest_text());
    switch (selector % 3) {
        case 0:
            check_accounts(text);
            break;
        case 1:
            check_state(text);
            break;
        default:
            check_password_hash(text);
            break;
    }
    return 0;
}
