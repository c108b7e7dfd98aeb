#include "simulator/app/pin_tools.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/wipe.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/app/exit_status.h"

namespace simulator::app {

const char* const k_pinblock_usage =
    "usage: kiosk-sim pinblock --format 0|1|3|4 --pin PIN [--pan PAN] [--key HEX] [--fill HEX]\n"
    "Prints {\"format\", \"clear\", \"encrypted\"} as JSON: an ISO 9564-1:2017 PIN block, clear\n"
    "and, with --key, enciphered. Hex is printed in upper case.\n"
    "  --format N   0 (§9.4.2), 1 (§9.4.3, no PAN), 3 (§9.4.5) or 4 (§9.4.6, AES)\n"
    "  --pin PIN    4 to 12 digits\n"
    "  --pan PAN    8 to 19 digits; formats 0, 3 and 4 need it, format 1 takes none\n"
    "  --key HEX    formats 0, 1, 3: a 16- or 24-byte TDES key (ECB); format 4: a 16-, 24- or\n"
    "               32-byte AES key. Keys whose parts make TDES single DES are refused\n"
    "  --fill HEX   what is otherwise random: format 1, its 14-N transaction field digits\n"
    "               (0-F, N the PIN's length); format 3, its 14-N fill digits (A-F only);\n"
    "               format 4, its 8 random bytes (16 digits). Format 0 has no random fill\n"
    "For format 4, \"clear\" is the 16-byte plain PIN field; \"encrypted\" is\n"
    "E(K, E(K, PIN field) XOR PAN field). Exit status: 0 printed, 1 the cipher failed,\n"
    "2 the arguments cannot be used (the reason on one line of stderr).\n";

const char* const k_kcv_usage =
    "usage: kiosk-sim kcv --algorithm tdes|aes --key HEX\n"
    "Prints {\"algorithm\", \"kcv\"} as JSON: the key check value. TDES (a 16- or 24-byte key):\n"
    "the first 3 bytes of E(K, 8 zero bytes). AES (16, 24 or 32 bytes): the first 5 bytes of\n"
    "AES-CMAC(K, 16 zero bytes), ANSI X9.24-1:2017. Exit status: 0 printed, 2 the arguments\n"
    "cannot be used (the reason on one line of stderr).\n";

namespace {

namespace iso9564 = drivers::iso9564;
using nlohmann::ordered_json;

// Reads `--name value` pairs after the command word. A name not in `known`, a name given twice,
// a name without its value or a stray word is refused with its reason.
struct PinToolArguments {
    bool help = false;
    std::map<std::string_view, std::string_view> values;
    std::optional<std::string> refusal;
};

PinToolArguments read_pin_tool_arguments(int argc, const char* const* argv,
                                         std::span<const std::string_view> known) {
    PinToolArguments arguments;
    for (int index = 2; index < argc; ++index) {
        const std::string_view option = argv[index];
        if (option == "--help" || option == "-h") {
            arguments.help = true;
            return arguments;
        }
        if (std::ranges::find(known, option) == known.end()) {
            arguments.refusal = "unknown option " + std::string(option);
            return arguments;
        }
        if (index + 1 >= argc) {
            arguments.refusal = std::string(option) + " needs a value";
            return arguments;
        }
        if (!arguments.values.emplace(option, argv[++index]).second) {
            arguments.refusal = std::string(option) + " is given twice";
            return arguments;
        }
    }
    return arguments;
}

std::optional<std::string_view> pin_tool_value(const PinToolArguments& arguments,
                                               std::string_view option) {
    const auto found = arguments.values.find(option);
    if (found == arguments.values.end()) {
        return std::nullopt;
    }
    return found->second;
}

// The one line on stderr; never the PIN, PAN or key, which a terminal's scroll-back would keep.
int refuse_pin_tool_arguments(std::string_view command, std::string_view why) {
    std::fprintf(stderr, "kiosk-sim %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
                 static_cast<int>(why.size()), why.data());
    return k_exit_unusable;
}

// Hexadecimal digits only, an even number of them (no spaces: a key is one word).
std::optional<base::Bytes> key_from_hex(std::string_view text) {
    if (text.empty() || text.size() % 2 != 0 || text.find(' ') != std::string_view::npos) {
        return std::nullopt;
    }
    return base::parse_hex(text);
}

// One nibble value per hexadecimal digit.
std::optional<std::vector<std::uint8_t>> nibbles_from_hex(std::string_view text) {
    std::vector<std::uint8_t> nibbles;
    for (const char digit : text) {
        const auto value = base::hex_digit_value(digit);
        if (!value) {
            return std::nullopt;
        }
        nibbles.push_back(*value);
    }
    return nibbles;
}

// Why a PIN block error makes the arguments unusable, in words for the engineer.
std::string_view pin_block_refusal(iso9564::PinBlockError error) {
    switch (error) {
        case iso9564::PinBlockError::bad_pin:
            return "--pin must be 4 to 12 digits";
        case iso9564::PinBlockError::bad_pan:
            return "--pan must be 8 to 19 digits";
        case iso9564::PinBlockError::bad_key:
            return "--key must be a 16- or 24-byte TDES key (formats 0, 1, 3) or a 16-, 24- or "
                   "32-byte AES key (format 4), and its TDES parts must differ";
        case iso9564::PinBlockError::bad_fill:
            return "--fill must be 14 minus the PIN's length hex digits for format 1 (0-F) and "
                   "format 3 (A-F only), or 16 hex digits for format 4";
        case iso9564::PinBlockError::bad_block:
        case iso9564::PinBlockError::crypto_failure:
            break;
    }
    return "the cipher library failed";
}

int pin_block_failure(iso9564::PinBlockError error) {
    if (error == iso9564::PinBlockError::crypto_failure ||
        error == iso9564::PinBlockError::bad_block) {
        std::fprintf(stderr, "kiosk-sim pinblock: %s\n", pin_block_refusal(error).data());
        return k_exit_failed;
    }
    return refuse_pin_tool_arguments("pinblock", pin_block_refusal(error));
}

struct PinBlockRequest {
    int format = 0;
    std::string_view pin;
    std::string_view pan;
    std::optional<base::Bytes> key;
    std::optional<std::string_view> fill;
};

// The clear block (or format 4's plain PIN field) and, with a key, the enciphered block.
struct PinBlockOutcome {
    base::Bytes clear;
    std::optional<base::Bytes> encrypted;
};

template <std::size_t Size>
base::Bytes wiped_copy_of(std::array<std::uint8_t, Size>& block) {
    base::Bytes bytes(block.begin(), block.end());
    base::wipe(std::span(block));
    return bytes;
}

// Formats 1 and 3: the caller's fill digits, or as many drawn from the system's CSPRNG.
std::expected<PinBlockOutcome, iso9564::PinBlockError> tdes_pin_block(
    const PinBlockRequest& request) {
    std::vector<std::uint8_t> fill(iso9564::fill_length_for(request.pin.size()));
    if (request.fill) {
        auto given = nibbles_from_hex(*request.fill);
        if (!given) {
            return std::unexpected(iso9564::PinBlockError::bad_fill);
        }
        fill = std::move(*given);
    } else if (request.format != 0) {
        auto drawn = request.format == 1 ? iso9564::draw_format1_fill(fill)
                                         : iso9564::draw_format3_fill(fill);
        if (!drawn) {
            return std::unexpected(drawn.error());
        }
    }
    const auto clear = [&]() -> std::expected<iso9564::Format0Block, iso9564::PinBlockError> {
        switch (request.format) {
            case 0:
                return iso9564::format0_clear(request.pin, request.pan);
            case 1:
                return iso9564::format1_clear(request.pin, fill);
            default:
                return iso9564::format3_clear(request.pin, request.pan, fill);
        }
    };
    const auto encrypted = [&](std::span<const std::uint8_t> key)
        -> std::expected<iso9564::Format0Block, iso9564::PinBlockError> {
        switch (request.format) {
            case 0:
                return iso9564::format0_encrypted(request.pin, request.pan, key);
            case 1:
                return iso9564::format1_encrypted(request.pin, key, fill);
            default:
                return iso9564::format3_encrypted(request.pin, request.pan, key, fill);
        }
    };
    auto clear_block = clear();
    if (!clear_block) {
        return std::unexpected(clear_block.error());
    }
    PinBlockOutcome outcome{.clear = wiped_copy_of(*clear_block), .encrypted = std::nullopt};
    if (request.key) {
        auto block = encrypted(*request.key);
        if (!block) {
            return std::unexpected(block.error());
        }
        outcome.encrypted = wiped_copy_of(*block);
    }
    return outcome;
}

std::expected<PinBlockOutcome, iso9564::PinBlockError> aes_pin_block(
    const PinBlockRequest& request) {
    std::array<std::uint8_t, iso9564::k_format4_random_length> random{};
    if (request.fill) {
        const auto given = key_from_hex(*request.fill);
        if (!given || given->size() != random.size()) {
            return std::unexpected(iso9564::PinBlockError::bad_fill);
        }
        std::ranges::copy(*given, random.begin());
    } else if (!iso9564::system_random(random)) {
        return std::unexpected(iso9564::PinBlockError::crypto_failure);
    }
    if (!iso9564::is_valid_pan(request.pan)) {
        return std::unexpected(iso9564::PinBlockError::bad_pan);
    }
    auto field = iso9564::format4_pin_field(request.pin, random);
    if (!field) {
        return std::unexpected(field.error());
    }
    PinBlockOutcome outcome{.clear = wiped_copy_of(*field), .encrypted = std::nullopt};
    if (request.key) {
        auto block = iso9564::format4_encrypted(request.pin, request.pan, *request.key,
                                                std::span<const std::uint8_t, 8>(random));
        if (!block) {
            return std::unexpected(block.error());
        }
        outcome.encrypted = wiped_copy_of(*block);
    }
    base::wipe(std::span(random));
    return outcome;
}

constexpr std::string_view k_pinblock_options[] = {"--format", "--pin", "--pan", "--key", "--fill"};
constexpr std::string_view k_kcv_options[] = {"--algorithm", "--key"};

}  // namespace

int run_pinblock(int argc, const char* const* argv) {
    const PinToolArguments arguments = read_pin_tool_arguments(argc, argv, k_pinblock_options);
    if (arguments.help) {
        std::fputs(k_pinblock_usage, stdout);
        return k_exit_passed;
    }
    if (arguments.refusal) {
        return refuse_pin_tool_arguments("pinblock", *arguments.refusal);
    }
    PinBlockRequest request;
    const auto format = pin_tool_value(arguments, "--format");
    if (!format) {
        return refuse_pin_tool_arguments("pinblock", "--format 0|1|3|4 is needed");
    }
    if (*format != "0" && *format != "1" && *format != "3" && *format != "4") {
        return refuse_pin_tool_arguments("pinblock", "--format must be 0, 1, 3 or 4");
    }
    request.format = (*format)[0] - '0';
    const auto pin = pin_tool_value(arguments, "--pin");
    if (!pin) {
        return refuse_pin_tool_arguments("pinblock", "--pin PIN is needed");
    }
    request.pin = *pin;
    const auto pan = pin_tool_value(arguments, "--pan");
    if (request.format == 1 && pan) {
        return refuse_pin_tool_arguments("pinblock",
                                         "format 1 takes no --pan (ISO 9564-1:2017 §9.4.3)");
    }
    if (request.format != 1 && !pan) {
        return refuse_pin_tool_arguments("pinblock",
                                         "format " + std::string(*format) + " needs --pan PAN");
    }
    request.pan = pan.value_or("");
    if (const auto key = pin_tool_value(arguments, "--key")) {
        request.key = key_from_hex(*key);
        if (!request.key) {
            return refuse_pin_tool_arguments("pinblock", "--key must be hex digits, two per byte");
        }
    }
    request.fill = pin_tool_value(arguments, "--fill");
    if (request.format == 0 && request.fill) {
        return refuse_pin_tool_arguments("pinblock",
                                         "format 0 has no random fill to give with --fill");
    }
    auto outcome = request.format == 4 ? aes_pin_block(request) : tdes_pin_block(request);
    if (!outcome) {
        return pin_block_failure(outcome.error());
    }
    ordered_json output{{"format", request.format}, {"clear", base::to_hex(outcome->clear)}};
    if (outcome->encrypted) {
        output["encrypted"] = base::to_hex(*outcome->encrypted);
    }
    std::printf("%s\n", output.dump().c_str());
    return k_exit_passed;
}

int run_kcv(int argc, const char* const* argv) {
    const PinToolArguments arguments = read_pin_tool_arguments(argc, argv, k_kcv_options);
    if (arguments.help) {
        std::fputs(k_kcv_usage, stdout);
        return k_exit_passed;
    }
    if (arguments.refusal) {
        return refuse_pin_tool_arguments("kcv", *arguments.refusal);
    }
    const auto algorithm = pin_tool_value(arguments, "--algorithm");
    if (!algorithm || (*algorithm != "tdes" && *algorithm != "aes")) {
        return refuse_pin_tool_arguments("kcv", "--algorithm tdes|aes is needed");
    }
    const auto key_text = pin_tool_value(arguments, "--key");
    if (!key_text) {
        return refuse_pin_tool_arguments("kcv", "--key HEX is needed");
    }
    const auto key = key_from_hex(*key_text);
    if (!key) {
        return refuse_pin_tool_arguments("kcv", "--key must be hex digits, two per byte");
    }
    std::string check_value;
    if (*algorithm == "tdes") {
        if (key->size() == 16) {
            check_value = base::to_hex(
                iso9564::tdes_key_check_value(std::span<const std::uint8_t, 16>(*key)));
        } else if (key->size() == 24) {
            check_value = base::to_hex(
                iso9564::tdes_key_check_value(std::span<const std::uint8_t, 24>(*key)));
        } else {
            return refuse_pin_tool_arguments("kcv", "--key must be 16 or 24 bytes for TDES");
        }
    } else {
        const auto aes = iso9564::aes_key_check_value(*key);
        if (!aes) {
            if (aes.error() == iso9564::PinBlockError::bad_key) {
                return refuse_pin_tool_arguments("kcv", "--key must be 16, 24 or 32 bytes for AES");
            }
            std::fprintf(stderr, "kiosk-sim kcv: the cipher library failed\n");
            return k_exit_failed;
        }
        check_value = base::to_hex(*aes);
    }
    const ordered_json output{{"algorithm", *algorithm}, {"kcv", check_value}};
    std::printf("%s\n", output.dump().c_str());
    return k_exit_passed;
}

}  // namespace simulator::app
