#include "simulator/script/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/text.h"

namespace simulator::script {

namespace {

// "'word'", the context of an error about one word. The helpers below report errors of one
// line; parse_scenario() puts the line number in front of their context.
std::string quoted_word(std::string_view word) {
    return "'" + std::string(word) + "'";
}

// Splits a line into words; "double quoted" text is one word (with \" and \\ escapes).
std::expected<std::vector<std::string>, base::Error<ScenarioError>> split_words(
    std::string_view line) {
    std::vector<std::string> words;
    std::size_t position = 0;
    while (position < line.size()) {
        if (line[position] == ' ' || line[position] == '\t') {
            ++position;
            continue;
        }
        if (line[position] == '#') {
            break;
        }
        std::string word;
        if (line[position] == '"') {
            ++position;
            bool closed = false;
            while (position < line.size()) {
                const char character = line[position++];
                if (character == '\\' && position < line.size()) {
                    word.push_back(line[position++]);
                } else if (character == '"') {
                    closed = true;
                    break;
                } else {
                    word.push_back(character);
                }
            }
            if (!closed) {
                return std::unexpected(base::error(ScenarioError::unclosed_quote));
            }
            words.push_back("\"" + word);  // the mark tells quoted text from keywords
            continue;
        }
        while (position < line.size() && line[position] != ' ' && line[position] != '\t') {
            word.push_back(line[position++]);
        }
        words.push_back(word);
    }
    return words;
}

bool is_quoted(const std::string& word) {
    return !word.empty() && word.front() == '"';
}
std::string unquoted(const std::string& word) {
    return word.substr(1);
}

using Words = std::vector<std::string>;

// Reads the optional "in full", "on CHANNEL" and "within DURATION" tails from `words` at
// `index`; a tail whose target is null is not allowed.
std::expected<void, base::Error<ScenarioError>> read_tail(const Words& words, std::size_t index,
                                                          std::string* channel,
                                                          Milliseconds* within,
                                                          bool* in_full = nullptr) {
    while (index < words.size()) {
        if (words[index] == "in" && in_full != nullptr && index + 1 < words.size() &&
            words[index + 1] == "full") {
            *in_full = true;
            index += 2;
        } else if (words[index] == "on" && channel != nullptr && index + 1 < words.size()) {
            *channel = words[index + 1];
            if (*channel != "speaker" && *channel != "headphones") {
                return std::unexpected(
                    base::error(ScenarioError::unknown_channel, quoted_word(*channel)));
            }
            index += 2;
        } else if (words[index] == "within" && within != nullptr && index + 1 < words.size()) {
            const auto duration = parse_duration(words[index + 1]);
            if (!duration) {
                return std::unexpected(
                    base::error(ScenarioError::bad_duration, quoted_word(words[index + 1])));
            }
            *within = *duration;
            index += 2;
        } else {
            return std::unexpected(
                base::error(ScenarioError::unexpected_word, quoted_word(words[index])));
        }
    }
    return {};
}

std::expected<SpeechPattern, base::Error<ScenarioError>> read_pattern(const Words& words,
                                                                      std::size_t& index) {
    SpeechPattern pattern;
    if (index < words.size() && is_quoted(words[index])) {
        pattern.text = unquoted(words[index]);
        ++index;
    } else if (index < words.size() && words[index] == "private") {
        pattern.is_private = true;
        ++index;
    } else {
        return std::unexpected(base::error(ScenarioError::missing_pattern));
    }
    return pattern;
}

// The words from `first` on, joined by single spaces: "card reader".
std::string joined(const Words& words, std::size_t first) {
    std::string text;
    for (std::size_t index = first; index < words.size(); ++index) {
        text += (index > first ? " " : "") + words[index];
    }
    return text;
}

// `staff acknowledge ["NAME"] [eta DURATION]`, from the word after `acknowledge`.
std::expected<Action, base::Error<ScenarioError>> parse_acknowledge(const Words& words,
                                                                    std::size_t index) {
    StaffAcknowledge acknowledge;
    if (index < words.size() && is_quoted(words[index])) {
        acknowledge.name = unquoted(words[index]);
        ++index;
    }
    if (index + 1 < words.size() && words[index] == "eta") {
        const auto duration = parse_duration(words[index + 1]);
        if (!duration) {
            return std::unexpected(
                base::error(ScenarioError::bad_duration, quoted_word(words[index + 1])));
        }
        // The contract counts whole seconds.
        const auto seconds = std::chrono::round<std::chrono::seconds>(*duration);
        if (seconds > k_longest_staff_eta) {
            return std::unexpected(
                base::error(ScenarioError::eta_too_long, quoted_word(words[index + 1])));
        }
        acknowledge.eta = seconds;
        index += 2;
    }
    if (index < words.size()) {
        return std::unexpected(
            base::error(ScenarioError::unexpected_word, quoted_word(words[index])));
    }
    return acknowledge;
}

// `expect delivered survey|complaint|call N [within D]`, from the word after `delivered`.
std::expected<Action, base::Error<ScenarioError>> parse_delivered(const Words& words,
                                                                  std::size_t index) {
    ExpectDelivered expect;
    bool known = false;
    for (const Delivery delivery : {Delivery::survey, Delivery::complaint, Delivery::call}) {
        if (index < words.size() && words[index] == to_string(delivery)) {
            expect.what = delivery;
            known = true;
        }
    }
    if (!known || index + 1 >= words.size()) {
        return std::unexpected(base::error(ScenarioError::unknown_step));
    }
    const std::string& count = words[index + 1];
    const auto [end, error] =
        std::from_chars(count.data(), count.data() + count.size(), expect.count);
    if (error != std::errc{} || end != count.data() + count.size() || expect.count < 0) {
        return std::unexpected(base::error(ScenarioError::bad_count, quoted_word(count)));
    }
    if (auto tail = read_tail(words, index + 2, nullptr, &expect.within); !tail) {
        return std::unexpected(tail.error());
    }
    return expect;
}

// kiosk/access/README.md, "The accounts file": a staff number is 4 to 8 digits.
bool is_engineer_id(std::string_view id) {
    constexpr std::size_t k_shortest = 4;
    constexpr std::size_t k_longest = 8;
    return id.size() >= k_shortest && id.size() <= k_longest && base::is_digits(id);
}

// `type password for ID`, `type one-time code for ID`.
std::expected<Action, base::Error<ScenarioError>> parse_engineer_secret(const Words& words) {
    TypeEngineerSecret typed;
    std::size_t index = 2;
    if (words[1] == "one-time") {
        if (words[2] != "code") {
            return std::unexpected(base::error(ScenarioError::unknown_step));
        }
        typed.secret = EngineerSecret::one_time_code;
        index = 3;
    }
    if (words.size() != index + 2 || words[index] != "for") {
        return std::unexpected(base::error(ScenarioError::unknown_step));
    }
    if (!is_engineer_id(words[index + 1])) {
        return std::unexpected(
            base::error(ScenarioError::bad_engineer_id, quoted_word(words[index + 1])));
    }
    typed.engineer_id = words[index + 1];
    return typed;
}

std::expected<Action, base::Error<ScenarioError>> parse_words(const Words& words) {
    const auto arity = [&](std::size_t count) { return words.size() == count; };
    const std::string& verb = words[0];
    if (verb == "insert" && words.size() == 3 && words[1] == "card") {
        return InsertCard{words[2]};
    }
    if (verb == "remove" && arity(2) && words[1] == "card") {
        return RemoveCard{};
    }
    if (verb == "take" && arity(2) && words[1] == "cash") {
        return TakeCash{};
    }
    if (verb == "press" && arity(4) && words[2] == "twice" && words[3] == "quickly") {
        const auto key = base::parse_key(words[1]);
        if (!key) {
            return std::unexpected(base::error(ScenarioError::unknown_key, quoted_word(words[1])));
        }
        return PressTwiceQuickly{*key};
    }
    if (verb == "press" && words.size() >= 2) {
        PressKeys press;
        for (std::size_t index = 1; index < words.size(); ++index) {
            const auto key = base::parse_key(words[index]);
            if (!key) {
                return std::unexpected(
                    base::error(ScenarioError::unknown_key, quoted_word(words[index])));
            }
            press.keys.push_back(*key);
        }
        return press;
    }
    if (verb == "type" && arity(3) && words[1] == "pin") {
        const std::string& digits = words[2];
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
            return std::unexpected(base::error(ScenarioError::pin_not_digits));
        }
        return TypePin{digits};
    }
    if (verb == "type" && words.size() >= 3 && (words[1] == "password" || words[1] == "one-time")) {
        return parse_engineer_secret(words);
    }
    if (verb == "scan" && arity(5) && words[1] == "set-up" && words[2] == "slip" &&
        words[3] == "for") {
        if (!is_engineer_id(words[4])) {
            return std::unexpected(
                base::error(ScenarioError::bad_engineer_id, quoted_word(words[4])));
        }
        return ScanSetUpSlip{words[4]};
    }
    if (verb == "type" && (arity(5) || arity(8)) && words[1] == "master" && words[2] == "key" &&
        words[3] == "component" && (words[4] == "1" || words[4] == "2") &&
        (arity(5) || (words[5] == "with" && words[6] == "a" && words[7] == "typo"))) {
        return TypeKeyComponent{.component = words[4] == "1" ? 1 : 2, .typo = arity(8)};
    }
    if (verb == "turn" && arity(4) && words[1] == "service" && words[2] == "switch" &&
        (words[3] == "on" || words[3] == "off")) {
        return ServiceSwitch{words[3] == "on"};
    }
    if ((verb == "open" || verb == "close") && arity(3) && words[1] == "cabinet" &&
        words[2] == "door") {
        return CabinetDoor{verb == "open"};
    }
    if ((verb == "plug" || verb == "unplug") && arity(2) && words[1] == "headphones") {
        return Headphones{verb == "plug"};
    }
    if (verb == "plug" || verb == "unplug") {
        for (const Device device :
             {Device::card_reader, Device::pin_pad, Device::printer, Device::dispenser}) {
            if (joined(words, 1) == to_string(device)) {
                return PlugDevice{device, verb == "plug"};
            }
        }
    }
    if (verb == "printer" && arity(3) && words[1] == "paper") {
        for (const Paper paper : {Paper::ok, Paper::low, Paper::out}) {
            if (words[2] == to_string(paper)) {
                return PrinterPaper{paper};
            }
        }
    }
    if (verb == "printer" && arity(3) && words[1] == "cover" &&
        (words[2] == "open" || words[2] == "closed")) {
        return PrinterCover{words[2] == "open"};
    }
    if (verb == "staff" && words.size() >= 2 && words[1] == "acknowledge") {
        return parse_acknowledge(words, 2);
    }
    if (verb == "staff" && arity(2) && words[1] == "close") {
        return StaffClose{};
    }
    if ((verb == "restart" || verb == "kill") && arity(2) && words[1] == "kiosk") {
        return RestartKiosk{.end = verb == "kill" ? KioskEnd::killed : KioskEnd::stopped};
    }
    if (verb == "arm" && arity(5) && words[1] == "kill" && words[2] == "after" &&
        words[3] == "journal" && is_quoted(words[4])) {
        return ArmKill{unquoted(words[4])};
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "kiosk" &&
        (words[2] == "killed" || words[2] == "restarted")) {
        RestartKiosk ended{.end = words[2] == "killed" ? KioskEnd::killed_itself
                                                       : KioskEnd::restarted_itself};
        if (auto tail = read_tail(words, 3, nullptr, &ended.within); !tail) {
            return std::unexpected(tail.error());
        }
        return ended;
    }
    if (verb == "put" && arity(9) && words[1] == "configuration" && words[2] == "on" &&
        words[3] == "usb" && words[4] == "stick" && words[5] == "with" && words[7] == "=") {
        // A quoted value becomes a TOML string; any other (a number, true) is TOML as written.
        std::string value = words[8];
        if (is_quoted(value)) {
            value = "\"";
            for (const char character : unquoted(words[8])) {
                value += character == '"' || character == '\\' ? std::string{'\\', character}
                                                               : std::string{character};
            }
            value += '"';
        }
        return PutConfiguration{words[6], std::move(value)};
    }
    if (verb == "make" && arity(3) && words[1] == "speech" &&
        (words[2] == "fail" || words[2] == "work")) {
        return SpeechFault{words[2] == "fail"};
    }
    if (verb == "wait" && arity(2)) {
        if (const auto duration = parse_duration(words[1])) {
            return Wait{*duration};
        }
        return std::unexpected(base::error(ScenarioError::bad_duration, quoted_word(words[1])));
    }
    if (verb == "fault" && arity(3)) {
        return Fault{words[1], words[2], {}};
    }
    if (verb == "fault" && arity(5) && words[3] == "for") {
        return Fault{words[1], words[2], words[4]};
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "screen") {
        ExpectScreen expect{words[2]};
        if (auto tail = read_tail(words, 3, nullptr, &expect.within); !tail) {
            return std::unexpected(tail.error());
        }
        return expect;
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "shown" && is_quoted(words[2])) {
        ExpectShown expect{unquoted(words[2])};
        if (auto tail = read_tail(words, 3, nullptr, &expect.within); !tail) {
            return std::unexpected(tail.error());
        }
        return expect;
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "journal" && is_quoted(words[2])) {
        ExpectJournal expect{unquoted(words[2])};
        if (auto tail = read_tail(words, 3, nullptr, &expect.within); !tail) {
            return std::unexpected(tail.error());
        }
        return expect;
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "printed" && is_quoted(words[2])) {
        ExpectPrinted expect{unquoted(words[2])};
        if (auto tail = read_tail(words, 3, nullptr, &expect.within); !tail) {
            return std::unexpected(tail.error());
        }
        return expect;
    }
    if (verb == "expect" && words.size() >= 2 && words[1] == "delivered") {
        return parse_delivered(words, 2);
    }
    if (verb == "expect" && arity(3) && words[1] == "memory" && words[2] == "clean") {
        return ExpectMemoryClean{};
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "ledger" && words[2] == "balanced") {
        if (arity(3)) {
            return ExpectLedgerBalanced{false};
        }
        if (arity(5) && words[3] == "nothing" && words[4] == "held") {
            return ExpectLedgerBalanced{true};
        }
        if (arity(4) && words[3] == "nothing") {
            return std::unexpected(base::error(ScenarioError::unknown_step));
        }
        const std::size_t wrong = words[3] == "nothing" ? 4 : 3;
        return std::unexpected(
            base::error(ScenarioError::unexpected_word, quoted_word(words[wrong])));
    }
    if (verb == "expect" && arity(4) && words[1] == "transferred" && words[3] == "yuan") {
        if (const auto minor_units = parse_yuan(words[2])) {
            return ExpectTransferred{*minor_units};
        }
        return std::unexpected(base::error(ScenarioError::unexpected_word, quoted_word(words[2])));
    }
    if (verb == "expect" && words.size() >= 3 && words[1] == "screens") {
        return ExpectScreens{Words(words.begin() + 2, words.end())};
    }
    if ((verb == "expect" || verb == "forbid") && words.size() >= 3 && words[1] == "speech") {
        std::size_t index = 2;
        auto pattern = read_pattern(words, index);
        if (!pattern) {
            return std::unexpected(pattern.error());
        }
        if (verb == "forbid") {
            if (auto tail = read_tail(words, index, &pattern->channel, nullptr); !tail) {
                return std::unexpected(tail.error());
            }
            return ForbidSpeech{*pattern};
        }
        ExpectSpeech expect{*pattern};
        if (auto tail =
                read_tail(words, index, &expect.pattern.channel, &expect.within, &expect.in_full);
            !tail) {
            return std::unexpected(tail.error());
        }
        return expect;
    }
    if (verb == "forbid" && arity(3) && words[1] == "pin" && words[2] == "length") {
        return ForbidPinLength{};
    }
    if (verb == "forbid" && arity(4) && words[1] == "password" && words[2] == "for") {
        if (!is_engineer_id(words[3])) {
            return std::unexpected(
                base::error(ScenarioError::bad_engineer_id, quoted_word(words[3])));
        }
        return ForbidPassword{words[3]};
    }
    if (verb == "forbid" && arity(3) && words[1] == "text" && is_quoted(words[2])) {
        return ForbidText{unquoted(words[2])};
    }
    return std::unexpected(base::error(ScenarioError::unknown_step));
}

}  // namespace

std::string_view to_string(Device device) {
    switch (device) {
        case Device::card_reader:
            return "card reader";
        case Device::pin_pad:
            return "pin pad";
        case Device::printer:
            return "printer";
        case Device::dispenser:
            return "dispenser";
    }
    return "unknown device";
}

std::string_view to_string(EngineerSecret secret) {
    switch (secret) {
        case EngineerSecret::password:
            return "password";
        case EngineerSecret::one_time_code:
            return "one-time code";
    }
    return "unknown secret";
}

std::string_view to_string(Paper paper) {
    switch (paper) {
        case Paper::ok:
            return "ok";
        case Paper::low:
            return "low";
        case Paper::out:
            return "out";
    }
    return "unknown paper";
}

std::string_view to_string(Delivery delivery) {
    switch (delivery) {
        case Delivery::survey:
            return "survey";
        case Delivery::complaint:
            return "complaint";
        case Delivery::call:
            return "call";
    }
    return "unknown delivery";
}

std::string_view to_string(ScenarioError error) {
    switch (error) {
        case ScenarioError::unclosed_quote:
            return "a quoted text is not closed";
        case ScenarioError::unknown_channel:
            return "not a channel (speaker or headphones)";
        case ScenarioError::bad_duration:
            return "not a duration like 500ms or 2s";
        case ScenarioError::unexpected_word:
            return "unexpected word";
        case ScenarioError::missing_pattern:
            return "speech needs a \"quoted text\" or the word private";
        case ScenarioError::unknown_key:
            return "not a PIN pad key (0-9 enter clear cancel help star hash audio)";
        case ScenarioError::pin_not_digits:
            return "a PIN is digits only";
        case ScenarioError::bad_count:
            return "not a count (a whole number, 0 or more)";
        case ScenarioError::eta_too_long:
            return "a member of staff's estimate is at most 3600s";
        case ScenarioError::bad_engineer_id:
            return "not an engineer's staff number (4 to 8 digits)";
        case ScenarioError::unknown_step:
            return "unknown step (see docs/scenarios.md)";
    }
    return "unknown scenario error";
}

std::optional<Milliseconds> parse_duration(std::string_view text) {
    double scale = 0;
    if (text.ends_with("ms")) {
        scale = 1;
        text.remove_suffix(2);
    } else if (text.ends_with("s")) {
        scale = 1000;
        text.remove_suffix(1);
    } else {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < 0 ||
        value > 3600 * 1000) {
        return std::nullopt;
    }
    return Milliseconds(static_cast<long>(std::lround(value * scale)));
}

std::optional<std::int64_t> parse_yuan(std::string_view text) {
    const std::size_t point = text.find('.');
    const std::string_view whole = text.substr(0, point);
    const std::string_view fraction =
        point == std::string_view::npos ? std::string_view("00") : text.substr(point + 1);
    constexpr std::size_t k_most_digits = 12;
    if (whole.empty() || whole.size() > k_most_digits || fraction.size() != 2 ||
        !base::is_digits(whole) || !base::is_digits(fraction)) {
        return std::nullopt;
    }
    std::int64_t yuan = 0;
    std::int64_t fen = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), yuan);
    std::from_chars(fraction.data(), fraction.data() + fraction.size(), fen);
    return yuan * 100 + fen;
}

std::expected<Scenario, base::Error<ScenarioError>> parse_scenario(std::string_view text) {
    Scenario scenario;
    int line_number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        // Puts the line in front of what the line's parser said.
        const auto at_line = [line_number](base::Error<ScenarioError> error) {
            std::string context = "line " + std::to_string(line_number);
            if (!error.context.empty()) {
                context += ": " + error.context;
            }
            return std::unexpected(base::error(error.code, std::move(context)));
        };
        auto words = split_words(line);
        if (!words) {
            return at_line(words.error());
        }
        if (words->empty()) {
            continue;
        }
        auto action = parse_words(*words);
        if (!action) {
            return at_line(action.error());
        }
        scenario.steps.push_back(Step{line_number, std::string(line), std::move(*action)});
    }
    return scenario;
}

}  // namespace simulator::script
