// Cash withdrawals (kiosk/core/README.md, "Cash"), as a customer sees them: the amount, the fee
// and total before anything moves, the card before the cash, and what becomes of cash that could
// not be given or was not taken. Every step that moves money is journaled before it is started.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/wording.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

// The presets on the amount screen: 100, 200, 500 and 1,000 yuan on keys 1 to 4.
constexpr base::Key k_cash_500_key = base::Key::digit_3;

Money cash_yuan(std::int64_t units) {
    return Money{units * 100, "CNY"};
}

MoneyReply cash_reply(MoneyStatus status) {
    MoneyReply reply;
    reply.status = status;
    return reply;
}

// Answers the account service call the flow awaits.
const std::vector<Effect>& answer_cash_call(FlowDriver& kiosk, MoneyReply reply) {
    REQUIRE(kiosk.session().pending_call.has_value());
    return kiosk.send(MoneyReplyReceived{*kiosk.session().pending_call, std::move(reply)});
}

// Signed on with the English card; the dispenser has reported its cassettes.
void reach_cash_menu(FlowDriver& kiosk) {
    kiosk.reach_menu("en");
    kiosk.send(sample_dispenser());
    REQUIRE(offers_withdrawal(kiosk.session()));
}

// 500 yuan chosen and quoted with a fee of 2 yuan: the confirm screen.
void reach_cash_confirm(FlowDriver& kiosk) {
    reach_cash_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_withdraw_key});
    REQUIRE(kiosk.session().state == State::choose_amount);
    kiosk.send(KeyPressed{k_cash_500_key});
    REQUIRE(kiosk.session().state == State::quoting);
    answer_cash_call(kiosk, quote_reply(50'000, 200));
    REQUIRE(kiosk.session().state == State::confirm_withdrawal);
}

// Confirmed and authorised: the dispenser has been told to pick the notes.
void reach_cash_dispense(FlowDriver& kiosk) {
    reach_cash_confirm(kiosk);
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(has_effect<Dispense>(kiosk.last()));
}

const TransactionReference& cash_reference(const FlowDriver& kiosk) {
    REQUIRE(kiosk.session().withdrawal.has_value());
    return kiosk.session().withdrawal->transaction;
}

CashDispensed all_notes_picked(const FlowDriver& kiosk) {
    return CashDispensed{
        cash_reference(kiosk), PickResult::picked, {5, 0}, cash_yuan(500), CashFault::none};
}

// From the menu: 500 yuan confirmed, the notes picked and the debit confirmed, the card taken,
// the notes at the slot.
void withdraw_cash_to_slot(FlowDriver& kiosk) {
    kiosk.send(KeyPressed{k_menu_withdraw_key});
    kiosk.send(KeyPressed{k_cash_500_key});
    answer_cash_call(kiosk, quote_reply(50'000, 200));
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(has_effect<Dispense>(kiosk.last()));
    kiosk.send(all_notes_picked(kiosk));
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(kiosk.session().state == State::card_before_cash);
    kiosk.send(CardRemoved{});
    kiosk.send(CashPresented{cash_reference(kiosk), 5, CashFault::none});
    REQUIRE(kiosk.session().state == State::take_cash);
}

void reach_cash_at_slot(FlowDriver& kiosk) {
    reach_cash_menu(kiosk);
    withdraw_cash_to_slot(kiosk);
}

bool journaled_event(const std::vector<Effect>& effects, std::string_view event) {
    return std::ranges::any_of(effects_of<Journal>(effects),
                               [&](const Journal& entry) { return entry.event == event; });
}

// Whether any note was moved or offered: picked, presented, taken back or rejected.
bool moves_cash(const std::vector<Effect>& effects) {
    return has_effect<Dispense>(effects) || has_effect<PresentCash>(effects) ||
           has_effect<RetractCash>(effects) || has_effect<RejectCash>(effects);
}

// The step a cash action must have been journaled as before it is started; none for the rest.
std::optional<std::string_view> step_journaled_before(const Effect& effect) {
    if (std::holds_alternative<Dispense>(effect)) {
        return "dispense_ordered";
    }
    if (std::holds_alternative<PresentCash>(effect)) {
        return "present_ordered";
    }
    if (std::holds_alternative<RetractCash>(effect)) {
        return "retract_ordered";
    }
    if (std::holds_alternative<RejectCash>(effect)) {
        return "reject_ordered";
    }
    if (const auto* call = std::get_if<AccountCall>(&effect)) {
        if (std::holds_alternative<AuthoriseWithdrawal>(call->request)) {
            return "authorise_requested";
        }
        if (std::holds_alternative<ConfirmWithdrawal>(call->request)) {
            return "confirm_requested";
        }
        if (std::holds_alternative<ReverseWithdrawal>(call->request)) {
            return "reverse_requested";
        }
    }
    return std::nullopt;
}

// Every cash action comes after the journal entry that names it, so that a crash in between
// leaves its outcome unknown, never unrecorded.
void check_cash_actions_journaled_first(const std::vector<Effect>& effects) {
    std::string last_step;
    int actions = 0;
    for (const Effect& effect : effects) {
        if (const auto* entry = std::get_if<Journal>(&effect); entry && entry->transaction) {
            last_step = entry->transaction->step;
        }
        if (const std::optional<std::string_view> expected = step_journaled_before(effect)) {
            ++actions;
            INFO("before " << to_string(effect));
            CHECK(last_step == *expected);
        }
    }
    CHECK(actions > 0);
}

std::optional<std::size_t> first_cash_index_of(const std::vector<Effect>& effects,
                                               std::string_view kind) {
    for (std::size_t index = 0; index < effects.size(); ++index) {
        if (to_string(effects[index]) == kind) {
            return index;
        }
    }
    return std::nullopt;
}

bool cash_screen_shows(const std::vector<Effect>& effects, std::string_view fragment) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [&](const Element& element) {
               return element.text.find(fragment) != std::string::npos;
           });
}

// The amount field of the other-amount screen, as shown.
std::string cash_typed_field(const std::vector<Effect>& effects) {
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    const auto field = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::input; });
    REQUIRE(field != screen->elements.end());
    return field->text;
}

std::string cash_spoken_on(const std::vector<Effect>& effects, Channel channel) {
    return spoken_text(effects, channel);
}

}  // namespace

TEST_CASE(
    "A withdrawal goes from the menu through amount, fee and total to the card and then the cash, "
    "every step journaled before it is taken",
    "[cash]") {
    FlowDriver kiosk;
    kiosk.set_pad_confirms(false);
    kiosk.send_all({Started{}, CardInserted{}, CardRead{sample_card("en")}, PinEntryReady{},
                    PinEntered{sample_pin_block()}});
    kiosk.reply(balance_reply(1'234'567));
    kiosk.send(sample_dispenser());
    kiosk.send(HeadphonesPlugged{});
    REQUIRE(kiosk.session().state == State::menu);

    // The amounts offered.
    const auto& amounts = kiosk.send(KeyPressed{k_menu_withdraw_key});
    CHECK(kiosk.session().state == State::choose_amount);
    CHECK(last_screen(amounts)->id == "choose_amount");
    CHECK(cash_screen_shows(amounts, "500"));
    CHECK(cash_screen_shows(amounts, kiosk.text("choose_amount.other")));

    // An amount: the account service is asked for the fee before anything else.
    const auto& quoting = kiosk.send(KeyPressed{k_cash_500_key});
    CHECK(kiosk.session().state == State::quoting);
    const auto quotes = cash_requests<RequestQuote>(quoting);
    REQUIRE(quotes.size() == 1);
    CHECK(quotes.front().kind == MoneyKind::withdrawal);
    CHECK(quotes.front().amount == cash_yuan(500));
    CHECK(effects_of<AccountCall>(quoting).front().session == base::SecretText("session-token"));
    CHECK_FALSE(moves_cash(quoting));

    // Amount, fee and total, shown and said (in the headphones).
    const auto& confirm = answer_cash_call(kiosk, quote_reply(50'000, 200));
    CHECK(kiosk.session().state == State::confirm_withdrawal);
    CHECK(last_screen(confirm)->id == "confirm_withdrawal");
    CHECK(cash_screen_shows(confirm, "Cash: 500"));
    CHECK(cash_screen_shows(confirm, "Fee: 2"));
    CHECK(cash_screen_shows(confirm, "Taken from your account: 502"));
    const std::string said = cash_spoken_on(confirm, Channel::headphones);
    CHECK(said.find("You are taking out 500 yuan.") != std::string::npos);
    CHECK(said.find("The fee is 2 yuan.") != std::string::npos);
    CHECK(said.find("In all, 502 yuan will be taken from your account.") != std::string::npos);
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.all()).empty());

    // Enter: authorised under a new transaction reference, with the quote confirmed.
    const auto& authorising = kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    CHECK(kiosk.session().state == State::withdrawing);
    CHECK(last_screen(authorising)->id == "withdrawing");
    const auto authorise = cash_requests<AuthoriseWithdrawal>(authorising);
    REQUIRE(authorise.size() == 1);
    CHECK(authorise.front().quote_id == "quote-1");
    const TransactionReference reference = authorise.front().transaction;
    CHECK(reference.size() == 36);
    CHECK_FALSE(moves_cash(authorising));

    // Authorised: the notes are picked, 5 of 100 yuan.
    const auto& dispensing = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    const auto dispense = effects_of<Dispense>(dispensing);
    REQUIRE(dispense.size() == 1);
    CHECK(dispense.front().transaction == reference);
    CHECK(dispense.front().notes == std::vector<int>{5, 0});
    CHECK(kiosk.session().state == State::withdrawing);

    // Picked: the debit of what was picked is confirmed.
    const auto& confirming = kiosk.send(all_notes_picked(kiosk));
    const auto confirms = cash_requests<ConfirmWithdrawal>(confirming);
    REQUIRE(confirms.size() == 1);
    CHECK(confirms.front().transaction == reference);
    CHECK(confirms.front().dispensed == cash_yuan(500));

    // Confirmed: the card comes out first, and no cash yet.
    const auto& card_first = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(kiosk.session().state == State::card_before_cash);
    CHECK(has_effect<EjectCard>(card_first));
    CHECK_FALSE(has_effect<PresentCash>(card_first));
    CHECK(last_screen(card_first)->id == "card_before_cash");
    CHECK(mentions(card_first, kiosk.text("card_before_cash.title")));

    // The card taken: the cash is presented.
    const auto& presenting = kiosk.send(CardRemoved{});
    const auto present = effects_of<PresentCash>(presenting);
    REQUIRE(present.size() == 1);
    CHECK(present.front().transaction == reference);

    const auto& at_slot = kiosk.send(CashPresented{reference, 5, CashFault::none});
    CHECK(kiosk.session().state == State::take_cash);
    CHECK(last_screen(at_slot)->id == "take_cash");
    CHECK(mentions(at_slot, kiosk.text("take_cash.title")));

    // Taken: the withdrawal is complete and the customer is asked one question.
    const auto& taken = kiosk.send(CashTaken{reference});
    CHECK(kiosk.session().state == State::survey);
    CHECK(last_screen(taken)->id == "survey");
    CHECK_FALSE(kiosk.session().withdrawal.has_value());
    CHECK(std::ranges::find(kiosk.session().running_timers, TimerId::cash_wait) ==
          kiosk.session().running_timers.end());
    const auto answers = effects_of<AnswerSurvey>(kiosk.send(KeyPressed{k_survey_satisfied_key}));
    REQUIRE(answers.size() == 1);
    CHECK(answers.front().answer.service == ServiceKind::withdrawal);

    // The card came out before any cash was offered.
    const auto eject = first_cash_index_of(kiosk.all(), "EjectCard");
    const auto offered = first_cash_index_of(kiosk.all(), "PresentCash");
    REQUIRE(eject);
    REQUIRE(offered);
    CHECK(*eject < *offered);

    // The journal has every step in order, each before the action it names.
    CHECK(journaled_cash_steps(kiosk.all()) ==
          std::vector<std::string>{"authorise_requested", "authorised", "dispense_ordered",
                                   "dispensed", "confirm_requested", "confirmed", "present_ordered",
                                   "presented", "completed"});
    check_cash_actions_journaled_first(kiosk.all());
    for (const Journal& entry : effects_of<Journal>(kiosk.all())) {
        if (entry.transaction) {
            INFO(entry.transaction->step);
            CHECK(entry.transaction->transaction == reference);
            CHECK(entry.transaction->amount == cash_yuan(500));
            CHECK(entry.transaction->fee == Money{200, "CNY"});
        }
    }
}

TEST_CASE("The fee is on the screen before anything moves, and nothing moves until Enter",
          "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    CHECK(cash_screen_shows(kiosk.last(), "Fee: 2"));
    CHECK(cash_screen_shows(kiosk.last(), "Taken from your account: 502"));
    // Enter is the only way on, and the screen says so.
    CHECK(std::ranges::any_of(screen->elements, [](const Element& element) {
        return element.role == Role::choice && element.key == k_withdrawal_confirm_key;
    }));

    // Keys that are not Enter do not confirm.
    for (const base::Key key : {base::Key::digit_1, base::Key::digit_3, base::Key::digit_9,
                                base::Key::clear, base::Key::digit_0}) {
        kiosk.send(KeyPressed{key});
        CHECK(kiosk.session().state == State::confirm_withdrawal);
    }
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(moves_cash(kiosk.all()));

    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.last()).size() == 1);
    CHECK(kiosk.session().state == State::withdrawing);
}

TEST_CASE(
    "On the speaker the amount, fee and total are not read aloud unless the customer chose to "
    "hear them",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    const std::string aloud = cash_spoken_on(kiosk.last(), Channel::speaker);
    CHECK(aloud.find(kiosk.text("speech.private_on_screen")) != std::string::npos);
    CHECK(aloud.find("500 yuan") == std::string::npos);
    CHECK(aloud.find("2 yuan") == std::string::npos);

    // The customer who asked to hear the balance on the speaker hears the fee there too.
    FlowDriver chosen;
    reach_cash_menu(chosen);
    chosen.send_all({KeyPressed{k_menu_balance_key}, KeyPressed{k_balance_aloud_key},
                     KeyPressed{k_balance_back_key}, KeyPressed{k_menu_withdraw_key},
                     KeyPressed{k_cash_500_key}});
    REQUIRE(chosen.session().speaker_chosen);
    answer_cash_call(chosen, quote_reply(50'000, 200));
    const std::string chosen_aloud = cash_spoken_on(chosen.last(), Channel::speaker);
    CHECK(chosen_aloud.find("The fee is 2 yuan.") != std::string::npos);
    CHECK(chosen_aloud.find("In all, 502 yuan will be taken from your account.") !=
          std::string::npos);
}

TEST_CASE(
    "Without headphones the confirm screen offers the amount, fee and total on the speaker, and "
    "nothing moves when the customer takes it",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    const auto offered = last_screen(kiosk.last());
    REQUIRE(offered);
    const auto offers_aloud = [](const ScreenModel& screen) {
        return std::ranges::any_of(screen.elements, [](const Element& element) {
            return element.role == Role::choice && element.key == k_withdrawal_aloud_key;
        });
    };
    CHECK(offers_aloud(*offered));
    CHECK(spoken_text(kiosk.last()).find(kiosk.text("confirm_withdrawal.aloud_speech")) !=
          std::string::npos);

    kiosk.send(KeyPressed{k_withdrawal_aloud_key});
    CHECK(kiosk.session().speaker_chosen);
    CHECK(kiosk.session().state == State::confirm_withdrawal);
    const std::string aloud = cash_spoken_on(kiosk.last(), Channel::speaker);
    INFO(aloud);
    CHECK(aloud.find("500 yuan") != std::string::npos);
    CHECK(aloud.find("The fee is 2 yuan.") != std::string::npos);
    CHECK(aloud.find("In all, 502 yuan will be taken from your account.") != std::string::npos);
    // Chosen, the choice is gone; the quote stands and nothing has moved.
    const auto chosen = last_screen(kiosk.last());
    REQUIRE(chosen);
    CHECK_FALSE(offers_aloud(*chosen));
    CHECK(kiosk.session().quote);
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(moves_cash(kiosk.all()));
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.last()).size() == 1);

    SECTION("Headphones plugged in on the confirm screen take the choice away at once") {
        FlowDriver private_kiosk;
        reach_cash_confirm(private_kiosk);
        private_kiosk.send(HeadphonesPlugged{});
        const auto screen = last_screen(private_kiosk.last());
        REQUIRE(screen);
        CHECK_FALSE(offers_aloud(*screen));
        private_kiosk.send(KeyPressed{k_withdrawal_aloud_key});
        CHECK_FALSE(private_kiosk.session().speaker_chosen);
        CHECK(private_kiosk.session().state == State::confirm_withdrawal);
    }
}

TEST_CASE("Cancel on the confirm screen goes back to the amounts without any money call",
          "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.forget();
    const auto& back = kiosk.send(KeyPressed{k_withdrawal_back_key});
    CHECK(kiosk.session().state == State::choose_amount);
    CHECK(last_screen(back)->id == "choose_amount");
    CHECK_FALSE(kiosk.session().quote.has_value());
    CHECK_FALSE(has_effect<AccountCall>(back));
    CHECK_FALSE(has_effect<EjectCard>(back));
    CHECK_FALSE(moves_cash(back));

    // Back again: the menu, still without a call.
    kiosk.send(KeyPressed{k_amount_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
    CHECK_FALSE(kiosk.session().withdrawal.has_value());
}

TEST_CASE(
    "Another amount is typed on the keypad: Clear starts again, and a leading zero or a sixth "
    "digit is refused",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_amount_other_key}});
    REQUIRE(kiosk.session().state == State::other_amount);
    CHECK(last_screen(kiosk.last())->id == "other_amount");
    CHECK(cash_screen_shows(kiosk.last(), kiosk.text("other_amount.empty")));
    // The step is the smallest note, 50 yuan.
    CHECK(cash_screen_shows(kiosk.last(), "multiples of 50"));

    // A leading zero means nothing.
    const auto& zero = kiosk.send(KeyPressed{base::Key::digit_0});
    CHECK(effects_of<Tone>(zero).front().kind == ToneKind::error);
    CHECK(kiosk.session().amount_digits.empty());

    kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_5}});
    CHECK(cash_typed_field(kiosk.last()).starts_with("15"));
    CHECK_FALSE(cash_typed_field(kiosk.last()).starts_with("150"));
    kiosk.send(KeyPressed{base::Key::digit_0});
    CHECK(cash_typed_field(kiosk.last()).starts_with("150"));
    CHECK(typed_amount(kiosk.session()) == cash_yuan(150));

    // Clear: nothing typed again.
    kiosk.send(KeyPressed{k_other_amount_clear_key});
    CHECK(kiosk.session().amount_digits.empty());
    CHECK(cash_screen_shows(kiosk.last(), kiosk.text("other_amount.empty")));
    CHECK(mentions(kiosk.last(), kiosk.text("other_amount.empty")));

    // Five digits at most: a sixth is refused and the amount stays as it was.
    kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_2},
                    KeyPressed{base::Key::digit_3}, KeyPressed{base::Key::digit_4},
                    KeyPressed{base::Key::digit_5}});
    CHECK(kiosk.session().amount_digits == "12345");
    const auto& sixth = kiosk.send(KeyPressed{base::Key::digit_6});
    CHECK(effects_of<Tone>(sixth).front().kind == ToneKind::error);
    CHECK(kiosk.session().amount_digits == "12345");
    CHECK_FALSE(has_effect<Show>(sixth));
    CHECK(kiosk.session().state == State::other_amount);
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));

    // Cancel goes back to the amounts.
    kiosk.send(KeyPressed{k_other_amount_back_key});
    CHECK(kiosk.session().state == State::choose_amount);
}

TEST_CASE(
    "An amount the cassettes cannot make or the limit does not allow is refused with the reason "
    "said, and a good one is quoted",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_amount_other_key}});

    // 120 yuan: not a multiple of the 50-yuan note. 3,500 yuan: above 3,000 a withdrawal.
    for (const std::string& digits : {std::string("120"), std::string("3500")}) {
        INFO(digits);
        kiosk.send(KeyPressed{k_other_amount_clear_key});
        for (const char digit : digits) {
            kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
        }
        const auto& refused = kiosk.send(KeyPressed{k_other_amount_confirm_key});
        CHECK(effects_of<Tone>(refused).front().kind == ToneKind::error);
        CHECK(mentions(refused, kiosk.text("other_amount.not_allowed")));
        CHECK_FALSE(has_effect<AccountCall>(refused));
        CHECK(kiosk.session().state == State::other_amount);
    }
    // Nothing typed: refused too.
    kiosk.send(KeyPressed{k_other_amount_clear_key});
    CHECK_FALSE(has_effect<AccountCall>(kiosk.send(KeyPressed{k_other_amount_confirm_key})));
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));

    kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_5},
                    KeyPressed{base::Key::digit_0}});
    const auto& quoting = kiosk.send(KeyPressed{k_other_amount_confirm_key});
    CHECK(kiosk.session().state == State::quoting);
    const auto quotes = cash_requests<RequestQuote>(quoting);
    REQUIRE(quotes.size() == 1);
    CHECK(quotes.front().amount == cash_yuan(150));

    // 150 yuan is one note of 100 and one of 50.
    answer_cash_call(kiosk, quote_reply(15'000, 0));
    CHECK(cash_screen_shows(kiosk.last(), kiosk.text("confirm_withdrawal.no_fee")));
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    const auto dispense = effects_of<Dispense>(kiosk.last());
    REQUIRE(dispense.size() == 1);
    CHECK(dispense.front().notes == std::vector<int>{1, 1});
}

TEST_CASE(
    "An amount refused for funds or the limit says why, moves no cash, and 1 chooses another "
    "amount",
    "[cash]") {
    const auto [status, reason] = GENERATE(
        std::pair{MoneyStatus::insufficient_funds, "withdrawal_refused.insufficient_funds"},
        std::pair{MoneyStatus::over_limit, "withdrawal_refused.over_limit"});
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_cash_500_key}});
    const auto& refused = answer_cash_call(kiosk, cash_reply(status));
    CHECK(kiosk.session().state == State::withdrawal_refused);
    CHECK(last_screen(refused)->id == "withdrawal_refused");
    CHECK(cash_screen_shows(refused, kiosk.text(reason)));
    CHECK(mentions(refused, kiosk.text(reason)));
    CHECK(mentions(refused, kiosk.text("withdrawal_refused.nothing_changed")));
    CHECK_FALSE(moves_cash(kiosk.all()));
    CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(has_effect<EjectCard>(kiosk.all()));

    kiosk.send(KeyPressed{k_refused_other_amount_key});
    CHECK(kiosk.session().state == State::choose_amount);
    CHECK(last_screen(kiosk.last())->id == "choose_amount");

    // And from a refusal, Cancel is the menu.
    kiosk.send(KeyPressed{k_cash_500_key});
    answer_cash_call(kiosk, cash_reply(status));
    kiosk.send(KeyPressed{k_refused_back_key});
    CHECK(kiosk.session().state == State::menu);
}

TEST_CASE("An authorisation refused after Enter is final: nothing is picked or reversed",
          "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    const auto& refused = answer_cash_call(kiosk, cash_reply(MoneyStatus::insufficient_funds));
    CHECK(kiosk.session().state == State::withdrawal_refused);
    CHECK(mentions(refused, kiosk.text("withdrawal_refused.insufficient_funds")));
    CHECK(journaled_cash_steps(kiosk.all()) ==
          std::vector<std::string>{"authorise_requested", "refused"});
    CHECK_FALSE(moves_cash(kiosk.all()));
    CHECK(cash_requests<ReverseWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(kiosk.session().withdrawal.has_value());
}

TEST_CASE(
    "Cash not taken is taken back after reminders, the withdrawal reversed, and the customer told "
    "nothing was charged",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_at_slot(kiosk);
    const TransactionReference reference = cash_reference(kiosk);
    // The screen says how long there is.
    CHECK(cash_screen_shows(kiosk.last(), "within 30 seconds"));

    // Reminders come after the screen has been said.
    kiosk.send(SpeechEnded{});
    const auto& reminder = kiosk.fire(TimerId::reminder);
    CHECK(mentions(reminder, kiosk.text("take_cash.reminder")));
    CHECK_FALSE(moves_cash(reminder));
    kiosk.send(SpeechEnded{});
    CHECK(mentions(kiosk.fire(TimerId::reminder), kiosk.text("take_cash.reminder")));
    CHECK(kiosk.session().state == State::take_cash);

    // Time is up: the notes are taken back.
    const auto& retracting = kiosk.fire(TimerId::cash_wait);
    CHECK(kiosk.session().state == State::securing_cash);
    const auto retract = effects_of<RetractCash>(retracting);
    REQUIRE(retract.size() == 1);
    CHECK(retract.front().transaction == reference);
    CHECK(last_screen(retracting)->id == "securing_cash");

    // In the reject bin: the account service is asked to undo the withdrawal.
    const auto& reversing = kiosk.send(CashRetracted{reference, 5, CashFault::none});
    const auto reverse = cash_requests<ReverseWithdrawal>(reversing);
    REQUIRE(reverse.size() == 1);
    CHECK(reverse.front().transaction == reference);
    CHECK(reverse.front().reason == ReverseReason::cash_not_taken);

    const auto& undone = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(journaled_cash_steps(undone) == std::vector<std::string>{"reversed"});
    CHECK(kiosk.session().state == State::goodbye);
    CHECK(last_screen(undone)->id == "cash_retracted");
    CHECK(mentions(undone, kiosk.text("cash_retracted.title")));
    CHECK(mentions(undone, kiosk.text("cash_retracted.text")));
    CHECK_FALSE(cash_screen_shows(undone, kiosk.text("cash_retracted.staff_told")));
    CHECK_FALSE(has_effect<NotifyStaff>(undone));

    CHECK(journaled_cash_steps(kiosk.all()) ==
          std::vector<std::string>{"authorise_requested", "authorised", "dispense_ordered",
                                   "dispensed", "confirm_requested", "confirmed", "present_ordered",
                                   "presented", "retract_ordered", "notes_secured",
                                   "reverse_requested", "reversed"});
    check_cash_actions_journaled_first(kiosk.all());

    // Then the welcome screen for the next customer.
    kiosk.fire(TimerId::goodbye);
    CHECK(kiosk.session().state == State::welcome);
}

TEST_CASE(
    "A card not taken before the cash is reminded of, and then the notes go to the reject bin",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    kiosk.send(all_notes_picked(kiosk));
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(kiosk.session().state == State::card_before_cash);
    const TransactionReference reference = cash_reference(kiosk);

    kiosk.send(SpeechEnded{});
    const auto& reminder = kiosk.fire(TimerId::reminder);
    CHECK(mentions(reminder, kiosk.text("card_before_cash.reminder")));
    CHECK_FALSE(has_effect<PresentCash>(reminder));

    // Never presented, so rejected rather than retracted.
    const auto& securing = kiosk.fire(TimerId::cash_wait);
    CHECK(effects_of<RejectCash>(securing).size() == 1);
    CHECK_FALSE(has_effect<RetractCash>(securing));
    CHECK_FALSE(has_effect<PresentCash>(kiosk.all()));
    kiosk.send(CashRejected{reference, 5, CashFault::none});
    CHECK(cash_requests<ReverseWithdrawal>(kiosk.last()).front().reason ==
          ReverseReason::cash_not_taken);
    const auto& told = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(journaled_cash_steps(kiosk.all()).back() == "reversed");
    check_cash_actions_journaled_first(kiosk.all());
    CHECK(kiosk.session().state == State::returning_card);
    // The customer hears why: the card was left, and nothing was charged.
    CHECK(mentions(told, kiosk.text("error_cash_not_given.card_not_taken")));
    CHECK_FALSE(mentions(told, kiosk.text("error_cash_not_given.text")));
    CHECK(mentions(told, kiosk.text("error_cash_not_given.next")));
}

TEST_CASE("A dispenser that picks nothing has the withdrawal reversed, never confirmed", "[cash]") {
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    const TransactionReference reference = cash_reference(kiosk);
    const auto& failed = kiosk.send(CashDispensed{
        reference, PickResult::nothing_picked, {}, cash_yuan(0), CashFault::not_enough_notes});
    CHECK(kiosk.session().state == State::securing_cash);
    CHECK(has_effect<NotifyStaff>(failed));
    const auto reverse = cash_requests<ReverseWithdrawal>(failed);
    REQUIRE(reverse.size() == 1);
    CHECK(reverse.front().transaction == reference);
    CHECK(reverse.front().reason == ReverseReason::dispense_failed);
    // Nothing was picked: nothing to reject either.
    CHECK_FALSE(has_effect<RejectCash>(failed));

    const auto& undone = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(journaled_cash_steps(undone) == std::vector<std::string>{"reversed"});
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(has_effect<EjectCard>(undone));
    CHECK(last_screen(undone)->id == "error_cash_not_given");
    CHECK(mentions(undone, kiosk.text("error_cash_not_given.next")));

    CHECK(cash_requests<ConfirmWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(has_effect<PresentCash>(kiosk.all()));
    check_cash_actions_journaled_first(kiosk.all());
}

TEST_CASE(
    "A jam holds the withdrawal for an engineer: staff are told, nothing confirmed or reversed",
    "[cash]") {
    // Two notes picked before the jam; nothing picked but a jam; or no answer at all.
    const auto [result, picked, fault] =
        GENERATE(std::tuple{PickResult::picked_in_part, std::int64_t{200}, CashFault::jammed},
                 std::tuple{PickResult::nothing_picked, std::int64_t{0}, CashFault::jammed},
                 std::tuple{PickResult::nothing_picked, std::int64_t{0}, CashFault::no_answer});
    INFO(to_string(result) << ", " << to_string(fault));
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    const TransactionReference reference = cash_reference(kiosk);
    const std::vector<int> notes = picked > 0 ? std::vector<int>{2, 0} : std::vector<int>{};
    const auto& jammed =
        kiosk.send(CashDispensed{reference, result, notes, cash_yuan(picked), fault});
    const auto staff = effects_of<NotifyStaff>(jammed);
    REQUIRE(staff.size() == 1);
    CHECK(staff.front().kind == AssistanceReason::device_fault);
    CHECK(journaled_cash_steps(jammed) == std::vector<std::string>{"held_for_engineer"});
    CHECK_FALSE(has_effect<AccountCall>(jammed));
    CHECK(cash_requests<ConfirmWithdrawal>(kiosk.all()).empty());
    CHECK(cash_requests<ReverseWithdrawal>(kiosk.all()).empty());
    CHECK_FALSE(has_effect<PresentCash>(kiosk.all()));

    // The card comes back with an apology and word that staff will see to it.
    CHECK(has_effect<EjectCard>(jammed));
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(last_screen(jammed)->id == "error_cash_not_given");
    CHECK(cash_screen_shows(jammed, kiosk.text("error_cash_not_given.staff_told")));
    CHECK(mentions(jammed, kiosk.text("error_cash_not_given.staff_told")));

    // Taking the card ends the visit.
    kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::goodbye);
}

TEST_CASE("A dispenser that never answers holds the withdrawal for an engineer", "[cash]") {
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    const auto& silent = kiosk.fire(TimerId::dispenser);
    CHECK(effects_of<NotifyStaff>(silent).size() == 1);
    CHECK(journaled_cash_steps(silent) == std::vector<std::string>{"held_for_engineer"});
    CHECK(cash_requests<ConfirmWithdrawal>(kiosk.all()).empty());
    CHECK(cash_requests<ReverseWithdrawal>(kiosk.all()).empty());
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(last_screen(silent)->id == "error_cash_not_given");
}

TEST_CASE("An authorisation that never comes is reversed, and nothing is picked", "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    const TransactionReference reference = cash_reference(kiosk);
    const auto& timed_out = kiosk.fire(TimerId::service_call);
    CHECK(has_effect<CancelCall>(timed_out));
    const auto reverse = cash_requests<ReverseWithdrawal>(timed_out);
    REQUIRE(reverse.size() == 1);
    CHECK(reverse.front().transaction == reference);
    CHECK(reverse.front().reason == ReverseReason::outcome_unknown);
    CHECK_FALSE(moves_cash(kiosk.all()));

    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(last_screen(kiosk.last())->id == "error_cash_not_given");
    check_cash_actions_journaled_first(kiosk.all());
}

TEST_CASE("A debit that is not confirmed sends the picked notes to the reject bin and reverses",
          "[cash]") {
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    const TransactionReference reference = cash_reference(kiosk);
    kiosk.send(all_notes_picked(kiosk));
    const auto& rejecting = answer_cash_call(kiosk, cash_reply(MoneyStatus::bad_reply));
    CHECK(effects_of<RejectCash>(rejecting).size() == 1);
    CHECK_FALSE(has_effect<EjectCard>(rejecting));
    kiosk.send(CashRejected{reference, 5, CashFault::none});
    CHECK(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK_FALSE(has_effect<PresentCash>(kiosk.all()));
    CHECK(journaled_cash_steps(kiosk.all()).back() == "reversed");
    check_cash_actions_journaled_first(kiosk.all());
    CHECK(last_screen(kiosk.last())->id == "error_cash_not_given");
}

TEST_CASE(
    "A card put in while the cash is on its way starts nothing, and the withdrawal runs to its "
    "end",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.forget();
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    REQUIRE(kiosk.session().state == State::withdrawing);
    const TransactionReference reference = cash_reference(kiosk);

    // The card is pulled out and put back while the authorisation is awaited.
    kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::withdrawing);
    const auto& again = kiosk.send(CardInserted{});
    CHECK(kiosk.session().state == State::withdrawing);
    CHECK(journaled_event(again, "event_ignored"));
    CHECK_FALSE(has_effect<Show>(again));

    // A key says again what is happening and changes nothing.
    const auto& key = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::withdrawing);
    CHECK(mentions(key, kiosk.text("withdrawing.title")));

    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(has_effect<Dispense>(kiosk.last()));
    kiosk.send(all_notes_picked(kiosk));
    // The card is gone already: no card to eject, the cash straight away.
    const auto& confirmed = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK_FALSE(has_effect<EjectCard>(confirmed));
    CHECK(effects_of<PresentCash>(confirmed).size() == 1);

    kiosk.send(CashPresented{reference, 5, CashFault::none});
    CHECK(kiosk.session().state == State::take_cash);
    kiosk.send(CardInserted{});
    CHECK(kiosk.session().state == State::take_cash);

    kiosk.send(CashTaken{reference});
    CHECK(journaled_cash_steps(kiosk.all()).back() == "completed");
    CHECK(kiosk.session().state == State::survey);
    CHECK_FALSE(has_effect<EjectCard>(kiosk.all()));
    // No card was read and no PIN asked for.
    CHECK(std::ranges::none_of(screen_ids(kiosk.all()),
                               [](const std::string& id) { return id == "reading_card"; }));
    CHECK_FALSE(has_effect<StartPinEntry>(kiosk.all()));
}

TEST_CASE("The amount typed is said in the headphones, and never on the speaker", "[cash]") {
    SECTION("On the speaker the field is on the screen only") {
        FlowDriver kiosk;
        reach_cash_menu(kiosk);
        kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_amount_other_key}});
        kiosk.forget();
        kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_5},
                        KeyPressed{base::Key::digit_0}});
        CHECK(cash_typed_field(kiosk.last()).starts_with("150"));
        const std::string said = spoken_text(kiosk.all());
        CHECK(said.find("150") == std::string::npos);
        CHECK(said.find(kiosk.text("speech.private_on_screen")) != std::string::npos);
        CHECK(std::ranges::none_of(utterances(kiosk.all()), [](const Utterance& utterance) {
            return utterance.is_private;
        }));
    }
    SECTION("Having chosen the speaker for the balance does not read the typed amount aloud") {
        FlowDriver kiosk;
        reach_cash_menu(kiosk);
        kiosk.send_all({KeyPressed{k_menu_balance_key}, KeyPressed{k_balance_aloud_key},
                        KeyPressed{k_balance_back_key}, KeyPressed{k_menu_withdraw_key},
                        KeyPressed{k_amount_other_key}});
        REQUIRE(kiosk.session().speaker_chosen);
        kiosk.forget();
        kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_5},
                        KeyPressed{base::Key::digit_0}});
        CHECK(spoken_text(kiosk.all()).find("150") == std::string::npos);
    }
    SECTION("In the headphones the amount so far is said privately") {
        FlowDriver kiosk;
        reach_cash_menu(kiosk);
        kiosk.send_all(
            {HeadphonesPlugged{}, KeyPressed{k_menu_withdraw_key}, KeyPressed{k_amount_other_key}});
        kiosk.forget();
        kiosk.send_all({KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_5},
                        KeyPressed{base::Key::digit_0}});
        const auto said = utterances(kiosk.last());
        CHECK(std::ranges::any_of(said, [](const Utterance& utterance) {
            return utterance.text == "You have typed 150 yuan." && utterance.is_private &&
                   utterance.channel == Channel::headphones;
        }));
        CHECK(spoken_text(kiosk.all(), Channel::speaker).empty());
    }
}

TEST_CASE("No card number is shown, said, journaled or sent to staff during a withdrawal",
          "[cash]") {
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.forget();
    withdraw_cash_to_slot(kiosk);
    kiosk.fire(TimerId::cash_wait);
    kiosk.send(CashRetracted{cash_reference(kiosk), 5, CashFault::none});
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));

    FlowDriver jammed;
    reach_cash_menu(jammed);
    jammed.forget();
    jammed.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_cash_500_key}});
    answer_cash_call(jammed, quote_reply(50'000, 200));
    jammed.send(KeyPressed{k_withdrawal_confirm_key});
    answer_cash_call(jammed, cash_reply(MoneyStatus::ok));
    jammed.send(CashDispensed{cash_reference(jammed),
                              PickResult::picked_in_part,
                              {2, 0},
                              cash_yuan(200),
                              CashFault::jammed});

    const std::string last_four(k_sample_pan.substr(k_sample_pan.size() - 4));
    for (const FlowDriver* driver : {&kiosk, &jammed}) {
        REQUIRE_FALSE(driver->all().empty());
        for (const Effect& effect : driver->all()) {
            for (const std::string& text : texts_of(effect)) {
                INFO(to_string(effect) << ": " << text);
                CHECK(text.find(k_sample_pan) == std::string::npos);
                CHECK(text.find(last_four) == std::string::npos);
                CHECK(text.find("session-token") == std::string::npos);
            }
        }
    }
}

TEST_CASE(
    "A reversal that fails while the card is still in ends the session once the card is taken, "
    "and the next card is read",
    "[cash]") {
    // Nothing picked, or the authorisation never answered; then the reversal refused or silent.
    const bool nothing_picked = GENERATE(true, false);
    const bool reverse_times_out = GENERATE(false, true);
    INFO((nothing_picked ? "nothing picked" : "authorisation timed out")
         << ", reversal " << (reverse_times_out ? "timed out" : "unavailable"));
    FlowDriver kiosk;
    if (nothing_picked) {
        reach_cash_dispense(kiosk);
        kiosk.send(CashDispensed{cash_reference(kiosk),
                                 PickResult::nothing_picked,
                                 {},
                                 cash_yuan(0),
                                 CashFault::not_enough_notes});
    } else {
        reach_cash_confirm(kiosk);
        kiosk.send(KeyPressed{k_withdrawal_confirm_key});
        kiosk.fire(TimerId::service_call);
    }
    REQUIRE(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);
    const auto& not_undone = reverse_times_out
                                 ? kiosk.fire(TimerId::service_call)
                                 : answer_cash_call(kiosk, cash_reply(MoneyStatus::unavailable));
    REQUIRE(kiosk.session().state == State::returning_card);
    CHECK(has_effect<EjectCard>(not_undone));
    CHECK(last_screen(not_undone)->id == "error_cash_not_given");
    CHECK(cash_screen_shows(not_undone, kiosk.text("error_cash_not_given.staff_told")));
    CHECK(journaled_cash_steps(kiosk.all()).back() == "reverse_requested");

    // The card is taken: the session is over, like any other.
    kiosk.forget();
    kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state != State::returning_card);
    CHECK((kiosk.session().state == State::goodbye || kiosk.session().state == State::survey));
    // No reminder to take a card that is gone, and no word to staff of a card left behind.
    for (int reminder = 0; reminder < kiosk.resources().policy.reminders_before_staff; ++reminder) {
        kiosk.send(SpeechEnded{});
        kiosk.send(TimerFired{TimerId::reminder});
    }
    CHECK_FALSE(mentions(kiosk.all(), kiosk.text("take_card.reminder")));
    CHECK(std::ranges::none_of(effects_of<NotifyStaff>(kiosk.all()), [](const NotifyStaff& told) {
        return told.kind == AssistanceReason::card_retained ||
               told.reason == "card left in the reader";
    }));

    // The next customer's card is read.
    kiosk.send(CardInserted{});
    CHECK(kiosk.session().state == State::reading_card);
    CHECK(last_screen(kiosk.last())->id == "reading_card");
}

TEST_CASE("Taking the card before the cash calls off the wait for the card", "[cash]") {
    FlowDriver kiosk;
    reach_cash_dispense(kiosk);
    kiosk.send(all_notes_picked(kiosk));
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(kiosk.session().state == State::card_before_cash);
    const TransactionReference reference = cash_reference(kiosk);

    const auto& taken = kiosk.send(CardRemoved{});
    CHECK(effects_of<PresentCash>(taken).size() == 1);
    CHECK(timer_cancelled(taken, TimerId::cash_wait));

    // The shell's timer raced the cancel: it fires before the cash is at the slot.
    const auto& late = kiosk.send(TimerFired{TimerId::cash_wait});
    CHECK_FALSE(has_effect<RejectCash>(late));
    CHECK_FALSE(has_effect<RetractCash>(late));
    CHECK_FALSE(has_effect<AccountCall>(late));
    CHECK(kiosk.session().state == State::card_before_cash);

    const auto& presented = kiosk.send(CashPresented{reference, 5, CashFault::none});
    CHECK(kiosk.session().state == State::take_cash);
    CHECK(last_screen(presented)->id == "take_cash");
    CHECK(timer_started(presented, TimerId::cash_wait).has_value());
    CHECK_FALSE(has_effect<RejectCash>(kiosk.all()));
}

TEST_CASE("Once the cash is taken the customer's data is wiped before the survey", "[cash]") {
    FlowDriver kiosk;
    reach_cash_at_slot(kiosk);
    REQUIRE(kiosk.session().card.has_value());
    REQUIRE(kiosk.session().balance.has_value());
    REQUIRE(kiosk.session().account.has_value());

    kiosk.send(CashTaken{cash_reference(kiosk)});
    REQUIRE(kiosk.session().state == State::survey);
    CHECK_FALSE(kiosk.session().card.has_value());
    CHECK_FALSE(kiosk.session().balance.has_value());
    CHECK_FALSE(kiosk.session().account.has_value());
    CHECK_FALSE(kiosk.session().withdrawal.has_value());
}

TEST_CASE("In audio mode on the speaker the digits of a typed amount are not said", "[cash]") {
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.send(KeyPressed{k_audio_key});
    REQUIRE(kiosk.session().audio_key_mode);
    REQUIRE_FALSE(kiosk.session().headphones);
    kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_amount_other_key}});
    REQUIRE(kiosk.session().state == State::other_amount);
    kiosk.forget();

    kiosk.send_all({KeyPressed{base::Key::digit_7}, KeyPressed{base::Key::digit_5},
                    KeyPressed{base::Key::digit_0}});
    REQUIRE(kiosk.session().amount_digits == "750");
    CHECK(cash_typed_field(kiosk.last()).starts_with("750"));
    const std::string aloud = cash_spoken_on(kiosk.all(), Channel::speaker);
    INFO(aloud);
    for (const std::string_view digit : {"7", "5", "0"}) {
        CHECK(aloud.find(digit) == std::string::npos);
    }
    CHECK(std::ranges::none_of(utterances(kiosk.all()),
                               [](const Utterance& utterance) { return utterance.is_private; }));
}

TEST_CASE(
    "A customer who took the card early and whose withdrawal was undone hears the cash was not "
    "given",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    REQUIRE(kiosk.session().state == State::withdrawing);
    kiosk.send(CardRemoved{});
    answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    REQUIRE(has_effect<Dispense>(kiosk.last()));
    kiosk.send(CashDispensed{cash_reference(kiosk),
                             PickResult::nothing_picked,
                             {},
                             cash_yuan(0),
                             CashFault::not_enough_notes});
    REQUIRE(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);

    const auto& undone = answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
    CHECK(journaled_cash_steps(undone) == std::vector<std::string>{"reversed"});
    CHECK(kiosk.session().state == State::goodbye);
    CHECK_FALSE(has_effect<EjectCard>(undone));
    REQUIRE(last_screen(undone));
    CHECK(last_screen(undone)->id == "error_cash_not_given");
    CHECK(mentions(undone, kiosk.text("error_cash_not_given.title")));
    CHECK(mentions(undone, kiosk.text("error_cash_not_given.next")));
    // The card is with the customer already: nothing asks them to take it.
    CHECK_FALSE(mentions(undone, kiosk.text("take_card.notice")));
}

TEST_CASE(
    "With the dispenser gone, an amount or Enter asks the account service nothing, and the "
    "customer hears that this machine gives no cash now, with no other amount offered",
    "[cash]") {
    SECTION("An amount chosen") {
        FlowDriver kiosk;
        reach_cash_menu(kiosk);
        kiosk.send(KeyPressed{k_menu_withdraw_key});
        REQUIRE(kiosk.session().state == State::choose_amount);
        kiosk.send(DeviceMissing{Device::dispenser});
        REQUIRE(kiosk.session().dispenser_missing);
        kiosk.forget();

        const auto& refused = kiosk.send(KeyPressed{k_cash_500_key});
        CHECK_FALSE(has_effect<AccountCall>(refused));
        CHECK(cash_requests<RequestQuote>(kiosk.all()).empty());
        CHECK(kiosk.session().state == State::withdrawal_refused);
        CHECK(kiosk.session().refusal == MoneyStatus::unavailable);
        CHECK(last_screen(refused)->id == "withdrawal_refused");
        CHECK(cash_screen_shows(refused, kiosk.text("withdrawal_refused.machine_unavailable")));
        CHECK_FALSE(cash_screen_shows(refused, kiosk.text("withdrawal_refused.other_amount")));
        CHECK_FALSE(moves_cash(kiosk.all()));
    }
    SECTION("Enter on the confirm screen") {
        FlowDriver kiosk;
        reach_cash_confirm(kiosk);
        kiosk.send(DeviceMissing{Device::dispenser});
        REQUIRE(kiosk.session().dispenser_missing);
        kiosk.forget();

        const auto& refused = kiosk.send(KeyPressed{k_withdrawal_confirm_key});
        CHECK_FALSE(has_effect<AccountCall>(refused));
        CHECK(cash_requests<AuthoriseWithdrawal>(kiosk.all()).empty());
        CHECK(kiosk.session().state == State::withdrawal_refused);
        CHECK(kiosk.session().refusal == MoneyStatus::unavailable);
        CHECK(last_screen(refused)->id == "withdrawal_refused");
        CHECK(cash_screen_shows(refused, kiosk.text("withdrawal_refused.machine_unavailable")));
        CHECK_FALSE(cash_screen_shows(refused, kiosk.text("withdrawal_refused.other_amount")));
        CHECK_FALSE(kiosk.session().withdrawal.has_value());
        CHECK(journaled_cash_steps(kiosk.all()).empty());
        CHECK_FALSE(moves_cash(kiosk.all()));
    }
}

TEST_CASE(
    "A journal that cannot be written stops the withdrawal whose authorisation was held back: "
    "nothing moved, the customer told this machine gives no cash, and none is offered again",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_confirm(kiosk);
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    REQUIRE(cash_requests<AuthoriseWithdrawal>(kiosk.last()).size() == 1);
    // The shell could not write authorise_requested, so it never sent the authorisation.
    const auto& failed = kiosk.send(JournalFailed{"disk full"});
    CHECK(kiosk.session().state == State::withdrawal_refused);
    CHECK_FALSE(kiosk.session().withdrawal);
    CHECK_FALSE(kiosk.session().pending_call);
    CHECK(has_effect<NotifyStaff>(failed));
    CHECK_FALSE(moves_cash(failed));
    CHECK(cash_requests<ReverseWithdrawal>(failed).empty());
    CHECK(cash_screen_shows(failed, kiosk.text("withdrawal_refused.machine_unavailable")));
    const auto screen = last_screen(failed);
    REQUIRE(screen);
    CHECK(std::ranges::none_of(screen->elements, [](const Element& element) {
        return element.key == k_refused_other_amount_key;
    }));
    // Key 1 asks for no other amount; back at the menu, cash is not offered.
    kiosk.send(KeyPressed{k_refused_other_amount_key});
    CHECK(kiosk.session().state == State::withdrawal_refused);
    kiosk.send(KeyPressed{k_refused_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(offers_withdrawal(kiosk.session()));
    CHECK_FALSE(mentions(kiosk.last(), "Withdraw cash"));
    // Nor for the next customer.
    kiosk.send_all({KeyPressed{k_menu_take_card_key}, CardRemoved{}});
    kiosk.send(KeyPressed{k_survey_neutral_key});
    kiosk.fire(TimerId::goodbye);
    REQUIRE(kiosk.session().state == State::welcome);
    CHECK(kiosk.session().journal_failed);
    // A second report of the same failure changes nothing.
    CHECK_FALSE(has_effect<NotifyStaff>(kiosk.send(JournalFailed{"disk full"})));
}

TEST_CASE(
    "A journal that fails once cash is on its way undoes the withdrawal from the step the shell "
    "held back",
    "[cash]") {
    SECTION("The dispense was held back: nothing was picked, the withdrawal is reversed") {
        FlowDriver kiosk;
        reach_cash_dispense(kiosk);
        const auto& failed = kiosk.send(JournalFailed{"disk full"});
        CHECK_FALSE(moves_cash(failed));
        const auto reversals = cash_requests<ReverseWithdrawal>(failed);
        REQUIRE(reversals.size() == 1);
        CHECK(reversals.front().reason == ReverseReason::dispense_failed);
        CHECK(kiosk.session().state == State::securing_cash);
    }
    SECTION("The debit's confirmation was held back: the picked notes go to the reject bin") {
        FlowDriver kiosk;
        reach_cash_dispense(kiosk);
        kiosk.send(all_notes_picked(kiosk));
        REQUIRE(cash_requests<ConfirmWithdrawal>(kiosk.last()).size() == 1);
        const auto& failed = kiosk.send(JournalFailed{"disk full"});
        CHECK(has_effect<RejectCash>(failed));
        CHECK_FALSE(has_effect<PresentCash>(failed));
        CHECK_FALSE(kiosk.session().pending_call);
        kiosk.send(CashRejected{cash_reference(kiosk), 5, CashFault::none});
        REQUIRE(cash_requests<ReverseWithdrawal>(kiosk.last()).size() == 1);
        answer_cash_call(kiosk, cash_reply(MoneyStatus::ok));
        // The card comes back with why: the cash could not be given.
        CHECK(kiosk.session().state == State::returning_card);
        CHECK(screen_ids(kiosk.all()).back() == "error_cash_not_given");
    }
    SECTION(
        "The notes are at the slot: nothing that gives money is left, the customer takes them") {
        FlowDriver kiosk;
        reach_cash_at_slot(kiosk);
        const auto& failed = kiosk.send(JournalFailed{"disk full"});
        CHECK_FALSE(moves_cash(failed));
        CHECK(kiosk.session().state == State::take_cash);
        kiosk.send(CashTaken{cash_reference(kiosk)});
        CHECK(kiosk.session().state == State::survey);
    }
}

TEST_CASE(
    "The cash screens' please-wait gives way to the screen it announced, and only to a new screen",
    "[cash]") {
    FlowDriver kiosk;
    reach_cash_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_withdraw_key});
    kiosk.send(KeyPressed{k_cash_500_key});
    REQUIRE(kiosk.session().state == State::quoting);
    const auto stops_before_show = [](const std::vector<Effect>& effects) {
        const auto stop = first_cash_index_of(effects, "StopSpeech");
        const auto show = first_cash_index_of(effects, "Show");
        return stop && show && *stop < *show;
    };
    // The fee arrives: the confirm screen cuts "we are checking the fee".
    CHECK(stops_before_show(answer_cash_call(kiosk, quote_reply(50'000, 200))));
    kiosk.send(KeyPressed{k_withdrawal_confirm_key});
    REQUIRE(kiosk.session().state == State::withdrawing);
    // Authorised, the notes are ordered: the same wait goes on, unbroken.
    CHECK_FALSE(has_effect<StopSpeech>(answer_cash_call(kiosk, cash_reply(MoneyStatus::ok))));
    CHECK_FALSE(has_effect<StopSpeech>(kiosk.send(all_notes_picked(kiosk))));
    // The debit confirmed: the card screen follows at once.
    CHECK(stops_before_show(answer_cash_call(kiosk, cash_reply(MoneyStatus::ok))));
    CHECK(kiosk.session().state == State::card_before_cash);
}
