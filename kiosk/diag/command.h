#pragma once

// One subcommand of kiosk-diag: its words, its arguments, a line for the usage and the function
// that carries it out. Each subcommand lives in a file of its own and is listed once in
// main.cpp (kiosk/diag/README.md, "Adding a subcommand").

#include <cstddef>
#include <span>
#include <string_view>

namespace kiosk::diag {

// The input was decoded and described on stdout, whether or not what it describes is valid.
inline constexpr int k_exit_decoded = 0;
// The arguments could not be used: unknown words or options, a missing file, bytes that are
// not hexadecimal, an option's value out of range.
inline constexpr int k_exit_unusable = 2;

struct Command {
    std::string_view words;      // "journal verify"
    std::string_view arguments;  // "FILE", for the usage
    std::size_t argument_count;
    std::string_view summary;  // one line for the usage
    // Prints one JSON object on stdout and returns the exit status. It is given exactly
    // `argument_count` arguments; a command with options at most that many.
    int (*run)(std::span<const std::string_view> arguments);
    // The options the command reads itself ("--time"), each followed by its value, which may
    // begin with '-' too; main lets them through and the command checks them. A command
    // without options takes none: main refuses every option it is given.
    std::span<const std::string_view> options = {};
};

// journal_verify.cpp
extern const Command k_journal_verify;
// ccid_descriptor.cpp
extern const Command k_ccid_descriptor;
// atr.cpp
extern const Command k_atr;
// tlv.cpp
extern const Command k_tlv;
// usb_list.cpp
extern const Command k_usb_list;
// read_card.cpp
extern const Command k_read_card;
// totp.cpp
extern const Command k_totp;
// engineer.cpp
extern const Command k_engineer_add;
extern const Command k_engineer_remove;
extern const Command k_engineer_list;

}  // namespace kiosk::diag
