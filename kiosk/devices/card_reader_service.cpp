#include "kiosk/devices/card_reader_service.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/bytes.h"
#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/ccid/reader_quirks.h"
#include "kiosk/core/card_number.h"
#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {
namespace {

using Clock = std::chrono::steady_clock;
using drivers::ccid::CcidError;

// What the customer is told about a card that could not be read: a chip that answered every
// question and holds no application this kiosk accepts (a transit or loyalty card) is "not
// accepted"; a card its issuer blocked (SELECT 6A81, EMV 4.3 Book 1 §12.3.2), or whose every
// application this kiosk accepts is blocked (6283, §12.3.3), is "blocked": no terminal can use
// it, and the customer needs the bank. Anything else may be dirt on the contacts, and wiping the
// chip may help.
core::CardFault card_fault_of(drivers::emv::EmvError error) {
    switch (error) {
        case drivers::emv::EmvError::no_application:
            return core::CardFault::not_accepted;
        case drivers::emv::EmvError::card_blocked:
        case drivers::emv::EmvError::application_blocked:
            return core::CardFault::blocked;
        default:
            return core::CardFault::unreadable;
    }
}

// "072F:90CC", as lsusb shows a USB id.
std::string usb_id(const ReaderId& id) {
    const auto word = [](std::uint16_t value) {
        return base::to_hex(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(value >> 8),
                                                        static_cast<std::uint8_t>(value)});
    };
    return word(id.vendor_id) + ":" + word(id.product_id);
}

}  // namespace

std::string_view to_string(CardReaderState state) {
    switch (state) {
        case CardReaderState::reader_missing:
            return "reader missing";
        case CardReaderState::absent:
            return "absent";
        case CardReaderState::present:
            return "present";
        case CardReaderState::powered:
            return "powered";
        case CardReaderState::active:
            return "active";
    }
    return "unknown";
}

struct CardReaderService::Connection {
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<drivers::ccid::CcidClient> client;
    drivers::ccid::ReaderProfile profile;
    // The card being read or in use, from power-on to release.
    std::unique_ptr<drivers::ccid::CardSession> card;
};

core::CalendarMonth utc_month_now() {
    const std::chrono::year_month_day today{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    return core::CalendarMonth{static_cast<int>(today.year()),
                               static_cast<int>(static_cast<unsigned>(today.month()))};
}

core::CardAuthentication card_authentication_of(
    const drivers::emv::OnlineAuthentication& authentication) {
    const auto byte_hex = [](std::uint8_t value) {
        return base::to_hex(std::array<std::uint8_t, 1>{value});
    };
    const std::uint16_t counter = authentication.transaction_counter;
    return core::CardAuthentication{
        .cryptogram = base::to_hex(authentication.cryptogram),
        .cryptogram_information = byte_hex(authentication.cryptogram_information),
        // EMV 4.3 Book 3 Annex A: 9F36 is two bytes, most significant first.
        .transaction_counter = base::to_hex(std::array<std::uint8_t, 2>{
            static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)}),
        .cdol1_data = base::to_hex(authentication.cdol1_data),
        .application_interchange_profile =
            base::to_hex(authentication.application_interchange_profile),
        .issuer_application_data = base::to_hex(authentication.issuer_application_data),
        .pan_sequence_number = authentication.pan_sequence_number
                                   ? byte_hex(*authentication.pan_sequence_number)
                                   : std::string(),
    };
}

CardReaderService::CardReaderService(CardReaderOptions options)
    : m_options(std::move(options)), m_link(m_options.name) {}

CardReaderService::~CardReaderService() {
    stop();
}

void CardReaderService::start(EventSink events, DeviceNotice notice) {
    stop();
    m_eject_requested = false;
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void CardReaderService::stop() {
    m_link.stop();
}

void CardReaderService::eject() {
    m_eject_requested = true;
    m_link.wake();
}

void CardReaderService::renew_card_authentication() {
    m_renewal_requested = true;
    m_link.wake();
}

void CardReaderService::set_state(CardReaderState state) {
    m_state = state;
    publish_snapshot();
}

void CardReaderService::run() {
    m_link.run<Connection>({
        .device = core::Device::card_reader,
        .missing_notice = "reader missing",
        .disconnected_notice = "reader disconnected",
        .connect = [this](const drivers::usb::UsbContext& context) { return connect(context); },
        .serve = [this](Connection& connection) { serve(connection); },
        .mark_missing = [this] { set_state(CardReaderState::reader_missing); },
    });
}

std::optional<CardReaderService::Connection> CardReaderService::connect(
    const drivers::usb::UsbContext& context) {
    // The first reader the options match that the allow-list admits.
    m_refusal_published = false;
    auto connection = open_reader(context);
    if (!connection && !m_refusal_published) {
        m_snapshot.clear();  // no reader at all, not even a refused one
    }
    return connection;
}

std::optional<CardReaderService::Connection> CardReaderService::open_reader(
    const drivers::usb::UsbContext& context) {
    auto devices = context.devices();
    if (!devices) {
        return std::nullopt;
    }
    std::optional<drivers::usb::DeviceMatch> chosen;
    for (const drivers::usb::DeviceInfo& device : *devices) {
        const bool matches = std::ranges::any_of(device.interfaces, [&](const auto& interface) {
            return m_options.match.matches(device, interface);
        });
        if (!matches) {
            continue;
        }
        const ReaderId id{device.vendor_id, device.product_id};
        if (!m_options.allowed_readers.empty() &&
            std::ranges::find(m_options.allowed_readers, id) == m_options.allowed_readers.end()) {
            if (m_refused_reader != id) {
                m_refused_reader = id;
                tell("reader " + usb_id(id) + " is not on the approved list: not used");
            }
            // Its USB id is all the kiosk reads of it: an unapproved reader is not opened.
            DeviceSnapshot refused;
            refused.add(FactName::usb_id, usb_id_text(id.vendor_id, id.product_id));
            publish_refusal(std::move(refused), "reader not on the approved list");
            continue;
        }
        chosen = m_options.match;
        chosen->bus = device.bus;
        chosen->address = device.address;
        break;
    }
    if (!chosen) {
        return std::nullopt;
    }
    auto transport = drivers::usb::UsbTransport::open(context, *chosen);
    if (!transport) {
        return std::nullopt;
    }
    Connection connection;
    connection.transport = std::move(*transport);
    auto descriptor =
        drivers::ccid::decode_class_descriptor(connection.transport->class_descriptor());
    if (!descriptor) {
        tell("reader class descriptor unreadable: not used");
        DeviceSnapshot refused;
        add_usb_identity(refused, *connection.transport);
        publish_refusal(std::move(refused), "reader class descriptor unreadable");
        return std::nullopt;
    }
    connection.profile.descriptor = *descriptor;
    const auto* quirks = drivers::ccid::find_reader_quirks(connection.transport->vendor_id(),
                                                           connection.transport->product_id());
    if (quirks) {
        connection.profile.descriptor = drivers::ccid::apply_quirks(*descriptor, *quirks);
        tell("reader " + std::string(quirks->model) + ": " + std::string(quirks->reason));
    }
    const drivers::ccid::ClassDescriptor& reader = connection.profile.descriptor;
    if (reader.exchange_level() == drivers::ccid::ExchangeLevel::character) {
        tell("reader works at character level, which the kiosk does not drive: not used");
        publish_refusal(reader_snapshot(connection, quirks), "reader works at character level");
        return std::nullopt;
    }
    if (m_options.card_slot > reader.max_slot_index) {
        tell("reader has no slot " + std::to_string(m_options.card_slot) + ": not used");
        publish_refusal(reader_snapshot(connection, quirks),
                        "reader has no slot " + std::to_string(m_options.card_slot));
        return std::nullopt;
    }
    auto options = drivers::ccid::CcidOptions::for_reader(reader, m_options.card_slot);
    options.interface_number = connection.transport->interface().number;
    if (quirks && quirks->command_timeout) {
        options.command_timeout = *quirks->command_timeout;
        options.max_command_duration =
            std::max(options.max_command_duration, *quirks->command_timeout);
    }
    connection.client = std::make_unique<drivers::ccid::CcidClient>(*connection.transport, options);
    // A reader or card that keeps the model waiting (asking for more time, or silent) lets go
    // as soon as the model is stopped, the card is to be ejected, or its read is overdue.
    connection.client->set_interrupt([this] {
        return m_link.stop_requested() ||
               (m_read_deadline && (m_eject_requested.load() || Clock::now() >= *m_read_deadline));
    });
    // CCID 1.1 §5.3.3: the rates a reader lists bound the speed a card is driven at; a reader
    // that lists none takes any up to dwMaxDataRate.
    if (reader.data_rate_count > 0) {
        if (auto rates = connection.client->data_rates(reader.data_rate_count)) {
            connection.profile.data_rates = std::move(*rates);
        }
    }
    m_refused_reader.reset();
    m_reader_known = reader_snapshot(connection, quirks);
    return connection;
}

DeviceSnapshot CardReaderService::reader_snapshot(const Connection& connection,
                                                  const drivers::ccid::ReaderQuirks* quirks) const {
    // The facts `kiosk-diag ccid-descriptor` prints (CCID Rev 1.1 §5.1, Table 5.1-1), of the
    // descriptor as corrected by the reader's quirks: what the kiosk drives the reader by.
    const drivers::ccid::ClassDescriptor& reader = connection.profile.descriptor;
    const auto words = [](std::initializer_list<std::pair<bool, std::string_view>> named) {
        std::string text;
        for (const auto& [present, word] : named) {
            if (present) {
                text += (text.empty() ? "" : " ") + std::string(word);
            }
        }
        return text.empty() ? std::string("none") : text;
    };
    DeviceSnapshot snapshot;
    add_usb_identity(snapshot, *connection.transport);
    snapshot.add(FactName::ccid_version, reader.ccid_version());
    snapshot.add(FactName::exchange_level,
                 std::string(drivers::ccid::to_string(reader.exchange_level())));
    snapshot.add(FactName::protocols,
                 words({{reader.supports_t0, "T=0"}, {reader.supports_t1, "T=1"}}));
    snapshot.add(FactName::voltages, words({{reader.supports_5_0_volts, "5.0V"},
                                            {reader.supports_3_0_volts, "3.0V"},
                                            {reader.supports_1_8_volts, "1.8V"}}));
    snapshot.add(FactName::default_clock_khz, std::to_string(reader.default_clock_khz));
    snapshot.add(FactName::max_clock_khz, std::to_string(reader.max_clock_khz));
    snapshot.add(FactName::data_rate_bps, std::to_string(reader.data_rate_bps));
    snapshot.add(FactName::max_data_rate_bps, std::to_string(reader.max_data_rate_bps));
    // CCID 1.1 §5.3.3: the rates GET_DATA_RATES listed; a reader that lists none takes any up
    // to dwMaxDataRate.
    std::string rates;
    for (const std::uint32_t rate : connection.profile.data_rates) {
        rates += (rates.empty() ? "" : " ") + std::to_string(rate);
    }
    snapshot.add(FactName::data_rates, rates.empty() ? std::string("none listed") : rates);
    snapshot.add(FactName::max_ifsd, std::to_string(reader.max_ifsd));
    snapshot.add(FactName::max_message_length, std::to_string(reader.max_message_length));
    snapshot.add(FactName::pin_support,
                 words({{reader.pin_verification, "verify"}, {reader.pin_modification, "modify"}}));
    snapshot.add(FactName::lcd_layout, reader.lcd_layout.lines == 0
                                           ? std::string("none")
                                           : std::to_string(reader.lcd_layout.lines) + "x" +
                                                 std::to_string(reader.lcd_layout.characters));
    snapshot.add(FactName::slots, std::to_string(int{reader.max_slot_index} + 1));
    snapshot.add(FactName::card_slot, std::to_string(m_options.card_slot));
    snapshot.add(FactName::reader_quirks, quirks ? std::string(quirks->model) : "none");
    snapshot.add(FactName::interrupt_endpoint,
                 std::string(yes_no(connection.transport->has_interrupt_in())));
    return snapshot;
}

void CardReaderService::publish_snapshot() {
    const CardReaderState current = state();
    if (current == CardReaderState::reader_missing || !m_reader_known) {
        m_snapshot.clear();
        return;
    }
    DeviceSnapshot snapshot = *m_reader_known;
    snapshot.connected = true;
    snapshot.add(FactName::card_present, std::string(yes_no(current != CardReaderState::absent)));
    m_snapshot.set(std::move(snapshot));
}

void CardReaderService::publish_refusal(DeviceSnapshot snapshot, std::string refusal) {
    snapshot.connected = false;
    snapshot.refusal = std::move(refusal);
    m_snapshot.set(std::move(snapshot));
    m_refusal_published = true;
}

void CardReaderService::serve(Connection& connection) {
    // An eject or a stop ends the wait on the reader at once.
    const auto watching = m_link.watch(*connection.transport);
    tell("reader connected");
    m_link.connected();
    set_state(CardReaderState::absent);
    m_eject_requested = false;
    const bool has_interrupt = connection.transport->has_interrupt_in();
    const auto poll_interval =
        has_interrupt ? k_slot_poll_safety_net : k_slot_poll_without_interrupt;
    auto next_poll = Clock::now();  // learn the slot's state at once
    int failures = 0;

    const auto failed = [&](CcidError error) {
        if (error == CcidError::reader_gone) {
            return true;
        }
        ++failures;
        m_link.sleep_for(k_error_backoff);
        return failures >= k_failures_before_reopen;
    };

    while (!m_link.stop_requested()) {
        if (m_eject_requested.exchange(false)) {
            m_renewal_requested = false;
            release_card(connection);
        }
        if (m_renewal_requested.exchange(false)) {
            renew_authentication(connection);
        }
        if (Clock::now() >= next_poll) {
            next_poll = Clock::now() + poll_interval;
            auto report = connection.client->slot_status();
            if (!report) {
                if (failed(report.error())) {
                    break;
                }
                continue;
            }
            failures = 0;
            const bool present = report->icc != drivers::ccid::IccStatus::absent;
            if (follow_slot(connection, present) == Outcome::reader_gone) {
                break;
            }
            continue;
        }
        // Until the next slot poll, woken at once by the reader (a slot change on the standing
        // interrupt transfer), an eject or a stop.
        const auto wait =
            std::clamp(std::chrono::ceil<std::chrono::milliseconds>(next_poll - Clock::now()),
                       std::chrono::milliseconds(1), k_event_wait);
        if (!has_interrupt) {
            m_link.sleep_for(wait);
            continue;
        }
        auto message = connection.client->wait_for_interrupt(wait);
        if (!message) {
            if (failed(message.error())) {
                break;
            }
            continue;
        }
        failures = 0;
        if (!*message) {
            continue;  // nothing happened in this wait
        }
        Outcome outcome = Outcome::keep_going;
        std::visit(
            [&](const auto& interrupt) {
                using Message = std::decay_t<decltype(interrupt)>;
                if constexpr (std::is_same_v<Message, drivers::ccid::NotifySlotChange>) {
                    // CCID 1.1 §6.3.1: two bits per slot, present and changed. Only "present"
                    // is used: a notification queued before the model asked GetSlotStatus
                    // also says "changed", about a change already seen. Removal and
                    // reinsertion each send their own notification, so both are seen.
                    if (interrupt.slots.size() > m_options.card_slot) {
                        outcome =
                            follow_slot(connection, interrupt.slots[m_options.card_slot].present);
                    }
                } else {
                    // CCID 1.1 §6.3.2: the reader cut the card's power (e.g. overcurrent).
                    tell("reader hardware error");
                    if (state() == CardReaderState::powered || state() == CardReaderState::active) {
                        set_state(CardReaderState::present);
                    }
                }
            },
            **message);
        if (outcome == Outcome::reader_gone) {
            break;
        }
    }

    // The reader is gone: a card in it is out of the kiosk's reach, so its session ends.
    if (!m_link.stop_requested() && state() != CardReaderState::absent &&
        state() != CardReaderState::reader_missing) {
        card_removed();
    }
}

CardReaderService::Outcome CardReaderService::follow_slot(Connection& connection, bool present) {
    const bool card_known = state() != CardReaderState::absent;
    if (!present) {
        if (card_known) {
            card_removed();
        }
        return Outcome::keep_going;
    }
    if (card_known) {
        return Outcome::keep_going;
    }
    return card_inserted(connection);
}

CardReaderService::Outcome CardReaderService::card_inserted(Connection& connection) {
    set_state(CardReaderState::present);
    tell("card inserted");
    post(core::CardInserted{});
    // The whole read, from power-on to the last record, has one deadline.
    m_read_deadline = Clock::now() + m_options.read_limit;
    const Outcome outcome = read_card(connection);
    m_read_deadline.reset();
    return outcome;
}

std::string CardReaderService::finish_read(std::string_view reason) {
    std::string why(reason);
    if (m_eject_requested.load()) {
        why = "card read stopped: the card is being returned";
    } else if (m_read_deadline && Clock::now() >= *m_read_deadline) {
        why = "card read took longer than its limit";
    }
    m_read_deadline.reset();
    return why;
}

CardReaderService::Outcome CardReaderService::read_card(Connection& connection) {
    auto card = drivers::ccid::CardSession::start(*connection.client, connection.profile);
    if (!card) {
        const CcidError error = card.error();
        if (error == CcidError::card_absent) {
            tell("card removed before it could be read");
            card_removed();
            return Outcome::keep_going;
        }
        post(core::CardReadFailed{finish_read(drivers::ccid::to_string(error))});
        // The reader's own word for it (bError), for the engineer reading the log.
        const auto reader_said = connection.client->last_slot_error();
        tell(reader_said ? "card read failed: the reader says " +
                               drivers::ccid::slot_error_name(*reader_said)
                         : std::string("card read failed"));
        return error == CcidError::reader_gone ? Outcome::reader_gone : Outcome::keep_going;
    }
    connection.card = std::move(*card);
    set_state(CardReaderState::powered);
    tell("card powered");

    auto data = drivers::emv::read_card_data(*connection.card, m_options.terminal);
    if (!data) {
        post(core::CardReadFailed{finish_read(drivers::emv::to_string(data.error())),
                                  card_fault_of(data.error())});
        tell("card read failed");
        if (data.error() == drivers::emv::EmvError::reader_failed &&
            !connection.client->slot_status()) {
            return Outcome::reader_gone;
        }
        release_card(connection);
        return Outcome::keep_going;
    }
    m_read_deadline.reset();
    // The plain digits live only as long as it takes to move them into the masking type.
    auto number = core::CardNumber::parse(data->pan.view());
    data->pan.clear();
    data->holder_name.clear();
    if (!number) {
        post(core::CardReadFailed{"card number unusable"});
        tell("card read failed");
        release_card(connection);
        return Outcome::keep_going;
    }
    set_state(CardReaderState::active);
    m_card_number = *number;
    tell("card read");
    // The ARQC goes to the core for the bank, never to the log (tell() names no card data).
    std::optional<core::CardAuthentication> authentication;
    if (data->online_authentication) {
        authentication = card_authentication_of(*data->online_authentication);
    }
    post(core::CardRead{core::CardData{.pan = std::move(*number),
                                       .expiry = std::move(data->expiry),
                                       .language_preference = std::move(data->language_preference),
                                       .authentication = std::move(authentication),
                                       .issuer_country = std::move(data->issuer_country)},
                        m_options.month_now()});
    return Outcome::keep_going;
}

void CardReaderService::renew_authentication(Connection& connection) {
    if (state() != CardReaderState::active || !connection.card) {
        post(core::CardReadFailed{"no card in use to renew its cryptogram"});
        return;
    }
    m_read_deadline = Clock::now() + m_options.read_limit;
    auto data = drivers::emv::read_card_data(*connection.card, m_options.terminal);
    if (!data) {
        post(core::CardReadFailed{finish_read(drivers::emv::to_string(data.error())),
                                  card_fault_of(data.error())});
        tell("card cryptogram renewal failed");
        return;
    }
    m_read_deadline.reset();
    // The card it was: a chip that now names another account is not the card the PIN is for.
    const auto number = core::CardNumber::parse(data->pan.view());
    data->pan.clear();
    data->holder_name.clear();
    if (!number || !m_card_number || m_card_number->digits() != number->digits()) {
        post(core::CardReadFailed{"the card renewing its cryptogram names another account"});
        tell("card cryptogram renewal failed");
        return;
    }
    std::optional<core::CardAuthentication> authentication;
    if (data->online_authentication) {
        authentication = card_authentication_of(*data->online_authentication);
    }
    tell("card cryptogram renewed");
    post(core::CardAuthenticationRenewed{std::move(authentication)});
}

void CardReaderService::release_card(Connection& connection) {
    const CardReaderState current = state();
    if (current != CardReaderState::powered && current != CardReaderState::active) {
        return;
    }
    // CCID 1.1 §6.1.2. Whatever the reader answers, the card is no longer in use.
    connection.card.reset();
    m_card_number.reset();
    (void)connection.client->power_off();
    set_state(CardReaderState::present);
    tell("card released");
}

void CardReaderService::card_removed() {
    m_card_number.reset();
    set_state(CardReaderState::absent);
    tell("card removed");
    post(core::CardRemoved{});
}

}  // namespace kiosk::devices
