#include "tests/kiosk/core/flow_driver.h"

#include "kiosk/core/screens.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "kiosk/resources/load_resources.h"

namespace kiosk::core::testing {

const Resources& real_resources() {
    static const Resources k_resources = [] {
        auto loaded =
            resources::load_resources(std::filesystem::path(KIOSK_SOURCE_DIR) / "locales");
        if (!loaded) {
            throw std::runtime_error(base::to_string(loaded.error()));
        }
        return *loaded;
    }();
    return k_resources;
}

CardData sample_card(std::string language_preference) {
    return CardData{CardNumber::parse(k_sample_pan).value(), "2912",
                    std::move(language_preference)};
}

CardData sample_card_with_arqc(std::string counter, std::string cryptogram) {
    CardData card = sample_card();
    card.authentication = CardAuthentication{.cryptogram = std::move(cryptogram),
                                             .cryptogram_information = "80",
                                             .transaction_counter = std::move(counter),
                                             .cdol1_data = "0000000012340156",
                                             .application_interchange_profile = "1980",
                                             .issuer_application_data = "06010A03A00000",
                                             .pan_sequence_number = "01"};
    return card;
}

EncryptedPinBlock sample_pin_block() {
    constexpr std::array<std::uint8_t, 8> k_bytes{0xC9, 0x67, 0xC8, 0x19, 0x81, 0x51, 0xA4, 0x58};
    return EncryptedPinBlock::from_bytes(k_bytes).value();
}

ServiceReply balance_reply(std::int64_t minor_units) {
    const Limits limits{Money{300'000, "CNY"}, Money{2'000'000, "CNY"}, Money{5'000'000, "CNY"}};
    return ServiceReply{ServiceStatus::ok, 3, BalanceReply{Money{minor_units, "CNY"}}, std::nullopt,
                        AccountSession{base::SecretText("session-token"), limits}};
}

MoneyReply quote_reply(std::int64_t amount, std::int64_t fee) {
    MoneyReply reply;
    reply.status = MoneyStatus::ok;
    reply.quote = Quote{"quote-1",         MoneyKind::withdrawal,      Money{amount, "CNY"},
                        Money{fee, "CNY"}, Money{amount + fee, "CNY"}, ""};
    return reply;
}

DispenserReported sample_dispenser() {
    DispenserReported reported;
    reported.state = DispenserState::idle;
    reported.cassettes = {Cassette{1, Money{10'000, "CNY"}, 2'000, CassetteState::ok},
                          Cassette{2, Money{5'000, "CNY"}, 1'000, CassetteState::ok}};
    return reported;
}

ServiceReply status_reply(ServiceStatus status, int tries_left) {
    return ServiceReply{status, tries_left, std::nullopt, std::nullopt, std::nullopt};
}

std::vector<Business> sample_businesses() {
    const auto business = [](std::string id, std::string prefix, LocalizedText name, int rank,
                             bool open) {
        Business made;
        made.id = std::move(id);
        made.ticket_prefix = std::move(prefix);
        made.name = std::move(name);
        made.materials = {LocalizedText{"身份证", "身份證", "Identity card"},
                          LocalizedText{"银行卡", "銀行卡", "Bank card"}};
        made.typical_duration_minutes = 10;
        made.open_counters = open ? 2 : 0;
        made.people_waiting = 3;
        made.estimated_wait_minutes = 15;
        made.popularity_rank = rank;
        made.open_now = open;
        return made;
    };
    return {
        business("deposits", "A", {"存款取款", "存款提款", "Deposits and withdrawals"}, 1, true),
        business("cards", "B", {"银行卡业务", "銀行卡服務", "Card services"}, 2, true),
        business("transfers", "C", {"转账汇款", "轉賬匯款", "Transfers"}, 3, true),
        business("accounts", "D", {"开户", "開戶", "Opening an account"}, 4, true),
        business("wealth", "E", {"理财", "理財", "Wealth management"}, 5, true),
        business("loans", "F", {"个人贷款", "個人貸款", "Personal loans"}, 6, true),
        business("exchange", "G", {"外币兑换", "外幣兌換", "Foreign exchange"}, 7, false),
    };
}

Ticket sample_ticket(Priority priority) {
    return Ticket{"3f1c2b9e-8d4a-4f6b-9c2d-1a2b3c4d5e6f", "A023", "deposits", priority, 3, 15};
}

AssistanceCall sample_staff_call(bool acknowledged) {
    AssistanceCall call;
    call.id = "7d3e9a10-2b4c-4d5e-8f6a-0b1c2d3e4f50";
    call.state = acknowledged ? CallState::acknowledged : CallState::open;
    if (acknowledged) {
        call.acknowledged_by = StaffMember{StaffRole::lobby_manager, "陈经理", "A-17"};
        call.eta_seconds = 120;
    }
    return call;
}

FlowDriver::FlowDriver(const Resources& resources)
    : m_resources(resources), m_session(new_session(resources)) {}

Session step_with_pad(const Resources& resources, Session session, const Event& event,
                      const std::function<void(const Event&, const Step&)>& record) {
    Step next = step(resources, std::move(session), event);
    record(event, next);
    if (!has_effect<StartPinEntry>(next.effects)) {
        return std::move(next.session);
    }
    const Event ready = PinEntryReady{};
    Step confirmed = step(resources, std::move(next.session), ready);
    record(ready, confirmed);
    return std::move(confirmed.session);
}

const std::vector<Effect>& FlowDriver::send(const Event& event) {
    m_last.clear();
    const auto keep = [this](const Event&, const Step& next) {
        m_last.insert(m_last.end(), next.effects.begin(), next.effects.end());
    };
    if (m_pad_confirms) {
        m_session = step_with_pad(m_resources, std::move(m_session), event, keep);
    } else {
        Step next = step(m_resources, std::move(m_session), event);
        keep(event, next);
        m_session = std::move(next.session);
    }
    m_all.insert(m_all.end(), m_last.begin(), m_last.end());
    return m_last;
}

void FlowDriver::send_all(std::initializer_list<Event> events) {
    for (const Event& event : events) {
        send(event);
    }
}

const std::vector<Effect>& FlowDriver::reply(ServiceReply reply) {
    REQUIRE(m_session.pending_call.has_value());
    return send(ReplyReceived{*m_session.pending_call, std::move(reply)});
}

const std::vector<Effect>& FlowDriver::fire(TimerId id) {
    INFO("timer " << to_string(id));
    REQUIRE(std::ranges::find(m_session.running_timers, id) != m_session.running_timers.end());
    return send(TimerFired{id});
}

void FlowDriver::reach_pin_entry(std::string language_preference) {
    send_all({Started{}, CardInserted{}, CardRead{sample_card(std::move(language_preference))}});
    REQUIRE(m_session.state == State::pin_entry);
}

void FlowDriver::reach_menu(std::string language_preference) {
    reach_pin_entry(std::move(language_preference));
    send_all({PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
              PinEntered{sample_pin_block()}});
    reply(balance_reply(1'234'567));
    REQUIRE(m_session.state == State::menu);
}

void FlowDriver::reach_balance() {
    reach_menu();
    send(KeyPressed{base::Key::digit_1});
    REQUIRE(m_session.state == State::balance);
}

std::vector<Effect> run_events(const Resources& resources, const std::vector<Event>& events) {
    Session session = new_session(resources);
    std::vector<Effect> all;
    for (const Event& event : events) {
        session = step_with_pad(resources, std::move(session), event,
                                [&all](const Event&, const Step& next) {
                                    all.insert(all.end(), next.effects.begin(), next.effects.end());
                                });
    }
    return all;
}

std::vector<ScreenModel> screens_shown(const std::vector<Effect>& effects) {
    std::vector<ScreenModel> screens;
    for (const Show& show : effects_of<Show>(effects)) {
        screens.push_back(show.screen);
    }
    return screens;
}

std::vector<std::string> journaled_cash_steps(const std::vector<Effect>& effects) {
    std::vector<std::string> steps;
    for (const Journal& entry : effects_of<Journal>(effects)) {
        if (entry.transaction) {
            steps.push_back(entry.transaction->step);
        }
    }
    return steps;
}

std::vector<std::string> screen_ids(const std::vector<Effect>& effects) {
    std::vector<std::string> ids;
    for (const ScreenModel& screen : screens_shown(effects)) {
        if (ids.empty() || ids.back() != screen.id) {
            ids.push_back(screen.id);
        }
    }
    return ids;
}

std::optional<ScreenModel> last_screen(const std::vector<Effect>& effects) {
    const std::vector<ScreenModel> screens = screens_shown(effects);
    if (screens.empty()) {
        return std::nullopt;
    }
    return screens.back();
}

std::vector<Utterance> utterances(const std::vector<Effect>& effects) {
    std::vector<Utterance> all;
    for (const Speak& speak : effects_of<Speak>(effects)) {
        all.insert(all.end(), speak.utterances.begin(), speak.utterances.end());
    }
    return all;
}

std::string spoken_text(const std::vector<Effect>& effects) {
    std::string text;
    for (const Utterance& utterance : utterances(effects)) {
        text += utterance.text;
        text += '\n';
    }
    return text;
}

bool mentions(const std::vector<Effect>& effects, std::string_view fragment) {
    return spoken_text(effects).find(fragment) != std::string::npos;
}

std::string spoken_text(const std::vector<Effect>& effects, Channel channel) {
    std::string text;
    for (const Utterance& utterance : utterances(effects)) {
        if (utterance.channel == channel) {
            text += utterance.text;
            text += '\n';
        }
    }
    return text;
}

std::vector<std::string> texts_of(const Effect& effect) {
    std::vector<std::string> texts;
    if (const auto* show = std::get_if<Show>(&effect)) {
        for (const Element& element : show->screen.elements) {
            texts.push_back(element.text);
            texts.push_back(element.speech);
        }
    } else if (const auto* speak = std::get_if<Speak>(&effect)) {
        for (const Utterance& utterance : speak->utterances) {
            texts.push_back(utterance.text);
        }
    } else if (const auto* journal = std::get_if<Journal>(&effect)) {
        texts.push_back(journal->event);
        texts.push_back(journal->detail);
    } else if (const auto* notify = std::get_if<NotifyStaff>(&effect)) {
        texts.push_back(notify->reason);
    }
    return texts;
}

std::optional<int> timer_started(const std::vector<Effect>& effects, TimerId id) {
    std::optional<int> milliseconds;
    for (const StartTimer& start : effects_of<StartTimer>(effects)) {
        if (start.id == id) {
            milliseconds = start.milliseconds;
        }
    }
    return milliseconds;
}

bool timer_cancelled(const std::vector<Effect>& effects, TimerId id) {
    for (const CancelTimer& cancel : effects_of<CancelTimer>(effects)) {
        if (cancel.id == id) {
            return true;
        }
    }
    return false;
}

namespace {

std::vector<Event> pin_events() {
    return {PinDigitEntered{1}, PinDigitEntered{2}, PinDigitEntered{3}, PinDigitEntered{4},
            PinEntered{sample_pin_block()}};
}

std::vector<Event> concat(std::initializer_list<std::vector<Event>> parts) {
    std::vector<Event> all;
    for (const auto& part : parts) {
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

// The screen that returns the card is said to its end, then a reminder, then the card is taken.
std::vector<Event> take_card() {
    return {SpeechEnded{}, TimerFired{TimerId::reminder}, CardRemoved{},
            TimerFired{TimerId::goodbye}};
}

// After a service (the balance was shown) the card taken brings one question, answered
// "satisfied"; then the goodbye screen.
std::vector<Event> take_card_after_service() {
    return {SpeechEnded{}, TimerFired{TimerId::reminder}, CardRemoved{},
            KeyPressed{k_survey_satisfied_key}, TimerFired{TimerId::goodbye}};
}

// Each reminder comes an interval after the speech before it ended.
std::vector<Event> reminders(int count) {
    std::vector<Event> events;
    for (int reminder = 0; reminder < count; ++reminder) {
        events.push_back(SpeechEnded{});
        events.push_back(TimerFired{TimerId::reminder});
    }
    return events;
}

}  // namespace

std::vector<Scenario> all_scenarios() {
    // Call ids start at 1 in a fresh session and grow by one per PIN entered.
    const std::vector<Event> card = {CardInserted{}, CardRead{sample_card("")}};
    const auto ok = [](std::uint64_t call) {
        return std::vector<Event>{ReplyReceived{call, balance_reply(1'234'567)}};
    };
    const auto status = [](std::uint64_t call, ServiceStatus value, int tries = 0) {
        return std::vector<Event>{ReplyReceived{call, status_reply(value, tries)}};
    };
    const std::vector<Event> balance_and_out = {KeyPressed{base::Key::digit_1},
                                                KeyPressed{base::Key::digit_2}};
    return {
        {"happy path",
         concat({card, pin_events(), ok(1), balance_and_out, take_card_after_service()})},
        {"happy path with a cleared PIN", concat({card,
                                                  {PinDigitEntered{1}, PinCleared{}},
                                                  pin_events(),
                                                  ok(1),
                                                  balance_and_out,
                                                  take_card_after_service()})},
        {"headphones during the balance",
         concat({card,
                 pin_events(),
                 ok(1),
                 {KeyPressed{base::Key::digit_1}, HeadphonesPlugged{}, HeadphonesUnplugged{},
                  HeadphonesPlugged{}, KeyPressed{base::Key::digit_1},
                  KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_2}},
                 take_card_after_service(),
                 {HeadphonesUnplugged{}}})},
        {"balance read aloud at the customer's choice",
         concat({card,
                 pin_events(),
                 ok(1),
                 {KeyPressed{base::Key::digit_1}, KeyPressed{base::Key::digit_3},
                  KeyPressed{base::Key::digit_2}},
                 take_card_after_service()})},
        {"headphones from the welcome screen", concat({{HeadphonesPlugged{}},
                                                       card,
                                                       pin_events(),
                                                       ok(1),
                                                       balance_and_out,
                                                       take_card_after_service()})},
        {"wrong PIN then right", concat({card,
                                         pin_events(),
                                         status(1, ServiceStatus::wrong_pin, 2),
                                         {KeyPressed{base::Key::digit_1}},
                                         pin_events(),
                                         ok(2),
                                         balance_and_out,
                                         take_card_after_service()})},
        {"wrong PIN then cancel", concat({card,
                                          pin_events(),
                                          status(1, ServiceStatus::wrong_pin, 1),
                                          {KeyPressed{base::Key::cancel}},
                                          take_card()})},
        {"wrong PIN until locked",
         concat({card, pin_events(), status(1, ServiceStatus::wrong_pin, 0), take_card()})},
        {"PIN locked",
         concat({card, pin_events(), status(1, ServiceStatus::pin_locked), take_card()})},
        {"card unreadable", concat({{CardInserted{}, CardReadFailed{"card mute"}}, take_card()})},
        {"reader never answers",
         concat({{CardInserted{}, TimerFired{TimerId::card_read}}, take_card()})},
        {"service unavailable",
         concat({card, pin_events(), status(1, ServiceStatus::unavailable), take_card()})},
        {"service timeout",
         concat({card, pin_events(), status(1, ServiceStatus::timeout), take_card()})},
        {"service bad reply",
         concat({card, pin_events(), status(1, ServiceStatus::bad_reply), take_card()})},
        {"service never answers",
         concat({card, pin_events(), {TimerFired{TimerId::service_call}}, take_card()})},
        {"card unknown",
         concat({card, pin_events(), status(1, ServiceStatus::card_unknown), take_card()})},
        {"card removed during PIN entry", concat({card, {PinDigitEntered{2}, CardRemoved{}}})},
        {"card removed while verifying", concat({card, pin_events(), {CardRemoved{}}})},
        {"card left in the reader", concat({card,
                                            pin_events(),
                                            ok(1),
                                            {KeyPressed{base::Key::digit_2}},
                                            reminders(8),
                                            {CardRemoved{}, TimerFired{TimerId::goodbye}}})},
        {"time-out warning, more time, then time-out",
         concat({card,
                 pin_events(),
                 ok(1),
                 {TimerFired{TimerId::inactivity}, KeyPressed{base::Key::enter},
                  TimerFired{TimerId::inactivity}, TimerFired{TimerId::inactivity_warning}},
                 take_card()})},
        {"time-out during PIN entry", concat({card,
                                              {PinDigitEntered{1}, TimerFired{TimerId::inactivity},
                                               KeyPressed{base::Key::enter}},
                                              pin_events(),
                                              ok(1),
                                              balance_and_out,
                                              take_card_after_service()})},
        {"help from the menu and the PIN",
         concat({{KeyPressed{base::Key::help}, KeyPressed{base::Key::digit_5}},
                 card,
                 {KeyPressed{base::Key::help}, KeyPressed{base::Key::enter}},
                 pin_events(),
                 {KeyPressed{base::Key::help}},
                 ok(2),
                 {KeyPressed{base::Key::digit_3}, KeyPressed{base::Key::digit_9},
                  KeyPressed{base::Key::help}, KeyPressed{base::Key::clear}},
                 balance_and_out,
                 {KeyPressed{base::Key::help}},
                 take_card_after_service()})},
        {"PIN pad failure", concat({card, {PinEntryFailed{"tamper"}}, take_card()})},
        {"PIN entry cancelled", concat({card, {PinEntryCancelled{}}, take_card()})},
        {"cancel from the menu",
         concat({card, pin_events(), ok(1), {KeyPressed{base::Key::cancel}}, take_card()})},
        {"elder mode", concat({{KeyPressed{base::Key::digit_4}},
                               card,
                               pin_events(),
                               ok(1),
                               balance_and_out,
                               take_card_after_service()})},
        {"English card", concat({{CardInserted{}, CardRead{sample_card("enzh")}},
                                 pin_events(),
                                 ok(1),
                                 balance_and_out,
                                 take_card_after_service()})},
        // The branch: call ids count from 1 in a fresh session, one per request and slip.
        {"ticket, printed",
         {KeyPressed{k_welcome_ticket_key},
          BusinessesListed{1, QueueStatus::ok, sample_businesses()}, KeyPressed{base::Key::digit_1},
          KeyPressed{k_guidance_take_key}, TicketIssued{2, QueueStatus::ok, sample_ticket()},
          PrintFinished{3, PrintResult::printed}, KeyPressed{k_ticket_done_key},
          KeyPressed{k_survey_satisfied_key}, TimerFired{TimerId::goodbye}}},
        {"green channel with the printer out of paper",
         {PaperChanged{PaperLevel::out}, KeyPressed{k_welcome_ticket_key},
          BusinessesListed{1, QueueStatus::ok, sample_businesses()}, KeyPressed{base::Key::digit_1},
          KeyPressed{k_guidance_green_key}, KeyPressed{k_green_older_key},
          TicketIssued{2, QueueStatus::ok, sample_ticket(Priority::green_channel)},
          KeyPressed{k_ticket_done_key}, KeyPressed{k_survey_neutral_key},
          TimerFired{TimerId::goodbye}}},
        {"queue service down",
         {KeyPressed{k_welcome_ticket_key}, BusinessesListed{1, QueueStatus::unavailable, {}},
          KeyPressed{k_unavailable_done_key}, TimerFired{TimerId::goodbye}}},
        {"not satisfied: a complaint",
         {KeyPressed{k_welcome_ticket_key},
          BusinessesListed{1, QueueStatus::ok, sample_businesses()}, KeyPressed{base::Key::digit_1},
          KeyPressed{k_guidance_take_key}, TicketIssued{2, QueueStatus::ok, sample_ticket()},
          PrintFinished{3, PrintResult::printed}, KeyPressed{k_ticket_done_key},
          KeyPressed{k_survey_not_satisfied_key}, KeyPressed{k_not_satisfied_complaint_key},
          KeyPressed{base::Key::digit_1}, KeyPressed{k_consent_no_contact_key},
          ComplaintFiled{4, QueueStatus::ok, "C-20261202-0007"}, KeyPressed{k_complaint_done_key},
          TimerFired{TimerId::goodbye}}},
        {"staff called, acknowledged and closed",
         {KeyPressed{k_welcome_call_staff_key},
          StaffCallChanged{1, QueueStatus::ok, sample_staff_call(false)},
          StaffCallChanged{1, QueueStatus::ok, sample_staff_call(true)},
          StaffCallChanged{1, QueueStatus::ok,
                           [] {
                               AssistanceCall closed = sample_staff_call(true);
                               closed.state = CallState::closed;
                               return closed;
                           }()}}},
        {"elder mode: a business under more",
         {KeyPressed{k_welcome_elder_mode_key}, KeyPressed{k_welcome_ticket_key},
          BusinessesListed{1, QueueStatus::ok, sample_businesses()}, KeyPressed{k_list_more_key},
          KeyPressed{base::Key::digit_1}, KeyPressed{k_guidance_other_key},
          KeyPressed{base::Key::digit_2}, KeyPressed{k_guidance_take_key},
          TicketIssued{2, QueueStatus::ok, sample_ticket()}, PrintFinished{3, PrintResult::printed},
          KeyPressed{k_ticket_done_key}, KeyPressed{k_survey_satisfied_key},
          TimerFired{TimerId::goodbye}}},
    };
}

void type_number(FlowDriver& kiosk, std::string_view digits) {
    for (const char digit : digits) {
        kiosk.send(KeyPressed{*base::digit_key(digit - '0')});
    }
}

FlowDriver signed_in(EngineerRole role, std::string locale) {
    FlowDriver kiosk;
    kiosk.send(Started{});
    kiosk.session().locale = std::move(locale);
    for (const base::Key key : k_service_entry_keys) {
        kiosk.send(KeyPressed{key});
    }
    type_number(kiosk, "1001");
    kiosk.send(KeyPressed{base::Key::enter});
    type_number(kiosk, "20261204");
    kiosk.send(KeyPressed{base::Key::enter});
    type_number(kiosk, "287082");
    const auto checks = effects_of<CheckSignIn>(kiosk.send(KeyPressed{base::Key::enter}));
    REQUIRE(checks.size() == 1);
    kiosk.send(SignInChecked{checks.front().call_id, SignInOutcome::signed_in, role, 0, "ok"});
    REQUIRE(kiosk.session().service->step == ServiceStep::menu);
    return kiosk;
}

std::vector<std::string> shown_lines(const ScreenModel& screen) {
    std::vector<std::string> lines;
    for (const Element& element : screen.elements) {
        lines.push_back(element.text);
    }
    return lines;
}

bool shows(const FlowDriver& kiosk, const std::string& line) {
    return std::ranges::count(shown_lines(kiosk.session().screen), line) == 1;
}

std::vector<std::string> audits(const std::vector<Effect>& effects) {
    std::vector<std::string> lines;
    for (const Journal& record : effects_of<Journal>(effects)) {
        if (record.audit) {
            lines.push_back(record.event + " " + record.detail);
        }
    }
    return lines;
}

}  // namespace kiosk::core::testing
