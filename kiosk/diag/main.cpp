// kiosk-diag: the engineer's tool. It decodes what a kiosk keeps or sees (its electronic
// journal, a reader's class descriptor, a card's answer to reset, EMV data objects) and prints
// it as one JSON object on stdout.

#include <algorithm>
#include <array>
#include <cstdio>
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
                                &kiosk::diag::k_read_card};

// "  journal verify FILE     check ...": the left part padded so that the summaries line up.
std::string usage_row(std::string_view left, std::string_view summary) {
    constexpr std::size_t k_summary_column = 26;
    std::string row = "  " + std::string(left) + " ";
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

}  // namespace

int main(int argc, char** argv) {
    using kiosk::diag::k_exit_unusable;
    if (base::asks_for_help(argc, argv)) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    // "-" is no option: the decoders read their input from standard input when given it.
    if (const auto option = base::unknown_option(argc, argv, {"-"})) {
        std::fprintf(stderr, "kiosk-diag: unknown option %.*s\n%s",
                     static_cast<int>(option->size()), option->data(), usage().c_str());
        return k_exit_unusable;
    }
    const std::vector<std::string_view> arguments(argv + 1, argv + argc);
    const Command* command = command_named(arguments);
    if (command == nullptr) {
        std::fprintf(stderr, "kiosk-diag: unknown command\n%s", usage().c_str());
        return k_exit_unusable;
    }
    const auto given = std::span(arguments).subspan(word_count(command->words));
    if (given.size() != command->argument_count) {
        std::fprintf(stderr, "usage: kiosk-diag %.*s %.*s\n",
                     static_cast<int>(command->words.size()), command->words.data(),
                     static_cast<int>(command->arguments.size()), command->arguments.data());
        return k_exit_unusable;
    }
    return command->run(given);
}
