// kiosk-diag: the engineer's tool. It decodes what a kiosk keeps or sees (its electronic
// journal, a reader's class descriptor, a card's answer to reset, EMV data objects), or makes
// the one-time code the kiosk would expect, and prints it as one JSON object on stdout.

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/command_line.h"
#include "kiosk/diag/command.h"

namespace {

using kiosk::diag::Command;

// Every subcommand, in the order the usage lists them.
constexpr std::array k_commands{&kiosk::diag::k_journal_verify,
                                &kiosk::diag::k_ccid_descriptor,
                                &kiosk::diag::k_atr,
                                &kiosk::diag::k_tlv,
                                &kiosk::diag::k_usb_list,
                                &kiosk::diag::k_read_card,
                                &kiosk::diag::k_totp,
                                &kiosk::diag::k_engineer_add,
                                &kiosk::diag::k_engineer_remove,
                                &kiosk::diag::k_engineer_list};

// "  journal verify FILE     check ...": the left part padded so that the summaries line up; a
// left part too long for that (totp's options) has its summary on the next line, in the column.
std::string usage_row(std::string_view left, std::string_view summary) {
    constexpr std::size_t k_summary_column = 26;
    std::string row = "  " + std::string(left) + " ";
    if (row.size() > k_summary_column) {
        row.back() = '\n';
        row += std::string(k_summary_column, ' ');
    }
    row.resize(std::max(row.size(), k_summary_column), ' ');
    return row + std::string(summary) + "\n";
}

std::string usage() {
    std::string text =
        "usage: kiosk-diag COMMAND ARGUMENTS...\n"
        "Decodes what a kiosk keeps or sees and prints one JSON object on stdout. Exit status: 0\n"
        "when the input was decoded (even if what it describes is invalid), 2 when the\n"
        "arguments cannot be used.\n"
        "Commands:\n";
    for (const Command* command : k_commands) {
        text += usage_row(std::string(command->words) + " " + std::string(command->arguments),
                          command->summary);
    }
    return text + usage_row("-h, --help", "this text");
}

std::size_t word_count(std::string_view words) {
    return static_cast<std::size_t>(std::count(words.begin(), words.end(), ' ')) + 1;
}

// The command whose words begin `arguments`, or nothing.
const Command* command_named(std::span<const std::string_view> arguments) {
    for (const Command* command : k_commands) {
        const std::size_t count = word_count(command->words);
        if (arguments.size() < count) {
            continue;
        }
        std::string words;
        for (const std::string_view word : arguments.first(count)) {
            words += words.empty() ? "" : " ";
            words += word;
        }
        if (words == command->words) {
            return command;
        }
    }
    return nullptr;
}

// The first argument that looks like an option (it starts with '-') and is neither "-" nor one
// of `command`'s options, whose values are skipped (`--time -1` is a bad time, not an unknown
// option); without a command, any option. As base::unknown_option, for options a command reads.
std::optional<std::string_view> unknown_option_of(const Command* command,
                                                  std::span<const std::string_view> arguments) {
    // "-" is no option: the decoders read their input from standard input when given it.
    constexpr std::string_view k_standard_input = "-";
    const auto options =
        command != nullptr ? command->options : std::span<const std::string_view>{};
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string_view argument = arguments[index];
        if (std::find(options.begin(), options.end(), argument) != options.end()) {
            ++index;
            continue;
        }
        if (argument.starts_with('-') && argument != k_standard_input) {
            return argument;
        }
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    using kiosk::diag::k_exit_unusable;
    if (base::asks_for_help(argc, argv)) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    const std::vector<std::string_view> arguments(argv + 1, argv + argc);
    const Command* command = command_named(arguments);
    if (const auto option = unknown_option_of(command, arguments)) {
        std::fprintf(stderr, "kiosk-diag: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), usage().c_str());
        return k_exit_unusable;
    }
    if (command == nullptr) {
        std::fprintf(stderr, "kiosk-diag: unknown command\n%s", usage().c_str());
        return k_exit_unusable;
    }
    const auto given = std::span(arguments).subspan(word_count(command->words));
    // A command with options is given at most its count and names an option left out itself.
    const bool count_fits = command->options.empty() ? given.size() == command->argument_count
                                                     : given.size() <= command->argument_count;
    if (!count_fits) {
        std::fprintf(stderr, "usage: kiosk-diag %.*s %.*s\n",
                     static_cast<int>(command->words.size()), command->words.data(),
                     static_cast<int>(command->arguments.size()), command->arguments.data());
        return k_exit_unusable;
    }
    return command->run(given);
}
