#include "simulator/script/runner.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace simulator::script {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr auto k_poll_interval = std::chrono::milliseconds(25);
constexpr auto k_pause_between_keys = std::chrono::milliseconds(150);
// A person presses the same key again no sooner than this: the kiosk ignores an identical
// second press within its [input] ignore_second_press_ms (500 ms by default, EN 301 549 5.7).
constexpr auto k_same_key_again_after = std::chrono::milliseconds(700);
// `press KEY twice quickly`: well within it.
constexpr auto k_quick_second_press = std::chrono::milliseconds(120);
// The queue service's records are read from its database: a few times a second is enough for
// `expect delivered` and the staff steps, and leaves the service to the kiosk.
constexpr auto k_queue_poll_interval = std::chrono::milliseconds(200);

std::string string_field(const Json& record, const char* name) {
    const auto found = record.find(name);
    return found != record.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool is_kind(const Json& record, std::string_view kind) {
    return string_field(record, "kind") == kind;
}

std::string describe(const SpeechPattern& pattern) {
    std::string text = pattern.is_private ? "private speech" : "speech \"" + pattern.text + "\"";
    if (!pattern.channel.empty()) {
        text += " on " + pattern.channel;
    }
    return text;
}

// Collects every string value in a JSON document, however deep.
void collect_strings(const Json& value, std::vector<std::string>& strings) {
    if (value.is_string()) {
        strings.push_back(value.get<std::string>());
    } else if (value.is_structured()) {
        for (const auto& child : value) {
            collect_strings(child, strings);
        }
    }
}

// What the kiosk writes instead of private text (docs/architecture.md, "Contracts").
constexpr std::string_view k_redacted_text = "[private]";
constexpr std::string_view k_pin_screen = "pin_entry";

// One PIN entry as the transcript tells it: the records from the pin_entry screen's first
// record up to the record of the next other screen.
struct PinEntry {
    long started_ms = 0;
    std::vector<const Json*> records;
};

std::vector<PinEntry> pin_entries(const std::vector<Json>& records) {
    std::vector<PinEntry> entries;
    bool inside = false;
    for (const Json& record : records) {
        if (is_kind(record, "screen")) {
            const bool pin_screen = string_field(record, "id") == k_pin_screen;
            if (pin_screen && !inside) {
                entries.push_back(PinEntry{record.value("t_ms", 0L), {}});
            }
            inside = pin_screen;
        }
        if (inside) {
            entries.back().records.push_back(&record);
        }
    }
    return entries;
}

// A record without its times: its kind and the fields that say what happened.
std::string outline_name(const Json& record) {
    const std::string kind = string_field(record, "kind");
    const auto with = [&](std::initializer_list<const char*> fields) {
        std::string name = kind;
        for (const char* field : fields) {
            name += ' ' + string_field(record, field);
        }
        return name;
    };
    if (kind == "screen") {
        return with({"id"});
    }
    if (kind == "tone") {
        return with({"tone"});
    }
    if (kind == "input") {
        return with({"source", "key"});
    }
    if (kind == "device") {
        return with({"device", "event"});
    }
    if (kind == "service") {
        return with({"call", "status"});
    }
    if (kind == "timer") {
        return with({"id", "action"});
    }
    if (kind == "journal") {
        return with({"event"});
    }
    if (kind == "metric") {
        return with({"name"});
    }
    return kind;
}

// How many records of each name an entry holds. Speech is left out: a speech record is written
// when its utterance ends, so whether it falls inside an entry depends on how far the prompt
// had played, not on the keys.
using Outline = std::map<std::string, int>;

Outline outline(const PinEntry& entry) {
    Outline counts;
    for (const Json* record : entry.records) {
        if (!is_kind(*record, "speech")) {
            ++counts[outline_name(*record)];
        }
    }
    return counts;
}

// The findings of `forbid pin length`: digit tones, PIN fields written out, and PIN entries
// whose records differ (they can differ only by what the customer typed, when the scenario
// has each customer do the same but type PINs of different lengths).
std::vector<std::string> pin_length_findings(const std::vector<Json>& records) {
    std::vector<std::string> findings;
    int digit_tones = 0;
    long first_tone_ms = 0;
    for (const Json& record : records) {
        if (is_kind(record, "tone") && string_field(record, "tone") == "digit") {
            if (digit_tones++ == 0) {
                first_tone_ms = record.value("t_ms", 0L);
            }
        }
    }
    if (digit_tones > 0) {
        findings.push_back(fmt::format(
            "{} digit tone{} recorded, the first at t_ms {}: each tells one more digit and when",
            digit_tones, digit_tones == 1 ? " was" : "s were", first_tone_ms));
    }

    const std::vector<PinEntry> entries = pin_entries(records);
    for (std::size_t index = 0; index < entries.size(); ++index) {
        int shown = 0;
        std::string last_shown;
        for (const Json* record : entries[index].records) {
            if (!is_kind(*record, "screen") || !record->contains("elements") ||
                !(*record)["elements"].is_array()) {
                continue;
            }
            for (const Json& element : (*record)["elements"]) {
                if (string_field(element, "role") == "input" &&
                    string_field(element, "text") != k_redacted_text) {
                    ++shown;
                    last_shown = string_field(element, "text");
                }
            }
        }
        if (shown > 0) {
            findings.push_back(fmt::format(
                "PIN entry {} (from t_ms {}): {} pin_entry screen record{} the PIN field, the "
                "last as \"{}\", where \"{}\" belongs",
                index + 1, entries[index].started_ms, shown, shown == 1 ? " shows" : "s show",
                last_shown, k_redacted_text));
        }
    }

    if (entries.size() < 2) {
        findings.push_back(fmt::format(
            "the transcript holds {} PIN entr{}: the check compares two or more, so type PINs of "
            "different lengths in at least two",
            entries.size(), entries.size() == 1 ? "y" : "ies"));
        return findings;
    }
    const Outline first = outline(entries[0]);
    for (std::size_t index = 1; index < entries.size(); ++index) {
        const Outline other = outline(entries[index]);
        std::set<std::string> names;
        for (const auto& [name, count] : first) {
            names.insert(name);
        }
        for (const auto& [name, count] : other) {
            names.insert(name);
        }
        std::vector<std::string> differences;
        for (const std::string& name : names) {
            const int in_first = first.contains(name) ? first.at(name) : 0;
            const int in_other = other.contains(name) ? other.at(name) : 0;
            if (in_first != in_other) {
                differences.push_back(fmt::format("{}: {} in entry 1, {} in entry {}", name,
                                                  in_first, in_other, index + 1));
            }
        }
        if (!differences.empty()) {
            findings.push_back(fmt::format(
                "PIN entries 1 (from t_ms {}) and {} (from t_ms {}) are recorded differently, "
                "so the records tell the PIN apart: {}",
                entries[0].started_ms, index + 1, entries[index].started_ms,
                fmt::join(differences, "; ")));
        }
    }
    return findings;
}

struct Cursors {
    std::size_t screen = 0;
    std::size_t speech = 0;
    std::size_t slip = 0;  // the printed slips already matched by `expect printed`
    std::size_t journal = 0;
    // When the screen last matched by `expect screen` appeared: speech expected after it must
    // have begun no earlier, so that the tail of the previous screen's speech does not count.
    long screen_shown_ms = 0;
    // The last key pressed and when, so that the same key is not pressed twice too soon.
    std::optional<base::Key> last_key;
    Clock::time_point last_key_at;
};

// Waits until a record after `cursor` satisfies `accept`; moves the cursor past it. The failure
// is a verdict for the person reading the run (an expectation that did not hold), not an error
// for a caller to handle: it goes straight into Outcome::failures.
template <typename Accept>
std::expected<void, std::string> wait_for(TranscriptFollower& transcript, Hardware& hardware,
                                          std::size_t& cursor, Milliseconds within, Accept accept) {
    const auto deadline = Clock::now() + within;
    while (true) {
        transcript.poll();
        const auto& records = transcript.records();
        for (; cursor < records.size(); ++cursor) {
            if (accept(records[cursor])) {
                ++cursor;
                return {};
            }
        }
        if (!hardware.kiosk_running()) {
            transcript.poll();
            return std::unexpected(std::string("the kiosk stopped"));
        }
        if (Clock::now() >= deadline) {
            return std::unexpected(fmt::format("not seen within {} ms", within.count()));
        }
        std::this_thread::sleep_for(k_poll_interval);
    }
}

// Whether a screen record shows `text` in one of its elements (private ones are "[private]").
bool shows(const Json& record, const std::string& text) {
    const auto elements = record.find("elements");
    if (elements == record.end() || !elements->is_array()) {
        return false;
    }
    for (const Json& element : *elements) {
        if (string_field(element, "text").find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string last_screen(const std::vector<Json>& records) {
    for (auto record = records.rbegin(); record != records.rend(); ++record) {
        if (is_kind(*record, "screen")) {
            return string_field(*record, "id");
        }
    }
    return "none";
}

// The verdict of a step the hardware could not carry out.
std::expected<void, std::string> verdict(
    const std::expected<void, base::Error<ActionError>>& done) {
    if (!done) {
        return std::unexpected(base::to_string(done.error()));
    }
    return {};
}

// The verdict of `expect memory clean`: every finding, each on its own line.
std::expected<void, std::string> memory_verdict(Hardware& hardware, const RunOptions& options) {
    auto scanned = hardware.scan_kiosk_memory();
    if (!scanned) {
        return std::unexpected(base::to_string(scanned.error()));
    }
    if (!scanned->findings.empty()) {
        return std::unexpected(
            fmt::format("the kiosk's memory holds {} cop{} of a card's secrets ({}):\n    {}",
                        scanned->findings.size(), scanned->findings.size() == 1 ? "y" : "ies",
                        scanned->summary, fmt::join(scanned->findings, "\n    ")));
    }
    if (options.narrate) {
        options.narrate("memory clean: " + scanned->summary);
    }
    return {};
}

// An amount in fen as the ledger's verdicts write it: "200.00 yuan".
std::string ledger_yuan(std::int64_t fen) {
    const char* sign = fen < 0 ? "-" : "";
    const std::int64_t magnitude = fen < 0 ? -fen : fen;
    return fmt::format("{}{}.{:02} yuan", sign, magnitude / 100, magnitude % 100);
}

// Whether `haystack` holds the forbidden `text`. A number (a PIN, a card number) counts only as
// a number of its own, not inside a longer one: PIN 1234 is not in "12343 ms after start".
bool holds_forbidden(std::string_view haystack, std::string_view text) {
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    const bool number = !text.empty() && std::ranges::all_of(text, is_digit);
    for (std::size_t at = haystack.find(text); at != std::string_view::npos;
         at = haystack.find(text, at + 1)) {
        const std::size_t end = at + text.size();
        const bool inside_number = number && ((at > 0 && is_digit(haystack[at - 1])) ||
                                              (end < haystack.size() && is_digit(haystack[end])));
        if (!inside_number) {
            return true;
        }
    }
    return false;
}

// Where a forbidden text was found: "the transcript contains it", "the log kiosk.log contains
// it". The text itself is never repeated, as it may be a secret.
std::vector<std::string> forbidden_findings(const std::vector<Json>& records,
                                            const RunOptions& options, std::string_view text) {
    std::vector<std::string> findings;
    std::vector<std::string> strings;
    for (const Json& record : records) {
        collect_strings(record, strings);
    }
    for (const auto& value : strings) {
        if (holds_forbidden(value, text)) {
            findings.emplace_back("the transcript contains it");
            break;
        }
    }
    for (const auto& log : options.logs) {
        std::ifstream file(log, std::ios::binary);
        const std::string contents((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
        if (holds_forbidden(contents, text)) {
            findings.push_back("the log " + log.filename().string() + " contains it");
        }
    }
    return findings;
}

// The verdict of `expect ledger balanced`: both sides of the run's cash, said either way.
std::expected<std::string, std::string> ledger_verdict(const ExpectLedgerBalanced& step,
                                                       Hardware& hardware) {
    auto ledger = hardware.run_ledger();
    if (!ledger) {
        return std::unexpected(base::to_string(ledger.error()));
    }
    const std::string sides = fmt::format(
        "the bank debited {} for this run's withdrawals (net of reversals) and still holds {} "
        "for withdrawals only authorised; customers took {} from the dispenser",
        ledger_yuan(ledger->debited), ledger_yuan(ledger->held), ledger_yuan(ledger->taken));
    if (ledger->debited != ledger->taken) {
        return std::unexpected("the ledger does not balance: " + sides);
    }
    if (step.nothing_held && ledger->held != 0) {
        return std::unexpected("the ledger balances but a withdrawal is still held: " + sides);
    }
    return "ledger balanced: " + sides;
}

// Waits for a screen record that `matches`, notes when it appeared for the speech that follows
// it, and says what the kiosk shows instead when none comes.
template <typename Matches>
std::expected<void, std::string> wait_for_screen(TranscriptFollower& transcript, Hardware& hardware,
                                                 Cursors& cursors, Milliseconds within,
                                                 Matches matches) {
    auto seen = wait_for(transcript, hardware, cursors.screen, within, [&](const Json& record) {
        if (!is_kind(record, "screen") || !matches(record)) {
            return false;
        }
        cursors.screen_shown_ms = record.value("t_ms", 0L);
        return true;
    });
    if (!seen) {
        return std::unexpected(seen.error() + "; the kiosk shows '" +
                               last_screen(transcript.records()) + "'");
    }
    return {};
}

// `expect printed`: waits for a slip after the last one matched whose text holds `text`.
std::expected<void, std::string> wait_for_slip(Hardware& hardware, Cursors& cursors,
                                               const ExpectPrinted& step) {
    const auto deadline = Clock::now() + step.within;
    while (true) {
        const std::vector<std::string> slips = hardware.printed_slips();
        for (; cursors.slip < slips.size(); ++cursors.slip) {
            if (slips[cursors.slip].find(step.text) != std::string::npos) {
                ++cursors.slip;
                return {};
            }
        }
        const bool stopped = !hardware.kiosk_running();
        if (stopped || Clock::now() >= deadline) {
            std::string verdict =
                stopped ? std::string("the kiosk stopped")
                        : fmt::format("not printed within {} ms", step.within.count());
            if (slips.empty()) {
                return std::unexpected(verdict + "; nothing was printed");
            }
            // The last slip's first line says what the kiosk printed instead.
            const std::string& last = slips.back();
            return std::unexpected(fmt::format("{}; {} slip{} printed, the last beginning \"{}\"",
                                               verdict, slips.size(), slips.size() == 1 ? "" : "s",
                                               last.substr(0, last.find('\n'))));
        }
        std::this_thread::sleep_for(k_poll_interval);
    }
}

// `expect delivered`: waits until the queue service holds exactly the count asked for.
std::expected<void, std::string> wait_for_delivery(Hardware& hardware,
                                                   const ExpectDelivered& step) {
    const auto deadline = Clock::now() + step.within;
    const auto expected = static_cast<std::size_t>(step.count);
    while (true) {
        auto count = hardware.delivered(step.what);
        if (!count) {
            return std::unexpected(base::to_string(count.error()));
        }
        // More than asked for is a request delivered twice (or one the scenario did not
        // expect): waiting longer cannot mend it.
        if (*count > expected) {
            return std::unexpected(fmt::format("the queue service holds {} {}, more than {}",
                                               *count, to_string(step.what), step.count));
        }
        if (*count == expected) {
            return {};
        }
        if (!hardware.kiosk_running()) {
            return std::unexpected(fmt::format("the kiosk stopped; the queue service holds {} {}",
                                               *count, to_string(step.what)));
        }
        if (Clock::now() >= deadline) {
            return std::unexpected(fmt::format("the queue service holds {} {} after {} ms, not {}",
                                               *count, to_string(step.what), step.within.count(),
                                               step.count));
        }
        std::this_thread::sleep_for(k_queue_poll_interval);
    }
}

// `staff acknowledge`, `staff close`: a member of staff looks for the kiosk's call for a short
// while, since the kiosk's call may still be on its way.
template <typename Act>
std::expected<void, std::string> act_on_staff_call(const RunOptions& options, Act act) {
    const auto deadline = Clock::now() + options.staff_call_wait;
    while (true) {
        auto done = act();
        if (done || done.error().code != ActionError::no_open_staff_call ||
            Clock::now() >= deadline) {
            return verdict(done);
        }
        std::this_thread::sleep_for(k_queue_poll_interval);
    }
}

// `restart kiosk`, `kill kiosk`: ends the kiosk, reads the rest of its transcript, starts it
// again and waits for its first screen, which the steps after it see as they see the first
// kiosk's.
std::expected<void, std::string> restart(const RestartKiosk& how, Hardware& hardware,
                                         TranscriptFollower& transcript, Cursors& cursors,
                                         const RunOptions& options) {
    if (auto restarted = hardware.restart_kiosk(how, [&] { transcript.follow_new_file(); });
        !restarted) {
        return verdict(restarted);
    }
    // The new kiosk's clock starts at 0 again: its speech begins after the last screen matched.
    cursors.screen_shown_ms = 0;
    std::size_t first_new = transcript.records().size();
    auto started = wait_for(transcript, hardware, first_new, options.start_up_limit,
                            [](const Json& record) { return is_kind(record, "screen"); });
    // A kiosk that cannot start on the configuration it restarted for puts the previous one
    // back and ends itself again without a screen: the next `expect kiosk restarted` takes it.
    if (!started && how.end == KioskEnd::restarted_itself && !hardware.kiosk_running()) {
        return {};
    }
    if (!started) {
        return std::unexpected("the kiosk started again but showed no screen: " + started.error());
    }
    return {};
}

// Carries out one step. Like wait_for(), a failure is the step's verdict for a person, not an
// error type: a hardware error is spelt out into it with base::to_string.
std::expected<void, std::string> perform(const Action& action, Hardware& hardware,
                                         TranscriptFollower& transcript, Cursors& cursors,
                                         const RunOptions& options) {
    return std::visit(
        [&](const auto& step) -> std::expected<void, std::string> {
            using T = std::decay_t<decltype(step)>;
            if constexpr (std::is_same_v<T, InsertCard>) {
                return verdict(hardware.insert_card(step.name));
            } else if constexpr (std::is_same_v<T, RemoveCard>) {
                return verdict(hardware.remove_card());
            } else if constexpr (std::is_same_v<T, TakeCash>) {
                return verdict(hardware.take_cash());
            } else if constexpr (std::is_same_v<T, PressKeys>) {
                for (const base::Key key : step.keys) {
                    if (cursors.last_key == key) {
                        std::this_thread::sleep_until(cursors.last_key_at + k_same_key_again_after);
                    }
                    if (auto pressed = hardware.press_key(key); !pressed) {
                        return verdict(pressed);
                    }
                    cursors.last_key = key;
                    cursors.last_key_at = Clock::now();
                    std::this_thread::sleep_for(k_pause_between_keys);
                }
                return {};
            } else if constexpr (std::is_same_v<T, PressTwiceQuickly>) {
                if (cursors.last_key == step.key) {
                    std::this_thread::sleep_until(cursors.last_key_at + k_same_key_again_after);
                }
                if (auto first = hardware.press_key(step.key); !first) {
                    return verdict(first);
                }
                std::this_thread::sleep_for(k_quick_second_press);
                auto second = hardware.press_key(step.key);
                cursors.last_key = step.key;
                cursors.last_key_at = Clock::now();
                std::this_thread::sleep_for(k_pause_between_keys);
                return verdict(second);
            } else if constexpr (std::is_same_v<T, TypePin>) {
                return verdict(hardware.type_pin(step.digits));
            } else if constexpr (std::is_same_v<T, Headphones>) {
                return verdict(hardware.set_headphones(step.plugged));
            } else if constexpr (std::is_same_v<T, Wait>) {
                std::this_thread::sleep_for(step.duration);
                return {};
            } else if constexpr (std::is_same_v<T, Fault>) {
                return verdict(hardware.set_fault(step));
            } else if constexpr (std::is_same_v<T, PlugDevice>) {
                return verdict(hardware.plug_device(step.device, step.plugged));
            } else if constexpr (std::is_same_v<T, SpeechFault>) {
                return verdict(hardware.set_speech_failing(step.failing));
            } else if constexpr (std::is_same_v<T, PrinterPaper>) {
                return verdict(hardware.set_printer_paper(step.paper));
            } else if constexpr (std::is_same_v<T, PrinterCover>) {
                return verdict(hardware.set_printer_cover(step.open));
            } else if constexpr (std::is_same_v<T, StaffAcknowledge>) {
                return act_on_staff_call(
                    options, [&] { return hardware.acknowledge_staff_call(step.name, step.eta); });
            } else if constexpr (std::is_same_v<T, StaffClose>) {
                return act_on_staff_call(options, [&] { return hardware.close_staff_call(); });
            } else if constexpr (std::is_same_v<T, RestartKiosk>) {
                return restart(step, hardware, transcript, cursors, options);
            } else if constexpr (std::is_same_v<T, ServiceSwitch>) {
                return verdict(hardware.set_service_switch(step.on));
            } else if constexpr (std::is_same_v<T, CabinetDoor>) {
                return verdict(hardware.set_cabinet_door(step.open));
            } else if constexpr (std::is_same_v<T, TypeEngineerSecret>) {
                auto typed = hardware.type_engineer_secret(step.secret, step.engineer_id);
                // Its last digit is unknown here: a key pressed next is a new press.
                cursors.last_key.reset();
                return verdict(typed);
            } else if constexpr (std::is_same_v<T, ScanSetUpSlip>) {
                return verdict(hardware.scan_set_up_slip(step.engineer_id));
            } else if constexpr (std::is_same_v<T, PutConfiguration>) {
                return verdict(hardware.put_configuration_on_stick(step.setting, step.value));
            } else if constexpr (std::is_same_v<T, TypeKeyComponent>) {
                auto typed = hardware.type_key_component(step.component, step.typo);
                cursors.last_key.reset();
                return verdict(typed);
            } else if constexpr (std::is_same_v<T, ArmKill>) {
                return verdict(hardware.arm_kill_after_journal(step.journal_event));
            } else if constexpr (std::is_same_v<T, ExpectScreen>) {
                return wait_for_screen(
                    transcript, hardware, cursors, step.within,
                    [&](const Json& record) { return string_field(record, "id") == step.id; });
            } else if constexpr (std::is_same_v<T, ExpectShown>) {
                return wait_for_screen(
                    transcript, hardware, cursors, step.within,
                    [&](const Json& record) { return shows(record, step.text); });
            } else if constexpr (std::is_same_v<T, ExpectSpeech>) {
                // Heard means played, at least in part: an utterance replaced before it began
                // (played_ms 0) was never heard. In full means played to its end.
                return wait_for(
                    transcript, hardware, cursors.speech, step.within, [&](const Json& record) {
                        return matches(step.pattern, record) && record.value("played_ms", 1L) > 0 &&
                               (!step.in_full || !record.value("interrupted", false)) &&
                               record.value("started_ms", cursors.screen_shown_ms) >=
                                   cursors.screen_shown_ms;
                    });
            } else if constexpr (std::is_same_v<T, ExpectJournal>) {
                return wait_for(transcript, hardware, cursors.journal, step.within,
                                [&](const Json& record) {
                                    return is_kind(record, "journal") &&
                                           string_field(record, "event") == step.event;
                                });
            } else if constexpr (std::is_same_v<T, ExpectPrinted>) {
                return wait_for_slip(hardware, cursors, step);
            } else if constexpr (std::is_same_v<T, ExpectDelivered>) {
                return wait_for_delivery(hardware, step);
            } else if constexpr (std::is_same_v<T, ExpectMemoryClean>) {
                return memory_verdict(hardware, options);
            } else {
                return {};  // end checks: see check_at_end
            }
        },
        action);
}

}  // namespace

std::string_view to_string(ActionError error) {
    switch (error) {
        case ActionError::card_already_inserted:
            return "a card is already in the reader";
        case ActionError::no_card_inserted:
            return "there is no card in the reader";
        case ActionError::unknown_card:
            return "no such card in the card library";
        case ActionError::pin_pad_not_listening:
            return "the PIN pad never started listening";
        case ActionError::pin_pad_takes_no_digits:
            return "the kiosk's screen never took a digit from the PIN pad";
        case ActionError::pin_pad_not_collecting:
            return "the PIN pad never started collecting a PIN";
        case ActionError::pin_not_digits:
            return "a PIN holds digits only";
        case ActionError::unknown_service:
            return "no such service (there are: account, queue, dispenser)";
        case ActionError::unknown_fault:
            return "no such fault for that service";
        case ActionError::unknown_call:
            return "no such call to aim the fault at";
        case ActionError::device_already_plugged:
            return "the device is already plugged in";
        case ActionError::device_already_unplugged:
            return "the device is already unplugged";
        case ActionError::device_not_plugged:
            return "the virtual USB bus could not plug the device in";
        case ActionError::kiosk_not_running:
            return "the kiosk is not running";
        case ActionError::memory_not_readable:
            return "not permitted to read the kiosk's memory: the kiosk is non-dumpable, so "
                   "the scan needs root or CAP_SYS_PTRACE";
        case ActionError::memory_scan_failed:
            return "the kiosk's memory could not be scanned";
        case ActionError::no_open_staff_call:
            return "the kiosk has no call for staff open";
        case ActionError::staff_action_refused:
            return "the queue service refused the staff action";
        case ActionError::queue_service_unreadable:
            return "the queue service's records could not be read";
        case ActionError::kiosk_stopped_badly:
            return "the kiosk did not stop cleanly";
        case ActionError::kiosk_did_not_kill_itself:
            return "the kiosk did not kill itself after journaling the step (only debug and "
                   "sanitizer builds carry the test failpoint)";
        case ActionError::kiosk_not_restarted:
            return "the kiosk could not be started again";
        case ActionError::no_cash_at_slot:
            return "no cash came to the cash slot";
        case ActionError::ledger_unreadable:
            return "the simulated bank's withdrawals could not be read";
        case ActionError::switch_already_there:
            return "the service switch is already in that position";
        case ActionError::door_already_there:
            return "the cabinet door is already so";
        case ActionError::unknown_engineer:
            return "no demo engineer has that staff number (simulator/staff/demo-engineers.toml)";
        case ActionError::pin_pad_not_in_ceremony:
            return "pin pad holds no key ceremony";
        case ActionError::one_time_code_failed:
            return "the engineer's authenticator could not make a code";
        case ActionError::kiosk_did_not_restart_itself:
            return "the kiosk did not end itself for a restart (exit status 75)";
        case ActionError::configuration_not_written:
            return "the configuration could not be put on the USB stick";
        case ActionError::no_set_up_slip:
            return "no printed slip sets up this staff number's one-time codes";
    }
    return "unknown action error";
}

TranscriptFollower::TranscriptFollower(std::filesystem::path path) : m_path(std::move(path)) {}

void TranscriptFollower::poll() {
    std::ifstream file(m_path, std::ios::binary);
    if (!file) {
        return;
    }
    // A file shorter than what was read is a new file (a kiosk started again): read it anew.
    file.seekg(0, std::ios::end);
    const auto size = static_cast<std::uintmax_t>(file.tellg());
    if (size < m_offset) {
        m_offset = 0;
        m_partial.clear();
    }
    file.seekg(static_cast<std::streamoff>(m_offset));
    std::ostringstream fresh;
    fresh << file.rdbuf();
    const std::string bytes = fresh.str();
    m_offset += bytes.size();
    m_partial += bytes;
    std::size_t start = 0;
    for (std::size_t end; (end = m_partial.find('\n', start)) != std::string::npos;
         start = end + 1) {
        const std::string_view line(m_partial.data() + start, end - start);
        if (line.empty()) {
            continue;
        }
        Json record = Json::parse(line, nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            ++m_malformed_lines;
            continue;
        }
        m_records.push_back(std::move(record));
    }
    m_partial.erase(0, start);
}

void TranscriptFollower::follow_new_file() {
    poll();
    m_offset = 0;
    m_partial.clear();
}

bool matches(const SpeechPattern& pattern, const Json& record) {
    if (!is_kind(record, "speech")) {
        return false;
    }
    if (!pattern.channel.empty() && string_field(record, "channel") != pattern.channel) {
        return false;
    }
    if (pattern.is_private) {
        return record.value("private", false);
    }
    return string_field(record, "text").find(pattern.text) != std::string::npos;
}

std::expected<void, std::string> wait_for_start_up(TranscriptFollower& transcript,
                                                   Hardware& hardware, Milliseconds limit) {
    // The cursor is a copy: the steps see the first screen as it came.
    std::size_t cursor = 0;
    return wait_for(transcript, hardware, cursor, limit,
                    [](const Json& record) { return is_kind(record, "screen"); });
}

Outcome run_steps(const Scenario& scenario, Hardware& hardware, TranscriptFollower& transcript,
                  const RunOptions& options) {
    Outcome outcome;
    Cursors cursors;
    for (const Step& step : scenario.steps) {
        if (options.narrate) {
            // The simulated customer's PIN is a secret too: the console shows its length only.
            const auto* pin = std::get_if<TypePin>(&step.action);
            options.narrate(pin != nullptr ? fmt::format("line {}: type pin ({} digits)", step.line,
                                                         pin->digits.size())
                                           : fmt::format("line {}: {}", step.line, step.source));
        }
        if (auto done = perform(step.action, hardware, transcript, cursors, options); !done) {
            outcome.failures.push_back(
                fmt::format("line {} ({}): {}", step.line,
                            std::holds_alternative<TypePin>(step.action) ? "type pin" : step.source,
                            done.error()));
            break;
        }
    }
    return outcome;
}

void check_at_end(const Scenario& scenario, const std::vector<Json>& records, Hardware& hardware,
                  const RunOptions& options, Outcome& outcome) {
    std::vector<std::string> screens;
    for (const Json& record : records) {
        if (is_kind(record, "screen")) {
            const std::string id = string_field(record, "id");
            if (screens.empty() || screens.back() != id) {
                screens.push_back(id);
            }
        }
    }
    for (const Step& step : scenario.steps) {
        const auto fail = [&](const std::string& message) {
            outcome.failures.push_back(
                fmt::format("line {} ({}): {}", step.line, step.source, message));
        };
        if (const auto* expect = std::get_if<ExpectScreens>(&step.action)) {
            if (screens != expect->ids) {
                fail(fmt::format("the screens were: {}", fmt::join(screens, " ")));
            }
        } else if (const auto* forbid = std::get_if<ForbidSpeech>(&step.action)) {
            for (const Json& record : records) {
                if (matches(forbid->pattern, record)) {
                    fail(describe(forbid->pattern) + " was spoken at t_ms " +
                         std::to_string(record.value("t_ms", 0L)));
                    break;
                }
            }
        } else if (std::holds_alternative<ForbidPinLength>(step.action)) {
            for (const std::string& finding : pin_length_findings(records)) {
                fail(finding);
            }
        } else if (const auto* ledger = std::get_if<ExpectLedgerBalanced>(&step.action)) {
            if (auto verdict = ledger_verdict(*ledger, hardware); !verdict) {
                fail(verdict.error());
            } else if (options.narrate) {
                options.narrate(*verdict);
            }
        } else if (const auto* transferred = std::get_if<ExpectTransferred>(&step.action)) {
            auto run = hardware.run_ledger();
            if (!run) {
                fail(base::to_string(run.error()));
            } else if (run->transferred != transferred->minor_units) {
                fail(fmt::format("the bank carried out transfers of {} from this kiosk, not {}",
                                 ledger_yuan(run->transferred),
                                 ledger_yuan(transferred->minor_units)));
            }
        } else if (const auto* text = std::get_if<ForbidText>(&step.action)) {
            for (const std::string& finding : forbidden_findings(records, options, text->text)) {
                fail(finding);
            }
        } else if (const auto* password = std::get_if<ForbidPassword>(&step.action)) {
            auto secret = hardware.engineer_password(password->engineer_id);
            if (!secret) {
                fail(base::to_string(secret.error()));
                continue;
            }
            for (const std::string& finding :
                 forbidden_findings(records, options, secret->view())) {
                fail(finding);
            }
        }
    }
}

}  // namespace simulator::script
