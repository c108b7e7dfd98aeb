#pragma once

// The one shape of an error that carries context (docs/style.md, "Errors"): a code from a
// domain's closed enum, and what was being done when it happened (a path, a device, a voice,
// a line of a file). Domains whose callers need no context return the bare code instead.
// The context never holds personal data: no PAN, no PIN, no balance, no name.

#include <string>
#include <string_view>
#include <utility>

namespace base {

template <typename Code>
struct Error {
    Code code;
    std::string context;

    friend bool operator==(const Error&, const Error&) = default;
};

template <typename Code>
Error<Code> error(Code code, std::string context = {}) {
    return Error<Code>{code, std::move(context)};
}

// "what went wrong: context", or only what went wrong when there is no context. Each domain's
// code has its own `to_string(Code)`, found by argument-dependent lookup.
template <typename Code>
std::string to_string(const Error<Code>& error) {
    std::string text(to_string(error.code));
    if (!error.context.empty()) {
        text += ": ";
        text += error.context;
    }
    return text;
}

}  // namespace base
