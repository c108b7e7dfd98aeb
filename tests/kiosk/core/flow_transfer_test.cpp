// Transfers to another account (kiosk/core/README.md, "Transfer"), as a customer sees and hears
// them: the payee's number typed and read back only in private, the amount, the fee checked by
// the account service, the warning against the "safe account" fraud, the payee, amount, fee and
// total before anything moves, and what became of the money. Every transfer is journaled before
// the account service is asked to move it, and an answer that was lost is asked for by the
// transaction's reference, never guessed.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
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

// The payee of the examples: 19 digits, the longest an account number may be, ending in 0122 as
// the quote masks it.
constexpr std::string_view k_transfer_payee = "6217001234567890122";
constexpr std::string_view k_transfer_payee_grouped = "6217 0012 3456 7890 122";
constexpr std::string_view k_transfer_payee_masked = "**** 0122";
// The shortest account number the keypad takes: 12 digits.
constexpr std::string_view k_transfer_short_payee = "621700123456";

// The withdrawal's preset of 500 yuan on the amount screen (keys 1 to 4: 100, 200, 500, 1,000).
constexpr base::Key k_transfer_test_cash_500_key = base::Key::digit_3;

Money transfer_yuan(std::int64_t units) {
    return Money{units * 100, "CNY"};
}

// The account service's quote of a transfer of `amount` yuan to the payee, with its fee (in
// fen).
MoneyReply transfer_quote_reply(std::int64_t amount, std::int64_t fee) {
    MoneyReply reply;
    reply.status = MoneyStatus::ok;
    reply.quote = Quote{"quote-transfer-1",
                        MoneyKind::transfer,
                        transfer_yuan(amount),
                        Money{fee, "CNY"},
                        Money{amount * 100 + fee, "CNY"},
                        std::string(k_transfer_payee_masked)};
    return reply;
}

MoneyReply transfer_answer(MoneyStatus status) {
    MoneyReply reply;
    reply.status = status;
    return reply;
}

// Answers the account service call the flow awaits.
const std::vector<Effect>& answer_transfer_call(FlowDriver& kiosk, MoneyReply reply) {
    REQUIRE(kiosk.session().pending_call.has_value());
    return kiosk.send(MoneyReplyReceived{*kiosk.session().pending_call, std::move(reply)});
}

// Signed on with the card (English unless told), with this much of today's transfer limit left.
void reach_transfer_menu(FlowDriver& kiosk, Money transfer_left = transfer_yuan(50'000),
                         std::string language = "en") {
    kiosk.reach_pin_entry(std::move(language));
    kiosk.send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    ServiceReply signed_on = balance_reply(1'234'567);
    REQUIRE(signed_on.session.has_value());
    signed_on.session->limits.transfer_left_today = transfer_left;
    kiosk.reply(std::move(signed_on));
    REQUIRE(kiosk.session().state == State::menu);
}

void type_transfer_digits(FlowDriver& kiosk, std::string_view digits) {
    for (const char digit : digits) {
        kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
    }
}

// From the menu: the payee typed and accepted, the amount screen.
void reach_transfer_amount_from_menu(FlowDriver& kiosk, std::string_view payee = k_transfer_payee) {
    kiosk.send(KeyPressed{k_menu_transfer_key});
    REQUIRE(kiosk.session().state == State::payee_account);
    type_transfer_digits(kiosk, payee);
    kiosk.send(KeyPressed{k_typing_confirm_key});
    REQUIRE(kiosk.session().state == State::transfer_amount);
}

// From the menu: 500 yuan to the payee, quoted with this fee: the fraud warning.
void reach_transfer_warning_from_menu(FlowDriver& kiosk, std::int64_t fee = 200) {
    reach_transfer_amount_from_menu(kiosk);
    type_transfer_digits(kiosk, "500");
    kiosk.send(KeyPressed{k_typing_confirm_key});
    REQUIRE(kiosk.session().state == State::quoting);
    answer_transfer_call(kiosk, transfer_quote_reply(500, fee));
    REQUIRE(kiosk.session().state == State::transfer_warning);
}

// From the menu: past the warning, the confirm screen.
void reach_transfer_confirm_from_menu(FlowDriver& kiosk, std::int64_t fee = 200) {
    reach_transfer_warning_from_menu(kiosk, fee);
    kiosk.send(KeyPressed{k_warning_continue_key});
    REQUIRE(kiosk.session().state == State::confirm_transfer);
}

// From the menu: confirmed, the account service asked to move the money.
void reach_transferring_from_menu(FlowDriver& kiosk) {
    reach_transfer_confirm_from_menu(kiosk);
    kiosk.send(KeyPressed{k_transfer_confirm_key});
    REQUIRE(kiosk.session().state == State::transferring);
    REQUIRE(cash_requests<ExecuteTransfer>(kiosk.last()).size() == 1);
}

void reach_transferring(FlowDriver& kiosk) {
    reach_transfer_menu(kiosk);
    reach_transferring_from_menu(kiosk);
}

const TransactionReference& transfer_reference(const FlowDriver& kiosk) {
    REQUIRE(kiosk.session().transfer.has_value());
    return kiosk.session().transfer->transaction;
}

bool transfer_screen_shows(const std::vector<Effect>& effects, std::string_view fragment) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [&](const Element& element) {
               return element.text.find(fragment) != std::string::npos;
           });
}

// The input field of the payee or amount screen, as shown.
std::string transfer_field(const std::vector<Effect>& effects) {
    const auto screen = last_screen(effects);
    REQUIRE(screen);
    const auto field = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::input; });
    REQUIRE(field != screen->elements.end());
    return field->text;
}

bool transfer_offers_key(const std::vector<Effect>& effects, base::Key key) {
    const auto screen = last_screen(effects);
    return screen && std::ranges::any_of(screen->elements, [key](const Element& element) {
               return element.role == Role::choice && element.key == key;
           });
}

std::vector<base::Key> transfer_choice_keys(const std::vector<Effect>& effects) {
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

bool transfer_key_rejected(const std::vector<Effect>& effects) {
    const auto tones = effects_of<Tone>(effects);
    return std::ranges::any_of(tones,
                               [](const Tone& tone) { return tone.kind == ToneKind::error; });
}

std::vector<Journal> transfer_journal(const std::vector<Effect>& effects, std::string_view event) {
    std::vector<Journal> found;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        if (entry.event == event) {
            found.push_back(entry);
        }
    }
    return found;
}

// The transfer's steps as the journal has them, in order.
std::vector<std::string> transfer_steps(const std::vector<Effect>& effects) {
    std::vector<std::string> steps;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        if (entry.transaction && entry.event.starts_with("transfer_")) {
            steps.push_back(entry.transaction->step);
        }
    }
    return steps;
}

// Where in `effects` the first effect is that `matches`.
template <typename Predicate>
std::optional<std::size_t> transfer_index_of(const std::vector<Effect>& effects,
                                             Predicate matches) {
    for (std::size_t index = 0; index < effects.size(); ++index) {
        if (matches(effects[index])) {
            return index;
        }
    }
    return std::nullopt;
}

// Every form in which the payee's number could be told: as typed, as shown, as said digit by
// digit in English and in Chinese (a group of four is enough to give it away).
std::vector<std::string> payee_forms() {
    std::vector<std::string> forms = {std::string(k_transfer_payee),
                                      std::string(k_transfer_payee_grouped),
                                      std::string(k_transfer_short_payee), "6217 0012 3456"};
    for (const std::string_view group : {"6217", "0012", "3456", "7890"}) {
        forms.push_back(word_digits(group, "en"));
        forms.push_back(word_digits(group, "zh-CN"));
    }
    return forms;
}

// The texts that the transcript, the screenshots' record, the journal or the staff see: every
// utterance and screen element not marked private, every journal record and staff notice.
std::vector<std::string> transfer_public_texts(const std::vector<Effect>& effects) {
    std::vector<std::string> texts;
    for (const Effect& effect : effects) {
        if (const auto* speak = std::get_if<Speak>(&effect)) {
            for (const Utterance& utterance : speak->utterances) {
                if (!utterance.is_private) {
                    texts.push_back(utterance.text);
                }
            }
        } else if (const auto* show = std::get_if<Show>(&effect)) {
            for (const Element& element : show->screen.elements) {
                if (!element.is_private) {
                    texts.push_back(element.text);
                    texts.push_back(element.speech);
                }
            }
        } else if (std::holds_alternative<Journal>(effect) ||
                   std::holds_alternative<NotifyStaff>(effect)) {
            for (std::string& text : texts_of(effect)) {
                texts.push_back(std::move(text));
            }
        }
    }
    return texts;
}

}  // namespace

// ---- 1. The menu ------------------------------------------------------------------------------

TEST_CASE("The menu offers a transfer on key 6 while today's transfer limit is not spent",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    const auto menu = last_screen(kiosk.last());
    REQUIRE(menu);
    CHECK(menu->id == "menu");
    CHECK(std::ranges::any_of(menu->elements, [&](const Element& element) {
        return element.role == Role::choice && element.key == k_menu_transfer_key &&
               element.text == kiosk.text("menu.transfer");
    }));
    CHECK(mentions(kiosk.last(), kiosk.text("menu.transfer")));

    const auto& opened = kiosk.send(KeyPressed{k_menu_transfer_key});
    CHECK(kiosk.session().state == State::payee_account);
    CHECK(last_screen(opened)->id == "payee_account");
    CHECK(transfer_field(opened) == kiosk.text("payee_account.empty"));
    CHECK(mentions(opened, kiosk.text("payee_account.instruction")));
    CHECK(transfer_journal(opened, "transfer_started").size() == 1);
    CHECK_FALSE(has_effect<AccountCall>(opened));
}

TEST_CASE(
    "With today's transfer limit spent the menu does not offer a transfer and key 6 is "
    "refused",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk, transfer_yuan(0));
    CHECK_FALSE(offers_transfer(kiosk.session()));
    CHECK_FALSE(transfer_offers_key(kiosk.last(), k_menu_transfer_key));
    CHECK_FALSE(mentions(kiosk.last(), kiosk.text("menu.transfer")));

    const auto& refused = kiosk.send(KeyPressed{k_menu_transfer_key});
    CHECK(transfer_key_rejected(refused));
    CHECK(kiosk.session().state == State::menu);
    CHECK(transfer_journal(refused, "transfer_started").empty());
    CHECK_FALSE(has_effect<Show>(refused));
}

// ---- 2. The payee's account number ------------------------------------------------------------

TEST_CASE("The payee's account number appears on the screen in groups of four as it is typed",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_transfer_key});

    type_transfer_digits(kiosk, "62170");
    CHECK(transfer_field(kiosk.last()) == "Account: 6217 0");
    type_transfer_digits(kiosk, "0123456");
    CHECK(transfer_field(kiosk.last()) == "Account: 6217 0012 3456");
    CHECK(kiosk.session().payee_digits.view() == k_transfer_short_payee);
    // The field is the customer's to see, and another customer's number: private.
    const auto screen = last_screen(kiosk.last());
    REQUIRE(screen);
    const auto field = std::ranges::find_if(
        screen->elements, [](const Element& element) { return element.role == Role::input; });
    REQUIRE(field != screen->elements.end());
    CHECK(field->is_private);
}

TEST_CASE("A leading zero and a twentieth digit of the payee's number are refused", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_transfer_key});

    const auto& zero = kiosk.send(KeyPressed{base::Key::digit_0});
    CHECK(transfer_key_rejected(zero));
    CHECK(kiosk.session().payee_digits.empty());
    CHECK_FALSE(has_effect<Show>(zero));

    type_transfer_digits(kiosk, k_transfer_payee);
    CHECK(kiosk.session().payee_digits.view() == k_transfer_payee);
    CHECK(transfer_field(kiosk.last()) == "Account: " + std::string(k_transfer_payee_grouped));
    const auto& twentieth = kiosk.send(KeyPressed{base::Key::digit_5});
    CHECK(transfer_key_rejected(twentieth));
    CHECK_FALSE(has_effect<Show>(twentieth));
    CHECK(kiosk.session().payee_digits.view() == k_transfer_payee);
    CHECK(kiosk.session().state == State::payee_account);
}

TEST_CASE(
    "Clear empties the payee's number, and Enter on fewer than 12 digits says it is too "
    "short",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_transfer_key});

    type_transfer_digits(kiosk, "62170012");
    const auto& cleared = kiosk.send(KeyPressed{k_typing_clear_key});
    CHECK(kiosk.session().payee_digits.empty());
    CHECK(transfer_field(cleared) == kiosk.text("payee_account.empty"));
    CHECK(mentions(cleared, kiosk.text("payee_account.empty")));
    CHECK(kiosk.session().state == State::payee_account);

    // Nothing typed, then 11 digits: both too short.
    for (const std::string_view digits : {std::string_view(), std::string_view("62170012345")}) {
        INFO(digits.size() << " digits");
        kiosk.send(KeyPressed{k_typing_clear_key});
        type_transfer_digits(kiosk, digits);
        const auto& short_number = kiosk.send(KeyPressed{k_typing_confirm_key});
        CHECK(transfer_key_rejected(short_number));
        CHECK(mentions(short_number, kiosk.text("payee_account.too_short")));
        CHECK(kiosk.session().state == State::payee_account);
        CHECK(kiosk.session().payee_digits.size() == digits.size());
    }
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
}

TEST_CASE(
    "An account number of 12 to 19 digits goes on to the amount, whose screen reads the "
    "whole number back",
    "[transfer]") {
    for (const std::string_view payee : {k_transfer_short_payee, k_transfer_payee}) {
        INFO(payee);
        FlowDriver kiosk;
        reach_transfer_menu(kiosk);
        kiosk.send(KeyPressed{k_menu_transfer_key});
        kiosk.send(HeadphonesPlugged{});
        type_transfer_digits(kiosk, payee);
        const auto& amount = kiosk.send(KeyPressed{k_typing_confirm_key});
        CHECK(kiosk.session().state == State::transfer_amount);
        CHECK(last_screen(amount)->id == "transfer_amount");
        const std::string grouped = payee.size() == k_transfer_payee.size()
                                        ? std::string(k_transfer_payee_grouped)
                                        : std::string("6217 0012 3456");
        CHECK(transfer_screen_shows(amount, "To account: " + grouped));
        // Said in the headphones, a group of four at a time.
        const std::string said = spoken_text(amount, Channel::headphones);
        INFO(said);
        CHECK(said.find("To the account 6 2 1 7, 0 0 1 2, 3 4 5 6") != std::string::npos);
        CHECK(transfer_field(amount) == kiosk.text("transfer_amount.empty"));
        CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
    }
}

TEST_CASE("Cancel on the payee's number goes back to the menu and forgets the digits",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_transfer_key});
    type_transfer_digits(kiosk, "6217001234");
    const auto& back = kiosk.send(KeyPressed{k_typing_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(back)->id == "menu");
    CHECK(kiosk.session().payee_digits.empty());

    // Begun again, the field is empty.
    const auto& again = kiosk.send(KeyPressed{k_menu_transfer_key});
    CHECK(transfer_field(again) == kiosk.text("payee_account.empty"));

    // From the amount screen Cancel goes back to the number, which is still there.
    type_transfer_digits(kiosk, k_transfer_payee);
    kiosk.send(KeyPressed{k_typing_confirm_key});
    REQUIRE(kiosk.session().state == State::transfer_amount);
    const auto& to_payee = kiosk.send(KeyPressed{k_typing_back_key});
    CHECK(kiosk.session().state == State::payee_account);
    CHECK(transfer_field(to_payee) == "Account: " + std::string(k_transfer_payee_grouped));
    kiosk.send(KeyPressed{k_typing_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(kiosk.session().payee_digits.empty());
    CHECK_FALSE(has_effect<AccountCall>(kiosk.all()));
}

// ---- 3. Privacy -------------------------------------------------------------------------------

TEST_CASE("With headphones each digit of the payee's number is said privately in the headphones",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(HeadphonesPlugged{});
    kiosk.send(KeyPressed{k_menu_transfer_key});
    for (const char digit : std::string_view("62170012")) {
        INFO("digit " << digit);
        const auto& typed = kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
        const auto said = utterances(typed);
        const std::string worded = word_digits(std::string(1, digit), kiosk.session().locale);
        CHECK(std::ranges::any_of(said, [&](const Utterance& utterance) {
            return utterance.is_private && utterance.channel == Channel::headphones &&
                   utterance.text == worded;
        }));
        // Nothing of it on the speaker, and nothing that says it is not private.
        for (const Utterance& utterance : said) {
            CHECK(utterance.channel == Channel::headphones);
            if (utterance.text.find(worded) != std::string::npos) {
                CHECK(utterance.is_private);
            }
        }
    }
}

TEST_CASE(
    "On the speaker no digit of the payee's number is said, and the privacy phrase comes "
    "once, at the first digit",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(KeyPressed{k_menu_transfer_key});
    const std::string privacy = kiosk.text("speech.private_on_screen");

    const auto& first = kiosk.send(KeyPressed{base::Key::digit_6});
    CHECK(transfer_field(first) == "Account: 6");
    const auto first_said = utterances(first);
    CHECK(std::ranges::count_if(first_said, [&](const Utterance& utterance) {
              return utterance.text == privacy;
          }) == 1);
    for (const Utterance& utterance : first_said) {
        INFO(utterance.text);
        CHECK_FALSE(utterance.is_private);
        CHECK(utterance.text.find('6') == std::string::npos);
    }

    // The other digits: their key's tone, on the screen, and nothing said.
    for (const char digit : std::string_view("217001234567890122")) {
        INFO("digit " << digit);
        const auto& typed = kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
        CHECK(effects_of<Tone>(typed).front().kind == ToneKind::key);
        CHECK(has_effect<Show>(typed));
        CHECK(utterances(typed).empty());
    }
    CHECK(kiosk.session().payee_digits.view() == k_transfer_payee);
    CHECK(std::ranges::count_if(utterances(kiosk.all()), [&](const Utterance& utterance) {
              return utterance.text == privacy;
          }) == 1);
    CHECK(spoken_text(kiosk.all()).find(std::string(k_transfer_payee)) == std::string::npos);
}

TEST_CASE(
    "Nothing the transcript, the journal or the staff see holds the payee's number, at any "
    "point of a whole transfer",
    "[transfer]") {
    for (const std::string language : {"en", "zh"}) {
        for (const bool headphones : {false, true}) {
            INFO(language << (headphones ? " with headphones" : " on the speaker"));
            FlowDriver kiosk;
            reach_transfer_menu(kiosk, transfer_yuan(50'000), language);
            if (headphones) {
                kiosk.send(HeadphonesPlugged{});
            }
            kiosk.send(KeyPressed{k_menu_transfer_key});
            type_transfer_digits(kiosk, "62170012345");
            kiosk.send(KeyPressed{k_typing_confirm_key});  // too short: refused
            type_transfer_digits(kiosk, "67890122");       // the 12th digit and on
            kiosk.send(KeyPressed{k_typing_confirm_key});
            REQUIRE(kiosk.session().state == State::transfer_amount);
            kiosk.send(KeyPressed{base::Key::digit_0});  // refused: no amount begins with 0
            type_transfer_digits(kiosk, "500");
            kiosk.send(KeyPressed{k_typing_confirm_key});
            const auto quotes = cash_requests<RequestQuote>(kiosk.last());
            REQUIRE(quotes.size() == 1);
            CHECK(quotes.front().payee_account == base::SecretText(k_transfer_payee));
            answer_transfer_call(kiosk, transfer_quote_reply(500, 200));
            kiosk.send(KeyPressed{k_warning_continue_key});
            if (!headphones) {
                kiosk.send(KeyPressed{k_transfer_aloud_key});
            }
            kiosk.send(KeyPressed{k_transfer_confirm_key});
            answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
            answer_transfer_call(kiosk, transfer_answer(MoneyStatus::ok));
            REQUIRE(kiosk.session().state == State::transfer_finished);
            kiosk.send(KeyPressed{k_finished_take_card_key});
            kiosk.send(CardRemoved{});

            std::vector<std::string> leaks;
            for (const std::string& text : transfer_public_texts(kiosk.all())) {
                for (const std::string& form : payee_forms()) {
                    if (text.find(form) != std::string::npos) {
                        leaks.push_back("\"" + text + "\" holds \"" + form + "\"");
                    }
                }
            }
            CHECK(leaks.empty());
        }
    }
}

// ---- 4. The amount, the quote, the warning, the confirm screen ---------------------------------

TEST_CASE("The amount typed is quoted for the payee by the account service before anything else",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_amount_from_menu(kiosk);

    // Nothing typed: refused, with why.
    const auto& nothing = kiosk.send(KeyPressed{k_typing_confirm_key});
    CHECK(transfer_key_rejected(nothing));
    CHECK(mentions(nothing, kiosk.text("transfer_amount.none")));
    CHECK_FALSE(has_effect<AccountCall>(nothing));

    type_transfer_digits(kiosk, "500");
    CHECK(transfer_field(kiosk.last()).starts_with("500"));
    const auto& quoting = kiosk.send(KeyPressed{k_typing_confirm_key});
    CHECK(kiosk.session().state == State::quoting);
    CHECK(last_screen(quoting)->id == "quoting");
    const auto quotes = cash_requests<RequestQuote>(quoting);
    REQUIRE(quotes.size() == 1);
    CHECK(quotes.front().kind == MoneyKind::transfer);
    CHECK(quotes.front().amount == transfer_yuan(500));
    CHECK(quotes.front().payee_account == base::SecretText(k_transfer_payee));
    CHECK(effects_of<AccountCall>(quoting).front().session == base::SecretText("session-token"));
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
    const auto journaled = transfer_journal(quoting, "quote_requested");
    REQUIRE(journaled.size() == 1);
    CHECK(journaled.front().detail == "transfer");
}

TEST_CASE(
    "A transfer's quote brings the warning against the safe-account fraud, which only key 1 "
    "passes",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_amount_from_menu(kiosk);
    type_transfer_digits(kiosk, "500");
    kiosk.send(KeyPressed{k_typing_confirm_key});
    const auto& warning = answer_transfer_call(kiosk, transfer_quote_reply(500, 200));
    CHECK(kiosk.session().state == State::transfer_warning);
    CHECK(last_screen(warning)->id == "transfer_warning");
    CHECK(transfer_screen_shows(warning, kiosk.text("transfer_warning.fraud")));
    CHECK(transfer_screen_shows(warning, kiosk.text("transfer_warning.never")));
    CHECK(mentions(warning, kiosk.text("transfer_warning.fraud")));
    CHECK(transfer_choice_keys(warning) ==
          std::vector<base::Key>{k_warning_continue_key, base::Key::cancel});

    // Enter, the key that sends money on the next screen, does not go on: nor do other keys.
    for (const base::Key key :
         {base::Key::enter, base::Key::digit_2, base::Key::digit_3, base::Key::clear}) {
        INFO(base::to_string(key));
        const auto& refused = kiosk.send(KeyPressed{key});
        CHECK(transfer_key_rejected(refused));
        CHECK(kiosk.session().state == State::transfer_warning);
    }

    const auto& confirm = kiosk.send(KeyPressed{k_warning_continue_key});
    CHECK(kiosk.session().state == State::confirm_transfer);
    CHECK(last_screen(confirm)->id == "confirm_transfer");
    CHECK(transfer_journal(confirm, "transfer_warning_heeded").size() == 1);
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
}

TEST_CASE("Cancel on the fraud warning goes back to the menu and nothing is sent", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_warning_from_menu(kiosk);
    const auto& stopped = kiosk.send(KeyPressed{k_warning_stop_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(transfer_journal(stopped, "transfer_stopped_at_warning").size() == 1);
    CHECK_FALSE(kiosk.session().quote.has_value());
    CHECK(kiosk.session().payee_digits.empty());
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
}

TEST_CASE(
    "The confirm screen shows the masked payee, the amount, the fee and the total, and "
    "nothing moves until Enter",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(HeadphonesPlugged{});
    reach_transfer_confirm_from_menu(kiosk);
    const auto& confirm = kiosk.last();
    CHECK(transfer_screen_shows(confirm, "To account: **** 0122"));
    CHECK(transfer_screen_shows(confirm, "Amount: 500"));
    CHECK(transfer_screen_shows(confirm, "Fee: 2"));
    CHECK(transfer_screen_shows(confirm, "Taken from your account: 502"));
    CHECK_FALSE(transfer_screen_shows(confirm, std::string(k_transfer_payee_grouped)));
    const std::string said = spoken_text(confirm, Channel::headphones);
    INFO(said);
    CHECK(said.find("To the account ending in 0 1 2 2.") != std::string::npos);
    CHECK(said.find("You are sending 500 yuan.") != std::string::npos);
    CHECK(said.find("The fee is 2 yuan.") != std::string::npos);
    CHECK(said.find("In all, 502 yuan will be taken from your account.") != std::string::npos);
    // In the headphones there is nothing to read aloud.
    CHECK_FALSE(transfer_offers_key(confirm, k_transfer_aloud_key));

    for (const base::Key key :
         {base::Key::digit_1, base::Key::digit_3, base::Key::digit_9, base::Key::clear}) {
        kiosk.send(KeyPressed{key});
        CHECK(kiosk.session().state == State::confirm_transfer);
    }
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
    kiosk.send(KeyPressed{k_transfer_confirm_key});
    CHECK(cash_requests<ExecuteTransfer>(kiosk.last()).size() == 1);
}

TEST_CASE("A transfer without a fee says so on the confirm screen", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk, 0);
    CHECK(transfer_screen_shows(kiosk.last(), kiosk.text("confirm_transfer.no_fee")));
    CHECK_FALSE(transfer_screen_shows(kiosk.last(), "Fee: "));
    CHECK(transfer_screen_shows(kiosk.last(), "Taken from your account: 500"));
}

TEST_CASE("Cancel on the confirm screen goes back to the amount and nothing is sent",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk);
    const auto& back = kiosk.send(KeyPressed{k_transfer_back_key});
    CHECK(kiosk.session().state == State::transfer_amount);
    CHECK(last_screen(back)->id == "transfer_amount");
    CHECK_FALSE(kiosk.session().quote.has_value());
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
}

TEST_CASE(
    "On the speaker the confirm screen offers key 3 to read the transfer aloud, and only "
    "then says the amounts there",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk);
    const auto& confirm = kiosk.last();
    CHECK(transfer_offers_key(confirm, k_transfer_aloud_key));
    const std::string aloud = spoken_text(confirm, Channel::speaker);
    CHECK(aloud.find(kiosk.text("speech.private_on_screen")) != std::string::npos);
    CHECK(aloud.find(kiosk.text("confirm_transfer.aloud_speech")) != std::string::npos);
    CHECK(aloud.find("500 yuan") == std::string::npos);
    CHECK(aloud.find("2 yuan") == std::string::npos);
    CHECK(aloud.find("0 1 2 2") == std::string::npos);

    const auto& chosen = kiosk.send(KeyPressed{k_transfer_aloud_key});
    CHECK(kiosk.session().speaker_chosen);
    CHECK(kiosk.session().state == State::confirm_transfer);
    const std::string read = spoken_text(chosen, Channel::speaker);
    INFO(read);
    CHECK(read.find("You are sending 500 yuan.") != std::string::npos);
    CHECK(read.find("The fee is 2 yuan.") != std::string::npos);
    CHECK(read.find("In all, 502 yuan will be taken from your account.") != std::string::npos);
    // Said on the speaker at the customer's choice, and still private for the transcript.
    for (const Utterance& utterance : utterances(chosen)) {
        if (utterance.text.find("500 yuan") != std::string::npos) {
            CHECK(utterance.is_private);
            CHECK(utterance.speaker_chosen);
        }
    }
    CHECK_FALSE(transfer_offers_key(chosen, k_transfer_aloud_key));
    CHECK(kiosk.session().quote.has_value());
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
}

// ---- 5. Sending -------------------------------------------------------------------------------

TEST_CASE(
    "Enter journals the transfer as requested before the account service is asked to move "
    "it, under the same reference",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk);
    const auto& sending = kiosk.send(KeyPressed{k_transfer_confirm_key});
    CHECK(kiosk.session().state == State::transferring);
    CHECK(last_screen(sending)->id == "transferring");
    CHECK(mentions(sending, kiosk.text("transferring.text")));

    const auto requested = transfer_journal(sending, "transfer_requested");
    REQUIRE(requested.size() == 1);
    REQUIRE(requested.front().transaction.has_value());
    const TransactionRecord& record = *requested.front().transaction;
    CHECK(record.step == "requested");
    CHECK(record.amount == transfer_yuan(500));
    CHECK(record.fee == Money{200, "CNY"});
    CHECK(record.transaction.size() == 36);

    const auto executes = cash_requests<ExecuteTransfer>(sending);
    REQUIRE(executes.size() == 1);
    CHECK(executes.front().transaction == record.transaction);
    CHECK(executes.front().quote_id == "quote-transfer-1");

    const auto journaled_at = transfer_index_of(sending, [](const Effect& effect) {
        const auto* entry = std::get_if<Journal>(&effect);
        return entry && entry->event == "transfer_requested";
    });
    const auto asked_at = transfer_index_of(sending, [](const Effect& effect) {
        const auto* call = std::get_if<AccountCall>(&effect);
        return call && std::holds_alternative<ExecuteTransfer>(call->request);
    });
    REQUIRE(journaled_at);
    REQUIRE(asked_at);
    CHECK(*journaled_at < *asked_at);

    // While the money moves, a key only says again what is happening.
    const auto& waiting = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(kiosk.session().state == State::transferring);
    CHECK_FALSE(has_effect<AccountCall>(waiting));
}

TEST_CASE("A transfer the service made is journaled done and shown sent; 1 goes back to the menu",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);
    const auto& done = answer_transfer_call(kiosk, transfer_answer(MoneyStatus::ok));
    CHECK(kiosk.session().state == State::transfer_finished);
    CHECK(last_screen(done)->id == "transfer_done");
    CHECK(transfer_screen_shows(done, kiosk.text("transfer_done.title")));
    CHECK(transfer_screen_shows(done, "Sent: 500"));
    CHECK(transfer_screen_shows(done, "To account: **** 0122"));
    CHECK(mentions(done, kiosk.text("transfer_done.title")));
    const auto journaled = transfer_journal(done, "transfer_done");
    REQUIRE(journaled.size() == 1);
    REQUIRE(journaled.front().transaction.has_value());
    CHECK(journaled.front().transaction->step == "done");
    CHECK(journaled.front().transaction->transaction == reference);
    CHECK(journaled.front().transaction->amount == transfer_yuan(500));
    CHECK(journaled.front().transaction->fee == Money{200, "CNY"});
    CHECK(transfer_steps(kiosk.all()) == std::vector<std::string>{"requested", "done"});
    CHECK(transfer_choice_keys(done) ==
          std::vector<base::Key>{k_finished_menu_key, k_finished_take_card_key});

    const auto& menu = kiosk.send(KeyPressed{k_finished_menu_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK(last_screen(menu)->id == "menu");
    CHECK_FALSE(kiosk.session().transfer.has_value());
    CHECK_FALSE(has_effect<EjectCard>(menu));
}

TEST_CASE(
    "After a transfer is sent, 2 returns the card and the customer is asked about the "
    "transfer",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    answer_transfer_call(kiosk, transfer_answer(MoneyStatus::ok));
    const auto& out = kiosk.send(KeyPressed{k_finished_take_card_key});
    CHECK(kiosk.session().state == State::returning_card);
    CHECK(kiosk.session().end_reason == EndReason::finished);
    CHECK(has_effect<EjectCard>(out));
    CHECK_FALSE(kiosk.session().account.has_value());
    // The transfer was finished: ending the session adds nothing to its journal.
    CHECK(transfer_steps(kiosk.all()) == std::vector<std::string>{"requested", "done"});
    CHECK_FALSE(has_effect<NotifyStaff>(out));

    kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::survey);
    const auto answers = effects_of<AnswerSurvey>(kiosk.send(KeyPressed{k_survey_satisfied_key}));
    REQUIRE(answers.size() == 1);
    CHECK(answers.front().answer.service == ServiceKind::transfer);
}

// ---- 6. Refusals ------------------------------------------------------------------------------

TEST_CASE("Over a limit that is spent, the refusal offers no transfer again: 1 does nothing",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_amount_from_menu(kiosk);
    type_transfer_digits(kiosk, "500");
    kiosk.send(KeyPressed{k_typing_confirm_key});
    MoneyReply spent = transfer_answer(MoneyStatus::over_limit);
    spent.limit_left = transfer_yuan(0);
    const auto& refused = answer_transfer_call(kiosk, spent);
    REQUIRE(kiosk.session().state == State::transfer_refused);
    CHECK(transfer_screen_shows(refused, "Left today: 0"));
    CHECK(transfer_choice_keys(refused) == std::vector<base::Key>{k_transfer_refused_back_key});
    const auto& pressed = kiosk.send(KeyPressed{k_transfer_again_key});
    CHECK(kiosk.session().state == State::transfer_refused);
    const auto tones = effects_of<Tone>(pressed);
    REQUIRE_FALSE(tones.empty());
    CHECK(tones.front().kind == ToneKind::error);
    // Back on the menu no transfer is offered until tomorrow.
    kiosk.send(KeyPressed{k_transfer_refused_back_key});
    CHECK(kiosk.session().state == State::menu);
    CHECK_FALSE(offers_transfer(kiosk.session()));
}

TEST_CASE(
    "A transfer the account service refuses to quote says why and that nothing changed; 1 "
    "starts again and Cancel goes to the menu",
    "[transfer]") {
    const auto over_limit = [] {
        MoneyReply reply = transfer_answer(MoneyStatus::over_limit);
        reply.limit_left = transfer_yuan(300);
        return reply;
    };
    const std::vector<std::pair<MoneyReply, std::string>> refusals = {
        {transfer_answer(MoneyStatus::insufficient_funds), "insufficient_funds"},
        {transfer_answer(MoneyStatus::payee_unknown), "payee_unknown"},
        {transfer_answer(MoneyStatus::payee_not_allowed), "payee_not_allowed"},
        {over_limit(), "over_limit"},
    };
    for (const auto& [reply, name] : refusals) {
        for (const bool again : {true, false}) {
            INFO(name << (again ? ", then 1" : ", then Cancel"));
            FlowDriver kiosk;
            reach_transfer_menu(kiosk);
            reach_transfer_amount_from_menu(kiosk);
            type_transfer_digits(kiosk, "500");
            kiosk.send(KeyPressed{k_typing_confirm_key});
            const auto& refused = answer_transfer_call(kiosk, reply);
            CHECK(kiosk.session().state == State::transfer_refused);
            CHECK(last_screen(refused)->id == "transfer_refused");
            CHECK(transfer_screen_shows(refused, kiosk.text("transfer_refused." + name)));
            CHECK(transfer_screen_shows(refused, kiosk.text("transfer_refused.nothing_changed")));
            CHECK(mentions(refused, kiosk.text("transfer_refused." + name)));
            CHECK(transfer_choice_keys(refused) ==
                  std::vector<base::Key>{k_transfer_again_key, k_transfer_refused_back_key});
            if (name == "over_limit") {
                CHECK(transfer_screen_shows(refused, "Left today: 300"));
            } else {
                CHECK_FALSE(transfer_screen_shows(refused, "Left today"));
            }
            CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).empty());
            CHECK(transfer_steps(kiosk.all()).empty());

            if (again) {
                // The transfer again, from an empty account number.
                const auto& restarted = kiosk.send(KeyPressed{k_transfer_again_key});
                CHECK(kiosk.session().state == State::payee_account);
                CHECK(last_screen(restarted)->id == "payee_account");
                CHECK(transfer_field(restarted) == kiosk.text("payee_account.empty"));
                CHECK(kiosk.session().payee_digits.empty());
                CHECK(kiosk.session().amount_digits.empty());
            } else {
                const auto& menu = kiosk.send(KeyPressed{k_transfer_refused_back_key});
                CHECK(kiosk.session().state == State::menu);
                CHECK(last_screen(menu)->id == "menu");
                CHECK(kiosk.session().payee_digits.empty());
            }
        }
    }
}

TEST_CASE(
    "A transfer the account service refuses to move is journaled refused and the customer "
    "told nothing changed",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);
    const auto& refused =
        answer_transfer_call(kiosk, transfer_answer(MoneyStatus::insufficient_funds));
    CHECK(kiosk.session().state == State::transfer_refused);
    CHECK(last_screen(refused)->id == "transfer_refused");
    CHECK(transfer_screen_shows(refused, kiosk.text("transfer_refused.insufficient_funds")));
    CHECK(transfer_screen_shows(refused, kiosk.text("transfer_refused.nothing_changed")));
    const auto journaled = transfer_journal(refused, "transfer_refused");
    REQUIRE(journaled.size() == 1);
    REQUIRE(journaled.front().transaction.has_value());
    CHECK(journaled.front().transaction->step == "refused");
    CHECK(journaled.front().transaction->transaction == reference);
    CHECK(journaled.front().detail == "insufficient_funds");
    CHECK(transfer_steps(kiosk.all()) == std::vector<std::string>{"requested", "refused"});
    CHECK(cash_requests<FindTransfer>(kiosk.all()).empty());
    CHECK_FALSE(has_effect<NotifyStaff>(kiosk.all()));

    kiosk.send(KeyPressed{k_transfer_refused_back_key});
    CHECK(kiosk.session().state == State::menu);
}

// ---- 7. A lost answer -------------------------------------------------------------------------

TEST_CASE("A transfer whose answer was lost is asked for by its reference, and found sent",
          "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);

    SECTION("The service answered that it timed out") {
        const auto& finding = answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
        const auto finds = cash_requests<FindTransfer>(finding);
        REQUIRE(finds.size() == 1);
        CHECK(finds.front().transaction == reference);
        const auto journaled = transfer_journal(finding, "transfer_find_requested");
        REQUIRE(journaled.size() == 1);
        CHECK(journaled.front().detail == "timeout");
    }
    SECTION("The service never answered") {
        const auto& finding = kiosk.fire(TimerId::service_call);
        CHECK(has_effect<CancelCall>(finding));
        const auto finds = cash_requests<FindTransfer>(finding);
        REQUIRE(finds.size() == 1);
        CHECK(finds.front().transaction == reference);
        CHECK(transfer_journal(finding, "transfer_find_requested").size() == 1);
    }
    // Never sent again: only asked about.
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).size() == 1);
    CHECK(kiosk.session().state == State::transferring);
    CHECK(last_screen(kiosk.all())->id == "transferring");

    const auto& found = answer_transfer_call(kiosk, transfer_answer(MoneyStatus::ok));
    CHECK(kiosk.session().state == State::transfer_finished);
    CHECK(last_screen(found)->id == "transfer_done");
    CHECK(transfer_steps(kiosk.all()) ==
          std::vector<std::string>{"requested", "find_requested", "done"});
    for (const Journal& entry : effects_of<Journal>(kiosk.all())) {
        if (entry.transaction) {
            CHECK(entry.transaction->transaction == reference);
        }
    }
    CHECK_FALSE(has_effect<NotifyStaff>(kiosk.all()));
}

TEST_CASE(
    "A lost transfer the service holds no record of is shown not sent and journaled "
    "not_done",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);
    answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
    REQUIRE(cash_requests<FindTransfer>(kiosk.last()).size() == 1);
    const auto& not_done =
        answer_transfer_call(kiosk, transfer_answer(MoneyStatus::unknown_transaction));
    CHECK(kiosk.session().state == State::transfer_finished);
    CHECK(last_screen(not_done)->id == "transfer_not_done");
    CHECK(transfer_screen_shows(not_done, kiosk.text("transfer_not_done.title")));
    CHECK(transfer_screen_shows(not_done, kiosk.text("transfer_not_done.text")));
    CHECK(transfer_screen_shows(not_done, "Not sent: 500"));
    const auto journaled = transfer_journal(not_done, "transfer_not_done");
    REQUIRE(journaled.size() == 1);
    REQUIRE(journaled.front().transaction.has_value());
    CHECK(journaled.front().transaction->step == "not_done");
    CHECK(journaled.front().transaction->transaction == reference);
    CHECK(transfer_steps(kiosk.all()) ==
          std::vector<std::string>{"requested", "find_requested", "not_done"});
    CHECK_FALSE(has_effect<NotifyStaff>(kiosk.all()));
}

TEST_CASE(
    "A transfer still unanswered after two finds is left to staff, who are told, and the "
    "customer is told not to send it again",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);
    answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
    answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
    CHECK(kiosk.session().state == State::transferring);
    const auto& unknown = kiosk.fire(TimerId::service_call);

    const auto finds = cash_requests<FindTransfer>(kiosk.all());
    CHECK(finds.size() == 2);
    for (const FindTransfer& find : finds) {
        CHECK(find.transaction == reference);
    }
    CHECK(cash_requests<ExecuteTransfer>(kiosk.all()).size() == 1);
    CHECK(kiosk.session().state == State::transfer_finished);
    CHECK(last_screen(unknown)->id == "transfer_unknown");
    CHECK(transfer_screen_shows(unknown, kiosk.text("transfer_unknown.title")));
    CHECK(transfer_screen_shows(unknown, kiosk.text("transfer_unknown.text")));
    CHECK(transfer_screen_shows(unknown, kiosk.text("transfer_unknown.staff_told")));
    CHECK(mentions(unknown, kiosk.text("transfer_unknown.staff_told")));
    const auto journaled = transfer_journal(unknown, "transfer_outcome_unknown");
    REQUIRE(journaled.size() == 1);
    REQUIRE(journaled.front().transaction.has_value());
    CHECK(journaled.front().transaction->step == "outcome_unknown");
    CHECK(journaled.front().transaction->transaction == reference);
    CHECK(has_effect<NotifyStaff>(unknown));
    CHECK(transfer_steps(kiosk.all()) == std::vector<std::string>{"requested", "find_requested",
                                                                  "find_requested",
                                                                  "outcome_unknown"});

    // The card out afterwards adds nothing: staff were told once.
    kiosk.send(KeyPressed{k_finished_take_card_key});
    CHECK(effects_of<NotifyStaff>(kiosk.all()).size() == 1);
    CHECK(transfer_steps(kiosk.all()) == std::vector<std::string>{"requested", "find_requested",
                                                                  "find_requested",
                                                                  "outcome_unknown"});
}

// The shell writes a transaction's record before the effects after it and, once a record could
// not be written, holds back the effects that give money or commit a debit
// (kiosk/app/cash_journal.cpp, CashJournal::admit): a transfer is one of them, so no money moves
// without its record. The flow then hears JournalFailed and tells the customer nothing was sent.
TEST_CASE("A transfer whose journal record could not be written is not sent", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk);
    const auto& sending = kiosk.send(KeyPressed{k_transfer_confirm_key});
    REQUIRE(transfer_journal(sending, "transfer_requested").size() == 1);
    REQUIRE(cash_requests<ExecuteTransfer>(sending).size() == 1);

    // As the shell carries the effects out when the disk refuses the record: from the failed
    // record on, an effect that gives money or commits a debit is held back.
    bool record_failed = false;
    std::vector<Effect> carried_out;
    for (const Effect& effect : sending) {
        if (const auto* entry = std::get_if<Journal>(&effect); entry && entry->transaction) {
            record_failed = true;
            continue;
        }
        if (!(record_failed && is_money_giving(effect))) {
            carried_out.push_back(effect);
        }
    }
    CHECK(cash_requests<ExecuteTransfer>(carried_out).empty());

    // The shell's JournalFailed: the customer hears the money was not sent, staff are told, and
    // no transfer is offered again until the kiosk restarts.
    kiosk.send(JournalFailed{"disk full"});
    CHECK(kiosk.session().state == State::transfer_finished);
    const auto not_sent = last_screen(kiosk.last());
    REQUIRE(not_sent);
    CHECK(not_sent->id == "transfer_not_done");
    CHECK_FALSE(effects_of<NotifyStaff>(kiosk.last()).empty());
    kiosk.send(KeyPressed{k_finished_menu_key});
    CHECK_FALSE(offers_transfer(kiosk.session()));
}

TEST_CASE("A journal that failed while the customer chose lets no transfer be sent", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    reach_transfer_confirm_from_menu(kiosk);
    kiosk.send(JournalFailed{"disk full"});
    REQUIRE(kiosk.session().state == State::confirm_transfer);
    const auto& pressed = kiosk.send(KeyPressed{k_transfer_confirm_key});
    CHECK(cash_requests<ExecuteTransfer>(pressed).empty());
    CHECK(transfer_journal(pressed, "transfer_requested").empty());
    CHECK(kiosk.session().state == State::transfer_refused);
    CHECK(transfer_screen_shows(pressed, kiosk.text("transfer_refused.unavailable")));
    CHECK(transfer_screen_shows(pressed, kiosk.text("transfer_refused.nothing_changed")));
}

// ---- 8. The card pulled out -------------------------------------------------------------------

TEST_CASE(
    "The card pulled out while the money moves ends the session, and staff find out what "
    "became of the transfer",
    "[transfer]") {
    FlowDriver kiosk;
    reach_transferring(kiosk);
    const TransactionReference reference = transfer_reference(kiosk);
    std::vector<std::string> steps{"requested"};
    SECTION("While the transfer is sent") {}
    SECTION("While the service is asked after a lost answer") {
        answer_transfer_call(kiosk, transfer_answer(MoneyStatus::timeout));
        REQUIRE(cash_requests<FindTransfer>(kiosk.last()).size() == 1);
        steps.push_back("find_requested");
    }
    steps.push_back("outcome_unknown");
    const auto& pulled = kiosk.send(CardRemoved{});
    CHECK(kiosk.session().state == State::goodbye);
    CHECK(kiosk.session().end_reason == EndReason::card_removed);
    CHECK_FALSE(kiosk.session().transfer.has_value());
    CHECK(kiosk.session().payee_digits.empty());
    const auto journaled = transfer_journal(pulled, "transfer_outcome_unknown");
    REQUIRE(journaled.size() == 1);
    REQUIRE(journaled.front().transaction.has_value());
    CHECK(journaled.front().transaction->step == "outcome_unknown");
    CHECK(journaled.front().transaction->transaction == reference);
    CHECK(journaled.front().transaction->amount == transfer_yuan(500));
    CHECK(effects_of<NotifyStaff>(pulled).size() == 1);
    CHECK(transfer_steps(kiosk.all()) == steps);
}

// ---- 9. References ----------------------------------------------------------------------------

TEST_CASE("Every withdrawal and transfer of a run has a reference of its own", "[transfer]") {
    FlowDriver kiosk;
    reach_transfer_menu(kiosk);
    kiosk.send(sample_dispenser());
    REQUIRE(offers_withdrawal(kiosk.session()));
    std::vector<TransactionReference> references;

    // A withdrawal, refused at its authorisation.
    const auto withdraw = [&] {
        kiosk.send_all({KeyPressed{k_menu_withdraw_key}, KeyPressed{k_transfer_test_cash_500_key}});
        answer_transfer_call(kiosk, quote_reply(50'000, 200));
        const auto authorise =
            cash_requests<AuthoriseWithdrawal>(kiosk.send(KeyPressed{k_withdrawal_confirm_key}));
        REQUIRE(authorise.size() == 1);
        references.push_back(authorise.front().transaction);
        answer_transfer_call(kiosk, transfer_answer(MoneyStatus::insufficient_funds));
        REQUIRE(kiosk.session().state == State::withdrawal_refused);
        kiosk.send(KeyPressed{k_refused_back_key});
        REQUIRE(kiosk.session().state == State::menu);
    };
    // A transfer, answered with `status`, then back to the menu.
    const auto transfer = [&](MoneyStatus status) {
        reach_transferring_from_menu(kiosk);
        references.push_back(cash_requests<ExecuteTransfer>(kiosk.last()).front().transaction);
        answer_transfer_call(kiosk, transfer_answer(status));
        kiosk.send(KeyPressed{status == MoneyStatus::ok ? k_finished_menu_key
                                                        : k_transfer_refused_back_key});
        REQUIRE(kiosk.session().state == State::menu);
    };

    withdraw();
    transfer(MoneyStatus::ok);
    transfer(MoneyStatus::payee_unknown);
    withdraw();
    transfer(MoneyStatus::ok);

    // The next customer, in the same run.
    kiosk.send(KeyPressed{k_menu_take_card_key});
    kiosk.send(CardRemoved{});
    REQUIRE(kiosk.session().state == State::survey);
    kiosk.send(KeyPressed{k_survey_satisfied_key});
    kiosk.fire(TimerId::goodbye);
    REQUIRE(kiosk.session().state == State::welcome);
    kiosk.send_all({CardInserted{}, CardRead{sample_card("en")}, PinDigitEntered{1},
                    PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
                    PinEntered{sample_pin_block()}});
    kiosk.reply(balance_reply(1'234'567));
    REQUIRE(kiosk.session().state == State::menu);
    transfer(MoneyStatus::ok);

    REQUIRE(references.size() == 6);
    for (std::size_t index = 1; index < references.size(); ++index) {
        INFO("reference " << index);
        CHECK(references[index] != references[index - 1]);
    }
    CHECK(std::set<TransactionReference>(references.begin(), references.end()).size() ==
          references.size());
}
