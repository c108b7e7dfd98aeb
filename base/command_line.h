#pragma once

// The part of a command line every program of the project reads the same way, before it starts
// anything (a window, audio, a device): whether it was asked for its usage, and an option it
// does not know. Standard library only.

#include <initializer_list>
#include <optional>
#include <string_view>

namespace base {

// Whether any argument is --help or -h: the program prints its usage on standard output and
// exits 0.
inline bool asks_for_help(int argc, const char* const* argv) {
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        if (argument == "--help" || argument == "-h") {
            return true;
        }
    }
    return false;
}

// The first argument that looks like an option (it starts with '-') and is none of `known`:
// the program prints it and its usage on standard error and exits 2.
inline std::optional<std::string_view> unknown_option(
    int argc, const char* const* argv, std::initializer_list<std::string_view> known = {}) {
    for (int index = 1; index < argc; ++index) {
        const std::string_view argument = argv[index];
        if (!argument.starts_with('-')) {
            continue;
        }
        bool is_known = false;
        for (const std::string_view option : known) {
            is_known = is_known || option == argument;
        }
        if (!is_known) {
            return argument;
        }
    }
    return std::nullopt;
}

}  // namespace base
