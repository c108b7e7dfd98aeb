// kiosk-diag totp: the one-time code (RFC 6238) a secret gives at a time, made by the same
// library (drivers/otp) that checks an engineer's code at sign-in, so that an engineer can hold
// it against an authenticator app or RFC 6238 Appendix B.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "drivers/otp/otp.h"
#include "kiosk/diag/command.h"

namespace kiosk::diag {

namespace {

using drivers::otp::OtpAlgorithm;

// The options, each once and each followed by its value, in any order.
constexpr std::string_view k_totp_secret_option = "--secret-hex";
constexpr std::string_view k_totp_time_option = "--time";
constexpr std::string_view k_totp_digits_option = "--digits";
constexpr std::string_view k_totp_algorithm_option = "--algorithm";
constexpr std::array<std::string_view, 4> k_totp_options{
    k_totp_secret_option, k_totp_time_option, k_totp_digits_option, k_totp_algorithm_option};

struct TotpDigitChoice {
    std::string_view text;
    int digits;
};

// The lengths of code the tool offers: 6, as authenticator apps show, and 8, as RFC 6238
// Appendix B's table has them. The library also makes 7 (RFC 4226 §5.3), which no app shows.
constexpr std::array<TotpDigitChoice, 2> k_totp_digit_choices{{{"6", 6}, {"8", 8}}};

std::optional<int> totp_digits_of(std::string_view text) {
    for (const TotpDigitChoice& choice : k_totp_digit_choices) {
        if (text == choice.text) {
            return choice.digits;
        }
    }
    return std::nullopt;
}

// The values of `arguments`, by option, in the order of k_totp_options; nothing, with the reason
// on stderr, for an option given twice, one without its value, or one that is missing.
std::optional<std::array<std::string_view, 4>> totp_option_values(
    std::span<const std::string_view> arguments) {
    std::array<std::optional<std::string_view>, 4> values;
    for (std::size_t index = 0; index < arguments.size(); index += 2) {
        const std::string_view argument = arguments[index];
        const auto* const found = std::find(k_totp_options.begin(), k_totp_options.end(), argument);
        const char* problem = nullptr;
        if (found == k_totp_options.end()) {
            problem = "is not an option of totp";
        } else if (values[static_cast<std::size_t>(found - k_totp_options.begin())]) {
            problem = "is given twice";
        } else if (index + 1 == arguments.size()) {
            problem = "has no value";
        }
        if (problem != nullptr) {
            std::fprintf(stderr, "kiosk-diag totp: %.*s %s\n", static_cast<int>(argument.size()),
                         argument.data(), problem);
            return std::nullopt;
        }
        values[static_cast<std::size_t>(found - k_totp_options.begin())] = arguments[index + 1];
    }
    std::array<std::string_view, 4> given;
    for (std::size_t option = 0; option < k_totp_options.size(); ++option) {
        if (!values[option]) {
            std::fprintf(stderr, "kiosk-diag totp: %.*s is missing\n",
                         static_cast<int>(k_totp_options[option].size()),
                         k_totp_options[option].data());
            return std::nullopt;
        }
        given[option] = *values[option];
    }
    return given;
}

// A Unix time of digits only: no sign, no space, no fraction, within 64 bits.
std::optional<std::int64_t> totp_time_of(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    std::int64_t time = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), time);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return time;
}

std::optional<OtpAlgorithm> totp_algorithm_of(std::string_view text) {
    for (const OtpAlgorithm algorithm :
         {OtpAlgorithm::sha1, OtpAlgorithm::sha256, OtpAlgorithm::sha512}) {
        if (text == drivers::otp::to_string(algorithm)) {
            return algorithm;
        }
    }
    return std::nullopt;
}

int totp_refusal(std::string_view reason) {
    std::fprintf(stderr, "kiosk-diag totp: %.*s\n", static_cast<int>(reason.size()), reason.data());
    return k_exit_unusable;
}

int print_totp(std::span<const std::string_view> arguments) {
    const auto values = totp_option_values(arguments);
    if (!values) {
        return k_exit_unusable;
    }
    const auto& [secret_hex, time_text, digits_text, algorithm_text] = *values;
    // The secret is never repeated on stderr: it is an engineer's second factor.
    const auto secret = base::parse_hex(secret_hex);
    if (!secret) {
        return totp_refusal(
            "--secret-hex is not hexadecimal: two digits a byte, spaces allowed between bytes");
    }
    if (secret->empty()) {
        return totp_refusal("--secret-hex holds no byte");
    }
    if (secret->size() > drivers::otp::k_max_secret_length) {
        return totp_refusal("--secret-hex is longer than " +
                            std::to_string(drivers::otp::k_max_secret_length) + " bytes");
    }
    const auto time = totp_time_of(time_text);
    if (!time) {
        return totp_refusal("--time is not a Unix time: a whole number of seconds, 0 or more");
    }
    const auto digits = totp_digits_of(digits_text);
    if (!digits) {
        return totp_refusal("--digits is neither 6 nor 8");
    }
    const auto algorithm = totp_algorithm_of(algorithm_text);
    if (!algorithm) {
        return totp_refusal("--algorithm is none of sha1, sha256, sha512");
    }
    // RFC 6238 §4.1: X = 30 and T0 = 0, as authenticator apps and Appendix B have them.
    const drivers::otp::TotpParameters parameters{.digits = *digits, .algorithm = *algorithm};
    const auto code = drivers::otp::totp(*secret, *time, parameters);
    if (!code) {
        return totp_refusal(drivers::otp::to_string(code.error()));
    }
    nlohmann::ordered_json output;
    output["code"] = *code;
    std::puts(output.dump().c_str());
    return k_exit_decoded;
}

}  // namespace

const Command k_totp{
    .words = "totp",
    .arguments = "--secret-hex HEX --time UNIX --digits 6|8 --algorithm sha1|sha256|sha512",
    .argument_count = 2 * k_totp_options.size(),
    .summary = "the one-time code (RFC 6238) of a secret at a time",
    .run = print_totp,
    .options = k_totp_options,
};

}  // namespace kiosk::diag
