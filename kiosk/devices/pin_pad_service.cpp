#include "kiosk/devices/pin_pad_service.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "base/keys.h"
#include "base/wipe.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {
namespace {

using drivers::epp::EppError;

// epp.md §4.4, §4.8: the sign-on PIN is collected once; a new PIN twice, compared by the pad.
drivers::epp::PinEntryKind pad_entry_kind(core::PinPurpose purpose) {
    switch (purpose) {
        case core::PinPurpose::sign_on:
            return drivers::epp::PinEntryKind::pin;
        case core::PinPurpose::new_pin:
            return drivers::epp::PinEntryKind::new_pin;
    }
    return drivers::epp::PinEntryKind::pin;
}

}  // namespace

std::string_view to_string(PinPadState state) {
    switch (state) {
        case PinPadState::pad_missing:
            return "pad missing";
        case PinPadState::idle:
            return "idle";
        case PinPadState::collecting:
            return "collecting";
    }
    return "unknown";
}

struct PinPadService::Connection {
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<drivers::epp::EppClient> client;
};

PinPadService::PinPadService(PinPadOptions options)
    : m_options(std::move(options)), m_link(m_options.name) {}

PinPadService::~PinPadService() {
    stop();
}

void PinPadService::start(EventSink events, DeviceNotice notice) {
    stop();
    m_headphones = false;
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void PinPadService::stop() {
    m_link.stop();
    std::lock_guard lock(m_requests_mutex);
    m_requests.clear();
}

void PinPadService::start_pin_entry(const core::CardNumber& card, core::PinPurpose purpose) {
    auto field = drivers::epp::account_field_from_pan(card.digits());
    if (!field) {
        post(core::PinEntryFailed{"card number unusable for a PIN block"});
        return;
    }
    {
        std::lock_guard lock(m_requests_mutex);
        m_requests.emplace_back(StartEntry{std::move(*field), purpose});
    }
    m_link.wake();
}

void PinPadService::cancel_pin_entry() {
    {
        std::lock_guard lock(m_requests_mutex);
        m_requests.emplace_back(CancelEntry{});
    }
    m_link.wake();
}

void PinPadService::set_keypad(KeypadUse use) {
    {
        std::lock_guard lock(m_requests_mutex);
        m_requests.emplace_back(SetKeypad{use});
    }
    m_link.wake();
}

std::optional<PinPadService::Request> PinPadService::next_request() {
    std::lock_guard lock(m_requests_mutex);
    if (m_requests.empty()) {
        return std::nullopt;
    }
    Request request = std::move(m_requests.front());
    m_requests.pop_front();
    return request;
}

void PinPadService::run() {
    m_link.run<Connection>({
        .device = core::Device::pin_pad,
        .missing_notice = "pad missing",
        .disconnected_notice = "pad disconnected",
        .connect = [this](const drivers::usb::UsbContext& context) { return connect(context); },
        .serve = [this](Connection& connection) { serve(connection); },
        .mark_missing = [this] { set_state(PinPadState::pad_missing); },
        .while_missing = [this] { refuse_requests_while_missing(); },
    });
}

void PinPadService::refuse_requests_while_missing() {
    while (auto request = next_request()) {
        if (std::holds_alternative<StartEntry>(*request)) {
            post(core::PinEntryFailed{"pin pad not connected"});
        } else if (const auto* keypad = std::get_if<SetKeypad>(&*request)) {
            m_keypad = keypad->use;  // applied once the pad is back
        }
    }
}

std::optional<PinPadService::Connection> PinPadService::connect(
    const drivers::usb::UsbContext& context) {
    auto transport = drivers::usb::UsbTransport::open(context, m_options.match);
    if (!transport) {
        return std::nullopt;
    }
    Connection connection;
    connection.transport = std::move(*transport);
    connection.client = std::make_unique<drivers::epp::EppClient>(*connection.transport);
    return connection;
}

void PinPadService::serve(Connection& connection) {
    // A queued request or a stop ends the wait on the pad at once.
    const auto watching = m_link.watch(*connection.transport);
    auto& client = *connection.client;
    // epp.md §4.2: learn the jack's state, and end an entry a previous run left open.
    auto status = client.get_status();
    if (!status) {
        return;
    }
    tell("pad connected");
    m_link.connected();
    if (status->tampered) {
        tell("pad reports tampering");
    }
    if (status->mode == drivers::epp::PadMode::pin_entry) {
        (void)client.cancel_pin_entry();
    }
    set_headphones(status->headphones_plugged);
    // epp.md §4.3: function keys always; digits only as the screen shown asks.
    if (auto mode = client.set_key_mode(drivers::epp::KeyMode::function_keys); !mode) {
        if (mode.error() == EppError::device_gone) {
            set_headphones(false);
            return;
        }
        tell("function-key mode refused");
    }
    set_state(PinPadState::idle);
    apply_keypad(connection);

    int failures = 0;
    bool gone = false;
    while (!gone && !m_link.stop_requested()) {
        while (auto request = next_request()) {
            carry_out(connection, *request);
        }
        // Woken at once by the pad (an event on the standing interrupt transfer), a queued
        // request or a stop; k_event_wait is only a safety net.
        auto event = client.wait_for_event(k_event_wait);
        if (!event) {
            if (event.error() == EppError::device_gone) {
                gone = true;
                break;
            }
            // A garbled frame or a transfer error: not fatal unless it keeps happening.
            ++failures;
            if (failures >= k_failures_before_reopen) {
                break;
            }
            m_link.sleep_for(k_error_backoff);
            continue;
        }
        failures = 0;
        if (*event) {
            handle(**event);
        }
    }

    if (m_link.stop_requested()) {
        return;
    }
    if (state() == PinPadState::collecting) {
        post(core::PinEntryFailed{"pin pad disconnected"});
    }
    // The jack is on the pad: without the pad, no headphones.
    set_headphones(false);
}

void PinPadService::apply_keypad(Connection& connection) {
    if (state() == PinPadState::collecting) {
        return;  // the pad holds every key during an entry; the next screen asks again
    }
    const auto applied =
        m_keypad == KeypadUse::menu_choice
            ? connection.client->offer_clear_digits(drivers::epp::DigitPurpose::menu_choice, 1,
                                                    k_menu_digit_window)
            : connection.client->set_key_mode(drivers::epp::KeyMode::function_keys);
    if (!applied) {
        tell("key mode refused");
    }
}

void PinPadService::carry_out(Connection& connection, Request& request) {
    if (const auto* keypad = std::get_if<SetKeypad>(&request)) {
        m_keypad = keypad->use;
        apply_keypad(connection);
        return;
    }
    if (std::holds_alternative<CancelEntry>(request)) {
        if (state() != PinPadState::collecting) {
            return;  // nothing to cancel; the entry may have just ended on its own
        }
        if (auto cancelled = connection.client->cancel_pin_entry(); !cancelled) {
            if (cancelled.error() == EppError::not_collecting) {
                return;  // it ended a moment ago; its own event says how
            }
            // The pad did not answer: the kiosk must not wait on an entry it gave up on.
            set_state(PinPadState::idle);
            post(core::PinEntryFailed{std::string(drivers::epp::to_string(cancelled.error()))});
        }
        return;  // PIN ENTRY ENDED (cancelled by host) follows as an event
    }
    auto& entry = std::get<StartEntry>(request);
    drivers::epp::PinEntryRequest pad_request{
        .account_field = std::move(entry.account_field),
        .min_digits = m_options.min_digits,
        .max_digits = m_options.max_digits,
        .key_slot = m_options.key_slot,
        .timeout = m_options.entry_timeout,
        .kind = pad_entry_kind(entry.purpose),
    };
    auto started = connection.client->start_pin_entry(pad_request);
    if (!started) {
        tell("pin entry refused");
        post(core::PinEntryFailed{std::string(drivers::epp::to_string(started.error()))});
        return;
    }
    set_state(PinPadState::collecting);
    tell("pin entry started");
    // Only now may the prompt appear: the pad holds every digit from here on.
    post(core::PinEntryReady{});
}

void PinPadService::handle(const drivers::epp::Event& event) {
    using namespace drivers::epp;
    // Entry events belong to an entry this model started; others are left over from before
    // it connected (an entry it cancelled at start-up) and mean nothing to the session.
    const bool entry_event = std::holds_alternative<PinDigitEntered>(event) ||
                             std::holds_alternative<drivers::epp::PinCleared>(event) ||
                             std::holds_alternative<drivers::epp::NewPinAgain>(event) ||
                             std::holds_alternative<PinEntryDone>(event) ||
                             std::holds_alternative<PinEntryEnded>(event);
    if (entry_event && state() != PinPadState::collecting) {
        tell("pin entry event outside an entry ignored");
        return;
    }
    std::visit(
        [&](const auto& happened) {
            using Happened = std::decay_t<decltype(happened)>;
            if constexpr (std::is_same_v<Happened, KeyPressed>) {
                post(core::KeyPressed{happened.key});
            } else if constexpr (std::is_same_v<Happened, PinDigitEntered>) {
                post(core::PinDigitEntered{happened.digits_entered});
            } else if constexpr (std::is_same_v<Happened, drivers::epp::PinCleared>) {
                post(core::PinCleared{});
            } else if constexpr (std::is_same_v<Happened, drivers::epp::NewPinAgain>) {
                // The pad holds the first entry of the new PIN; the count starts again.
                tell("new pin again");
                post(core::NewPinAgain{});
            } else if constexpr (std::is_same_v<Happened, PinEntryDone>) {
                set_state(PinPadState::idle);
                auto block = core::EncryptedPinBlock::from_bytes(happened.pin_block.block);
                if (!block) {
                    post(core::PinEntryFailed{"pin block of the wrong length"});
                    tell("pin entry failed");
                    return;
                }
                tell("pin entry done");
                post(core::PinEntered{*block});
            } else if constexpr (std::is_same_v<Happened, PinEntryEnded>) {
                set_state(PinPadState::idle);
                switch (happened.reason) {
                    case EndReason::cancelled_by_customer:
                    case EndReason::cancelled_by_host:
                        tell("pin entry cancelled");
                        post(core::PinEntryCancelled{});
                        break;
                    case EndReason::timed_out:
                        tell("pin entry timed out");
                        post(core::PinEntryFailed{"pin entry timed out"});
                        break;
                    case EndReason::failed:
                        tell("pin entry failed");
                        post(core::PinEntryFailed{"pin pad could not build a pin block"});
                        break;
                    case EndReason::new_pins_differ:
                        // The pad erased both entries and ended the entry.
                        tell("new pins differ");
                        post(core::NewPinsDiffer{});
                        break;
                }
            } else if constexpr (std::is_same_v<Happened, PinTooShort>) {
                tell("pin too short");
            } else if constexpr (std::is_same_v<Happened, PinFull>) {
                tell("pin full");
            } else if constexpr (std::is_same_v<Happened, HeadphonesChanged>) {
                set_headphones(happened.plugged);
            } else if constexpr (std::is_same_v<Happened, ClearDigitsEnded>) {
                // A window that ran out of time is opened again while the screen still takes
                // digits; one closed by its digit waits for the shell's next word.
                if (happened.reason == ClearDigitsEnd::time_over &&
                    m_keypad == KeypadUse::menu_choice) {
                    std::lock_guard lock(m_requests_mutex);
                    m_requests.emplace_front(SetKeypad{KeypadUse::menu_choice});
                }
            } else if constexpr (std::is_same_v<Happened, TamperDetected>) {
                tell("tamper detected");
                if (state() == PinPadState::collecting) {
                    set_state(PinPadState::idle);
                    post(core::PinEntryFailed{"pin pad tampered"});
                }
            }
        },
        event);
}

void PinPadService::set_headphones(bool plugged) {
    if (plugged == m_headphones) {
        return;
    }
    m_headphones = plugged;
    tell(plugged ? "headphones plugged" : "headphones unplugged");
    if (plugged) {
        post(core::HeadphonesPlugged{});
    } else {
        post(core::HeadphonesUnplugged{});
    }
}

}  // namespace kiosk::devices
