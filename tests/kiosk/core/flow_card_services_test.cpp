// Card services (kiosk/core/README.md, "Card services"), as a customer sees and hears them: the
// menu's "more services", the account's latest entries (private, said on the headphones or on
// the speaker at the customer's choice), a card lock confirmed with a key of its own, and a PIN
// change typed twice on the PIN pad, of which the kiosk sees only the pad's enciphered block.

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/wording.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

// The reference the account service gives a card lock, and how it is said in English: letters
// and digits one by one, with a pause between the groups.
constexpr std::string_view k_card_services_lock_reference = "LK-20261202-0042";
constexpr std::string_view k_card_services_lock_reference_said = "L K, 2 0 2 6 1 2 0 2, 0 0 4 2";

// The block the PIN pad makes of the new PIN: not the sign-on's.
constexpr std::string_view k_card_services_new_pin_block_hex = "3A5F90127CE40BD6";

EncryptedPinBlock card_services_new_pin_block() {
    constexpr std::array<std::uint8_t, 8> k_bytes{0x3A, 0x5F, 0x90, 0x12, 0x7C, 0xE4, 0x0B, 0xD6};
    return EncryptedPinBlock::from_bytes(k_bytes).value();
}

MoneyReply card_services_answer(MoneyStatus status) {
    MoneyReply reply;
    reply.status = status;
    return reply;
}

StatementEntry card_services_entry(std::string date, StatementEntryKind kind, bool credit,
                                   std::int64_t yuan) {
    return StatementEntry{std::move(date), kind, credit, Money{yuan * 100, "CNY"},
                          Money{1'234'567, "CNY"}};
}

// Seven entries, newest first as the account service gives them (docs/api/account.yaml,
// getStatement): the first of December to the seventh, each on a day of its own.
std::vector<StatementEntry> card_services_entries() {
    return {
        card_services_entry("2026-12-07", StatementEntryKind::deposit, true, 700),
        card_services_entry("2026-12-06", StatementEntryKind::withdrawal, false, 600),
        card_services_entry("2026-12-05", StatementEntryKind::transfer_in, true, 500),
        card_services_entry("2026-12-04", StatementEntryKind::fee, false, 4),
        card_services_entry("2026-12-03", StatementEntryKind::transfer_out, false, 300),
        card_services_entry("2026-12-02", StatementEntryKind::interest, true, 2),
        card_services_entry("2026-12-01", StatementEntryKind::reversal, true, 100),
    };
}

MoneyReply card_services_statement_reply() {
    MoneyReply reply = card_services_answer(MoneyStatus::ok);
    reply.entries = card_services_entries();
    return reply;
}

MoneyReply card_services_lock_reply() {
    MoneyReply reply = card_services_answer(MoneyStatus::ok);
    reply.card_lock_reference = std::string(k_card_services_lock_reference);
    return reply;
}

// Answers the account service call the flow awaits.
const std::vector<Effect>& card_services_reply(FlowDriver& kiosk, MoneyReply reply) {
    REQUIRE(kiosk.session().pending_call.has_value());
    return kiosk.send(MoneyReplyReceived{*kiosk.session().pending_call, std::move(reply)});
}

// Signed on with the English card, on "more services".
void card_services_reach_more(FlowDriver& kiosk) {
    kiosk.reach_menu("en");
    kiosk.send(KeyPressed{k_menu_more_key});
    REQUIRE(kiosk.session().state == State::more_services);
}

// Signed on in elder mode, remembered for the card, with cash offered (the dispenser has notes)
// and transfers offered unless today's transfer limit is spent.
void card_services_reach_remembered_elder_menu(FlowDriver& kiosk, bool transfers) {
    kiosk.send_all({Started{}, sample_dispenser(), CardInserted{}, CardRead{sample_card("en")},
                    PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    ServiceReply signed_on = balance_reply(1'234'567);
    signed_on.preferences = CardPreferences{true, base::SecretText("grant-7")};
    REQUIRE(signed_on.session.has_value());
    if (!transfers) {
        signed_on.session->limits.transfer_left_today = Money{0, "CNY"};
    }
    kiosk.reply(std::move(signed_on));
    REQUIRE(kiosk.session().state == State::menu);
    REQUIRE(kiosk.session().elder_mode);
    REQUIRE(kiosk.session().elder_mode_remembered);
    REQUIRE(offers_withdrawal(kiosk.session()));
    REQUIRE(offers_transfer(kiosk.session()) == transfers);
}

// From "more services": the statement asked for and answered with the seven entries.
const std::vector<Effect>& card_services_show_statement(FlowDriver& kiosk) {
    kiosk.send(KeyPressed{k_more_statement_key});
    REQUIRE(kiosk.session().state == State::fetching_statement);
    const auto& shown = card_services_reply(kiosk, card_services_statement_reply());
    REQUIRE(kiosk.session().state == State::statement);
    return shown;
}

// From "more services": the lock confirmed, the account service asked.
void card_services_reach_locking(FlowDriver& kiosk) {
    kiosk.send(KeyPressed{k_more_lock_card_key});
    REQUIRE(kiosk.session().state == State::confirm_card_lock);
    kiosk.send(KeyPressed{k_lock_confirm_key});
    REQUIRE(kiosk.session().state == State::locking_card);
}

// From "more services": a new PIN typed once, the pad asking for it again.
void card_services_reach_new_pin_again(FlowDriver& kiosk) {
    kiosk.send(KeyPressed{k_more_change_pin_key});
    REQUIRE(kiosk.session().state == State::new_pin_entry);
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinDigitEntered{5}, PinDigitEntered{6}, NewPinAgain{}});
    REQUIRE(kiosk.session().state == State::new_pin_again);
}

// From "more services": the new PIN typed twice and sent to the account service.
void card_services_reach_changing_pin(FlowDriver& kiosk) {
    card_services_reach_new_pin_again(kiosk);
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinDigitEntered{5}, PinDigitEntered{6},
                    PinEntered{card_services_new_pin_block()}});
    REQUIRE(kiosk.session().state == State::changing_pin);
}

std::vector<base::Key> card_services_choice_keys(const std::vector<Effect>& effects) {
    std::vector<base::Key> keys;
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    for (const Element& element : screen->elements) {
        if (element.role == Role::choice && element.key) {
            keys.push_back(*element.key);
        }
    }
    return keys;
}

bool card_services_shows(const std::vector<Effect>& effects, std::string_view fragment) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [&](const Element& element) {
               return element.text.find(fragment) != std::string::npos;
           });
}

bool card_services_rejected(const std::vector<Effect>& effects) {
    return std::ranges::any_of(effects_of<Tone>(effects),
                               [](const Tone& tone) { return tone.kind == ToneKind::error; });
}

std::vector<Journal> card_services_journal(const std::vector<Effect>& effects,
                                           std::string_view event) {
    std::vector<Journal> found;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        if (entry.event == event) {
            found.push_back(entry);
        }
    }
    return found;
}

// The statement's entries as the last screen shows them.
std::vector<Element> card_services_shown_entries(const std::vector<Effect>& effects) {
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    REQUIRE(screen->id == "statement");
    std::vector<Element> entries;
    for (const Element& element : screen->elements) {
        if (element.text.find(" December") != std::string::npos) {
            entries.push_back(element);
        }
    }
    return entries;
}

// The PIN field of the last screen.
Element card_services_pin_field(const std::vector<Effect>& effects) {
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    const auto field = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::input; });
    REQUIRE(field != screen->elements.end());
    return *field;
}

bool card_services_said(const std::vector<Effect>& effects, std::string_view words) {
    return std::ranges::any_of(utterances(effects), [&](const Utterance& utterance) {
        return utterance.text.find(words) != std::string::npos;
    });
}

std::string card_services_lower(std::string_view text) {
    std::string lower(text);
    for (char& character : lower) {
        character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    }
    return lower;
}

// The journal records that hold the card number or a PIN block's bytes in hex.
std::vector<std::string> card_services_journal_leaks(const std::vector<Effect>& effects) {
    const std::vector<std::string> secrets = {
        std::string(k_sample_pan), "6228 4804 0256 4890 018",
        card_services_lower(k_sample_pin_block_hex),
        card_services_lower(k_card_services_new_pin_block_hex)};
    std::vector<std::string> leaks;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        for (const std::string& text : {entry.event, entry.detail}) {
            for (const std::string& secret : secrets) {
                if (card_services_lower(text).find(secret) != std::string::npos) {
                    leaks.push_back(entry.event + ": \"" + text + "\"");
                }
            }
        }
    }
    return leaks;
}

}  // namespace

// ---- 1. More services -------------------------------------------------------------------------

TEST_CASE(
    "Key 7 on the menu opens more services: the statement on 1, a PIN change on 2, a card "
    "lock on 3, and Cancel back to the menu",
    "[card_services]") {
    FlowDriver kiosk;
    kiosk.reach_menu("en");
    CHECK(std::ranges::count(card_services_choice_keys(kiosk.last()), k_menu_more_key) == 1);

    const auto& more = kiosk.send(KeyPressed{k_menu_more_key});
    CHECK(kiosk.session().state == State::more_services);
    const auto screen = last_screen(more);
    REQUIRE(screen);
    CHECK(screen->id == "more_services");
    CHECK(card_services_choice_keys(more) ==
          std::vector<base::Key>{k_more_statement_key, k_more_change_pin_key, k_more_lock_card_key,
                                 k_more_back_key});
    CHECK(card_services_shows(more, kiosk.text("more_services.statement")));
    CHECK(card_services_shows(more, kiosk.text("more_services.change_pin")));
    CHECK(card_services_shows(more, kiosk.text("more_services.lock_card")));
    CHECK(mentions(more, kiosk.text("more_services.lock_card")));
    CHECK_FALSE(card_services_shows(more, kiosk.text("more_services.forget_elder_mode")));
    // Nothing is asked of the service or the pad until the customer chooses.
    CHECK_FALSE(has_effect<AccountCall>(more));
    CHECK_FALSE(has_effect<StartPinEntry>(more));

    // Key 4 offers nothing here without a remembered elder mode.
    const auto& four = kiosk.send(KeyPressed{k_more_forget_elder_mode_key});
    CHECK(card_services_rejected(four));
    CHECK_FALSE(has_effect<SavePreferences>(four));
    CHECK(kiosk.session().state == State::more_services);

    const auto& back = kiosk.send(KeyPressed{k_more_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(back)->id == "menu");
    CHECK_FALSE(has_effect<EjectCard>(back));
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
}

TEST_CASE(
    "In elder mode with cash and transfers on the menu, a remembered elder mode is forgotten "
    "from more services on key 4, not from the menu",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_remembered_elder_menu(kiosk, true);
    // Balance, cash, transfer and more services: the four choices elder mode allows.
    const auto& menu = kiosk.last();
    CHECK(card_services_choice_keys(menu) ==
          std::vector<base::Key>{k_menu_balance_key, k_menu_withdraw_key, k_menu_transfer_key,
                                 k_menu_more_key});
    CHECK_FALSE(card_services_shows(menu, kiosk.text("menu.forget_elder_mode")));
    const auto& refused = kiosk.send(KeyPressed{k_menu_forget_elder_mode_key});
    CHECK(card_services_rejected(refused));
    CHECK_FALSE(has_effect<SavePreferences>(refused));
    CHECK(kiosk.session().state == State::menu);

    const auto& more = kiosk.send(KeyPressed{k_menu_more_key});
    REQUIRE(kiosk.session().state == State::more_services);
    // Four choices again: the way back is said as a notice, and Cancel still takes it.
    CHECK(card_services_choice_keys(more) ==
          std::vector<base::Key>{k_more_statement_key, k_more_change_pin_key, k_more_lock_card_key,
                                 k_more_forget_elder_mode_key});
    CHECK(card_services_shows(more, kiosk.text("more_services.forget_elder_mode")));
    CHECK(card_services_shows(more, kiosk.text("more_services.back_on_cancel")));
    CHECK(mentions(more, kiosk.text("more_services.forget_elder_mode")));

    const auto& forget = kiosk.send(KeyPressed{k_more_forget_elder_mode_key});
    const auto saves = effects_of<SavePreferences>(forget);
    REQUIRE(saves.size() == 1);
    CHECK_FALSE(saves.front().elder_mode);
    CHECK(saves.front().grant.view() == "grant-7");
    // Elder mode stays on for this visit, and the choice leaves the screen.
    CHECK(kiosk.session().elder_mode);
    CHECK(kiosk.session().state == State::more_services);
    CHECK_FALSE(card_services_shows(forget, kiosk.text("more_services.forget_elder_mode")));
    CHECK(std::ranges::count(card_services_choice_keys(forget), k_more_back_key) == 1);
    CHECK_FALSE(has_effect<SavePreferences>(kiosk.send(KeyPressed{k_more_forget_elder_mode_key})));

    kiosk.send(KeyPressed{k_more_back_key});
    CHECK(kiosk.session().state == State::menu);
}

TEST_CASE(
    "In elder mode with room on the menu, the menu offers to forget a remembered elder mode "
    "and more services does not",
    "[card_services]") {
    FlowDriver kiosk;
    // Today's transfer limit spent: balance, cash and more services leave room for it.
    card_services_reach_remembered_elder_menu(kiosk, false);
    CHECK(std::ranges::count(card_services_choice_keys(kiosk.last()),
                             k_menu_forget_elder_mode_key) == 1);
    CHECK(card_services_shows(kiosk.last(), kiosk.text("menu.forget_elder_mode")));

    const auto& more = kiosk.send(KeyPressed{k_menu_more_key});
    CHECK(card_services_choice_keys(more) ==
          std::vector<base::Key>{k_more_statement_key, k_more_change_pin_key, k_more_lock_card_key,
                                 k_more_back_key});
    CHECK_FALSE(card_services_shows(more, kiosk.text("more_services.forget_elder_mode")));
    const auto& four = kiosk.send(KeyPressed{k_more_forget_elder_mode_key});
    CHECK(card_services_rejected(four));
    CHECK_FALSE(has_effect<SavePreferences>(four));

    kiosk.send(KeyPressed{k_more_back_key});
    const auto& forget = kiosk.send(KeyPressed{k_menu_forget_elder_mode_key});
    const auto saves = effects_of<SavePreferences>(forget);
    REQUIRE(saves.size() == 1);
    CHECK_FALSE(saves.front().elder_mode);
}

// ---- 2. The statement -------------------------------------------------------------------------

TEST_CASE(
    "Key 1 on more services asks the account service for the latest entries and says it is "
    "getting them",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    const auto& asked = kiosk.send(KeyPressed{k_more_statement_key});
    CHECK(kiosk.session().state == State::fetching_statement);
    CHECK(last_screen(asked)->id == "fetching_statement");
    CHECK(mentions(asked, kiosk.text("fetching_statement.text")));
    const auto calls = effects_of<AccountCall>(asked);
    REQUIRE(calls.size() == 1);
    CHECK(std::holds_alternative<RequestStatement>(calls.front().request));
    CHECK(calls.front().session == base::SecretText("session-token"));
    CHECK(timer_started(asked, TimerId::service_call));
    CHECK(card_services_journal(asked, "statement_requested").size() == 1);

    // While it waits, a key only says again what is happening.
    const auto& waiting = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::fetching_statement);
    CHECK_FALSE(has_effect<AccountCall>(waiting));
    CHECK(mentions(waiting, kiosk.text("fetching_statement.text")));
}

TEST_CASE("The statement shows the five newest entries, newest first, each one private",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    const auto& shown = card_services_show_statement(kiosk);
    CHECK(last_screen(shown)->id == "statement");
    CHECK(card_services_shows(shown, kiosk.text("statement.newest_first")));
    const auto entries = card_services_shown_entries(shown);
    REQUIRE(entries.size() == 5);
    const std::vector<std::string> days = {"7 December", "6 December", "5 December", "4 December",
                                           "3 December"};
    for (std::size_t index = 0; index < entries.size(); ++index) {
        INFO(entries[index].text);
        CHECK(entries[index].text.starts_with(days[index]));
        CHECK(entries[index].is_private);
    }
    CHECK(entries[0].text.find(kiosk.text("statement.kind_deposit")) != std::string::npos);
    CHECK(entries[0].text.find("+700") != std::string::npos);
    CHECK(entries[1].text.find(kiosk.text("statement.kind_withdrawal")) != std::string::npos);
    CHECK(entries[1].text.find("-600") != std::string::npos);
    CHECK_FALSE(card_services_shows(shown, "2 December"));
    CHECK_FALSE(card_services_shows(shown, "1 December"));
    const auto journaled = card_services_journal(shown, "statement_shown");
    REQUIRE(journaled.size() == 1);
    CHECK(journaled.front().detail == "7 entries");
}

TEST_CASE("In elder mode the statement shows only the three newest entries", "[card_services]") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}, KeyPressed{k_welcome_elder_mode_key}, CardInserted{},
                    CardRead{sample_card("en")}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    kiosk.reply(balance_reply(1'234'567));
    REQUIRE(kiosk.session().state == State::menu);
    REQUIRE(kiosk.session().elder_mode);
    kiosk.send(KeyPressed{k_menu_more_key});
    const auto& shown = card_services_show_statement(kiosk);
    CHECK(last_screen(shown)->theme == k_elder_theme);
    const auto entries = card_services_shown_entries(shown);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].text.starts_with("7 December"));
    CHECK(entries[1].text.starts_with("6 December"));
    CHECK(entries[2].text.starts_with("5 December"));
    for (const Element& entry : entries) {
        CHECK(entry.is_private);
    }
}

TEST_CASE(
    "On the speaker the statement's entries are not said until the customer presses 3 to "
    "hear them aloud",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    const auto& shown = card_services_show_statement(kiosk);
    const auto entries = card_services_shown_entries(shown);
    REQUIRE(entries.size() == 5);
    for (const Element& entry : entries) {
        INFO(entry.speech);
        REQUIRE_FALSE(entry.speech.empty());
        CHECK_FALSE(card_services_said(shown, entry.speech));
    }
    CHECK(mentions(shown, kiosk.text("speech.private_on_screen")));
    CHECK(mentions(shown, kiosk.text("statement.aloud_speech")));
    CHECK(std::ranges::count(card_services_choice_keys(shown), k_statement_aloud_key) == 1);

    const auto& aloud = kiosk.send(KeyPressed{k_statement_aloud_key});
    CHECK(kiosk.session().speaker_chosen);
    CHECK(kiosk.session().state == State::statement);
    for (const Element& entry : entries) {
        INFO(entry.speech);
        const auto said = utterances(aloud);
        const auto found = std::ranges::find_if(
            said, [&](const Utterance& utterance) { return utterance.text == entry.speech; });
        REQUIRE(found != said.end());
        CHECK(found->channel == Channel::speaker);
        CHECK(found->is_private);
        CHECK(found->speaker_chosen);
    }
    CHECK(card_services_said(aloud, "7 December: " + kiosk.text("statement.kind_deposit")));
    // Chosen, the choice leaves the screen.
    CHECK(std::ranges::count(card_services_choice_keys(aloud), k_statement_aloud_key) == 0);
}

TEST_CASE("With headphones the statement's entries are said privately in the headphones",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(HeadphonesPlugged{});
    const auto& shown = card_services_show_statement(kiosk);
    const auto entries = card_services_shown_entries(shown);
    REQUIRE(entries.size() == 5);
    const auto said = utterances(shown);
    for (const Element& entry : entries) {
        INFO(entry.speech);
        const auto found = std::ranges::find_if(
            said, [&](const Utterance& utterance) { return utterance.text == entry.speech; });
        REQUIRE(found != said.end());
        CHECK(found->channel == Channel::headphones);
        CHECK(found->is_private);
    }
    CHECK_FALSE(mentions(shown, kiosk.text("speech.private_on_screen")));
    // Nothing to read aloud: key 3 is neither offered nor taken.
    CHECK(std::ranges::count(card_services_choice_keys(shown), k_statement_aloud_key) == 0);
    CHECK(card_services_rejected(kiosk.send(KeyPressed{k_statement_aloud_key})));
    CHECK_FALSE(kiosk.session().speaker_chosen);
}

TEST_CASE(
    "Headphones plugged in on the statement screen say the entries privately and take the "
    "speaker's choice off the screen",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    const auto entries = card_services_shown_entries(card_services_show_statement(kiosk));
    REQUIRE(entries.size() == 5);
    const auto& plugged = kiosk.send(HeadphonesPlugged{});
    for (const Element& entry : entries) {
        INFO(entry.speech);
        CHECK(spoken_text(plugged, Channel::headphones).find(entry.speech) != std::string::npos);
    }
    // As on the balance screen: in the headphones there is nothing to read aloud, so key 3 is
    // neither shown nor said.
    CHECK(std::ranges::none_of(kiosk.session().screen.elements, [](const Element& element) {
        return element.key == k_statement_aloud_key;
    }));
    CHECK_FALSE(mentions(plugged, kiosk.text("statement.aloud_speech")));
}

TEST_CASE(
    "A statement the service cannot give, or does not answer, says the entries are not "
    "available",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_statement_key});
    std::vector<Effect> answered;
    SECTION("The service says it is unavailable") {
        answered = card_services_reply(kiosk, card_services_answer(MoneyStatus::unavailable));
        const auto journaled = card_services_journal(answered, "statement_shown");
        REQUIRE(journaled.size() == 1);
        CHECK(journaled.front().detail == "unavailable");
    }
    SECTION("The service never answers") {
        const std::uint64_t call = kiosk.session().pending_call.value();
        answered = kiosk.fire(TimerId::service_call);
        const auto cancels = effects_of<CancelCall>(answered);
        REQUIRE(cancels.size() == 1);
        CHECK(cancels.front().call_id == call);
    }
    CHECK(kiosk.session().state == State::statement);
    CHECK(last_screen(answered)->id == "statement");
    CHECK(card_services_shows(answered, kiosk.text("statement.unavailable")));
    CHECK(mentions(answered, kiosk.text("statement.unavailable")));
    CHECK_FALSE(card_services_shows(answered, kiosk.text("statement.newest_first")));
    CHECK(card_services_shown_entries(answered).empty());
    CHECK(card_services_choice_keys(answered) ==
          std::vector<base::Key>{k_statement_back_key, k_statement_take_card_key});
    CHECK_FALSE(has_effect<EjectCard>(answered));
    CHECK(kiosk.session().statement.empty());
}

TEST_CASE("A statement answered with the session ended returns the card, the service unavailable",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_statement_key});
    const auto& ended =
        card_services_reply(kiosk, card_services_answer(MoneyStatus::session_refused));
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(kiosk.session().end_reason == EndReason::service_unavailable);
    CHECK(has_effect<EjectCard>(ended));
    CHECK(last_screen(ended)->id == "error_service_unavailable");
    CHECK(has_effect<NotifyStaff>(ended));
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK(kiosk.session().statement.empty());
}

TEST_CASE("From the statement 1 goes back to the menu, and 2 or Cancel return the card",
          "[card_services]") {
    SECTION("1: the menu") {
        FlowDriver kiosk;
        card_services_reach_more(kiosk);
        card_services_show_statement(kiosk);
        const auto& menu = kiosk.send(KeyPressed{k_statement_back_key});
        CHECK(kiosk.session().state == State::menu);
        CHECK(last_screen(menu)->id == "menu");
        CHECK_FALSE(has_effect<EjectCard>(menu));
        CHECK(kiosk.session().statement.empty());
    }
    for (const base::Key key : {k_statement_take_card_key, base::Key::cancel}) {
        DYNAMIC_SECTION("The card with " << base::to_string(key)) {
            FlowDriver kiosk;
            card_services_reach_more(kiosk);
            card_services_show_statement(kiosk);
            const auto& out = kiosk.send(KeyPressed{key});
            CHECK(kiosk.session().state == State::returning_card);
            CHECK(kiosk.session().end_reason == EndReason::finished);
            CHECK(has_effect<EjectCard>(out));
            CHECK(last_screen(out)->id == "take_card");
        }
    }
}

// Session::statement: personal, wiped with the card (docs/style.md, "Secrets").
TEST_CASE("The statement's entries leave the session with the card", "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    card_services_show_statement(kiosk);
    REQUIRE(kiosk.session().statement.size() == 7);
    SECTION("The card taken with 2") {
        kiosk.send(KeyPressed{k_statement_take_card_key});
        CHECK(kiosk.session().state == State::returning_card);
    }
    SECTION("The card taken with Cancel") {
        kiosk.send(KeyPressed{base::Key::cancel});
        CHECK(kiosk.session().state == State::returning_card);
    }
    SECTION("The card pulled out") {
        kiosk.send(CardRemoved{});
        CHECK(kiosk.session().state == State::goodbye);
    }
    SECTION("No answer to the time-out warning") {
        kiosk.fire(TimerId::inactivity);
        kiosk.fire(TimerId::inactivity_warning);
        CHECK(kiosk.session().state == State::returning_card);
    }
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK(kiosk.session().statement.empty());
}

// ---- 3. The card lock -------------------------------------------------------------------------

TEST_CASE("Key 3 on more services explains a card lock, which only Enter confirms",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    const auto& asked = kiosk.send(KeyPressed{k_more_lock_card_key});
    CHECK(kiosk.session().state == State::confirm_card_lock);
    CHECK(last_screen(asked)->id == "confirm_card_lock");
    CHECK(card_services_shows(asked, kiosk.text("confirm_card_lock.what")));
    CHECK(card_services_shows(asked, kiosk.text("confirm_card_lock.undo")));
    CHECK(mentions(asked, kiosk.text("confirm_card_lock.what")));
    CHECK(card_services_choice_keys(asked) ==
          std::vector<base::Key>{k_lock_confirm_key, k_lock_back_key});
    CHECK_FALSE(has_effect<AccountCall>(asked));

    // The key that asked, pressed again, or any other digit locks nothing.
    for (const base::Key key :
         {base::Key::digit_3, base::Key::digit_1, base::Key::digit_2, base::Key::digit_4,
          base::Key::digit_5, base::Key::digit_6, base::Key::digit_7, base::Key::digit_8,
          base::Key::digit_9, base::Key::clear, base::Key::digit_3}) {
        INFO(base::to_string(key));
        const auto& pressed = kiosk.send(KeyPressed{key});
        CHECK(card_services_rejected(pressed));
        CHECK(kiosk.session().state == State::confirm_card_lock);
        CHECK_FALSE(has_effect<AccountCall>(pressed));
    }
    CHECK(card_services_journal(kiosk.all(), "card_lock_requested").empty());

    const auto& locking = kiosk.send(KeyPressed{k_lock_confirm_key});
    CHECK(kiosk.session().state == State::locking_card);
    CHECK(last_screen(locking)->id == "locking_card");
    const auto calls = effects_of<AccountCall>(locking);
    REQUIRE(calls.size() == 1);
    CHECK(std::holds_alternative<LockCard>(calls.front().request));
    CHECK(calls.front().session == base::SecretText("session-token"));
    CHECK(card_services_journal(locking, "card_lock_requested").size() == 1);
}

TEST_CASE("Cancel on the card lock's question goes back to more services and locks nothing",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_lock_card_key});
    const auto& back = kiosk.send(KeyPressed{k_lock_back_key});
    CHECK(kiosk.session().state == State::more_services);
    CHECK(last_screen(back)->id == "more_services");
    CHECK(card_services_journal(back, "card_lock_not_wanted").size() == 1);
    CHECK_FALSE(has_effect<EjectCard>(back));
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
}

TEST_CASE(
    "A card locked by the account service comes back with the lock's reference shown, said "
    "and journaled",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    card_services_reach_locking(kiosk);
    const auto& locked = card_services_reply(kiosk, card_services_lock_reply());
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(kiosk.session().end_reason == EndReason::card_locked);
    CHECK(has_effect<EjectCard>(locked));
    const auto screen = last_screen(locked);
    REQUIRE(screen);
    CHECK(screen->id == "card_locked");
    CHECK(card_services_shows(locked, kiosk.text("card_locked.title")));
    CHECK(card_services_shows(locked, "Reference: " + std::string(k_card_services_lock_reference)));
    CHECK(card_services_shows(locked, kiosk.text("card_locked.undo")));
    // Said letter by letter and digit by digit, so that it can be written down; it names the
    // lock, not the customer, so it is said on the speaker too.
    CHECK(word_code(k_card_services_lock_reference, "en") == k_card_services_lock_reference_said);
    const std::string said = spoken_text(locked, Channel::speaker);
    INFO(said);
    CHECK(said.find("Reference: " + std::string(k_card_services_lock_reference_said)) !=
          std::string::npos);
    const auto journaled = card_services_journal(locked, "card_locked");
    REQUIRE(journaled.size() == 1);
    CHECK(journaled.front().detail == k_card_services_lock_reference);
    CHECK_FALSE(has_effect<CallStaff>(kiosk.all()));
    // The card's data leaves with it; the reference stays on the screen until the next customer.
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK(kiosk.session().card_lock_reference == k_card_services_lock_reference);
}

TEST_CASE("A card lock that fails or goes unanswered calls a member of staff and keeps the card",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    card_services_reach_locking(kiosk);
    std::vector<Effect> failed;
    std::string status;
    SECTION("The service says it is unavailable") {
        failed = card_services_reply(kiosk, card_services_answer(MoneyStatus::unavailable));
        status = "unavailable";
    }
    SECTION("The service answers that it timed out") {
        failed = card_services_reply(kiosk, card_services_answer(MoneyStatus::timeout));
        status = "timeout";
    }
    SECTION("The service never answers") {
        failed = kiosk.fire(TimerId::service_call);
        CHECK(has_effect<CancelCall>(failed));
        status = "timeout";
    }
    CHECK(kiosk.session().state == State::card_lock_failed);
    CHECK(last_screen(failed)->id == "card_lock_failed");
    CHECK(card_services_shows(failed, kiosk.text("card_lock_failed.text")));
    CHECK(card_services_shows(failed, kiosk.text("card_lock_failed.next")));
    CHECK(mentions(failed, kiosk.text("card_lock_failed.next")));
    const auto calls = effects_of<CallStaff>(failed);
    REQUIRE(calls.size() == 1);
    CHECK(calls.front().request.reason == AssistanceReason::customer_request);
    const auto journaled = card_services_journal(failed, "card_lock_failed");
    REQUIRE(journaled.size() == 1);
    CHECK(journaled.front().detail == status);
    // The card stays: the member of staff sees to the lock with the customer.
    CHECK_FALSE(has_effect<EjectCard>(failed));
    CHECK(kiosk.session().card.has_value());
    CHECK(kiosk.session().card_lock_reference.empty());
    CHECK(card_services_choice_keys(failed) ==
          std::vector<base::Key>{k_finished_menu_key, k_finished_take_card_key});
}

// ---- 4. The PIN change ------------------------------------------------------------------------

TEST_CASE("Key 2 on more services asks the PIN pad for a new PIN, and the prompt waits for the pad",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.set_pad_confirms(false);
    const auto& asked = kiosk.send(KeyPressed{k_more_change_pin_key});
    const auto starts = effects_of<StartPinEntry>(asked);
    REQUIRE(starts.size() == 1);
    CHECK(starts.front().purpose == PinPurpose::new_pin);
    CHECK(starts.front().pan.digits() == k_sample_pan);
    CHECK(kiosk.session().state == State::new_pin_requested);
    CHECK_FALSE(has_effect<Show>(asked));
    CHECK(kiosk.session().screen.id == "more_services");
    CHECK(timer_started(asked, TimerId::pin_pad_ready));
    CHECK_FALSE(has_effect<AccountCall>(asked));

    const auto& ready = kiosk.send(PinEntryReady{});
    CHECK(kiosk.session().state == State::new_pin_entry);
    const auto screen = last_screen(ready);
    REQUIRE(screen);
    CHECK(screen->id == "new_pin");
    CHECK(mentions(ready, kiosk.text("new_pin.instruction")));
    // The advice against an easy PIN is shown, and said (in words of its own where figures would
    // be misread).
    const auto advice = std::ranges::find_if(screen->elements, [&](const Element& element) {
        return element.text == kiosk.text("new_pin.advice");
    });
    REQUIRE(advice != screen->elements.end());
    CHECK(mentions(ready, advice->speech.empty() ? advice->text : advice->speech));
    CHECK(timer_cancelled(ready, TimerId::pin_pad_ready));
}

TEST_CASE("Cancel before the pad is ready leaves no wait for the pad running", "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.set_pad_confirms(false);
    kiosk.send(KeyPressed{k_more_change_pin_key});
    REQUIRE(kiosk.session().state == State::new_pin_requested);
    const auto& back = kiosk.send(KeyPressed{k_new_pin_back_key});
    CHECK(kiosk.session().state == State::more_services);
    CHECK(has_effect<CancelPinEntry>(back));
    CHECK(timer_cancelled(back, TimerId::pin_pad_ready));
    CHECK(std::ranges::find(kiosk.session().running_timers, TimerId::pin_pad_ready) ==
          kiosk.session().running_timers.end());
}

TEST_CASE("A new PIN's digits appear as dots and are never said", "[card_services]") {
    for (const bool headphones : {false, true}) {
        INFO((headphones ? "headphones" : "speaker"));
        FlowDriver kiosk;
        card_services_reach_more(kiosk);
        if (headphones) {
            kiosk.send(HeadphonesPlugged{});
        }
        kiosk.send(KeyPressed{k_more_change_pin_key});
        REQUIRE(kiosk.session().state == State::new_pin_entry);
        CHECK(card_services_pin_field(kiosk.last()).text.empty());
        for (int count = 1; count <= 6; ++count) {
            INFO(count << " digits");
            const auto& typed = kiosk.send(PinDigitEntered{count});
            CHECK(utterances(typed).empty());
            const Element field = card_services_pin_field(typed);
            CHECK(field.text == pin_dots(count));
            CHECK(std::ranges::none_of(
                field.text, [](char character) { return character >= '0' && character <= '9'; }));
            CHECK(field.is_private);
            const auto tones = effects_of<Tone>(typed);
            REQUIRE(tones.size() == 1);
            CHECK(tones.front().kind == ToneKind::digit);
        }
        CHECK(kiosk.session().pin_digit_count == 6);
        CHECK(kiosk.session().state == State::new_pin_entry);
    }
}

// docs/protocols/epp.md §4.3: the kiosk never opens a clear-digit window around PIN entry, so
// that a PIN typed too early or too late never reaches it in the clear. A new PIN is a PIN as
// much as the one typed at sign-on (whose prompt and check take no digits).
TEST_CASE("No screen of a PIN change takes digits in the clear, as at sign-on", "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    std::vector<std::string> shown;
    std::vector<std::string> taking_digits;
    const auto note = [&](const std::vector<Effect>& effects) {
        for (const ScreenModel& screen : screens_shown(effects)) {
            shown.push_back(screen.id);
            if (screen.takes_digits) {
                taking_digits.push_back(screen.id);
            }
        }
    };
    note(kiosk.send(KeyPressed{k_more_change_pin_key}));
    note(kiosk.send(PinDigitEntered{1}));
    note(kiosk.send(NewPinAgain{}));
    note(kiosk.send(PinDigitEntered{1}));
    note(kiosk.send(PinEntered{card_services_new_pin_block()}));
    REQUIRE(kiosk.session().state == State::changing_pin);
    CHECK(shown == std::vector<std::string>{"new_pin", "new_pin", "new_pin_again", "new_pin_again",
                                            "changing_pin"});
    CHECK(taking_digits == std::vector<std::string>{});
}

TEST_CASE(
    "The new PIN typed twice goes to the account service as the pad's block with the card's "
    "number",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_change_pin_key});
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinDigitEntered{5}, PinDigitEntered{6}});
    REQUIRE(kiosk.session().pin_digit_count == 6);

    const auto& again = kiosk.send(NewPinAgain{});
    CHECK(kiosk.session().state == State::new_pin_again);
    CHECK(last_screen(again)->id == "new_pin_again");
    CHECK(mentions(again, kiosk.text("new_pin_again.instruction")));
    CHECK(kiosk.session().pin_digit_count == 0);
    CHECK(card_services_pin_field(again).text.empty());
    CHECK_FALSE(has_effect<AccountCall>(again));

    const auto& first = kiosk.send(PinDigitEntered{1});
    CHECK(card_services_pin_field(first).text == pin_dots(1));
    kiosk.send_all({PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4}, PinDigitEntered{5},
                    PinDigitEntered{6}});
    const auto& sent = kiosk.send(PinEntered{card_services_new_pin_block()});
    CHECK(kiosk.session().state == State::changing_pin);
    CHECK(last_screen(sent)->id == "changing_pin");
    CHECK(mentions(sent, kiosk.text("changing_pin.text")));
    const auto changes = cash_requests<ChangePin>(sent);
    REQUIRE(changes.size() == 1);
    CHECK(changes.front().pin_block == card_services_new_pin_block());
    CHECK(changes.front().pan.digits() == k_sample_pan);
    CHECK(effects_of<AccountCall>(sent).front().session == base::SecretText("session-token"));
    CHECK(card_services_journal(sent, "pin_change_requested").size() == 1);
    // Only one call, and no other PIN entry begun.
    CHECK(cash_requests<ChangePin>(kiosk.all()).size() == 1);
    CHECK(effects_of<StartPinEntry>(kiosk.all()).size() == 2);  // the sign-on's and this one
}

TEST_CASE("New PINs that differ change nothing, and 1 asks the pad for a new PIN again",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    card_services_reach_new_pin_again(kiosk);
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}});
    const auto& differ = kiosk.send(NewPinsDiffer{});
    CHECK(kiosk.session().state == State::pin_not_changed);
    CHECK(last_screen(differ)->id == "pin_not_changed");
    CHECK(card_services_shows(differ, kiosk.text("pin_not_changed.entries_differ")));
    CHECK(card_services_shows(differ, kiosk.text("pin_not_changed.nothing_changed")));
    CHECK(mentions(differ, kiosk.text("pin_not_changed.entries_differ")));
    CHECK(card_services_choice_keys(differ) ==
          std::vector<base::Key>{k_pin_change_again_key, k_pin_change_back_key});
    const auto journaled = card_services_journal(differ, "pin_not_changed");
    REQUIRE(journaled.size() == 1);
    CHECK(journaled.front().detail == "entries_differ");
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));

    kiosk.set_pad_confirms(false);
    const auto& again = kiosk.send(KeyPressed{k_pin_change_again_key});
    const auto starts = effects_of<StartPinEntry>(again);
    REQUIRE(starts.size() == 1);
    CHECK(starts.front().purpose == PinPurpose::new_pin);
    CHECK(kiosk.session().state == State::new_pin_requested);
    const auto& ready = kiosk.send(PinEntryReady{});
    CHECK(kiosk.session().state == State::new_pin_entry);
    CHECK(last_screen(ready)->id == "new_pin");
    CHECK(card_services_pin_field(ready).text.empty());
    CHECK(cash_requests<ChangePin>(kiosk.all()).empty());
}

TEST_CASE("What the account service answers to a PIN change is what the customer is told",
          "[card_services]") {
    struct Outcome {
        std::string name;
        MoneyStatus status;  // answered, or no answer at all (`timer`)
        bool timer;
        State state;
        std::string screen;
        std::string text;  // the catalog message that says what became of the PIN
        std::string journaled;
    };
    const std::vector<Outcome> outcomes = {
        {"ok", MoneyStatus::ok, false, State::pin_change_finished, "pin_changed",
         "pin_changed.text", "pin_changed"},
        {"pin_not_allowed", MoneyStatus::pin_not_allowed, false, State::pin_not_changed,
         "pin_not_changed", "pin_not_changed.not_allowed", "pin_not_changed"},
        {"unavailable", MoneyStatus::unavailable, false, State::pin_not_changed, "pin_not_changed",
         "pin_not_changed.unavailable", "pin_not_changed"},
        {"no answer", MoneyStatus::timeout, true, State::pin_change_finished, "pin_change_unknown",
         "pin_change_unknown.next", "pin_not_changed"},
    };
    for (const Outcome& outcome : outcomes) {
        INFO(outcome.name);
        FlowDriver kiosk;
        card_services_reach_more(kiosk);
        card_services_reach_changing_pin(kiosk);
        const auto& told = outcome.timer
                               ? kiosk.fire(TimerId::service_call)
                               : card_services_reply(kiosk, card_services_answer(outcome.status));
        CHECK(kiosk.session().state == outcome.state);
        const auto screen = last_screen(told);
        REQUIRE(screen);
        CHECK(screen->id == outcome.screen);
        CHECK(card_services_shows(told, kiosk.text(outcome.text)));
        CHECK(mentions(told, kiosk.text(outcome.text)));
        const auto journaled = card_services_journal(told, outcome.journaled);
        CHECK(journaled.size() == 1);
        CHECK_FALSE(has_effect<EjectCard>(told));
        if (outcome.state == State::pin_not_changed) {
            CHECK(card_services_shows(told, kiosk.text("pin_not_changed.nothing_changed")));
        } else {
            CHECK_FALSE(card_services_shows(told, kiosk.text("pin_not_changed.nothing_changed")));
        }
        // Each outcome is told once: the ChangePin is never sent again by itself.
        CHECK(cash_requests<ChangePin>(kiosk.all()).size() == 1);
    }
}

TEST_CASE(
    "Cancel on the PIN pad during a PIN change goes back to more services and changes nothing",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    SECTION("During the first entry") {
        kiosk.send(KeyPressed{k_more_change_pin_key});
        kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}});
        REQUIRE(kiosk.session().state == State::new_pin_entry);
    }
    SECTION("During the second entry") {
        card_services_reach_new_pin_again(kiosk);
        kiosk.send(PinDigitEntered{1});
    }
    const auto& cancelled = kiosk.send(PinEntryCancelled{});
    CHECK(kiosk.session().state == State::more_services);
    CHECK(last_screen(cancelled)->id == "more_services");
    CHECK(card_services_journal(cancelled, "pin_change_not_wanted").size() == 1);
    CHECK_FALSE(has_effect<EjectCard>(cancelled));
    CHECK(cash_requests<ChangePin>(kiosk.all()).empty());
    CHECK_FALSE(kiosk.session().pin_entry_active);
    // A block that arrives after all is not sent.
    CHECK(cash_requests<ChangePin>(kiosk.send(PinEntered{card_services_new_pin_block()})).empty());
    CHECK(kiosk.session().state == State::more_services);
}

TEST_CASE("A PIN pad that goes away during a PIN change ends the session and returns the card",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_change_pin_key});
    kiosk.send(PinDigitEntered{1});
    REQUIRE(kiosk.session().state == State::new_pin_entry);
    const auto& gone = kiosk.send(DeviceMissing{Device::pin_pad});
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(kiosk.session().end_reason == EndReason::pin_pad_failed);
    CHECK(has_effect<EjectCard>(gone));
    CHECK(last_screen(gone)->id == "error_pin_pad");
    CHECK(has_effect<NotifyStaff>(gone));
    CHECK(cash_requests<ChangePin>(kiosk.all()).empty());
    CHECK_FALSE(kiosk.session().card.has_value());
}

TEST_CASE(
    "The time-out warning during a new PIN, answered with Enter, asks the pad for a new PIN "
    "afresh",
    "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    kiosk.send(KeyPressed{k_more_change_pin_key});
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}});
    REQUIRE(kiosk.session().state == State::new_pin_entry);
    const auto& warned = kiosk.fire(TimerId::inactivity);
    CHECK(kiosk.session().state == State::timeout_warning);
    CHECK(last_screen(warned)->id == "timeout_warning");
    CHECK(has_effect<CancelPinEntry>(warned));
    CHECK(timer_started(warned, TimerId::inactivity_warning));

    kiosk.set_pad_confirms(false);
    const auto& more_time = kiosk.send(KeyPressed{k_timeout_extend_key});
    const auto starts = effects_of<StartPinEntry>(more_time);
    REQUIRE(starts.size() == 1);
    CHECK(starts.front().purpose == PinPurpose::new_pin);
    CHECK(kiosk.session().state == State::new_pin_requested);
    const auto& ready = kiosk.send(PinEntryReady{});
    CHECK(kiosk.session().state == State::new_pin_entry);
    CHECK(last_screen(ready)->id == "new_pin");
    CHECK(kiosk.session().pin_digit_count == 0);
    CHECK(card_services_pin_field(ready).text.empty());
    CHECK(cash_requests<ChangePin>(kiosk.all()).empty());
}

// ---- 5. Privacy -------------------------------------------------------------------------------

TEST_CASE("No journal record of the card services holds the card number or a PIN block",
          "[card_services]") {
    FlowDriver kiosk;
    card_services_reach_more(kiosk);
    // The statement, and back.
    card_services_show_statement(kiosk);
    kiosk.send(KeyPressed{k_statement_back_key});
    // A PIN change whose entries differ, one refused, one made, one unanswered.
    kiosk.send(KeyPressed{k_menu_more_key});
    card_services_reach_new_pin_again(kiosk);
    kiosk.send(NewPinsDiffer{});
    kiosk.send(KeyPressed{k_pin_change_back_key});
    for (const MoneyStatus status :
         {MoneyStatus::pin_not_allowed, MoneyStatus::ok, MoneyStatus::bad_reply}) {
        kiosk.send(KeyPressed{k_menu_more_key});
        card_services_reach_changing_pin(kiosk);
        card_services_reply(kiosk, card_services_answer(status));
        kiosk.send(KeyPressed{status == MoneyStatus::pin_not_allowed ? k_pin_change_back_key
                                                                     : k_finished_menu_key});
        REQUIRE(kiosk.session().state == State::menu);
    }
    kiosk.send(KeyPressed{k_menu_more_key});
    card_services_reach_changing_pin(kiosk);
    kiosk.fire(TimerId::service_call);
    kiosk.send(KeyPressed{k_finished_menu_key});
    // A card lock that fails, then one that is made.
    kiosk.send(KeyPressed{k_menu_more_key});
    card_services_reach_locking(kiosk);
    card_services_reply(kiosk, card_services_answer(MoneyStatus::unavailable));
    kiosk.send(KeyPressed{k_finished_menu_key});
    kiosk.send(KeyPressed{k_menu_more_key});
    card_services_reach_locking(kiosk);
    card_services_reply(kiosk, card_services_lock_reply());
    REQUIRE(kiosk.session().end_reason == EndReason::card_locked);
    kiosk.send(CardRemoved{});
    // The PIN blocks did travel, to the account service only.
    REQUIRE(cash_requests<ChangePin>(kiosk.all()).size() == 4);
    REQUIRE(effects_of<Journal>(kiosk.all()).size() > 20);

    const auto leaks = card_services_journal_leaks(kiosk.all());
    INFO(leaks.size() << " leaks, the first: " << (leaks.empty() ? "" : leaks.front()));
    CHECK(leaks.empty());
}
