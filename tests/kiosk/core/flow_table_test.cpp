// The state × event table of kiosk/core/README.md, "States and events", held against the real
// step(). The test reads the table, brings sessions into every state by real event sequences,
// feeds each of them every kind of event, and requires the transitions it sees to be exactly the
// table's: one the code makes that the table lacks fails, and so does one the table claims that
// the code never makes.
//
// Why the starting points cover the code. step() decides where an event leads from these fields
// of the session only (kiosk/core/flow_events.cpp, kiosk/core/flow_keys.cpp):
//   - state;
//   - resume_state: where the staff screen and the time-out warning go back to, and whether a
//     card is in the kiosk on the staff screen (called from the welcome screen or not);
//   - pin_entry_active: whether the PIN pad's events fit;
//   - pending_call and pending_save: whether a reply is the one awaited;
//   - elder_mode, until the PIN is verified: whether the reply asks to remember it;
//   - running_timers: whether a timer that fires is stale;
//   - headphones: whether plugging or unplugging them changes anything;
//   - audio mode: whether the Audio key starts it or opens the sound screen;
//   - the missing devices: whether news of one changes anything, and what losing one ends;
//   - whether the customer may still ask for more time (can_extend_time);
//   - whether a card was read (begin_pin_entry and PinEntered end the session without one);
//   - the branch's: the queue service's answer awaited (pending_queue_call), the slip being
//     printed (pending_print), the visit's call for staff (staff_call), whether the queue
//     service refused rather than failed (queue_refused), whether a slip can be printed
//     (can_print) and whether a service was given (the question after it).
// Some fields decide nothing in some states, and are not told apart there, which keeps the
// search to a few thousand sessions (configuration() below says where and why).
// Everything else (locale, elder mode, PIN digits, tries left, reminders given, the call counter,
// the screen) changes what is shown, spoken or journaled, never the next state. The exploration
// is a breadth-first search over sessions: from each session reached it feeds every probe event
// (probes() below) to step(), and every session that differs from all before it in the fields
// above, or in its end reason (so that the card-returning state is probed for every reason the
// session ended), is explored in turn. So every combination of those fields that real event
// sequences reach is a starting point: the staff screen called from the welcome screen, the PIN
// entry, the menu, the balance, the wrong PIN screen and the time-out warning; the PIN pad wait
// reached from the card, from a wrong PIN (with the inactivity time-out still running), from the
// staff screen and from the time-out warning; the card returned for each end reason; and so on.
// Only the count of time extensions cannot be reached this way, because asking for more time
// returns to a session that looks like the one before; a second seed therefore starts on the
// menu with every extension used, through real events. A third starts the kiosk with two
// withdrawals the journal left unfinished, since settling them is reached only from Started.
// The cash facts (the withdrawal's step, the unfinished left, whether this machine gives cash)
// are told apart only where step() reads them: configuration() says where.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/flow.h"
#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

// The table's two symbols (kiosk/core/README.md, "States and events").
constexpr std::string_view k_ignored = "—";
constexpr std::string_view k_arrow = "→";
constexpr std::string_view k_table_heading = "## States and events";
constexpr std::string_view k_any_label = "";

// Every value of a closed enum, found through its to_string: the compiler holds each to_string's
// switch to every enumerator (-Wswitch is an error), so a new value is found here without a
// second list to keep up to date. The enumerators are numbered from 0 without gaps.
template <typename Enum>
std::vector<Enum> every_value() {
    std::vector<Enum> values;
    for (int value = 0; to_string(static_cast<Enum>(value)) != "unknown"; ++value) {
        values.push_back(static_cast<Enum>(value));
    }
    return values;
}

std::set<std::string> state_names() {
    std::set<std::string> names;
    for (const State state : every_value<State>()) {
        names.emplace(to_string(state));
    }
    return names;
}

// The events of a kind that the table tells apart: the key, the timer, the reply's status, or
// "stale" for a reply to a call the flow is not waiting for. Other kinds have one, empty, label.
std::vector<std::string> labels_of(std::string_view kind) {
    std::vector<std::string> labels;
    if (kind == "KeyPressed") {
        for (const auto& [key, name] : base::k_key_names) {
            labels.emplace_back(name);
        }
    } else if (kind == "TimerFired") {
        for (const TimerId id : every_value<TimerId>()) {
            labels.emplace_back(to_string(id));
        }
    } else if (kind == "ReplyReceived") {
        for (const ServiceStatus status : every_value<ServiceStatus>()) {
            labels.emplace_back(to_string(status));
        }
        labels.emplace_back("stale");
    } else {
        labels.emplace_back();
    }
    return labels;
}

std::string label_of(const Event& event, const Session& before) {
    if (const auto* key = std::get_if<KeyPressed>(&event)) {
        return std::string(base::to_string(key->key));
    }
    if (const auto* timer = std::get_if<TimerFired>(&event)) {
        return std::string(to_string(timer->id));
    }
    if (const auto* reply = std::get_if<ReplyReceived>(&event)) {
        return before.pending_call == reply->call_id ? std::string(to_string(reply->reply.status))
                                                     : "stale";
    }
    return {};
}

// One cell's worth of fact: in `state`, the event of `kind` with `label` leads to `outcome`, a
// state's name or k_ignored. In the table, the label k_any_label stands for every event of the
// kind: a cell without labels says where the column's events lead, not which one leads where.
struct Transition {
    std::string state;
    std::string kind;
    std::string label;
    std::string outcome;

    auto operator<=>(const Transition&) const = default;
};

std::string describe(const Transition& transition) {
    std::string text = transition.state + " × " + transition.kind;
    if (!transition.label.empty()) {
        text += " " + transition.label;
    }
    return text + " " + std::string(k_arrow) + " " + transition.outcome;
}

// The event as the path to a session lists it.
std::string describe(const Event& event, const Session& before) {
    std::string text(to_string(event));
    if (const std::string label = label_of(event, before); !label.empty()) {
        text += " " + label;
    }
    if (const auto* reply = std::get_if<ReplyReceived>(&event)) {
        text += " (call " + std::to_string(reply->call_id);
        text += reply->reply.balance ? ", balance)"
                                     : ", tries " + std::to_string(reply->reply.tries_left) + ")";
    }
    return text;
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
    std::string text;
    for (const std::string& part : parts) {
        if (!text.empty()) {
            text += separator;
        }
        text += part;
    }
    return text;
}

// --- the table ---------------------------------------------------------------------------------

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> split(std::string_view text, std::string_view separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at = text.find(separator); at != std::string_view::npos;
         at = text.find(separator, start)) {
        parts.push_back(trimmed(text.substr(start, at - start)));
        start = at + separator.size();
    }
    parts.push_back(trimmed(text.substr(start)));
    return parts;
}

// A cell without its notes (text in parentheses, for the reader) and backticks.
std::string without_notes(std::string_view cell) {
    std::string text;
    int depth = 0;
    for (const char character : cell) {
        if (character == '(') {
            ++depth;
        } else if (character == ')') {
            depth = std::max(depth - 1, 0);
        } else if (depth == 0 && character != '`') {
            text += character;
        }
    }
    return text;
}

struct Table {
    std::vector<std::string> rows;     // the states, in order
    std::vector<std::string> columns;  // the event kinds, in order
    std::set<Transition> transitions;
    std::vector<std::string> errors;
};

// Reads one cell by the syntax kiosk/core/README.md, "States and events" documents: either one
// list of outcomes for every event of the column, or entries "labels → outcomes" separated by
// ";", where the label "else" stands for every label the cell does not name.
void read_cell(Table& table, const std::string& state, const std::string& kind,
               std::string_view cell) {
    const std::string where = state + " × " + kind + ": ";
    const std::set<std::string> states = state_names();
    const auto read_outcomes = [&](std::string_view text) {
        std::vector<std::string> outcomes = split(text, ",");
        for (const std::string& outcome : outcomes) {
            if (outcome != k_ignored && !states.contains(outcome)) {
                table.errors.push_back(where + "\"" + outcome + "\" is not a state or " +
                                       std::string(k_ignored));
            }
        }
        return outcomes;
    };
    const std::string text = without_notes(cell);
    if (text.find(k_arrow) == std::string::npos) {
        for (const std::string& outcome : read_outcomes(text)) {
            table.transitions.insert(Transition{state, kind, std::string(k_any_label), outcome});
        }
        return;
    }
    const std::vector<std::string> labels = labels_of(kind);
    std::map<std::string, std::vector<std::string>> outcomes_of;  // label → outcomes
    std::optional<std::vector<std::string>> otherwise;            // the outcomes of "else"
    for (const std::string& entry : split(text, ";")) {
        const auto arrow = entry.find(k_arrow);
        if (arrow == std::string::npos) {
            table.errors.push_back(where + "\"" + entry + "\" names no event");
            continue;
        }
        const std::vector<std::string> outcomes =
            read_outcomes(std::string_view(entry).substr(arrow + k_arrow.size()));
        for (const std::string& label : split(std::string_view(entry).substr(0, arrow), ",")) {
            if (label == "else") {
                otherwise = outcomes;
            } else if (labels.size() == 1 || std::ranges::find(labels, label) == labels.end()) {
                table.errors.push_back(where + "\"" + label + "\" is not an event of this column");
            } else if (!outcomes_of.emplace(label, outcomes).second) {
                table.errors.push_back(where + "\"" + label + "\" is named twice");
            }
        }
    }
    for (const std::string& label : labels) {
        const auto found = outcomes_of.find(label);
        if (found == outcomes_of.end() && !otherwise) {
            table.errors.push_back(where + "says nothing of \"" + label + "\"");
            continue;
        }
        for (const std::string& outcome : found == outcomes_of.end() ? *otherwise : found->second) {
            table.transitions.insert(Transition{state, kind, label, outcome});
        }
    }
}

std::vector<std::string> cells_of(std::string_view line) {
    std::vector<std::string> cells = split(line, "|");
    // A row starts and ends with "|": drop the empty text outside them.
    if (!cells.empty() && cells.front().empty()) {
        cells.erase(cells.begin());
    }
    if (!cells.empty() && cells.back().empty()) {
        cells.pop_back();
    }
    return cells;
}

// The first table under the heading: its header names the event kinds, each row a state.
Table read_table(const std::string& text) {
    Table table;
    std::istringstream lines(text);
    std::string line;
    bool in_section = false;
    bool header_read = false;
    bool separator_read = false;
    while (std::getline(lines, line)) {
        if (!in_section) {
            in_section = line == k_table_heading;
            continue;
        }
        if (!line.starts_with("|")) {
            if (header_read || line.starts_with("## ")) {
                break;
            }
            continue;
        }
        std::vector<std::string> cells = cells_of(line);
        if (!header_read) {
            header_read = true;
            table.columns.assign(cells.begin() + (cells.empty() ? 0 : 1), cells.end());
            continue;
        }
        if (!separator_read) {
            separator_read = true;
            continue;
        }
        const std::string state = without_notes(cells.front());
        table.rows.push_back(state);
        if (cells.size() != table.columns.size() + 1) {
            table.errors.push_back(state + ": " + std::to_string(cells.size() - 1) + " cells for " +
                                   std::to_string(table.columns.size()) + " columns");
            continue;
        }
        for (std::size_t column = 0; column < table.columns.size(); ++column) {
            read_cell(table, state, table.columns[column], cells[column + 1]);
        }
    }
    if (!header_read) {
        table.errors.push_back("no table under \"" + std::string(k_table_heading) + "\"");
    }
    return table;
}

std::string readme_text() {
    const auto path = std::filesystem::path(KIOSK_SOURCE_DIR) / "kiosk/core/README.md";
    std::ifstream file(path);
    REQUIRE(file);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// The README with one cell replaced, for showing that the comparison catches a wrong table.
std::string with_cell(const std::string& text, std::string_view state, std::string_view kind,
                      std::string_view cell) {
    const Table table = read_table(text);
    const auto column = std::ranges::find(table.columns, kind);
    REQUIRE(column != table.columns.end());
    std::istringstream lines(text);
    std::string line;
    std::string changed;
    bool replaced = false;
    while (std::getline(lines, line)) {
        std::vector<std::string> cells = cells_of(line);
        if (!replaced && line.starts_with("|") && !cells.empty() &&
            without_notes(cells.front()) == state) {
            cells[static_cast<std::size_t>(column - table.columns.begin()) + 1] = cell;
            line = "| " + joined(cells, " | ") + " |";
            replaced = true;
        }
        changed += line + "\n";
    }
    REQUIRE(replaced);
    return changed;
}

// --- the exploration ---------------------------------------------------------------------------

// Every event fed to every session: each kind; every key; every timer; a reply of every status
// to the call awaited, to the last call made and to one never made, each with tries left and
// without, and ok also with a balance. The probes that are the same for every session come
// first, made once (the search feeds some 2.5 million events); session_probes() the rest.
const std::vector<Event>& common_probes() {
    static const std::vector<Event> k_events = [] {
        std::vector<Event> events{Started{}};
        for (const auto& [key, name] : base::k_key_names) {
            events.push_back(KeyPressed{key});
        }
        for (Event event : std::initializer_list<Event>{
                 CardInserted{}, CardRead{sample_card_with_arqc()},
                 // The sample card expires in December 2029: read in January 2030 it is refused.
                 CardRead{sample_card(), CalendarMonth{2030, 1}}, CardReadFailed{"probe"},
                 CardReadFailed{"probe", CardFault::not_accepted},
                 CardReadFailed{"probe", CardFault::blocked}, CardRemoved{},
                 CardAuthenticationRenewed{sample_card_with_arqc("002B").authentication},
                 PinEntryReady{}, PinDigitEntered{1}, PinCleared{}, PinEntered{sample_pin_block()},
                 PinEntryCancelled{}, NewPinAgain{}, NewPinsDiffer{}, PinEntryFailed{"probe"},
                 DeviceFailed{"card reader", "probe"}}) {
            events.push_back(std::move(event));
        }
        for (const Device device : every_value<Device>()) {
            events.push_back(DeviceMissing{device});
        }
        for (const Device device : every_value<Device>()) {
            events.push_back(DeviceReturned{device});
        }
        for (Event event : std::initializer_list<Event>{SpeechEnded{}, HeadphonesPlugged{},
                                                        HeadphonesUnplugged{}}) {
            events.push_back(std::move(event));
        }
        return events;
    }();
    return k_events;
}

std::vector<Event> session_probes(const Session& session) {
    std::vector<Event> events;
    // Answers to the calls the session awaits, of every kind that leads somewhere different,
    // and one answer of each kind to a call never made (the table's "stale"): whatever a stale
    // answer says, the flow ignores it, so one stands for all.
    const std::uint64_t stale = session.next_call_id;
    if (session.pending_call) {
        const std::uint64_t call_id = *session.pending_call;
        events.push_back(ReplyReceived{call_id, balance_reply(1'234'567)});
        for (const bool remembered : {false, true}) {
            ServiceReply reply = balance_reply(1'234'567);
            reply.preferences = CardPreferences{remembered, base::SecretText("grant")};
            events.push_back(ReplyReceived{call_id, std::move(reply)});
        }
        for (const ServiceStatus status : every_value<ServiceStatus>()) {
            events.push_back(ReplyReceived{call_id, status_reply(status, 2)});
            if (status == ServiceStatus::wrong_pin) {
                events.push_back(ReplyReceived{call_id, status_reply(status, 0)});
            }
        }
    }
    events.push_back(ReplyReceived{stale, balance_reply(1'234'567)});
    events.push_back(PreferencesSaved{session.pending_save.value_or(stale), true});
    // The account service's answers about money: where one is awaited, a quote and every
    // status without one to the call awaited; and everywhere an answer to a call never made.
    const bool awaits_money =
        session.state == State::quoting || session.state == State::withdrawing ||
        session.state == State::securing_cash || session.state == State::transferring ||
        session.state == State::fetching_statement || session.state == State::locking_card ||
        session.state == State::changing_pin;
    if (session.pending_call && awaits_money) {
        const std::uint64_t call_id = *session.pending_call;
        events.push_back(MoneyReplyReceived{call_id, quote_reply(50'000, 200)});
        MoneyReply transfer_quote = quote_reply(50'000, 200);
        transfer_quote.quote->kind = MoneyKind::transfer;
        transfer_quote.quote->payee_masked = "**** 0122";
        events.push_back(MoneyReplyReceived{call_id, std::move(transfer_quote)});
        for (const MoneyStatus status : every_value<MoneyStatus>()) {
            MoneyReply reply;
            reply.status = status;
            events.push_back(MoneyReplyReceived{call_id, std::move(reply)});
        }
    }
    events.push_back(MoneyReplyReceived{stale, MoneyReply{}});
    // The cash dispenser's reports. During a withdrawal: about it, each way it can go, and about
    // another transaction; with none under way, one of each kind, which nothing awaits.
    const TransactionReference other("other");
    if (session.withdrawal) {
        const TransactionReference& reference = session.withdrawal->transaction;
        const Money& amount = session.withdrawal->amount;
        for (Event event : std::initializer_list<Event>{
                 CashDispensed{reference, PickResult::picked, {5}, amount, CashFault::none},
                 CashDispensed{reference, PickResult::picked_in_part, {2}, {}, CashFault::jammed},
                 CashDispensed{
                     reference, PickResult::nothing_picked, {}, {}, CashFault::not_enough_notes},
                 CashDispensed{reference, PickResult::nothing_picked, {}, {}, CashFault::no_answer},
                 CashPresented{reference, 5, CashFault::none},
                 CashPresented{reference, 0, CashFault::shutter_fault}, CashTaken{reference},
                 CashRetracted{reference, 5, CashFault::none},
                 CashRetracted{reference, 0, CashFault::jammed},
                 CashRejected{reference, 5, CashFault::none},
                 CashRejected{reference, 0, CashFault::no_answer}}) {
            events.push_back(std::move(event));
        }
    }
    for (Event event : std::initializer_list<Event>{
             CashDispensed{other, PickResult::picked, {5}, {}, CashFault::none},
             CashPresented{other, 5, CashFault::none}, CashTaken{other},
             CashRetracted{other, 5, CashFault::none}, CashRejected{other, 5, CashFault::none}}) {
        events.push_back(std::move(event));
    }
    events.push_back(sample_dispenser());
    // Settling: the dispenser's word on the notes of the withdrawal to settle next, at each
    // place they can be.
    if (session.state == State::settling && !session.unfinished.empty()) {
        for (const NotesLocation location :
             {NotesLocation::transport, NotesLocation::slot, NotesLocation::taken}) {
            DispenserReported report = sample_dispenser();
            report.state = DispenserState::idle;
            report.last_transaction = session.unfinished.front().transaction;
            report.last_result = PickResult::picked;
            report.last_location = location;
            report.last_amount = session.unfinished.front().amount;
            events.push_back(std::move(report));
        }
    }
    events.push_back(JournalFailed{"disk full"});
    // The queue service's answers, to the call awaited and to one never made: ok, and a failure
    // of each kind that leads elsewhere.
    for (const std::uint64_t call_id : {session.pending_queue_call.value_or(stale), stale}) {
        events.push_back(BusinessesListed{call_id, QueueStatus::ok, sample_businesses()});
        events.push_back(BusinessesListed{call_id, QueueStatus::unavailable, {}});
        events.push_back(TicketIssued{call_id, QueueStatus::ok, sample_ticket()});
        events.push_back(TicketIssued{call_id, QueueStatus::kept, std::nullopt});
        events.push_back(TicketIssued{call_id, QueueStatus::refused, std::nullopt});
        events.push_back(ComplaintFiled{call_id, QueueStatus::ok, "C-20261202-0001"});
        events.push_back(ComplaintFiled{call_id, QueueStatus::kept, {}});
        if (!session.pending_queue_call) {
            break;
        }
    }
    for (const std::uint64_t call_id : {session.staff_call.value_or(stale), stale}) {
        events.push_back(StaffCallChanged{call_id, QueueStatus::ok, sample_staff_call(false)});
        events.push_back(StaffCallChanged{call_id, QueueStatus::ok, sample_staff_call(true)});
        AssistanceCall closed = sample_staff_call(true);
        closed.state = CallState::closed;
        events.push_back(StaffCallChanged{call_id, QueueStatus::ok, closed});
        events.push_back(StaffCallChanged{call_id, QueueStatus::kept, std::nullopt});
        events.push_back(StaffCallChanged{call_id, QueueStatus::unavailable, std::nullopt});
        if (!session.staff_call) {
            break;
        }
    }
    events.push_back(PaperChanged{PaperLevel::out});
    events.push_back(PaperChanged{PaperLevel::ok});
    for (const std::uint64_t print_id : {session.pending_print.value_or(stale), stale}) {
        events.push_back(PrintFinished{print_id, PrintResult::printed});
        events.push_back(PrintFinished{print_id, PrintResult::paper_out});
        if (!session.pending_print) {
            break;
        }
    }
    // The cabinet's switch both ways, and kiosk/access's verdicts: to the sign-in awaited, each
    // outcome, and one to a check never asked for.
    events.push_back(ServiceSwitchChanged{true});
    events.push_back(ServiceSwitchChanged{false});
    const std::optional<std::uint64_t> check =
        session.service ? session.service->pending_check : std::nullopt;
    for (const SignInOutcome outcome : every_value<SignInOutcome>()) {
        events.push_back(SignInChecked{check.value_or(stale), outcome,
                                       outcome == SignInOutcome::signed_in
                                           ? std::optional(EngineerRole::engineer)
                                           : std::nullopt,
                                       outcome == SignInOutcome::locked ? 300 : 0, "probe"});
        if (!check) {
            break;
        }
    }
    // The devices' report, the network check, the faults and the counters: to the one awaited,
    // or to one never asked for.
    const std::optional<std::uint64_t> report =
        session.service ? session.service->pending_report : std::nullopt;
    events.push_back(DevicesReported{report.value_or(stale), {}});
    const std::optional<std::uint64_t> network =
        session.service ? session.service->pending_network : std::nullopt;
    events.push_back(NetworkChecked{network.value_or(stale), {}});
    const std::optional<std::uint64_t> faults =
        session.service ? session.service->pending_faults : std::nullopt;
    events.push_back(FaultsReported{faults.value_or(stale), true, 0, {}});
    const std::optional<std::uint64_t> counters =
        session.service ? session.service->pending_counters : std::nullopt;
    events.push_back(CountersReported{counters.value_or(stale), true, {}});
    // kiosk/access's answer on the accounts: to the one awaited, or to one never asked for.
    const std::optional<std::uint64_t> accounts_call =
        session.service ? session.service->pending_accounts : std::nullopt;
    events.push_back(AccountsAnswered{accounts_call.value_or(stale), AccountsOutcome::done, {}});
    // The key ceremony's news: each of the pad's reports, the bank's keys to the request awaited
    // or to one never made, and the pad's answer to a commit. The ceremony's own steps are tested
    // in flow_ceremony_test.cpp; here they show whether the news fits each state.
    for (const CeremonyProgress progress : every_value<CeremonyProgress>()) {
        events.push_back(KeyCeremonyProgressed{.progress = progress,
                                               .digits_typed = 5,
                                               .check_value = "0A1B2C3D4E",
                                               .end = CeremonyEnd::cancel_key,
                                               .problem = {}});
    }
    const std::optional<std::uint64_t> keys = session.service && session.service->ceremony
                                                  ? session.service->ceremony->pending_keys
                                                  : std::nullopt;
    events.push_back(WorkingKeysFetched{keys.value_or(stale), WorkingKeysOutcome::no_keys, {}});
    events.push_back(KeyCeremonyCommitted{true, "0A1B2C3D4E", {}, {}});
    const std::optional<std::uint64_t> export_call =
        session.service ? session.service->pending_export : std::nullopt;
    events.push_back(RecordsExported{export_call.value_or(stale), ExportResult{}});
    // The configuration's answers: to the read, the review and the installation awaited, or to
    // ones never asked for; an installation that went in and one that did not.
    const std::optional<std::uint64_t> configuration_call =
        session.service ? session.service->pending_configuration : std::nullopt;
    events.push_back(ConfigurationRead{configuration_call.value_or(stale), {}, {}});
    const std::optional<std::uint64_t> review_call =
        session.service ? session.service->pending_review : std::nullopt;
    events.push_back(ConfigurationReviewed{review_call.value_or(stale), ConfigReview{}});
    for (const ConfigInstallOutcome outcome :
         {ConfigInstallOutcome::installed, ConfigInstallOutcome::failed}) {
        events.push_back(
            ConfigurationInstalled{session.pending_install.value_or(stale), outcome, {}});
    }
    for (const TimerId id : every_value<TimerId>()) {
        events.push_back(TimerFired{id});
    }
    return events;
}

// Every probe, in the order they are fed.
std::vector<Event> probes(const Session& session) {
    std::vector<Event> events = common_probes();
    std::ranges::move(session_probes(session), std::back_inserter(events));
    return events;
}

// Whether a withdrawal at this step waits for the dispenser's answer, which fits on any screen.
bool awaits_dispenser(WithdrawalStep step) {
    return step == WithdrawalStep::dispense_ordered || step == WithdrawalStep::present_ordered ||
           step == WithdrawalStep::presented || step == WithdrawalStep::retract_ordered ||
           step == WithdrawalStep::reject_ordered;
}

// What tells two sessions apart for the exploration: the fields step() decides transitions by,
// and the end reason (see the top of this file).
std::string configuration(const Session& session) {
    std::vector<std::string> timers;
    for (const TimerId id : session.running_timers) {
        timers.emplace_back(to_string(id));
    }
    std::ranges::sort(timers);
    std::string key(to_string(session.state));
    // Where a screen goes back to is read only on the screens that go back.
    if (session.state == State::staff_called || session.state == State::sound ||
        session.state == State::timeout_warning) {
        key += " back to " + std::string(to_string(session.resume_state));
    }
    key += session.pin_entry_active ? " pad collecting" : "";
    key += session.pending_call ? " call pending" : "";
    key += " timers [" + joined(timers, ",") + "]";
    key += session.headphones ? " headphones" : "";
    key += in_audio_mode(session) ? " audio mode" : "";
    // Elder mode decides one thing only: whether a verified PIN asks to remember it. So it tells
    // sessions apart only on the way to that answer, which keeps the search small.
    const bool before_reply =
        session.state == State::welcome || session.state == State::settings ||
        session.state == State::reading_card || session.state == State::waiting_for_pin_pad ||
        session.state == State::pin_entry || session.state == State::verifying;
    key += session.elder_mode && before_reply ? " elder" : "";
    // A used cryptogram decides only whether the next PIN waits for a fresh one.
    key += session.card_authentication_used && before_reply ? " cryptogram used" : "";
    key += session.pin_block_waiting ? " renewing" : "";
    // In the service menu the switch decides whether Cancel gives the kiosk back; the menu's own
    // steps are tested in flow_service_test.cpp and are not told apart here. A service menu
    // wanted during a customer's session, and out of service, change where a session ends and
    // what the welcome screen says, which flow_service_test.cpp tests: not told apart either,
    // which keeps the search small.
    key += session.state == State::service && session.service_switch_on ? " switch on" : "";
    key += session.pending_save ? " saving" : "";
    // The voice changes what is said, never where an event leads, so its absence is not told
    // apart (which keeps the search small); the reader's and the pad's are, except on the
    // branch's screens, where neither is needed: there they decide only whether news of them
    // fits, which the welcome screen's row shows. The same holds there for the time extensions
    // used, which decide only the time-out warning's Enter key.
    const bool interrupts = session.state == State::staff_called || session.state == State::sound ||
                            session.state == State::timeout_warning;
    const bool branch =
        is_branch_state(session.state) || (interrupts && is_branch_state(session.resume_state));
    if (!branch) {
        key += session.card_reader_missing ? " no card reader" : "";
        key += session.pin_pad_missing ? " no pin pad" : "";
        key += can_extend_time(real_resources(), session) ? " more time" : "";
    }
    key += session.card ? " card" : "";
    // The branch: the answers awaited, the visit's call for staff, why no ticket can be had,
    // whether the printer can print, and whether a service was given (the question after it).
    key += session.pending_queue_call ? " queue call pending" : "";
    key += session.pending_print ? " printing" : "";
    // The visit's call for staff decides whether its news fits; on a screen of the card's it
    // only decides that (the news is said, the screen stays), so there it is not told apart.
    key += session.staff_call && (branch || session.state == State::welcome ||
                                  session.state == State::staff_called)
               ? " staff call"
               : "";
    key += session.queue_refused && session.state == State::queue_unavailable ? " refused" : "";
    // The printer decides only whether a ticket's slip is printed; a card session never asks.
    key +=
        can_print(session) || !(branch || session.state == State::welcome) ? "" : " cannot print";
    key += session.service_given && session.state == State::returning_card &&
                   session.end_reason == EndReason::finished
               ? " served"
               : "";
    // Cash. Each fact is told apart only where step() reads it: whether cash is offered, on the
    // menu (its key); how many amounts are, on the amount screen (its keys); the amount typed
    // (its length and whether it can be had), on the keypad's screen; the quote, where it is
    // confirmed (why cash was refused changes what is said, never where a key leads). The
    // withdrawal's step decides which of
    // the dispenser's answers fit until it is final; whether the card was taken while the cash
    // was on its way decides where the card is for as long as the session lasts.
    if (session.state == State::menu) {
        key += offers_withdrawal(session) ? " cash" : "";
        key += offers_transfer(session) ? " transfer" : "";
    }
    if (session.state == State::choose_amount) {
        key += " amounts " + std::to_string(withdrawal_amounts(session).size());
    }
    if (session.state == State::other_amount) {
        key += " typed " + std::to_string(session.amount_digits.size());
        key += session.account && can_withdraw(session.cassettes, session.account->limits,
                                               typed_amount(session))
                   ? " valid"
                   : "";
    }
    if (session.state == State::confirm_withdrawal) {
        key += session.quote ? " quoted" : "";
    }
    if (session.state == State::withdrawal_refused) {
        key += cash_out_of_service(session) ? " out of service" : "";
    }
    // Transfer: the digits typed (their count decides whether Enter goes on, and the search
    // must count them up), whether an amount is typed, whether the quote asked for is a
    // transfer's, the quote confirmed, and whether a lost answer is being asked for again.
    if (session.state == State::payee_account) {
        key += " payee typed " + std::to_string(session.payee_digits.size());
    }
    if (session.state == State::transfer_amount) {
        key += session.amount_digits.empty() ? "" : " amount typed";
    }
    if (session.state == State::quoting) {
        key += session.quoting_transfer ? " transfer" : "";
    }
    if (session.state == State::confirm_transfer) {
        key += session.quote ? " quoted" : "";
        key += session.journal_failed ? " journal failed" : "";
    }
    if (session.state == State::transferring && session.transfer) {
        key += session.transfer->finding ? " finding" : "";
        key += " finds left " + std::to_string(session.transfer->finds_left);
    }
    // Card services: "more services" offers to forget elder mode when the menu has no room.
    if (session.state == State::more_services) {
        key += offers_forget_elder_mode(session) && !forget_elder_mode_on_menu(session)
                   ? " forget elder mode"
                   : "";
    }
    // Settling at start-up: how many withdrawals are left decides where the last answer leads.
    if (session.state == State::settling) {
        key += " unfinished " + std::to_string(session.unfinished.size());
    }
    if (session.withdrawal) {
        const WithdrawalStep step = session.withdrawal->step;
        const bool cash_screen = is_cash_state(session.state) || session.state == State::settling ||
                                 (interrupts && is_cash_state(session.resume_state));
        key += !is_final(step) && (cash_screen || awaits_dispenser(step))
                   ? " withdrawal " + std::string(to_string(step))
                   : "";
        key += session.withdrawal->card_taken ? " card taken" : "";
    }
    // The end reason picks the card-returning screen; elsewhere it only lingers.
    if (session.state == State::returning_card) {
        key += " ended " + std::string(to_string(session.end_reason));
    }
    return key;
}

// Whether the flow ignored the event: it journaled that and nothing else.
bool ignored(const std::vector<Effect>& effects) {
    return !effects.empty() && std::ranges::all_of(effects, [](const Effect& effect) {
        const auto* journal = std::get_if<Journal>(&effect);
        return journal != nullptr &&
               (journal->event == "event_ignored" || journal->event == "stale_reply" ||
                journal->event == "stale_timer");
    });
}

// The events that brought a session where it is, from Started: each step points at the one
// before, so that the sessions the exploration holds share their beginnings.
struct PathStep {
    std::shared_ptr<const PathStep> before;
    std::string event;
};
using Path = std::shared_ptr<const PathStep>;

Path extended(Path path, std::string event) {
    return std::make_shared<const PathStep>(PathStep{std::move(path), std::move(event)});
}

std::string joined(const Path& path) {
    std::vector<std::string> events;
    for (const PathStep* at = path.get(); at != nullptr; at = at->before.get()) {
        events.push_back(at->event);
    }
    std::ranges::reverse(events);
    return joined(events, ", ");
}

struct Node {
    Session session;
    Path path;
};

struct Exploration {
    std::map<Transition, std::string> transitions;  // each with the path it was first seen after
    std::set<std::string> states;                   // the states sessions were brought into
    std::set<std::size_t> kinds_fed;                // Event::index() of every event fed
    std::vector<std::string> misfits;               // events ignored that moved the session anyway
    std::size_t sessions = 0;
};

// Brings a session through the FlowDriver, whose PIN pad does not confirm on its own here, so
// that every step is one event.
Node walk(const std::vector<Event>& events) {
    FlowDriver kiosk;
    kiosk.set_pad_confirms(false);
    Node node;
    for (const Event& event : events) {
        node.path = extended(node.path, describe(event, kiosk.session()));
        kiosk.send(event);
    }
    node.session = kiosk.session();
    return node;
}

// The starting points from which every other session is reached (see the top of this file).
std::vector<Node> seeds() {
    const Resources& resources = real_resources();
    std::vector<Event> no_more_time{Started{},
                                    CardInserted{},
                                    CardRead{sample_card()},
                                    PinEntryReady{},
                                    PinEntered{sample_pin_block()},
                                    ReplyReceived{1, balance_reply(100)}};
    for (int extension = 0; extension < resources.policy.maximum_timeout_extensions; ++extension) {
        no_more_time.push_back(TimerFired{TimerId::inactivity});
        no_more_time.push_back(KeyPressed{k_timeout_extend_key});
    }
    // A start-up with two withdrawals the journal left unfinished: its notes at the slot, and
    // an authorisation never answered.
    const UnfinishedWithdrawal presented{.transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
                                         .last_step = WithdrawalStep::presented,
                                         .amount = Money{50'000, "CNY"},
                                         .fee = Money{0, "CNY"},
                                         .dispensed = Money{50'000, "CNY"},
                                         .dispensed_known = true};
    UnfinishedWithdrawal unanswered = presented;
    unanswered.transaction = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";
    unanswered.last_step = WithdrawalStep::authorise_requested;
    std::vector<Node> nodes{walk({Started{}}),
                            walk({Started{{}, {presented, unanswered}, std::nullopt}}),
                            walk(no_more_time)};
    REQUIRE(nodes.back().session.state == State::menu);
    REQUIRE_FALSE(can_extend_time(resources, nodes.back().session));
    return nodes;
}

Exploration explore() {
    const Resources& resources = real_resources();
    Exploration explored;
    std::set<std::string> seen;
    std::deque<Node> queue;
    for (Node& seed : seeds()) {
        if (seen.insert(configuration(seed.session)).second) {
            queue.push_back(std::move(seed));
        }
    }
    while (!queue.empty()) {
        const Node node = std::move(queue.front());
        queue.pop_front();
        ++explored.sessions;
        const std::string state(to_string(node.session.state));
        explored.states.insert(state);
        const auto feed = [&](const Event& event) {
            explored.kinds_fed.insert(event.index());
            Step next = step(resources, node.session, event);
            const bool was_ignored = ignored(next.effects);
            const Transition transition{
                state, std::string(to_string(event)), label_of(event, node.session),
                was_ignored ? std::string(k_ignored) : std::string(to_string(next.session.state))};
            if (was_ignored && next.session.state != node.session.state) {
                explored.misfits.push_back(
                    describe(transition) + " after " +
                    joined(extended(node.path, describe(event, node.session))));
            }
            // The path is written out only for a transition seen for the first time.
            if (const auto [entry, first] = explored.transitions.try_emplace(transition); first) {
                entry->second = joined(node.path);
            }
            if (seen.insert(configuration(next.session)).second) {
                queue.push_back(Node{std::move(next.session),
                                     extended(node.path, describe(event, node.session))});
            }
        };
        std::ranges::for_each(common_probes(), feed);
        std::ranges::for_each(session_probes(node.session), feed);
    }
    return explored;
}

const Exploration& exploration() {
    static const Exploration k_explored = explore();
    return k_explored;
}

// What the table and the code disagree on, one sentence each.
std::vector<std::string> differences(const Table& table, const Exploration& explored) {
    const auto in_table = [&table](const Transition& transition) {
        return table.transitions.contains(transition) ||
               table.transitions.contains(Transition{transition.state, transition.kind,
                                                     std::string(k_any_label), transition.outcome});
    };
    const auto made = [&explored](const Transition& transition) {
        if (transition.label != k_any_label) {
            return explored.transitions.contains(transition);
        }
        return std::ranges::any_of(explored.transitions, [&transition](const auto& entry) {
            const Transition& seen = entry.first;
            return seen.state == transition.state && seen.kind == transition.kind &&
                   seen.outcome == transition.outcome;
        });
    };
    std::vector<std::string> found;
    for (const auto& [transition, path] : explored.transitions) {
        if (!in_table(transition)) {
            found.push_back("the code makes " + describe(transition) + " (in the session after " +
                            path + "), which the table lacks");
        }
    }
    for (const Transition& transition : table.transitions) {
        if (!made(transition)) {
            found.push_back("the table says " + describe(transition) +
                            ", which no explored session does");
        }
    }
    return found;
}

}  // namespace

TEST_CASE("The table's cells name outcomes per key, with else for the rest and notes ignored") {
    const std::string text = std::string(k_table_heading) +
                             "\n\n| State | KeyPressed | CardRemoved |\n| --- | --- | --- |\n"
                             "| menu | 1 → balance; 2, cancel → returning_card (a note); else → "
                             "menu | goodbye, — (a note, with a comma) |\n";
    const Table table = read_table(text);
    CHECK(table.errors.empty());
    CHECK(table.rows == std::vector<std::string>{"menu"});
    CHECK(table.columns == std::vector<std::string>{"KeyPressed", "CardRemoved"});
    CHECK(table.transitions.contains({"menu", "KeyPressed", "1", "balance"}));
    CHECK_FALSE(table.transitions.contains({"menu", "KeyPressed", "1", "menu"}));
    CHECK(table.transitions.contains({"menu", "KeyPressed", "cancel", "returning_card"}));
    CHECK(table.transitions.contains({"menu", "KeyPressed", "help", "menu"}));
    CHECK(table.transitions.contains({"menu", "CardRemoved", "", "goodbye"}));
    CHECK(table.transitions.contains({"menu", "CardRemoved", "", "—"}));
    CHECK(table.transitions.size() == base::k_key_names.size() + 2);

    // A cell must account for every key, and name only states.
    const Table unsaid =
        read_table(std::string(k_table_heading) +
                   "\n| State | KeyPressed |\n| - | - |\n| menu | 1 → balance |\n");
    CHECK(unsaid.errors.size() == base::k_key_names.size() - 1);
    const Table misnamed =
        read_table(std::string(k_table_heading) +
                   "\n| State | CardRemoved |\n| - | - |\n| menu | farewell |\n");
    REQUIRE(misnamed.errors.size() == 1);
    CHECK(misnamed.errors.front() == "menu × CardRemoved: \"farewell\" is not a state or —");
}

TEST_CASE("The README's table has a row for every state and a column for every event kind") {
    const Table table = read_table(readme_text());
    for (const std::string& error : table.errors) {
        FAIL_CHECK(error);
    }
    std::vector<std::string> states;
    for (const State state : every_value<State>()) {
        states.emplace_back(to_string(state));
    }
    CHECK(table.rows == states);
    std::vector<std::string> kinds;
    for (const Event& event : probes(new_session(real_resources()))) {
        if (std::ranges::find(kinds, to_string(event)) == kinds.end()) {
            kinds.emplace_back(to_string(event));
        }
    }
    CHECK(kinds.size() == std::variant_size_v<Event>);
    CHECK(table.columns == kinds);
}

// The exploration takes the better part of a minute under the sanitizers, so the checks that
// need it share one test case (one process) and one search.
TEST_CASE("The README's table holds exactly the transitions step() makes from every state",
          "[exploration]") {
    SECTION("The exploration brings a session into every state and feeds it every kind of event") {
        const Exploration& explored = exploration();
        CHECK(explored.states == state_names());
        CHECK(explored.kinds_fed.size() == std::variant_size_v<Event>);
        // An event the flow ignores leaves the session where it was.
        CHECK(explored.misfits.empty());
        for (const std::string& misfit : explored.misfits) {
            FAIL_CHECK("journaled as ignored, yet moved: " + misfit);
        }
    }

    SECTION(
        "Every transition step() makes is in the README's table, and the table holds no other") {
        const Table table = read_table(readme_text());
        REQUIRE(table.errors.empty());
        const std::vector<std::string> found = differences(table, exploration());
        for (const std::string& difference : found) {
            FAIL_CHECK(difference);
        }
        CHECK(found.empty());
    }

    SECTION(
        "A table that lacks a transition the code makes, or claims one it does not, is caught") {
        const std::string text = readme_text();
        // The staff screen called from the menu: taking the card out ends the session.
        const Table lacking = read_table(with_cell(text, "staff_called", "CardRemoved", "—"));
        REQUIRE(lacking.errors.empty());
        const std::vector<std::string> lacks = differences(lacking, exploration());
        REQUIRE(lacks.size() == 1);
        CHECK(lacks.front().starts_with("the code makes staff_called × CardRemoved → goodbye"));

        const Table bogus = read_table(with_cell(text, "goodbye", "CardRead", "—, menu"));
        REQUIRE(bogus.errors.empty());
        const std::vector<std::string> claims = differences(bogus, exploration());
        REQUIRE(claims.size() == 1);
        CHECK(claims.front() ==
              "the table says goodbye × CardRead → menu, which no explored session does");
    }
}

// Not a check: writes the table the exploration finds to /tmp/flow_table.md, keeping each cell of
// the README's that already says the same (with its notes), for pasting into kiosk/core/README.md
// after a change to the flows. Run with: test_kiosk_core "[.print_table]".
TEST_CASE("Print the table the exploration finds", "[.print_table]") {
    const std::string text = readme_text();
    const Table old = read_table(text);
    std::map<std::pair<std::string, std::string>, std::string> old_cells;
    {
        std::istringstream lines(text);
        std::string line;
        bool in_section = false;
        while (std::getline(lines, line)) {
            in_section = in_section || line == k_table_heading;
            if (!in_section || !line.starts_with("|")) {
                continue;
            }
            const std::vector<std::string> cells = cells_of(line);
            for (std::size_t column = 0; column < old.columns.size() && column + 1 < cells.size();
                 ++column) {
                old_cells[{without_notes(cells.front()), old.columns[column]}] = cells[column + 1];
            }
        }
    }
    const Exploration& explored = exploration();
    std::vector<std::string> kinds;
    for (const Event& event : probes(new_session(real_resources()))) {
        if (std::ranges::find(kinds, to_string(event)) == kinds.end()) {
            kinds.emplace_back(to_string(event));
        }
    }
    std::ofstream out("/tmp/flow_table.md");
    out << "| State | " << joined(kinds, " | ") << " |\n|";
    for (std::size_t column = 0; column <= kinds.size(); ++column) {
        out << " --- |";
    }
    out << "\n";
    for (const State state_value : every_value<State>()) {
        const std::string state(to_string(state_value));
        out << "| " << state << " |";
        for (const std::string& kind : kinds) {
            Table cell_table;
            for (const Transition& transition : old.transitions) {
                if (transition.state == state && transition.kind == kind) {
                    cell_table.transitions.insert(transition);
                }
            }
            Exploration cell_explored;
            std::map<std::string, std::set<std::string>> outcomes_of;  // label → outcomes
            for (const auto& [transition, path] : explored.transitions) {
                if (transition.state == state && transition.kind == kind) {
                    cell_explored.transitions.emplace(transition, path);
                    outcomes_of[transition.label].insert(transition.outcome);
                }
            }
            const auto old_cell = old_cells.find({state, kind});
            if (old_cell != old_cells.end() && !cell_table.transitions.empty() &&
                differences(cell_table, cell_explored).empty()) {
                out << " " << old_cell->second << " |";
                continue;
            }
            const auto outcome_list = [](const std::set<std::string>& outcomes) {
                std::vector<std::string> list(outcomes.begin(), outcomes.end());
                std::ranges::stable_partition(list,
                                              [](const std::string& o) { return o != k_ignored; });
                return joined(list, ", ");
            };
            std::map<std::string, std::vector<std::string>> labels_of_outcomes;
            for (const std::string& label : labels_of(kind)) {
                const auto found = outcomes_of.find(label);
                labels_of_outcomes[found == outcomes_of.end() ? std::string(k_ignored)
                                                              : outcome_list(found->second)]
                    .push_back(label);
            }
            if (labels_of_outcomes.size() == 1) {
                out << " " << labels_of_outcomes.begin()->first << " |";
                continue;
            }
            const auto most = std::ranges::max_element(
                labels_of_outcomes, {}, [](const auto& entry) { return entry.second.size(); });
            std::vector<std::string> entries;
            for (const auto& [outcomes, labels] : labels_of_outcomes) {
                if (outcomes != most->first) {
                    entries.push_back(joined(labels, ", ") + " " + std::string(k_arrow) + " " +
                                      outcomes);
                }
            }
            entries.push_back("else " + std::string(k_arrow) + " " + most->first);
            out << " " << joined(entries, "; ") << " |";
        }
        out << "\n";
    }
}
