// docs/architecture.md, "core is pure": kiosk/core includes the C++ standard library and itself
// only, and its CMake target links nothing.

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

namespace {

const std::filesystem::path core_directory =
    std::filesystem::path(KIOSK_SOURCE_DIR) / "kiosk" / "core";

// The C++23 standard library headers (and the C headers in their <cname> form).
const std::set<std::string> standard_headers{"algorithm",
                                             "any",
                                             "array",
                                             "atomic",
                                             "bit",
                                             "bitset",
                                             "cassert",
                                             "cctype",
                                             "cerrno",
                                             "cfloat",
                                             "charconv",
                                             "chrono",
                                             "cinttypes",
                                             "climits",
                                             "clocale",
                                             "cmath",
                                             "compare",
                                             "complex",
                                             "concepts",
                                             "cstddef",
                                             "cstdint",
                                             "cstdio",
                                             "cstdlib",
                                             "cstring",
                                             "ctime",
                                             "cwchar",
                                             "cuchar",
                                             "deque",
                                             "exception",
                                             "expected",
                                             "format",
                                             "forward_list",
                                             "functional",
                                             "initializer_list",
                                             "iomanip",
                                             "ios",
                                             "iosfwd",
                                             "iostream",
                                             "istream",
                                             "iterator",
                                             "limits",
                                             "list",
                                             "map",
                                             "memory",
                                             "memory_resource",
                                             "new",
                                             "numbers",
                                             "numeric",
                                             "optional",
                                             "ostream",
                                             "queue",
                                             "ranges",
                                             "ratio",
                                             "regex",
                                             "set",
                                             "source_location",
                                             "span",
                                             "sstream",
                                             "stack",
                                             "stdexcept",
                                             "string",
                                             "string_view",
                                             "system_error",
                                             "tuple",
                                             "type_traits",
                                             "typeindex",
                                             "typeinfo",
                                             "unordered_map",
                                             "unordered_set",
                                             "utility",
                                             "valarray",
                                             "variant",
                                             "vector",
                                             "version"};

// Headers that are standard but reach the outside world: a clock, files, threads, randomness.
const std::set<std::string> impure_standard_headers{
    "chrono",   "ctime",      "cstdio",    "fstream", "filesystem",
    "iostream", "random",     "thread",    "mutex",   "condition_variable",
    "future",   "stop_token", "semaphore", "latch",   "barrier",
    "csignal",  "locale",     "clocale"};

std::vector<std::filesystem::path> core_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(core_directory)) {
        const auto extension = entry.path().extension();
        if (extension == ".h" || extension == ".cpp" || extension == ".hpp") {
            files.push_back(entry.path());
        }
    }
    return files;
}

}  // namespace

TEST_CASE("Core files include only the standard library and the core itself") {
    const std::regex include_line(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    const auto files = core_files();
    REQUIRE(files.size() > 20);
    int includes = 0;
    for (const auto& path : files) {
        std::ifstream stream(path);
        REQUIRE(stream);
        std::string line;
        while (std::getline(stream, line)) {
            std::smatch match;
            if (!std::regex_search(line, match, include_line)) {
                continue;
            }
            ++includes;
            const std::string header = match[2].str();
            INFO(path.filename().string() << ": " << line);
            if (match[1].str() == "\"") {
                // base/ is header-only and standard library only (base/README.md).
                CHECK((header.starts_with("kiosk/core/") || header.starts_with("base/")));
                CHECK(std::filesystem::exists(std::filesystem::path(KIOSK_SOURCE_DIR) / header));
            } else {
                CHECK(standard_headers.contains(header));
                CHECK_FALSE(impure_standard_headers.contains(header));
            }
        }
    }
    CHECK(includes > 50);
}

TEST_CASE("The core target links nothing but the standard library") {
    std::ifstream stream(core_directory / "CMakeLists.txt");
    REQUIRE(stream);
    const std::string text{std::istreambuf_iterator<char>(stream),
                           std::istreambuf_iterator<char>()};
    CHECK(text.find("kiosk_library(kiosk_core") != std::string::npos);
    CHECK(text.find("LINK") == std::string::npos);
    CHECK(text.find("target_link_libraries") == std::string::npos);
    CHECK(text.find("find_package") == std::string::npos);
}

TEST_CASE("Core code calls nothing that reads the environment, the clock or randomness") {
    // <cstdlib> and <ctime>-free code can still reach the outside through these calls.
    const std::regex impure_call(
        R"(\b(getenv|secure_getenv|setenv|system|rand|srand|random_device|time|clock|)"
        R"(sleep_for|sleep_until|fopen|popen|exit|abort)\s*\()");
    int lines = 0;
    for (const auto& path : core_files()) {
        std::ifstream stream(path);
        REQUIRE(stream);
        std::string line;
        while (std::getline(stream, line)) {
            ++lines;
            const auto comment = line.find("//");
            const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
            INFO(path.filename().string() << ": " << line);
            CHECK_FALSE(std::regex_search(code, impure_call));
        }
    }
    CHECK(lines > 1000);
}
