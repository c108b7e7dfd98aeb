#pragma once

// Runs a command line through the shell, as the tests that check a built program (kiosk-diag,
// kiosk-sim's tools, kiosk-load, every program's --help) do: what it wrote on the stream the
// command line sends to the pipe (standard output, unless the line redirects it) and its exit
// status.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace tests {

struct ProgramRun {
    std::string output;
    int status = -1;  // the exit status, or -1 when the program did not exit normally
};

inline ProgramRun run_command(const std::string& command_line) {
    ProgramRun result;
    FILE* pipe = ::popen(command_line.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
        result.output += buffer.data();
    }
    const int status = ::pclose(pipe);
    if (status != -1 && WIFEXITED(status)) {
        result.status = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace tests
