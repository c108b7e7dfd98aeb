#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/flow.h"
#include "kiosk/core/resources.h"
#include "kiosk/core/session.h"

namespace kiosk::core::testing {

// The real catalogs and lexicons under locales/, loaded once.
const Resources& real_resources();

// The demo card of simulator/cards/demo-cards.toml ("zhang-wei").
inline constexpr std::string_view k_sample_pan = "6228480402564890018";
CardData sample_card(std::string language_preference = "zh");
// The sample card with an ARQC (its counter and cryptogram as given), as genuine chips give.
CardData sample_card_with_arqc(std::string counter = "002A",
                               std::string cryptogram = "8E2A41C07D3F9B15");

// docs/platform-facts.md's format 0 example block, C967C8198151A458.
EncryptedPinBlock sample_pin_block();
inline constexpr std::string_view k_sample_pin_block_hex = "C967C8198151A458";

// A correct PIN's answer: the balance, and a session for the customer's further requests with
// the limits of simulator/bank (3,000 yuan a withdrawal, 20,000 today; transfers 50,000).
ServiceReply balance_reply(std::int64_t minor_units);
// A quote for a withdrawal of `amount`, with its fee (minor units of yuan).
MoneyReply quote_reply(std::int64_t amount, std::int64_t fee);
// What a dispenser with 100-yuan notes (cassette 1) and 50-yuan notes (cassette 2) reports.
DispenserReported sample_dispenser();
ServiceReply status_reply(ServiceStatus status, int tries_left = 0);

// A branch like simulator/queue's demo branch: six open businesses in popularity order (so that
// elder mode pages them four at a time) and a closed one.
std::vector<Business> sample_businesses();
// The first business's ticket A023, three people ahead.
Ticket sample_ticket(Priority priority = Priority::normal);
// A call for staff, open or taken by the lobby manager Chen with a two-minute estimate.
AssistanceCall sample_staff_call(bool acknowledged);

// Steps the flow with one event, as the shell does with a working PIN pad: a pad confirms a
// StartPinEntry within milliseconds, so after a step that asks for one the pad's PinEntryReady
// is stepped at once too. `record` is told each event and its step. Returns the last session.
Session step_with_pad(const Resources& resources, Session session, const Event& event,
                      const std::function<void(const Event&, const Step&)>& record);

// Feeds events to the flow one by one, as the shell would, and keeps every effect.
class FlowDriver {
  public:
    explicit FlowDriver(const Resources& resources = real_resources());

    // The effects of this one event.
    const std::vector<Effect>& send(const Event& event);
    void send_all(std::initializer_list<Event> events);

    // Answers the pending call with this reply.
    const std::vector<Effect>& reply(ServiceReply reply);
    // Fires a timer the flow has started (and fails the test if it is not running).
    const std::vector<Effect>& fire(TimerId id);

    // Welcome -> card -> PIN of four digits -> verified -> menu.
    void reach_menu(std::string language_preference = "zh");
    void reach_balance();
    void reach_pin_entry(std::string language_preference = "zh");

    const Session& session() const { return m_session; }
    Session& session() { return m_session; }
    const std::vector<Effect>& last() const { return m_last; }
    const std::vector<Effect>& all() const { return m_all; }
    void forget() { m_all.clear(); }
    // Whether the PIN pad confirms each StartPinEntry at once (the default), or the test
    // sends PinEntryReady itself.
    void set_pad_confirms(bool confirms) { m_pad_confirms = confirms; }
    const Resources& resources() const { return m_resources; }
    // A message of the session's locale's catalog.
    std::string text(std::string_view key) const {
        return m_resources.catalog(session().locale).text(key);
    }

  private:
    const Resources& m_resources;
    Session m_session;
    std::vector<Effect> m_last;
    std::vector<Effect> m_all;
    bool m_pad_confirms = true;
};

// Runs a whole list of events from a fresh session and returns all effects.
std::vector<Effect> run_events(const Resources& resources, const std::vector<Event>& events);

template <typename T>
std::vector<T> effects_of(const std::vector<Effect>& effects) {
    std::vector<T> found;
    for (const Effect& effect : effects) {
        if (const T* alternative = std::get_if<T>(&effect)) {
            found.push_back(*alternative);
        }
    }
    return found;
}

template <typename T>
bool has_effect(const std::vector<Effect>& effects) {
    return !effects_of<T>(effects).empty();
}

// The account service calls made, by the requests they carry.
template <typename Request>
std::vector<Request> cash_requests(const std::vector<Effect>& effects) {
    std::vector<Request> found;
    for (const AccountCall& call : effects_of<AccountCall>(effects)) {
        if (const auto* request = std::get_if<Request>(&call.request)) {
            found.push_back(*request);
        }
    }
    return found;
}

// The withdrawal's steps as the journal has them, in order.
std::vector<std::string> journaled_cash_steps(const std::vector<Effect>& effects);

// The screens shown, in order.
std::vector<ScreenModel> screens_shown(const std::vector<Effect>& effects);
std::vector<std::string> screen_ids(const std::vector<Effect>& effects);
std::optional<ScreenModel> last_screen(const std::vector<Effect>& effects);

// Every utterance spoken, in order.
std::vector<Utterance> utterances(const std::vector<Effect>& effects);
// All spoken text joined, for "was this said" checks.
std::string spoken_text(const std::vector<Effect>& effects);
std::string spoken_text(const std::vector<Effect>& effects, Channel channel);
// Whether anything spoken holds `fragment`.
bool mentions(const std::vector<Effect>& effects, std::string_view fragment);

// Every piece of text an effect carries to a screen, a speaker, the staff or the journal.
std::vector<std::string> texts_of(const Effect& effect);

// The service menu: the digits typed on the PIN pad one by one; a kiosk whose engineer 1001
// signed in with the key sequence as `role`, at the menu, in `locale`; the text of each element
// of a screen; whether the screen shows `line` once; the audit records, as "EVENT DETAIL".
void type_number(FlowDriver& kiosk, std::string_view digits);
FlowDriver signed_in(EngineerRole role, std::string locale = "en");
std::vector<std::string> shown_lines(const ScreenModel& screen);
bool shows(const FlowDriver& kiosk, const std::string& line);
std::vector<std::string> audits(const std::vector<Effect>& effects);

std::optional<int> timer_started(const std::vector<Effect>& effects, TimerId id);
bool timer_cancelled(const std::vector<Effect>& effects, TimerId id);

// Named event lists covering every flow, for the invariant tests.
struct Scenario {
    std::string name;
    std::vector<Event> events;
};
std::vector<Scenario> all_scenarios();

}  // namespace kiosk::core::testing
