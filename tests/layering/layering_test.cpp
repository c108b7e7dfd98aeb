// The rings of docs/architecture.md, "Rings", and the pure core of docs/architecture.md, "Core is
// pure", checked on the source tree: which folder may include which header, where each
// third-party library may be included, and which library target may link which.
//
// Every rule is a function over a source root that returns what it found wrong, with file and
// line. The real tree must give nothing; small fake trees written to a temporary folder, each
// with one offending line next to an allowed one, must give exactly that line. A rule that no
// tree can break would guard nothing (docs/style.md, "Tests").

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace {

const std::filesystem::path k_source_root{KIOSK_SOURCE_DIR};

// The folders of the source tree that the rings cover; tests/, scripts/ and build/ are outside.
constexpr std::array<std::string_view, 4> k_ring_folders{"base", "drivers", "kiosk", "simulator"};

// The set of the words of `text`, separated by white space.
std::set<std::string, std::less<>> words_of(std::string_view text) {
    std::set<std::string, std::less<>> words;
    std::size_t position = 0;
    while ((position = text.find_first_not_of(" \n", position)) != std::string_view::npos) {
        const auto end = std::min(text.find_first_of(" \n", position), text.size());
        words.emplace(text.substr(position, end - position));
        position = end;
    }
    return words;
}

// The C++23 standard library headers, the C ones in their <cname> form.
const auto k_standard_headers = words_of(
    "algorithm any array atomic barrier bit bitset cassert cctype cerrno cfenv cfloat charconv "
    "chrono cinttypes climits clocale cmath codecvt compare complex concepts condition_variable "
    "coroutine csetjmp csignal cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar "
    "cwctype deque exception execution expected filesystem flat_map flat_set format forward_list "
    "fstream functional future generator initializer_list iomanip ios iosfwd iostream istream "
    "iterator latch limits list locale map mdspan memory memory_resource mutex new numbers "
    "numeric optional ostream print queue random ranges ratio regex scoped_allocator semaphore "
    "set shared_mutex source_location span spanstream sstream stack stacktrace stdexcept stdfloat "
    "stop_token streambuf string string_view strstream syncstream system_error thread tuple "
    "type_traits typeindex typeinfo unordered_map unordered_set utility valarray variant vector "
    "version");

// Standard headers that reach the outside world: a clock, files, the console, threads,
// randomness, signals, the locale. The core includes none of them (docs/architecture.md, "Core
// is pure").
const auto k_impure_standard_headers = words_of(
    "barrier chrono clocale codecvt condition_variable csetjmp csignal cstdio ctime execution "
    "filesystem fstream future iostream latch locale mutex print random semaphore shared_mutex "
    "stacktrace stop_token syncstream thread");

// The targets of the kiosk's adapter ring (docs/architecture.md, "Rings").
const std::set<std::string, std::less<>> k_adapter_targets{
    "kiosk_ui",        "kiosk_speech", "kiosk_net",   "kiosk_devices",
    "kiosk_resources", "kiosk_store",  "kiosk_access"};
const std::set<std::string, std::less<>> k_adapter_folders{
    "kiosk/ui",        "kiosk/speech", "kiosk/net",   "kiosk/devices",
    "kiosk/resources", "kiosk/store",  "kiosk/access"};

// A third-party library and the only places that may include it. A header ending in '*' is a
// prefix; a place ending in '/' is a folder, any other place is one file. The first library
// whose header matches is the one an include belongs to, so SDL_ttf and SDL_image come before
// SDL2.
struct Library {
    std::string_view name;
    std::vector<std::string_view> headers;
    std::vector<std::string_view> places;
};

// Where each library is included today. docs/architecture.md, "Rings" gives the libraries of
// each folder. A place is a single file where that document names the file (libusb, the
// kiosk's event loop) or where one file of a folder needs the library and the folder's own
// library does not (the renderer's benchmark).
const std::vector<Library> k_libraries{
    {"libusb", {"libusb.h", "libusb-1.0/*"}, {"drivers/usb/usb_transport.cpp"}},
    {"eSpeak NG", {"espeak-ng/*", "espeak/*"}, {"kiosk/speech/"}},
    {"libcurl", {"curl/*"}, {"kiosk/net/"}},
    {"SDL_ttf",
     {"SDL2/SDL_ttf.h", "SDL_ttf.h"},
     {"kiosk/ui/", "simulator/panel/", "simulator/paper/"}},
    {"SDL_image", {"SDL2/SDL_image.h", "SDL_image.h"}, {"kiosk/ui/", "simulator/paper/"}},
    {"SDL2",
     {"SDL*"},
     {"kiosk/ui/", "kiosk/speech/", "kiosk/app/main.cpp", "kiosk/app/event_queue.h",
      "simulator/panel/", "simulator/paper/"}},
    // The kiosk's random identifiers (Idempotency-Key, session reference) come from OpenSSL's
    // generator; the queue client's outbox is an SQLite file; the electronic journal is an
    // SQLite file chained with OpenSSL's SHA-256. One-time passwords are HMACs, and an
    // engineer's password is kept as a slow salted hash (kiosk/access).
    {"OpenSSL",
     {"openssl/*"},
     {"drivers/iso9564/", "drivers/dukpt/", "drivers/epp/epp_security.cpp",
      "drivers/emv/application_cryptogram.cpp", "drivers/otp/", "simulator/bank/",
      "simulator/queue/", "kiosk/net/random_uuid.cpp", "kiosk/store/", "kiosk/access/"}},
    {"SQLite",
     {"sqlite3.h", "sqlite3ext.h"},
     {"simulator/bank/", "simulator/queue/", "kiosk/net/", "kiosk/store/"}},
    {"cpp-httplib", {"httplib.h"}, {"simulator/bank/", "simulator/queue/"}},
    // The simulated paper draws a printed slip's QR codes from their data.
    {"libqrencode", {"qrencode.h"}, {"simulator/paper/"}},
    {"umockdev and GLib",
     {"umockdev.h", "umockdev-ioctl.h", "umockdev-1.0/*", "glib.h", "glib/*", "glib-object.h",
      "gobject/*", "gio/*"},
     {"simulator/usb/"}},
    {"toml++",
     {"toml++/*"},
     {"kiosk/app/", "kiosk/resources/", "kiosk/access/", "simulator/app/", "simulator/bank/",
      "simulator/cards/", "simulator/queue/", "simulator/staff/"}},
    {"nlohmann/json",
     {"nlohmann/*"},
     {"kiosk/app/", "kiosk/diag/", "kiosk/load/", "kiosk/net/", "simulator/app/", "simulator/bank/",
      "simulator/queue/", "simulator/script/"}},
    {"fmt",
     {"fmt/*"},
     {"kiosk/app/", "kiosk/ui/bench.cpp", "simulator/app/", "simulator/panel/", "simulator/script/",
      "simulator/usb/"}},
    // The simulator starts the kiosk as a process, serves on a socket, answers usbdevfs ioctls
    // and reads the kiosk's memory; the kiosk makes itself non-dumpable and locks its memory in
    // one file, creates its transcript readable by its owner only in another, and checks in its
    // configuration that its client key is its own user's and private; the engineers' accounts
    // and the sign-in state are written durably (fsync) and read only when the kiosk's user owns
    // them.
    {"POSIX and Linux system interfaces",
     {"sys/*", "linux/*", "arpa/*", "netinet/*", "unistd.h", "fcntl.h", "signal.h", "spawn.h",
      "poll.h", "pthread.h", "dlfcn.h", "netdb.h", "termios.h"},
     {"simulator/app/", "simulator/bank/", "simulator/queue/", "simulator/usb/",
      "kiosk/app/process_protection.cpp", "kiosk/app/transcript.cpp", "kiosk/app/config.cpp",
      "kiosk/access/private_file.cpp", "drivers/emv/unpredictable_number.cpp"}},
    // The size of a heap block, so that the allocation functions the kiosk gives libcurl can
    // wipe each block it frees.
    {"the C library's heap", {"malloc.h"}, {"kiosk/net/https_exchange.cpp"}},
};

// What a rule found wrong: the file (relative to the root, '/' separated), the line (1-based, 0
// for the file as a whole), the line's text and why it breaks the rule.
struct Violation {
    std::string file;
    int line = 0;
    std::string text;
    std::string reason;
};

using Violations = std::vector<Violation>;

std::string describe(const Violation& violation) {
    return violation.file + ":" + std::to_string(violation.line) + ": " + violation.reason +
           "\n    " + violation.text;
}

std::string describe(const Violations& violations) {
    std::string text;
    for (const auto& violation : violations) {
        text += describe(violation) + "\n";
    }
    return text;
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r");
    return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::ifstream stream(path);
    std::string line;
    while (std::getline(stream, line)) {
        lines.push_back(line);
    }
    return lines;
}

bool is_source_file(const std::filesystem::path& path) {
    static const std::set<std::string, std::less<>> k_extensions{".h", ".hpp", ".cpp", ".cc",
                                                                 ".c", ".inl", ".ipp"};
    return k_extensions.contains(path.extension().string());
}

// The files under `folder` of `root` that `wanted` accepts, relative to the root and sorted so
// that reports come in a stable order.
std::vector<std::string> files_under(
    const std::filesystem::path& root, std::string_view folder,
    const std::function<bool(const std::filesystem::path&)>& wanted) {
    std::vector<std::string> files;
    const auto directory = root / folder;
    if (!std::filesystem::is_directory(directory)) {
        return files;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
        if (entry.is_regular_file() && wanted(entry.path())) {
            files.push_back(entry.path().lexically_relative(root).generic_string());
        }
    }
    std::ranges::sort(files);
    return files;
}

std::vector<std::string> source_files(const std::filesystem::path& root, std::string_view folder) {
    return files_under(root, folder, is_source_file);
}

std::vector<std::string> cmake_files(const std::filesystem::path& root) {
    std::vector<std::string> files;
    for (const auto folder : k_ring_folders) {
        auto found = files_under(root, folder, [](const std::filesystem::path& path) {
            return path.filename() == "CMakeLists.txt";
        });
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

// The folder of a relative file path: "kiosk/ui/display.cpp" is in "kiosk/ui".
std::string folder_of(std::string_view file) {
    const auto slash = file.rfind('/');
    return slash == std::string_view::npos ? std::string{} : std::string(file.substr(0, slash));
}

// Whether `path` is one of `places`: a place ending in '/' is a folder and holds everything
// under it, any other place is a single file.
bool is_in(std::string_view path, const std::vector<std::string_view>& places) {
    return std::ranges::any_of(places, [path](std::string_view place) {
        return place.ends_with('/') ? path.starts_with(place) : path == place;
    });
}

std::string list_of(const std::vector<std::string_view>& places) {
    std::string text;
    for (const auto place : places) {
        text += (text.empty() ? "" : ", ") + std::string(place);
    }
    return text;
}

// One #include line of a source file.
struct Include {
    std::string file;
    int line = 0;
    std::string text;
    std::string header;
    bool is_quoted = false;
};

std::vector<Include> includes_under(const std::filesystem::path& root, std::string_view folder) {
    static const std::regex k_include_line(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    std::vector<Include> includes;
    for (const auto& file : source_files(root, folder)) {
        const auto lines = read_lines(root / file);
        for (std::size_t index = 0; index < lines.size(); ++index) {
            const auto& line = lines[index];
            std::smatch match;
            if (line.find("include") == std::string::npos ||
                !std::regex_search(line, match, k_include_line)) {
                continue;
            }
            includes.push_back({file, static_cast<int>(index + 1), trimmed(line), match[2].str(),
                                match[1].str() == "\""});
        }
    }
    return includes;
}

std::vector<Include> all_includes(const std::filesystem::path& root) {
    std::vector<Include> includes;
    for (const auto folder : k_ring_folders) {
        auto found = includes_under(root, folder);
        includes.insert(includes.end(), found.begin(), found.end());
    }
    return includes;
}

// A header of the project is named from the project root, which every target has on its
// include path, so it starts with a ring folder whichever brackets it is written with.
bool is_project_header(std::string_view header) {
    return std::ranges::any_of(k_ring_folders, [header](std::string_view folder) {
        return header.starts_with(folder) && header.size() > folder.size() &&
               header[folder.size()] == '/';
    });
}

bool is_standard_header(std::string_view header) {
    return k_standard_headers.contains(header);
}

bool is_third_party_header(const Include& include) {
    return !is_project_header(include.header) && !is_standard_header(include.header);
}

bool header_matches(std::string_view header, std::string_view pattern) {
    return pattern.ends_with('*') ? header.starts_with(pattern.substr(0, pattern.size() - 1))
                                  : header == pattern;
}

const Library* library_of(std::string_view header) {
    for (const auto& library : k_libraries) {
        if (std::ranges::any_of(library.headers, [header](std::string_view pattern) {
                return header_matches(header, pattern);
            })) {
            return &library;
        }
    }
    return nullptr;
}

const Library& library_named(std::string_view name) {
    const auto found = std::ranges::find(k_libraries, name, &Library::name);
    REQUIRE(found != k_libraries.end());
    return *found;
}

// Judges every include under `folder`: `judge` gives the reason an include breaks the rule, or
// nothing when it keeps it.
using IncludeJudge = std::function<std::optional<std::string>(const Include&)>;

Violations include_violations(const std::filesystem::path& root, std::string_view folder,
                              const IncludeJudge& judge) {
    Violations violations;
    for (const auto& include : includes_under(root, folder)) {
        if (auto reason = judge(include)) {
            violations.push_back({include.file, include.line, include.text, std::move(*reason)});
        }
    }
    return violations;
}

Violations all_include_violations(const std::filesystem::path& root, const IncludeJudge& judge) {
    Violations violations;
    for (const auto folder : k_ring_folders) {
        auto found = include_violations(root, folder, judge);
        violations.insert(violations.end(), found.begin(), found.end());
    }
    return violations;
}

// Every rule below reads project headers by their path; a header named relative to its
// includer, or one that does not exist, would slip past them.
Violations project_path_violations(const std::filesystem::path& root) {
    return all_include_violations(
        root, [&root](const Include& include) -> std::optional<std::string> {
            if (include.is_quoted && !is_project_header(include.header)) {
                return "a project header is named from the project root (base/, drivers/, kiosk/, "
                       "simulator/), so the rings can be checked";
            }
            if (is_project_header(include.header) &&
                !std::filesystem::exists(root / include.header)) {
                return "names no file of the project";
            }
            return std::nullopt;
        });
}

// Rule 1: base/ is the bottom ring, header-only and standard library only.
Violations base_violations(const std::filesystem::path& root) {
    return include_violations(
        root, "base", [](const Include& include) -> std::optional<std::string> {
            if (is_standard_header(include.header) || include.header.starts_with("base/")) {
                return std::nullopt;
            }
            return "base/ includes only the standard library and base/ (docs/architecture.md, "
                   "\"Rings\")";
        });
}

// Rule 2: the drivers are shared by the kiosk and the simulator and know neither.
Violations drivers_violations(const std::filesystem::path& root) {
    return include_violations(
        root, "drivers", [](const Include& include) -> std::optional<std::string> {
            if (!is_project_header(include.header) || include.header.starts_with("base/") ||
                include.header.starts_with("drivers/")) {
                return std::nullopt;
            }
            return "drivers/ includes only base/ and drivers/ of the project "
                   "(docs/architecture.md, \"Rings\")";
        });
}

// Rule 3: the kiosk and the simulator meet only in drivers/ and base/.
Violations kiosk_includes_simulator_violations(const std::filesystem::path& root) {
    return include_violations(
        root, "kiosk", [](const Include& include) -> std::optional<std::string> {
            if (!include.header.starts_with("simulator/")) {
                return std::nullopt;
            }
            return "the kiosk never includes simulator/ (docs/architecture.md, \"Rings\")";
        });
}

Violations simulator_includes_kiosk_violations(const std::filesystem::path& root) {
    return include_violations(
        root, "simulator", [](const Include& include) -> std::optional<std::string> {
            if (!include.header.starts_with("kiosk/")) {
                return std::nullopt;
            }
            return "the simulator never includes kiosk/ (docs/architecture.md, \"Rings\")";
        });
}

// Rules 4 to 7: a third-party library is included only in its places.
Violations library_violations(const std::filesystem::path& root, const Library& library) {
    return all_include_violations(
        root, [&library](const Include& include) -> std::optional<std::string> {
            if (!is_third_party_header(include) || library_of(include.header) != &library ||
                is_in(include.file, library.places)) {
                return std::nullopt;
            }
            return std::string(library.name) + " is included only in " + list_of(library.places) +
                   " (docs/architecture.md, \"Rings\")";
        });
}

// A library missing from k_libraries would be allowed everywhere; naming it there decides
// where it may be used.
Violations unknown_library_violations(const std::filesystem::path& root) {
    return all_include_violations(root, [](const Include& include) -> std::optional<std::string> {
        if (include.is_quoted || !is_third_party_header(include) ||
            library_of(include.header) != nullptr) {
            return std::nullopt;
        }
        return "neither a C++ standard header nor a header of a library listed in "
               "tests/layering/layering_test.cpp; list it there with the places that may use it";
    });
}

// Rule 8: the core is pure. Its includes: the standard library without the headers that reach
// the outside, base/ and the core itself.
Violations core_include_violations(const std::filesystem::path& root) {
    return include_violations(
        root, "kiosk/core", [&root](const Include& include) -> std::optional<std::string> {
            if (is_project_header(include.header)) {
                if (!include.header.starts_with("kiosk/core/") &&
                    !include.header.starts_with("base/")) {
                    return "the core includes only the standard library, base/ and kiosk/core "
                           "(docs/architecture.md, \"Core is pure\")";
                }
                if (!std::filesystem::exists(root / include.header)) {
                    return "names no file of the project";
                }
                return std::nullopt;
            }
            if (!is_standard_header(include.header)) {
                return "the core includes only the standard library, base/ and kiosk/core "
                       "(docs/architecture.md, \"Core is pure\")";
            }
            if (k_impure_standard_headers.contains(include.header)) {
                return "<" + include.header +
                       "> reaches a clock, a file, a thread or randomness; the core is handed "
                       "what it needs (docs/architecture.md, \"Core is pure\")";
            }
            return std::nullopt;
        });
}

// Code that includes no impure header can still reach the outside through these names.
Violations core_call_violations(const std::filesystem::path& root) {
    static const std::regex k_impure_call(
        R"(\b(getenv|secure_getenv|setenv|putenv|unsetenv|system|rand|srand|random_device|time|)"
        R"(clock|now|localtime|gmtime|timespec_get|sleep_for|sleep_until|fopen|popen|fork|exit|)"
        R"(quick_exit|abort)\s*\()");
    static const std::regex k_impure_name(
        R"(\b(random_device|mt19937|mt19937_64|default_random_engine|system_clock|steady_clock|)"
        R"(high_resolution_clock|this_thread|cin|cout|cerr|clog)\b)");
    Violations violations;
    for (const auto& file : source_files(root, "kiosk/core")) {
        const auto lines = read_lines(root / file);
        for (std::size_t index = 0; index < lines.size(); ++index) {
            const auto& line = lines[index];
            const auto comment = line.find("//");
            const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
            if (std::regex_search(code, k_impure_call) || std::regex_search(code, k_impure_name)) {
                violations.push_back({file, static_cast<int>(index + 1), trimmed(line),
                                      "the core reads no clock, file or environment and uses no "
                                      "randomness (docs/architecture.md, \"Core is pure\")"});
            }
        }
    }
    return violations;
}

// One command of a CMakeLists.txt and its arguments, each with the line it is on.
struct CmakeArgument {
    std::string text;
    int line = 0;
};

struct CmakeCommand {
    std::string name;  // lower case: CMake command names are case-insensitive
    int line = 0;
    std::vector<CmakeArgument> arguments;
};

bool is_identifier_character(char character) {
    return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
           (character >= '0' && character <= '9') || character == '_';
}

// Enough of CMake's grammar for the project's lists: commands, arguments split at white space,
// quoted arguments, nested parentheses and # comments.
std::vector<CmakeCommand> parse_cmake(const std::string& text) {
    std::vector<CmakeCommand> commands;
    std::size_t position = 0;
    int line = 1;
    const auto skip_comment = [&] {
        while (position < text.size() && text[position] != '\n') {
            ++position;
        }
    };
    while (position < text.size()) {
        const char character = text[position];
        if (character == '\n') {
            ++line;
            ++position;
        } else if (character == '#') {
            skip_comment();
        } else if (is_identifier_character(character)) {
            const auto start = position;
            while (position < text.size() && is_identifier_character(text[position])) {
                ++position;
            }
            CmakeCommand command{text.substr(start, position - start), line, {}};
            std::ranges::transform(command.name, command.name.begin(), [](char letter) {
                return letter >= 'A' && letter <= 'Z' ? static_cast<char>(letter - 'A' + 'a')
                                                      : letter;
            });
            while (position < text.size() && (text[position] == ' ' || text[position] == '\t')) {
                ++position;
            }
            if (position >= text.size() || text[position] != '(') {
                continue;
            }
            ++position;
            int depth = 1;
            CmakeArgument argument;
            const auto finish_argument = [&] {
                if (!argument.text.empty()) {
                    command.arguments.push_back(argument);
                }
                argument = {};
            };
            const auto append = [&](char letter) {
                if (argument.text.empty()) {
                    argument.line = line;
                }
                argument.text += letter;
            };
            while (position < text.size() && depth > 0) {
                const char next = text[position];
                if (next == '\n') {
                    finish_argument();
                    ++line;
                    ++position;
                } else if (next == ' ' || next == '\t' || next == '\r') {
                    finish_argument();
                    ++position;
                } else if (next == '#' && argument.text.empty()) {
                    skip_comment();
                } else if (next == '"') {
                    ++position;
                    while (position < text.size() && text[position] != '"') {
                        if (text[position] == '\\' && position + 1 < text.size()) {
                            ++position;
                        }
                        if (text[position] == '\n') {
                            ++line;
                        }
                        append(text[position]);
                        ++position;
                    }
                    ++position;
                } else if (next == ')' && --depth == 0) {
                    finish_argument();
                    ++position;
                } else {
                    if (next == '(') {
                        ++depth;
                    }
                    append(next);
                    ++position;
                }
            }
            commands.push_back(std::move(command));
        } else {
            ++position;
        }
    }
    return commands;
}

// A target named in the LINK list of kiosk_library() or kiosk_executable(), or in
// target_link_libraries(), in the CMakeLists.txt `file`.
struct Link {
    std::string file;
    int line = 0;
    std::string text;
    std::string target;
    std::string linked;
};

std::vector<Link> links_in(const std::filesystem::path& root, const std::string& file) {
    static const std::set<std::string, std::less<>> k_helper_keywords{"SOURCES", "LINK",
                                                                      "ENVIRONMENT"};
    static const std::set<std::string, std::less<>> k_scope_keywords{
        "PUBLIC",      "PRIVATE",      "INTERFACE",
        "LINK_PUBLIC", "LINK_PRIVATE", "LINK_INTERFACE_LIBRARIES"};
    std::ifstream stream(root / file);
    const std::string text{std::istreambuf_iterator<char>(stream),
                           std::istreambuf_iterator<char>()};
    const auto lines = read_lines(root / file);
    const auto line_text = [&lines](int line) {
        return line >= 1 && static_cast<std::size_t>(line) <= lines.size()
                   ? trimmed(lines[static_cast<std::size_t>(line - 1)])
                   : std::string{};
    };
    std::vector<Link> links;
    for (const auto& command : parse_cmake(text)) {
        if (command.arguments.empty()) {
            continue;
        }
        const auto& target = command.arguments.front().text;
        if (command.name == "kiosk_library" || command.name == "kiosk_executable") {
            bool in_link_list = false;
            for (std::size_t index = 1; index < command.arguments.size(); ++index) {
                const auto& argument = command.arguments[index];
                if (k_helper_keywords.contains(argument.text)) {
                    in_link_list = argument.text == "LINK";
                } else if (in_link_list) {
                    links.push_back(
                        {file, argument.line, line_text(argument.line), target, argument.text});
                }
            }
        } else if (command.name == "target_link_libraries") {
            for (std::size_t index = 1; index < command.arguments.size(); ++index) {
                const auto& argument = command.arguments[index];
                if (!k_scope_keywords.contains(argument.text)) {
                    links.push_back(
                        {file, argument.line, line_text(argument.line), target, argument.text});
                }
            }
        }
    }
    return links;
}

// The rings of docs/architecture.md, "Rings", in the order the kiosk stacks them, and the
// simulator beside them. `third_party` is anything linked by an imported name (`fmt::fmt`,
// `PkgConfig::SDL2`); `none` is a name or folder of no ring.
enum class Ring { base, drivers, core, adapters, shell, simulator, third_party, none };

std::string_view name_of(Ring ring) {
    switch (ring) {
        case Ring::base:
            return "base";
        case Ring::drivers:
            return "drivers";
        case Ring::core:
            return "core";
        case Ring::adapters:
            return "adapters";
        case Ring::shell:
            return "shell";
        case Ring::simulator:
            return "simulator";
        case Ring::third_party:
            return "third party";
        case Ring::none:
            break;
    }
    return "no ring";
}

// The ring of a linked target, read from its name: a folder's library is named after its path
// (docs/style.md, "Folders").
Ring ring_of_target(std::string_view target) {
    if (target.find("::") != std::string_view::npos) {
        return Ring::third_party;
    }
    if (target == "kiosk_base") {
        return Ring::base;
    }
    if (target.starts_with("drivers_")) {
        return Ring::drivers;
    }
    if (target == "kiosk_core") {
        return Ring::core;
    }
    if (k_adapter_targets.contains(target)) {
        return Ring::adapters;
    }
    if (target == "kiosk_app") {
        return Ring::shell;
    }
    if (target.starts_with("simulator_")) {
        return Ring::simulator;
    }
    return Ring::none;
}

// The ring of a folder, and so of every target its CMakeLists.txt declares (executables have
// names of their own, `kiosk-sim`, `kiosk_ui_bench`).
Ring ring_of_folder(std::string_view folder) {
    if (folder == "base") {
        return Ring::base;
    }
    if (folder.starts_with("drivers/")) {
        return Ring::drivers;
    }
    if (folder == "kiosk/core") {
        return Ring::core;
    }
    if (k_adapter_folders.contains(folder)) {
        return Ring::adapters;
    }
    // kiosk-diag and kiosk-load are programs of their own, wired like the kiosk: they may use
    // every adapter.
    if (folder == "kiosk/app" || folder == "kiosk/diag" || folder == "kiosk/load") {
        return Ring::shell;
    }
    if (folder.starts_with("simulator/")) {
        return Ring::simulator;
    }
    return Ring::none;
}

// A ring links its own ring and lower ones: base < drivers < core < adapters < shell for the
// kiosk; the simulator links drivers, base and itself, and the kiosk never links the simulator.
bool may_link(Ring from, Ring to) {
    if (to == Ring::third_party) {
        return true;
    }
    if (from == Ring::none || to == Ring::none) {
        return false;
    }
    if (from == Ring::simulator) {
        return to == Ring::base || to == Ring::drivers || to == Ring::simulator;
    }
    return to != Ring::simulator && static_cast<int>(to) <= static_cast<int>(from);
}

// Rule 9: the targets of a ring link only their own ring and lower rings.
Violations link_violations(const std::filesystem::path& root) {
    Violations violations;
    for (const auto& file : cmake_files(root)) {
        const auto folder = folder_of(file);
        const auto from = ring_of_folder(folder);
        for (const auto& link : links_in(root, file)) {
            const auto to = ring_of_target(link.linked);
            if (may_link(from, to)) {
                continue;
            }
            violations.push_back(
                {link.file, link.line, link.text,
                 link.target + " (" + folder + ", ring " + std::string(name_of(from)) +
                     ") may not link " + link.linked + " (ring " + std::string(name_of(to)) +
                     "): a ring links only its own ring and lower ones (docs/architecture.md, "
                     "\"Rings\")"});
        }
        // The linked side's ring is read from its name, so a library must carry its folder's.
        std::ifstream stream(root / file);
        const std::string text{std::istreambuf_iterator<char>(stream),
                               std::istreambuf_iterator<char>()};
        for (const auto& command : parse_cmake(text)) {
            if (command.name != "kiosk_library" || command.arguments.empty()) {
                continue;
            }
            std::string expected = folder;
            std::ranges::replace(expected, '/', '_');
            if (command.arguments.front().text != expected) {
                const auto lines = read_lines(root / file);
                violations.push_back({file, command.line,
                                      trimmed(lines[static_cast<std::size_t>(command.line - 1)]),
                                      "the library of " + folder + " is named " + expected +
                                          ", which tells its ring (docs/style.md, \"Folders\")"});
            }
        }
    }
    return violations;
}

// Rule 8, the core's build: kiosk_core links nothing but kiosk_base, and its list finds no
// package that could bring the outside in.
Violations core_link_violations(const std::filesystem::path& root) {
    static const std::set<std::string, std::less<>> k_package_commands{
        "find_package", "pkg_check_modules", "pkg_search_module", "link_libraries", "find_library"};
    const std::string file = "kiosk/core/CMakeLists.txt";
    Violations violations;
    std::ifstream stream(root / file);
    if (!stream) {
        return {{file, 0, "", "the core's CMakeLists.txt is missing"}};
    }
    const std::string text{std::istreambuf_iterator<char>(stream),
                           std::istreambuf_iterator<char>()};
    const auto lines = read_lines(root / file);
    const auto commands = parse_cmake(text);
    if (std::ranges::none_of(commands, [](const CmakeCommand& command) {
            return command.name == "kiosk_library" && !command.arguments.empty() &&
                   command.arguments.front().text == "kiosk_core";
        })) {
        violations.push_back({file, 0, "", "declares no kiosk_library(kiosk_core)"});
    }
    for (const auto& command : commands) {
        if (k_package_commands.contains(command.name)) {
            violations.push_back({file, command.line,
                                  trimmed(lines[static_cast<std::size_t>(command.line - 1)]),
                                  "the core uses no package (docs/architecture.md, "
                                  "\"Core is pure\")"});
        }
    }
    for (const auto& link : links_in(root, file)) {
        if (link.linked != "kiosk_base") {
            violations.push_back({link.file, link.line, link.text,
                                  "kiosk_core links nothing but kiosk_base, not " + link.linked +
                                      " (docs/architecture.md, \"Core is pure\")"});
        }
    }
    return violations;
}

// The kiosk reaches drivers/ only through kiosk/devices, in its includes and its links;
// kiosk-diag, a program of its own, decodes device and card bytes with the same drivers; and
// kiosk/access checks an engineer's one-time code with drivers/otp, which the simulator's
// engineers share.
bool may_reach_drivers(const std::string& file) {
    return file.starts_with("kiosk/devices/") || file.starts_with("kiosk/diag/") ||
           file.starts_with("kiosk/access/");
}

Violations kiosk_drivers_violations(const std::filesystem::path& root) {
    const std::string reason =
        "the kiosk reaches drivers/ only through kiosk/devices (docs/architecture.md, \"Rings\")";
    auto violations = include_violations(
        root, "kiosk", [&reason](const Include& include) -> std::optional<std::string> {
            if (include.header.starts_with("drivers/") && !may_reach_drivers(include.file)) {
                return reason;
            }
            return std::nullopt;
        });
    for (const auto& file : cmake_files(root)) {
        if (!file.starts_with("kiosk/") || may_reach_drivers(file)) {
            continue;
        }
        for (const auto& link : links_in(root, file)) {
            if (ring_of_target(link.linked) == Ring::drivers) {
                violations.push_back({link.file, link.line, link.text, reason});
            }
        }
    }
    return violations;
}

// The adapters depend on the core, never on one another or on the shell. The renderer's
// benchmark loads the real catalogs through kiosk/resources, which docs/architecture.md,
// "Rings" allows for a benchmark.
Violations adapter_violations(const std::filesystem::path& root) {
    static const std::vector<std::pair<std::string_view, std::string_view>> k_allowed{
        {"kiosk/ui/bench.cpp", "kiosk/resources/"}};
    Violations violations;
    for (const auto& adapter : k_adapter_folders) {
        auto found = include_violations(
            root, adapter, [&adapter](const Include& include) -> std::optional<std::string> {
                const bool is_other_kiosk_folder = include.header.starts_with("kiosk/") &&
                                                   !include.header.starts_with("kiosk/core/") &&
                                                   !include.header.starts_with(adapter + "/");
                const bool is_allowed =
                    std::ranges::any_of(k_allowed, [&include](const auto& allowed) {
                        return include.file == allowed.first &&
                               include.header.starts_with(allowed.second);
                    });
                if (!is_other_kiosk_folder || is_allowed) {
                    return std::nullopt;
                }
                return "an adapter includes kiosk/core and base/, never another adapter or "
                       "the shell (docs/architecture.md, \"Rings\")";
            });
        violations.insert(violations.end(), found.begin(), found.end());
    }
    return violations;
}

// The real tree keeps every rule; each violation is reported on its own with file and line.
void check_none(const Violations& violations) {
    for (const auto& violation : violations) {
        FAIL_CHECK(describe(violation));
    }
    CHECK(violations.empty());
}

// A fake tree breaks a rule once: exactly that file and line must be reported.
void check_reported_once(const Violations& violations, std::string_view file, int line) {
    INFO(describe(violations));
    REQUIRE(violations.size() == 1);
    CHECK(violations.front().file == file);
    CHECK(violations.front().line == line);
    CHECK_FALSE(violations.front().reason.empty());
}

// A source tree in a fresh temporary folder, removed again when the test ends.
class FakeTree {
  public:
    FakeTree() {
        std::random_device random;
        m_root = std::filesystem::temp_directory_path() /
                 ("kiosk_layering_" + std::to_string(random()) + "_" + std::to_string(random()));
        std::filesystem::create_directories(m_root);
    }
    ~FakeTree() {
        std::error_code error;
        std::filesystem::remove_all(m_root, error);
    }
    FakeTree(const FakeTree&) = delete;
    FakeTree& operator=(const FakeTree&) = delete;

    const std::filesystem::path& root() const { return m_root; }

    // Writes `text` to `file`, relative to the root; the file's lines are numbered from 1.
    void write(std::string_view file, std::string_view text) const {
        const auto path = m_root / file;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream stream(path);
        stream << text;
    }

  private:
    std::filesystem::path m_root;
};

}  // namespace

// ---- The real tree keeps every rule. ----

TEST_CASE("The layering checks read the whole source tree") {
    // Checks over an empty or misplaced tree would pass and prove nothing.
    CHECK(source_files(k_source_root, "base").size() >= 4);
    CHECK(source_files(k_source_root, "drivers").size() > 20);
    CHECK(source_files(k_source_root, "kiosk/core").size() > 20);
    CHECK(source_files(k_source_root, "kiosk").size() > 60);
    CHECK(source_files(k_source_root, "simulator").size() > 30);
    CHECK(includes_under(k_source_root, "kiosk/core").size() > 50);
    CHECK(all_includes(k_source_root).size() > 500);
    CHECK(links_in(k_source_root, "kiosk/devices/CMakeLists.txt").size() >= 5);
    std::size_t libraries = 0;
    for (const auto& file : cmake_files(k_source_root)) {
        std::ifstream stream(k_source_root / file);
        const std::string text{std::istreambuf_iterator<char>(stream),
                               std::istreambuf_iterator<char>()};
        for (const auto& command : parse_cmake(text)) {
            libraries += command.name == "kiosk_library" ? 1U : 0U;
        }
    }
    CHECK(libraries >= 20);
    std::size_t core_lines = 0;
    for (const auto& file : source_files(k_source_root, "kiosk/core")) {
        core_lines += read_lines(k_source_root / file).size();
    }
    CHECK(core_lines > 1000);
}

TEST_CASE("Every listed library is included somewhere in the tree") {
    // A library whose header patterns match nothing would pass its rule without checking it.
    const auto includes = all_includes(k_source_root);
    for (const auto& library : k_libraries) {
        INFO(library.name);
        CHECK(std::ranges::any_of(includes, [&library](const Include& include) {
            return is_third_party_header(include) && library_of(include.header) == &library;
        }));
    }
}

TEST_CASE("Every project header is included by its path from the project root") {
    check_none(project_path_violations(k_source_root));
}

TEST_CASE("base/ includes only standard headers and base/") {
    check_none(base_violations(k_source_root));
}

TEST_CASE("drivers include nothing from kiosk/ or simulator/") {
    check_none(drivers_violations(k_source_root));
}

TEST_CASE("kiosk/ includes nothing from simulator/") {
    check_none(kiosk_includes_simulator_violations(k_source_root));
}

TEST_CASE("simulator/ includes nothing from kiosk/") {
    check_none(simulator_includes_kiosk_violations(k_source_root));
}

TEST_CASE("The kiosk reaches drivers/ only through kiosk/devices") {
    check_none(kiosk_drivers_violations(k_source_root));
}

TEST_CASE("The kiosk's adapters include neither one another nor the shell") {
    check_none(adapter_violations(k_source_root));
}

TEST_CASE("libusb is included only by drivers/usb/usb_transport.cpp") {
    check_none(library_violations(k_source_root, library_named("libusb")));
}

TEST_CASE("eSpeak NG is included only in kiosk/speech") {
    check_none(library_violations(k_source_root, library_named("eSpeak NG")));
}

TEST_CASE("libcurl is included only in kiosk/net") {
    check_none(library_violations(k_source_root, library_named("libcurl")));
}

TEST_CASE(
    "SDL2 is included only in kiosk/ui, kiosk/speech, the kiosk's event loop, simulator/panel and "
    "simulator/paper") {
    check_none(library_violations(k_source_root, library_named("SDL2")));
}

TEST_CASE("SDL_ttf is included only in kiosk/ui and simulator/panel and simulator/paper") {
    check_none(library_violations(k_source_root, library_named("SDL_ttf")));
}

TEST_CASE("SDL_image is included only in kiosk/ui and simulator/paper") {
    check_none(library_violations(k_source_root, library_named("SDL_image")));
}

TEST_CASE(
    "OpenSSL is included only in the drivers' ciphers (ISO 9564 PIN blocks, DUKPT, the PIN pad's "
    "session security, EMV cryptograms, one-time passwords), simulator/bank and simulator/queue, "
    "the kiosk's random identifiers, its journal and its engineers' accounts") {
    check_none(library_violations(k_source_root, library_named("OpenSSL")));
}

TEST_CASE("SQLite is included only in simulator/bank and simulator/queue and kiosk/net") {
    check_none(library_violations(k_source_root, library_named("SQLite")));
}

TEST_CASE("cpp-httplib is included only in simulator/bank and simulator/queue") {
    check_none(library_violations(k_source_root, library_named("cpp-httplib")));
}

TEST_CASE("libqrencode is included only in simulator/paper") {
    check_none(library_violations(k_source_root, library_named("libqrencode")));
}

TEST_CASE("umockdev and GLib are included only in simulator/usb") {
    check_none(library_violations(k_source_root, library_named("umockdev and GLib")));
}

TEST_CASE(
    "toml++ is included only in kiosk/app, kiosk/resources, kiosk/access, simulator/app, "
    "simulator/bank, simulator/cards, simulator/queue and simulator/staff") {
    check_none(library_violations(k_source_root, library_named("toml++")));
}

TEST_CASE(
    "nlohmann/json is included only in kiosk/app, kiosk/diag, kiosk/load, kiosk/net, "
    "simulator/app, simulator/bank, simulator/queue and simulator/script") {
    check_none(library_violations(k_source_root, library_named("nlohmann/json")));
}

TEST_CASE(
    "fmt is included only in kiosk/app, kiosk/ui/bench.cpp, simulator/app, simulator/panel, "
    "simulator/script and simulator/usb") {
    check_none(library_violations(k_source_root, library_named("fmt")));
}

TEST_CASE(
    "POSIX and Linux system headers are included only in simulator/app, simulator/bank, "
    "simulator/queue, simulator/usb, the kiosk's process protection and its configuration, and "
    "the EMV terminal's unpredictable number (getrandom)") {
    check_none(
        library_violations(k_source_root, library_named("POSIX and Linux system interfaces")));
}

TEST_CASE("The C library's heap interface is included only by the kiosk's HTTPS exchange") {
    check_none(library_violations(k_source_root, library_named("the C library's heap")));
}

TEST_CASE("Every header outside the project and the standard library belongs to a listed library") {
    check_none(unknown_library_violations(k_source_root));
}

TEST_CASE("Core files include only the standard library, base/ and the core itself") {
    check_none(core_include_violations(k_source_root));
}

TEST_CASE("Core code calls nothing that reads the environment, the clock or randomness") {
    check_none(core_call_violations(k_source_root));
}

TEST_CASE("The core target links nothing but kiosk_base") {
    check_none(core_link_violations(k_source_root));
}

TEST_CASE("A library links only libraries of its own ring or of lower rings") {
    check_none(link_violations(k_source_root));
}

// ---- Each rule reports a fake tree that breaks it, at the offending file and line. ----

TEST_CASE("A relative or missing project include is reported") {
    FakeTree tree;
    tree.write("kiosk/ui/theme.h", "#pragma once\n");
    SECTION("a header named relative to its includer") {
        tree.write("kiosk/ui/display.cpp", "#include \"kiosk/ui/theme.h\"\n#include \"theme.h\"\n");
        check_reported_once(project_path_violations(tree.root()), "kiosk/ui/display.cpp", 2);
    }
    SECTION("a header that does not exist") {
        tree.write("kiosk/ui/display.cpp",
                   "#include \"kiosk/ui/theme.h\"\n\n#include \"kiosk/ui/missing.h\"\n");
        check_reported_once(project_path_violations(tree.root()), "kiosk/ui/display.cpp", 3);
    }
}

TEST_CASE("A base/ header that includes a driver or a library is reported") {
    FakeTree tree;
    tree.write("base/bytes.h", "#pragma once\n#include <vector>\n#include \"base/wipe.h\"\n");
    SECTION("a driver") {
        tree.write("base/wipe.h",
                   "#pragma once\n#include <cstring>\n#include \"drivers/usb/transport.h\"\n");
        check_reported_once(base_violations(tree.root()), "base/wipe.h", 3);
    }
    SECTION("a third-party library") {
        tree.write("base/wipe.h", "#pragma once\n#include <openssl/crypto.h>\n");
        check_reported_once(base_violations(tree.root()), "base/wipe.h", 2);
    }
}

TEST_CASE("A driver that includes a kiosk/ or simulator/ header is reported") {
    FakeTree tree;
    tree.write(
        "drivers/usb/transport.cpp",
        "#include \"drivers/usb/transport.h\"\n#include \"base/bytes.h\"\n#include <libusb.h>\n");
    SECTION("kiosk/") {
        tree.write("drivers/ccid/ccid_client.cpp",
                   "#include \"drivers/usb/transport.h\"\n#include \"kiosk/core/events.h\"\n");
        check_reported_once(drivers_violations(tree.root()), "drivers/ccid/ccid_client.cpp", 2);
    }
    SECTION("simulator/") {
        tree.write("drivers/epp/epp_client.cpp",
                   "\n\n\n#include <simulator/usb/virtual_usb_bus.h>\n");
        check_reported_once(drivers_violations(tree.root()), "drivers/epp/epp_client.cpp", 4);
    }
}

TEST_CASE("A kiosk/ file that includes a simulator/ header is reported") {
    FakeTree tree;
    tree.write("kiosk/app/kiosk.cpp",
               "#include \"kiosk/core/flow.h\"\n#include \"drivers/usb/transport.h\"\n");
    tree.write("kiosk/devices/device_link.cpp",
               "#include \"kiosk/devices/device_link.h\"\n#include "
               "\"simulator/devices/direct_transport.h\"\n");
    check_reported_once(kiosk_includes_simulator_violations(tree.root()),
                        "kiosk/devices/device_link.cpp", 2);
}

TEST_CASE("A simulator/ file that includes a kiosk/ header is reported") {
    FakeTree tree;
    tree.write(
        "simulator/devices/virtual_epp.cpp",
        "#include \"drivers/epp/epp_protocol.h\"\n#include \"simulator/usb/virtual_usb_bus.h\"\n");
    tree.write("simulator/panel/control_panel.cpp", "#include \"kiosk/core/screen.h\"\n");
    check_reported_once(simulator_includes_kiosk_violations(tree.root()),
                        "simulator/panel/control_panel.cpp", 1);
}

TEST_CASE("A kiosk folder other than kiosk/devices that reaches drivers/ is reported") {
    FakeTree tree;
    tree.write("kiosk/devices/card_reader_service.cpp",
               "#include \"drivers/ccid/ccid_client.h\"\n");
    tree.write("kiosk/devices/CMakeLists.txt",
               "kiosk_library(kiosk_devices\n  LINK drivers_ccid)\n");
    SECTION("by an include") {
        tree.write("kiosk/app/kiosk.cpp",
                   "#include \"kiosk/core/flow.h\"\n#include \"drivers/usb/transport.h\"\n");
        check_reported_once(kiosk_drivers_violations(tree.root()), "kiosk/app/kiosk.cpp", 2);
    }
    SECTION("by a link") {
        tree.write("kiosk/ui/CMakeLists.txt",
                   "kiosk_library(kiosk_ui\n  SOURCES display.cpp\n  LINK\n    kiosk_core\n    "
                   "drivers_usb\n)\n");
        check_reported_once(kiosk_drivers_violations(tree.root()), "kiosk/ui/CMakeLists.txt", 5);
    }
}

TEST_CASE("An adapter that includes another adapter or the shell is reported") {
    FakeTree tree;
    tree.write("kiosk/ui/bench.cpp",
               "#include \"kiosk/resources/load_resources.h\"\n#include \"kiosk/ui/display.h\"\n");
    tree.write("kiosk/speech/speaker.cpp",
               "#include \"kiosk/speech/speaker.h\"\n#include \"kiosk/core/speech_script.h\"\n");
    SECTION("another adapter") {
        tree.write(
            "kiosk/net/account_client.cpp",
            "#include \"kiosk/net/account_client.h\"\n#include \"kiosk/speech/speaker.h\"\n");
        check_reported_once(adapter_violations(tree.root()), "kiosk/net/account_client.cpp", 2);
    }
    SECTION("the shell") {
        tree.write("kiosk/ui/display.cpp", "#include \"kiosk/app/config.h\"\n");
        check_reported_once(adapter_violations(tree.root()), "kiosk/ui/display.cpp", 1);
    }
    SECTION("the benchmark's exception holds for the benchmark only") {
        tree.write(
            "kiosk/ui/display.cpp",
            "#include \"kiosk/ui/display.h\"\n#include \"kiosk/resources/load_resources.h\"\n");
        check_reported_once(adapter_violations(tree.root()), "kiosk/ui/display.cpp", 2);
    }
}

TEST_CASE("libusb included outside drivers/usb/usb_transport.cpp is reported") {
    FakeTree tree;
    tree.write("drivers/usb/usb_transport.cpp", "#include <libusb.h>\n");
    SECTION("<libusb.h> in another file of drivers/usb") {
        tree.write("drivers/usb/transport.cpp",
                   "#include \"drivers/usb/transport.h\"\n#include <libusb.h>\n");
        check_reported_once(library_violations(tree.root(), library_named("libusb")),
                            "drivers/usb/transport.cpp", 2);
    }
    SECTION("<libusb-1.0/libusb.h> in the kiosk") {
        tree.write("kiosk/devices/device_link.cpp", "#include <libusb-1.0/libusb.h>\n");
        check_reported_once(library_violations(tree.root(), library_named("libusb")),
                            "kiosk/devices/device_link.cpp", 1);
    }
}

TEST_CASE("eSpeak NG included outside kiosk/speech is reported") {
    FakeTree tree;
    tree.write("kiosk/speech/speaker.cpp", "#include <SDL.h>\n#include <espeak-ng/speak_lib.h>\n");
    tree.write("kiosk/ui/display.cpp", "#include <SDL2/SDL.h>\n#include <espeak-ng/speak_lib.h>\n");
    check_reported_once(library_violations(tree.root(), library_named("eSpeak NG")),
                        "kiosk/ui/display.cpp", 2);
}

TEST_CASE("libcurl included outside kiosk/net is reported") {
    FakeTree tree;
    tree.write("kiosk/net/account_client.cpp", "#include <curl/curl.h>\n");
    tree.write("kiosk/app/kiosk.cpp", "#include <fmt/format.h>\n#include <curl/curl.h>\n");
    check_reported_once(library_violations(tree.root(), library_named("libcurl")),
                        "kiosk/app/kiosk.cpp", 2);
}

TEST_CASE("Every listed library included outside its places is reported") {
    // The pure core is a place no library may reach, so it serves as the offending file.
    for (const auto& library : k_libraries) {
        const auto header = std::string(library.headers.front());
        const auto included =
            header.ends_with('*') ? header.substr(0, header.size() - 1) + "x.h" : header;
        const auto place = std::string(library.places.front());
        const auto allowed_file = place.ends_with('/') ? place + "allowed.cpp" : place;
        DYNAMIC_SECTION(library.name) {
            FakeTree tree;
            tree.write(allowed_file, "#include <" + included + ">\n");
            tree.write("kiosk/core/flow.cpp", "#include <string>\n\n#include <" + included + ">\n");
            check_reported_once(library_violations(tree.root(), library), "kiosk/core/flow.cpp", 3);
        }
    }
}

TEST_CASE("A header of an unlisted library is reported") {
    FakeTree tree;
    tree.write("simulator/bank/account_store.cpp", "#include <sqlite3.h>\n#include <string>\n");
    tree.write("simulator/bank/account_service.cpp",
               "#include <httplib.h>\n#include <boost/asio.hpp>\n");
    check_reported_once(unknown_library_violations(tree.root()),
                        "simulator/bank/account_service.cpp", 2);
}

TEST_CASE("A core file that includes an impure, unknown or outer header is reported") {
    FakeTree tree;
    tree.write("kiosk/core/session.h",
               "#pragma once\n#include <string>\n#include \"base/keys.h\"\n");
    tree.write("base/keys.h", "#pragma once\n");
    SECTION("an impure standard header") {
        tree.write("kiosk/core/flow.cpp", "#include \"kiosk/core/session.h\"\n#include <thread>\n");
        check_reported_once(core_include_violations(tree.root()), "kiosk/core/flow.cpp", 2);
    }
    SECTION("a third-party header") {
        tree.write("kiosk/core/flow.cpp", "#include <fmt/format.h>\n");
        check_reported_once(core_include_violations(tree.root()), "kiosk/core/flow.cpp", 1);
    }
    SECTION("an adapter's header") {
        tree.write("kiosk/core/flow.cpp",
                   "#include <vector>\n#include \"kiosk/resources/load_resources.h\"\n");
        check_reported_once(core_include_violations(tree.root()), "kiosk/core/flow.cpp", 2);
    }
    SECTION("a core header that does not exist") {
        tree.write("kiosk/core/flow.cpp", "#include \"kiosk/core/missing.h\"\n");
        check_reported_once(core_include_violations(tree.root()), "kiosk/core/flow.cpp", 1);
    }
}

TEST_CASE("A core line that reads the environment, the clock or randomness is reported") {
    FakeTree tree;
    tree.write("kiosk/core/session.cpp",
               "// A comment may say getenv(\"HOME\") or time(nullptr).\nint timeout_ms = 0;\n");
    SECTION("getenv") {
        tree.write("kiosk/core/flow.cpp",
                   "void f() {\n    auto home = std::getenv(\"HOME\");\n}\n");
        check_reported_once(core_call_violations(tree.root()), "kiosk/core/flow.cpp", 2);
    }
    SECTION("a clock") {
        tree.write("kiosk/core/flow.cpp", "\nauto start = std::chrono::steady_clock::now();\n");
        check_reported_once(core_call_violations(tree.root()), "kiosk/core/flow.cpp", 2);
    }
    SECTION("randomness") {
        tree.write("kiosk/core/flow.cpp", "int roll() { return rand() % 6; }\n");
        check_reported_once(core_call_violations(tree.root()), "kiosk/core/flow.cpp", 1);
    }
}

TEST_CASE("A core target that links more than kiosk_base is reported") {
    FakeTree tree;
    SECTION("kiosk_base alone is allowed") {
        tree.write(
            "kiosk/core/CMakeLists.txt",
            "# The pure core.\nkiosk_library(kiosk_core\n  SOURCES flow.cpp\n  LINK kiosk_base)\n");
        CHECK(core_link_violations(tree.root()).empty());
    }
    SECTION("a third-party library in the LINK list") {
        tree.write("kiosk/core/CMakeLists.txt",
                   "kiosk_library(kiosk_core\n  SOURCES flow.cpp\n  LINK\n    kiosk_base\n    "
                   "fmt::fmt\n)\n");
        check_reported_once(core_link_violations(tree.root()), "kiosk/core/CMakeLists.txt", 5);
    }
    SECTION("target_link_libraries") {
        tree.write("kiosk/core/CMakeLists.txt",
                   "kiosk_library(kiosk_core SOURCES flow.cpp)\ntarget_link_libraries(kiosk_core "
                   "PRIVATE Threads::Threads)\n");
        check_reported_once(core_link_violations(tree.root()), "kiosk/core/CMakeLists.txt", 2);
    }
    SECTION("a package") {
        tree.write("kiosk/core/CMakeLists.txt",
                   "kiosk_library(kiosk_core SOURCES flow.cpp)\n\nfind_package(Threads)\n");
        check_reported_once(core_link_violations(tree.root()), "kiosk/core/CMakeLists.txt", 3);
    }
}

TEST_CASE("A library that links an outer ring or the other program is reported") {
    FakeTree tree;
    tree.write("drivers/ccid/CMakeLists.txt",
               "kiosk_library(drivers_ccid\n  SOURCES ccid_client.cpp\n  LINK drivers_usb "
               "drivers_iso7816)\n");
    tree.write(
        "kiosk/app/CMakeLists.txt",
        "kiosk_library(kiosk_app\n  SOURCES kiosk.cpp\n  LINK kiosk_core kiosk_ui fmt::fmt)\n"
        "kiosk_executable(kiosk\n  SOURCES main.cpp\n  LINK kiosk_app)\n");
    tree.write("simulator/devices/CMakeLists.txt",
               "kiosk_library(simulator_devices\n  SOURCES virtual_epp.cpp\n  LINK simulator_cards "
               "drivers_epp kiosk_base Threads::Threads)\n");
    SECTION("an adapter linking the shell") {
        tree.write(
            "kiosk/ui/CMakeLists.txt",
            "# The renderer.\nkiosk_library(kiosk_ui\n  SOURCES display.cpp\n  LINK kiosk_core\n"
            "       kiosk_app PkgConfig::SDL2)\n");
        check_reported_once(link_violations(tree.root()), "kiosk/ui/CMakeLists.txt", 5);
    }
    SECTION("a driver linking the core") {
        tree.write("drivers/usb/CMakeLists.txt",
                   "kiosk_library(drivers_usb\n  SOURCES transport.cpp\n  LINK kiosk_core)\n");
        check_reported_once(link_violations(tree.root()), "drivers/usb/CMakeLists.txt", 3);
    }
    SECTION("the core linking an adapter") {
        tree.write("kiosk/core/CMakeLists.txt",
                   "kiosk_library(kiosk_core SOURCES flow.cpp)\ntarget_link_libraries(kiosk_core "
                   "PUBLIC kiosk_resources)\n");
        check_reported_once(link_violations(tree.root()), "kiosk/core/CMakeLists.txt", 2);
    }
    SECTION("the simulator linking the kiosk") {
        tree.write(
            "simulator/panel/CMakeLists.txt",
            "kiosk_library(simulator_panel\n  SOURCES control_panel.cpp\n  LINK simulator_script\n"
            "    kiosk_core)\n");
        check_reported_once(link_violations(tree.root()), "simulator/panel/CMakeLists.txt", 4);
    }
    SECTION("the kiosk linking the simulator") {
        tree.write("kiosk/net/CMakeLists.txt",
                   "kiosk_library(kiosk_net\n  SOURCES account_client.cpp\n  LINK kiosk_core "
                   "simulator_bank)\n");
        check_reported_once(link_violations(tree.root()), "kiosk/net/CMakeLists.txt", 3);
    }
    SECTION("a target of no ring") {
        tree.write(
            "kiosk/speech/CMakeLists.txt",
            "kiosk_library(kiosk_speech\n  SOURCES speaker.cpp\n  LINK kiosk_core kiosk_voice)\n");
        check_reported_once(link_violations(tree.root()), "kiosk/speech/CMakeLists.txt", 3);
    }
    SECTION("a library not named after its folder") {
        tree.write("kiosk/speech/CMakeLists.txt",
                   "\nkiosk_library(kiosk_voice\n  SOURCES speaker.cpp\n  LINK kiosk_core)\n");
        check_reported_once(link_violations(tree.root()), "kiosk/speech/CMakeLists.txt", 2);
    }
}
