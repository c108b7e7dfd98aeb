#include "base/command_line.h"

#include <catch2/catch.hpp>

TEST_CASE("a program is asked for its usage by --help or -h anywhere on its command line") {
    const char* const help[] = {"program", "input.txt", "--help"};
    const char* const short_help[] = {"program", "-h"};
    const char* const neither[] = {"program", "--helpful", "h"};
    CHECK(base::asks_for_help(3, help));
    CHECK(base::asks_for_help(2, short_help));
    CHECK_FALSE(base::asks_for_help(3, neither));
    CHECK_FALSE(base::asks_for_help(1, help));  // the program's own name is no argument
}

TEST_CASE("an option a program does not know is found, plain arguments and known options are not") {
    const char* const arguments[] = {"program", "file", "--system", "-x", "--later"};
    CHECK(base::unknown_option(3, arguments) == "--system");
    CHECK_FALSE(base::unknown_option(3, arguments, {"--system"}).has_value());
    CHECK(base::unknown_option(5, arguments, {"--system"}) == "-x");
    CHECK_FALSE(base::unknown_option(2, arguments).has_value());
}
