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

// epp.md §8.1: a slot as the engineer compares it with the key forms: the algorithm and the
// key check value (TDES: its 3 bytes, without the two zero bytes that follow in KEY STATUS).
std::string pad_key_slot_text(const drivers::epp::KeySlotStatus& slot) {
    using drivers::epp::KeyAlgorithm;
    const std::span<const std::uint8_t> check_value(slot.check_value);
    switch (slot.algorithm) {
        case KeyAlgorithm::none:
            return "empty";
        case KeyAlgorithm::tdes:
            return "tdes kcv " +
                   hex_text(check_value.first(drivers::epp::k_tdes_check_value_length));
        case KeyAlgorithm::aes128:
            return "aes128 kcv " + hex_text(check_value);
        case KeyAlgorithm::aes128_dukpt:
            return "aes128_dukpt";
    }
    return "unknown";
}

// Whether a failed authentication is worth a second try at once: not when the pad went, did not
// answer, reports tampering or does not know the command, which a second try cannot change.
bool retry_authentication(EppError error) {
    switch (error) {
        case EppError::device_gone:
        case EppError::timeout:
        case EppError::transport_failed:
        case EppError::tampered:
        case EppError::unknown_command:
            return false;
        default:
            return true;
    }
}

}  // namespace

std::optional<PinPadSecurity> pin_pad_security(bool format4,
                                               std::span<const std::uint8_t> authentication_key,
                                               std::span<const std::uint8_t> pin_key_check_value) {
    // epp.md §8.1: TDES check values are 3 bytes, followed by two zero bytes in KEY STATUS;
    // §8.7: a DUKPT key is named by its 8-byte initial key ID.
    const std::size_t check_length =
        format4 ? drivers::epp::k_key_check_value_length : drivers::epp::k_tdes_check_value_length;
    const bool dukpt =
        format4 && pin_key_check_value.size() == drivers::epp::k_initial_key_id_length;
    if (authentication_key.size() != drivers::epp::k_key_length ||
        (pin_key_check_value.size() != check_length && !dukpt)) {
        return std::nullopt;
    }
    PinPadSecurity security;
    security.authentication_key =
        drivers::epp::SecretKey(std::span<const std::uint8_t, drivers::epp::k_key_length>(
            authentication_key.data(), drivers::epp::k_key_length));
    security.format = format4 ? drivers::epp::BlockFormat::iso9564_format4
                              : drivers::epp::BlockFormat::iso9564_format0;
    if (dukpt) {
        drivers::epp::InitialKeyId id{};
        std::ranges::copy(pin_key_check_value, id.begin());
        security.dukpt_initial_key_id = id;
    } else {
        std::ranges::copy(pin_key_check_value, security.pin_key_check_value.begin());
    }
    return security;
}

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
    m_refusal.reset();
    m_pad_usb.reset();
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void PinPadService::stop() {
    m_link.stop();
    std::lock_guard lock(m_requests_mutex);
    m_requests.clear();
}

void PinPadService::start_pin_entry(const core::CardNumber& card, core::PinPurpose purpose) {
    // epp.md §4.4: format 4 takes the whole PAN, format 0 its 12-digit account field.
    const bool format4 = m_options.security &&
                         m_options.security->format == drivers::epp::BlockFormat::iso9564_format4;
    std::expected<base::SecretText, drivers::epp::EppError> field =
        drivers::epp::account_field_from_pan(card.digits());
    if (field && format4) {
        field = base::SecretText(card.digits());
    }
    if (!field) {
        post(core::PinEntryFailed{"card number unusable for a PIN block"});
        return;
    }
    queue(StartEntry{std::move(*field), purpose});
}

void PinPadService::cancel_pin_entry() {
    queue(CancelEntry{});
}

void PinPadService::set_keypad(KeypadUse use) {
    queue(SetKeypad{use});
}

void PinPadService::begin_key_ceremony() {
    queue(BeginCeremony{});
}

void PinPadService::end_key_ceremony(bool commit, std::vector<core::WorkingKeyBlock> keys) {
    queue(EndCeremony{.commit = commit, .keys = std::move(keys)});
}

std::vector<std::string> PinPadService::working_key_slots() const {
    if (!m_options.security || m_options.security->dukpt_initial_key_id) {
        return {};
    }
    return {std::string(to_string(drivers::epp::KeySlot::authentication)),
            std::string(to_string(drivers::epp::pin_key_slot(m_options.security->format)))};
}

void PinPadService::queue(Request request) {
    {
        std::lock_guard lock(m_requests_mutex);
        m_requests.push_back(std::move(request));
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
        } else if (std::holds_alternative<BeginCeremony>(*request)) {
            post(core::KeyCeremonyProgressed{.progress = core::CeremonyProgress::refused,
                                             .problem = "pin pad not connected"});
        } else if (const auto* end = std::get_if<EndCeremony>(&*request); end && end->commit) {
            post(core::KeyCeremonyCommitted{.problem = "pin pad not connected"});
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
    DeviceSnapshot usb;
    add_usb_identity(usb, *connection.transport);
    m_pad_usb = std::move(usb);
    m_pad_info.reset();
    m_key_status.reset();
    m_answers_key_status.reset();
    m_pad_secured = false;
    m_pad_tampered = false;
    // A pad that reports tamper while in use is checked again from the start, and refused.
    while (serve_accepted(connection)) {
    }
    // The pad is gone (or the model stops): nothing of it is known any more.
    m_pad_usb.reset();
}

bool PinPadService::learn_pad(drivers::epp::EppClient& client) {
    // Read on the model's thread as part of accepting the pad, so that snapshot() never talks
    // to it. With revision 5 security GET INFO comes after AUTHENTICATE: in a session the pad
    // takes no unsecured command (epp.md §8.4).
    if (!m_pad_info) {
        auto info = client.get_info();
        if (!info && info.error() == EppError::device_gone) {
            return false;
        }
        if (info) {
            m_pad_info = std::move(*info);
        }
    }
    if (!m_answers_key_status) {
        // epp.md §8.1: GET KEY STATUS is allowed outside a session; a pad of revision 4 does
        // not know it.
        auto status = client.get_key_status();
        if (!status && status.error() == EppError::device_gone) {
            return false;
        }
        if (status) {
            m_key_status = *status;
            m_answers_key_status = true;
        } else if (status.error() == EppError::unknown_command) {
            m_answers_key_status = false;
        }
    }
    m_pad_secured = client.is_secured();
    return true;
}

std::optional<drivers::epp::PadStatus> PinPadService::accept(drivers::epp::EppClient& client) {
    // epp.md §8.6: a refused pad stays connected but unused, and is looked at again every
    // k_reopen_interval until it is accepted, goes or the model stops.
    while (!m_link.stop_requested()) {
        bool gone = false;
        std::optional<std::string> refusal;
        if (m_options.security) {
            refusal = secure(client, gone);
        }
        std::optional<drivers::epp::PadStatus> status;
        if (!refusal && !gone) {
            // epp.md §4.2: the jack's state, tamper, and an entry a previous run left open.
            auto read = client.get_status();
            if (!read) {
                return std::nullopt;
            }
            status = *read;
            if (status->tampered) {
                refusal = "pad reports tampering";  // it erased its keys
            }
        }
        if (status) {
            m_pad_tampered = status->tampered;
        }
        if (!gone && !learn_pad(client)) {
            gone = true;
        }
        if (gone) {
            // The link reports it missing now, and back when it returns.
            m_refusal.reset();
            return std::nullopt;
        }
        if (!refusal) {
            return status;
        }
        refuse_pad(*refusal);
        if (!m_link.sleep_for(k_reopen_interval)) {
            return std::nullopt;
        }
        refuse_requests_while_missing();
    }
    return std::nullopt;
}

bool PinPadService::serve_accepted(Connection& connection) {
    auto& client = *connection.client;
    m_tamper_reported = false;
    m_keys_used_up = false;
    m_rekeyed = false;
    m_in_ceremony = false;
    const auto status = accept(client);
    if (!status) {
        return false;
    }
    tell("pad connected");
    if (m_refusal) {
        // Staff heard that it was refused: they hear that it works again.
        tell("pad accepted");
        m_refusal.reset();
        post(core::DeviceReturned{core::Device::pin_pad});
    }
    m_link.connected();
    if (status->mode == drivers::epp::PadMode::pin_entry) {
        (void)client.cancel_pin_entry();
    }
    set_headphones(status->headphones_plugged);
    // epp.md §4.3: function keys always; digits only as the screen shown asks.
    if (auto mode = client.set_key_mode(drivers::epp::KeyMode::function_keys); !mode) {
        if (mode.error() == EppError::device_gone) {
            set_headphones(false);
            return false;
        }
        tell("function-key mode refused");
    }
    set_state(PinPadState::idle);
    apply_keypad(connection);

    int failures = 0;
    bool gone = false;
    while (!gone && !m_link.stop_requested() && !m_tamper_reported && !m_keys_used_up &&
           !m_rekeyed) {
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
            if (event.error() == EppError::frame_refused) {
                // epp.md §8.5: dropped; a pad that keeps sending such frames is opened and
                // authenticated again.
                tell("pad frame refused: bad MAC or counter");
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
        return false;
    }
    if (state() == PinPadState::collecting) {
        post(core::PinEntryFailed{m_tamper_reported ? "pin pad tampered" : "pin pad disconnected"});
        set_state(PinPadState::idle);
    }
    if (m_in_ceremony) {
        // The pad went or was tampered with: a ceremony in it is over (epp.md §8.2).
        m_in_ceremony = false;
        post(core::KeyCeremonyProgressed{.progress = core::CeremonyProgress::abandoned,
                                         .end = core::CeremonyEnd::pad_failed});
    }
    // The jack is on the pad: without the pad, no headphones.
    set_headphones(false);
    return m_tamper_reported || m_keys_used_up || m_rekeyed;
}

std::optional<std::string> PinPadService::secure(drivers::epp::EppClient& client, bool& gone) {
    const PinPadSecurity& security = *m_options.security;
    auto authenticated = client.authenticate(security.authentication_key);
    if (!authenticated && retry_authentication(authenticated.error())) {
        // A pad is not refused for one failed try: an answer lost, garbled or left over on the
        // bus (a kiosk that restarted mid-exchange leaves its predecessor's behind) fails a
        // first try after a restart. It is asked once more at once.
        tell("pad authentication failed once (" + std::string(to_string(authenticated.error())) +
             "); trying again");
        authenticated = client.authenticate(security.authentication_key);
    }
    if (!authenticated) {
        switch (authenticated.error()) {
            case EppError::device_gone:
            case EppError::timeout:
            case EppError::transport_failed:
                // Not the pad's keys: it went, or did not answer; the link looks again.
                gone = true;
                return std::nullopt;
            case EppError::tampered:
                m_pad_tampered = true;
                return "pad reports tampering";
            case EppError::unknown_command:
                return "pad does not support authentication (revision 5)";
            default:
                break;
        }
        // The pad's session is over (epp.md §8.4): its key status says, unsecured, whether its
        // authentication key is missing or another one. Only the verdict is told, never a KCV.
        auto status = client.get_key_status();
        if (status) {
            m_key_status = *status;
            m_answers_key_status = true;
        }
        const auto ours = drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128,
                                                        security.authentication_key);
        if (status && ours) {
            const auto slot = status->slot(drivers::epp::KeySlot::authentication);
            if (slot.algorithm == drivers::epp::KeyAlgorithm::none) {
                return "pad has no authentication key";
            }
            if (slot.check_value != *ours) {
                return "pad authentication key differs from configuration";
            }
        }
        return "pad authentication failed (" + std::string(to_string(authenticated.error())) + ")";
    }
    auto status = client.get_key_status();
    if (!status) {
        if (status.error() == EppError::device_gone) {
            gone = true;
            return std::nullopt;
        }
        return "pad key status unreadable";
    }
    m_key_status = *status;
    m_answers_key_status = true;
    if (security.dukpt_initial_key_id) {
        // epp.md §8.7: the DUKPT slot, named by its initial key ID; a used-up counter (0) can
        // make no block. Only the verdict is told, never the ID.
        if (!status->dukpt) {
            return "pad has no DUKPT key";
        }
        if (status->dukpt->initial_key_id != *security.dukpt_initial_key_id) {
            return "pad DUKPT key differs from configuration";
        }
        if (status->dukpt->next_counter == 0) {
            return "pad DUKPT keys used up";
        }
        return std::nullopt;
    }
    const auto slot = status->slot(drivers::epp::pin_key_slot(security.format));
    if (slot.algorithm == drivers::epp::KeyAlgorithm::none) {
        return "pad has no PIN key for the configured format";
    }
    if (slot.check_value != security.pin_key_check_value) {
        return "pad PIN key differs from configuration";
    }
    return std::nullopt;
}

void PinPadService::refuse_pad(const std::string& reason) {
    set_state(PinPadState::pad_missing);
    if (m_refusal == reason) {
        return;  // staff were told
    }
    const bool first = !m_refusal;
    m_refusal = reason;
    publish_snapshot();
    tell("pad refused: " + reason);
    // The reason for the journal and staff; then the keypad is out of service as if the pad
    // were missing (docs/accessibility.md, "When a device or the voice is missing").
    post(core::DeviceFailed{m_options.name, reason});
    if (first) {
        post(core::DeviceMissing{core::Device::pin_pad});
    }
}

void PinPadService::apply_keypad(Connection& connection) {
    if (state() == PinPadState::collecting || m_in_ceremony) {
        return;  // the pad holds every key during an entry or a ceremony; asked again after
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
    if (std::holds_alternative<BeginCeremony>(request)) {
        begin_ceremony(connection);
        return;
    }
    if (const auto* end = std::get_if<EndCeremony>(&request)) {
        end_ceremony(connection, *end);
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
    // epp.md §4.4: with revision 5 the format is configured and the slot is the format's.
    const drivers::epp::BlockFormat format = m_options.security
                                                 ? m_options.security->format
                                                 : drivers::epp::BlockFormat::iso9564_format0;
    // §8.7: under DUKPT the PIN key is slot 0x02's.
    const bool dukpt = m_options.security && m_options.security->dukpt_initial_key_id;
    drivers::epp::PinEntryRequest pad_request{
        .account_field = std::move(entry.account_field),
        .min_digits = m_options.min_digits,
        .max_digits = m_options.max_digits,
        .key_slot = dukpt ? static_cast<std::uint8_t>(drivers::epp::KeySlot::pin_dukpt)
                    : m_options.security
                        ? static_cast<std::uint8_t>(drivers::epp::pin_key_slot(format))
                        : m_options.key_slot,
        .timeout = m_options.entry_timeout,
        .kind = pad_entry_kind(entry.purpose),
        .format = format,
    };
    auto started = connection.client->start_pin_entry(pad_request);
    if (!started) {
        tell("pin entry refused");
        post(core::PinEntryFailed{std::string(drivers::epp::to_string(started.error()))});
        // epp.md §8.7: a DUKPT pad whose counter is used up can make no block again; it is
        // checked again at once, and refused until it has a new initial key.
        m_keys_used_up = started.error() == EppError::keys_exhausted;
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
                // epp.md §8.7: a DUKPT block's KSN goes with it to the account service.
                const auto& ksn = happened.pin_block.ksn;
                auto block =
                    ksn ? core::EncryptedPinBlock::from_bytes(happened.pin_block.bytes(), *ksn)
                        : core::EncryptedPinBlock::from_bytes(happened.pin_block.bytes());
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
                // The pad erased its keys: it is refused once the serving loop ends, and an
                // entry in progress fails there (epp.md §8.6).
                tell("tamper detected");
                m_tamper_reported = true;
                m_pad_tampered = true;
                publish_snapshot();
            } else if constexpr (std::is_same_v<Happened, KeyCeremonyProgress>) {
                ceremony_progress(happened);
            }
        },
        event);
}

void PinPadService::begin_ceremony(Connection& connection) {
    const auto refuse = [this](std::string problem) {
        tell("key ceremony refused: " + problem);
        post(core::KeyCeremonyProgressed{.progress = core::CeremonyProgress::refused,
                                         .problem = std::move(problem)});
    };
    if (working_key_slots().empty()) {
        // Without revision 5 security the kiosk could not check the pad afterwards; under DUKPT
        // the initial key needs a new ID, which is the bank's key-loading station's work.
        refuse(m_options.security ? "pad uses DUKPT" : "pad keys not configured (revision 5)");
        return;
    }
    if (state() == PinPadState::collecting) {
        refuse("pad busy with a PIN entry");
        return;
    }
    auto begun = connection.client->begin_key_ceremony(true);
    if (!begun) {
        refuse(begun.error() == EppError::bad_length
                   ? "pad cannot take confirmations on its keys (revision 6)"
                   : std::string(drivers::epp::to_string(begun.error())));
        return;
    }
    m_in_ceremony = true;
    tell("key ceremony begun");
    post(core::KeyCeremonyProgressed{.progress = core::CeremonyProgress::started});
}

void PinPadService::ceremony_progress(const drivers::epp::KeyCeremonyProgress& progress) {
    using drivers::epp::CeremonyAbandon;
    using drivers::epp::CeremonyStage;
    if (!m_in_ceremony) {
        tell("key ceremony event outside a ceremony ignored");
        return;
    }
    core::KeyCeremonyProgressed event;
    event.check_value = hex_text(progress.check_value);
    switch (progress.stage) {
        case CeremonyStage::typing:
            event.progress = core::CeremonyProgress::typing;
            event.digits_typed = progress.digits_typed;
            event.check_value.clear();
            break;
        case CeremonyStage::component1_entered:
            event.progress = core::CeremonyProgress::component1_entered;
            break;
        case CeremonyStage::component2_entered:
            event.progress = core::CeremonyProgress::component2_entered;
            break;
        case CeremonyStage::combined:
            event.progress = core::CeremonyProgress::combined;
            break;
        case CeremonyStage::abandoned:
            m_in_ceremony = false;
            event.progress = core::CeremonyProgress::abandoned;
            event.check_value.clear();
            switch (progress.reason) {
                case CeremonyAbandon::cancel_key:
                    event.end = core::CeremonyEnd::cancel_key;
                    break;
                case CeremonyAbandon::timed_out:
                    event.end = core::CeremonyEnd::timed_out;
                    break;
                case CeremonyAbandon::by_host:
                    event.end = core::CeremonyEnd::by_kiosk;
                    break;
                case CeremonyAbandon::zero_key:
                    event.end = core::CeremonyEnd::zero_key;
                    break;
            }
            tell("key ceremony abandoned");
            break;
    }
    post(std::move(event));
}

void PinPadService::end_ceremony(Connection& connection, const EndCeremony& end) {
    auto& client = *connection.client;
    if (!end.commit) {
        if (m_in_ceremony) {
            // The pad reports the abandon as its event, which nobody waits for any more.
            (void)client.abandon_key_ceremony();
            m_in_ceremony = false;
            tell("key ceremony abandoned by the kiosk");
            apply_keypad(connection);
        }
        return;
    }
    core::KeyCeremonyCommitted committed;
    if (!m_in_ceremony) {
        committed.problem = "no key ceremony in the pad";
        post(std::move(committed));
        return;
    }
    auto master = client.commit_key_ceremony();
    m_in_ceremony = false;
    if (!master) {
        committed.problem = std::string(drivers::epp::to_string(master.error()));
        (void)client.abandon_key_ceremony();
        tell("key ceremony commit refused: " + committed.problem);
        apply_keypad(connection);
        post(std::move(committed));
        return;
    }
    committed.committed = true;
    committed.master_check_value = hex_text(*master);
    tell("key ceremony committed");
    // epp.md §8.2: the commit erased every working key and ended the session; LOAD KEY is
    // allowed without one (§8.3). The pad is then authenticated and checked as at connect.
    committed.loaded = load_working_keys(client, end.keys, committed.problem);
    m_rekeyed = true;
    post(std::move(committed));
}

std::vector<core::LoadedKey> PinPadService::load_working_keys(
    drivers::epp::EppClient& client, const std::vector<core::WorkingKeyBlock>& keys,
    std::string& problem) {
    std::vector<core::LoadedKey> loaded;
    for (const core::WorkingKeyBlock& key : keys) {
        core::LoadedKey result{.slot = key.slot, .check_value = {}, .matches = false};
        const auto slot = drivers::epp::key_slot_named(key.slot);
        const auto block = base::parse_hex(key.key_block);
        drivers::epp::KeyBlock wrapped{};
        if (!slot || !block || block->size() != wrapped.size()) {
            problem = "the bank's key block for " + key.slot + " is malformed";
            loaded.push_back(std::move(result));
            continue;
        }
        std::ranges::copy(*block, wrapped.begin());
        auto value = client.load_key(*slot, wrapped);
        if (!value) {
            problem = "the pad refused the key block for " + key.slot + " (" +
                      std::string(drivers::epp::to_string(value.error())) + ")";
            loaded.push_back(std::move(result));
            continue;
        }
        // epp.md §8.1: the KCV as the forms print it, TDES's 3 bytes without the zeros after.
        const std::span<const std::uint8_t> shown =
            drivers::epp::algorithm_of(*slot) == drivers::epp::KeyAlgorithm::tdes
                ? std::span<const std::uint8_t>(*value).first(
                      drivers::epp::k_tdes_check_value_length)
                : std::span<const std::uint8_t>(*value);
        result.check_value = hex_text(shown);
        result.matches = hex_text(*value) == key.check_value;
        if (!result.matches) {
            problem = "the key check value for " + key.slot + " is not the bank's";
        }
        loaded.push_back(std::move(result));
    }
    return loaded;
}

void PinPadService::set_headphones(bool plugged) {
    if (plugged == m_headphones) {
        return;
    }
    m_headphones = plugged;
    publish_snapshot();
    tell(plugged ? "headphones plugged" : "headphones unplugged");
    if (plugged) {
        post(core::HeadphonesPlugged{});
    } else {
        post(core::HeadphonesUnplugged{});
    }
}

}  // namespace kiosk::devices

namespace kiosk::devices {

void PinPadService::set_state(PinPadState state) {
    m_state = state;
    publish_snapshot();
}

void PinPadService::publish_snapshot() {
    if (!m_pad_usb) {
        m_snapshot.clear();
        return;
    }
    DeviceSnapshot snapshot = *m_pad_usb;
    const bool refused = state() == PinPadState::pad_missing && m_refusal;
    snapshot.connected = state() != PinPadState::pad_missing;
    snapshot.refusal = refused ? *m_refusal : std::string();
    if (m_pad_info) {
        // epp.md §4.1, GET INFO: the pad's own words for itself.
        snapshot.model = m_pad_info->model;
        snapshot.serial = m_pad_info->serial;
        snapshot.firmware = m_pad_info->firmware;
    }
    if (m_answers_key_status) {
        snapshot.add(FactName::pad_revision, *m_answers_key_status ? "5" : "4");
    }
    snapshot.add(FactName::secure_channel, m_pad_secured ? "on" : "off");
    if (m_key_status) {
        using drivers::epp::KeySlot;
        const drivers::epp::KeyStatus& keys = *m_key_status;
        snapshot.add(FactName::key_slot_pin_tdes, pad_key_slot_text(keys.slot(KeySlot::pin_tdes)));
        snapshot.add(FactName::key_slot_pin_aes, pad_key_slot_text(keys.slot(KeySlot::pin_aes)));
        // epp.md §8.7: the DUKPT slot is named by its initial key ID, which travels in the
        // clear in every KSN; a KCV of keys used once would name nothing.
        if (keys.dukpt) {
            snapshot.add(FactName::key_slot_pin_dukpt,
                         "initial key id " + hex_text(keys.dukpt->initial_key_id));
            snapshot.add(FactName::dukpt_counter, std::to_string(keys.dukpt->next_counter));
        } else {
            snapshot.add(FactName::key_slot_pin_dukpt, "empty");
        }
        snapshot.add(FactName::key_slot_authentication,
                     pad_key_slot_text(keys.slot(KeySlot::authentication)));
        snapshot.add(FactName::key_slot_master, pad_key_slot_text(keys.slot(KeySlot::master)));
        snapshot.add(FactName::failed_authentications, std::to_string(keys.failed_authentications));
        snapshot.add(FactName::refused_frames, std::to_string(keys.refused_frames));
    }
    snapshot.add(FactName::tampered, std::string(yes_no(m_pad_tampered)));
    snapshot.add(FactName::headphones, m_headphones ? "plugged" : "unplugged");
    m_snapshot.set(std::move(snapshot));
}

}  // namespace kiosk::devices
