#include "kiosk/devices/dispenser_service.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "kiosk/core/money.h"
#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {
namespace {

namespace dispenser = drivers::dispenser;
using dispenser::DispenserError;

// What the core can do about a failed command: the dispenser's own refusals by their cause,
// and every failure that leaves the outcome unknown as no_answer (dispenser.md §3, §5.2).
core::CashFault fault_of(DispenserError error) {
    switch (error) {
        case DispenserError::not_enough_notes:
            return core::CashFault::not_enough_notes;
        case DispenserError::jammed:
            return core::CashFault::jammed;
        case DispenserError::shutter_fault:
            return core::CashFault::shutter_fault;
        case DispenserError::out_of_service:
            return core::CashFault::out_of_service;
        case DispenserError::busy:
        case DispenserError::wrong_reference:
        case DispenserError::nothing_held:
        case DispenserError::bad_parameter:
        case DispenserError::bad_length:
        case DispenserError::unknown_command:
        case DispenserError::invalid_request:
            return core::CashFault::refused;
        case DispenserError::truncated_frame:
        case DispenserError::bad_start_of_frame:
        case DispenserError::unsupported_version:
        case DispenserError::payload_too_long:
        case DispenserError::bad_checksum:
        case DispenserError::unknown_code:
        case DispenserError::malformed_payload:
        case DispenserError::timeout:
        case DispenserError::device_gone:
        case DispenserError::transport_failed:
        case DispenserError::sequence_mismatch:
        case DispenserError::unexpected_response:
        case DispenserError::rejected_frame:
            return core::CashFault::no_answer;
    }
    return core::CashFault::no_answer;
}

core::DispenserState state_of(dispenser::State state) {
    switch (state) {
        case dispenser::State::idle:
            return core::DispenserState::idle;
        case dispenser::State::stacked:
            return core::DispenserState::stacked;
        case dispenser::State::presented:
            return core::DispenserState::presented;
        case dispenser::State::jammed:
            return core::DispenserState::jammed;
        case dispenser::State::out_of_service:
            return core::DispenserState::out_of_service;
    }
    return core::DispenserState::out_of_service;
}

core::PickResult result_of(dispenser::PickResult result) {
    switch (result) {
        case dispenser::PickResult::picked_in_full:
            return core::PickResult::picked;
        case dispenser::PickResult::picked_in_part:
            return core::PickResult::picked_in_part;
        case dispenser::PickResult::nothing_picked:
            return core::PickResult::nothing_picked;
    }
    return core::PickResult::nothing_picked;
}

core::NotesLocation location_of(dispenser::NotesLocation location) {
    switch (location) {
        case dispenser::NotesLocation::transport:
            return core::NotesLocation::transport;
        case dispenser::NotesLocation::slot:
            return core::NotesLocation::slot;
        case dispenser::NotesLocation::taken:
            return core::NotesLocation::taken;
        case dispenser::NotesLocation::retracted:
            return core::NotesLocation::retracted;
        case dispenser::NotesLocation::rejected:
            return core::NotesLocation::rejected;
    }
    return core::NotesLocation::transport;
}

core::CassetteState cassette_state_of(dispenser::CassetteState state) {
    switch (state) {
        case dispenser::CassetteState::ok:
            return core::CassetteState::ok;
        case dispenser::CassetteState::low:
            return core::CassetteState::low;
        case dispenser::CassetteState::empty:
            return core::CassetteState::empty;
        case dispenser::CassetteState::missing:
            return core::CassetteState::missing;
        case dispenser::CassetteState::jammed:
            return core::CassetteState::jammed;
    }
    return core::CassetteState::missing;
}

std::vector<int> counts_of(const std::vector<std::uint16_t>& notes) {
    return {notes.begin(), notes.end()};
}

std::string failure_notice(std::string_view command, DispenserError error) {
    return std::string(command) + " failed: " + std::string(dispenser::to_string(error));
}

// The transaction a cash effect names, as the core wrote it; none for a check.
template <typename Effect>
std::string transaction_of(const Effect& effect) {
    return std::visit(
        [](const auto& asked) -> std::string {
            if constexpr (requires { asked.transaction; }) {
                return asked.transaction;
            } else {
                return {};
            }
        },
        effect);
}

}  // namespace

std::string_view to_string(DispenserServiceState state) {
    switch (state) {
        case DispenserServiceState::dispenser_missing:
            return "dispenser missing";
        case DispenserServiceState::ready:
            return "ready";
        case DispenserServiceState::busy:
            return "busy";
    }
    return "unknown";
}

struct DispenserService::Connection {
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<dispenser::DispenserClient> client;
};

DispenserService::DispenserService(DispenserServiceOptions options)
    : m_options(std::move(options)), m_link(m_options.name) {}

DispenserService::~DispenserService() {
    stop();
}

void DispenserService::start(EventSink events, DeviceNotice notice) {
    // Commands asked for before the start are kept: each is answered once the model runs.
    m_link.stop();
    m_cassettes.clear();
    m_last_sent.reset();
    m_unfinished.reset();
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void DispenserService::stop() {
    m_link.stop();
    std::lock_guard lock(m_requests_mutex);
    m_requests.clear();
}

void DispenserService::dispense(const core::Dispense& dispense) {
    ask(dispense, dispense.transaction);
}

void DispenserService::present(const core::PresentCash& present) {
    ask(present, present.transaction);
}

void DispenserService::retract(const core::RetractCash& retract) {
    ask(retract, retract.transaction);
}

void DispenserService::reject(const core::RejectCash& reject) {
    ask(reject, reject.transaction);
}

void DispenserService::check() {
    ask(core::CheckDispenser{}, {});
}

void DispenserService::ask(Effect effect, std::string_view transaction) {
    Request request{.effect = std::move(effect), .reference = {}, .notes = {}};
    // dispenser.md, "Design rules" 1: a command that moves cash names its transaction, and one
    // whose reference the dispenser could not take would move the wrong notes or none.
    bool sendable = true;
    if (!std::holds_alternative<core::CheckDispenser>(request.effect)) {
        const auto reference = dispenser::TransactionReference::from_text(transaction);
        sendable = reference && !reference->is_zero();
        request.reference = reference.value_or(dispenser::TransactionReference{});
    }
    if (const auto* order = std::get_if<core::Dispense>(&request.effect)) {
        for (const int notes : order->notes) {
            if (notes < 0 || notes > std::numeric_limits<std::uint16_t>::max()) {
                sendable = false;
                break;
            }
            request.notes.push_back(static_cast<std::uint16_t>(notes));
        }
    }
    if (!sendable) {
        tell("command refused: unusable reference or note count");
        answer(request.effect, core::CashFault::refused);
        return;
    }
    {
        std::lock_guard lock(m_requests_mutex);
        m_requests.push_back(std::move(request));
    }
    m_link.wake();
}

std::optional<DispenserService::Request> DispenserService::next_request() {
    std::lock_guard lock(m_requests_mutex);
    if (m_requests.empty()) {
        return std::nullopt;
    }
    Request request = std::move(m_requests.front());
    m_requests.pop_front();
    return request;
}

void DispenserService::run() {
    // A command that was being carried out when a fault escaped the model's code is not
    // carried out later: the shell hears that its outcome is unknown, as after an unplug, and
    // asks where the notes are.
    if (m_unfinished) {
        tell("command not finished: fault");
        answer(*m_unfinished, core::CashFault::no_answer);
        m_unfinished.reset();
    }
    m_link.run<Connection>({
        .device = core::Device::dispenser,
        .missing_notice = "dispenser missing",
        .disconnected_notice = "dispenser disconnected",
        .connect = [this](const drivers::usb::UsbContext& context) { return connect(context); },
        .serve = [this](Connection& connection) { serve(connection); },
        .mark_missing =
            [this] {
                set_state(DispenserServiceState::dispenser_missing);
                m_dispenser_usb.reset();
                m_snapshot.clear();
            },
        .while_missing = [this] { refuse_requests_while_missing(); },
    });
}

void DispenserService::refuse_requests_while_missing() {
    while (auto request = next_request()) {
        tell("command not sent: dispenser missing");
        answer(request->effect, core::CashFault::no_answer);
    }
}

std::optional<DispenserService::Connection> DispenserService::connect(
    const drivers::usb::UsbContext& context) {
    auto devices = context.devices();
    if (!devices) {
        return std::nullopt;
    }
    // The PIN pad's interface is vendor specific too: only the subclass tells a dispenser
    // (dispenser.md §1), and a device that is not one must not even be opened, since opening
    // claims the interface that its own model uses.
    for (const drivers::usb::DeviceInfo& device : *devices) {
        const bool dispenser_found = std::ranges::any_of(
            device.interfaces, [&](const drivers::usb::InterfaceInfo& interface) {
                return interface.subclass_code == k_dispenser_interface_subclass &&
                       m_options.match.matches(device, interface);
            });
        if (!dispenser_found) {
            continue;
        }
        drivers::usb::DeviceMatch this_device = m_options.match;
        this_device.bus = device.bus;
        this_device.address = device.address;
        auto transport = drivers::usb::UsbTransport::open(context, this_device);
        if (!transport ||
            (*transport)->interface().subclass_code != k_dispenser_interface_subclass) {
            return std::nullopt;
        }
        Connection connection;
        connection.transport = std::move(*transport);
        connection.client =
            std::make_unique<dispenser::DispenserClient>(*connection.transport, m_options.client);
        return connection;
    }
    return std::nullopt;
}

void DispenserService::serve(Connection& connection) {
    // A queued command or a stop ends the wait on the dispenser's events at once.
    const auto watching = m_link.watch(*connection.transport);
    DeviceSnapshot usb;
    add_usb_identity(usb, *connection.transport);
    m_dispenser_usb = std::move(usb);
    m_dispenser_status.reset();
    // dispenser.md §4, INFO: the dispenser's firmware and serial, for snapshot(). A dispenser
    // that does not answer it readably is still used; only its identity stays unknown.
    m_dispenser_info.reset();
    if (auto info = connection.client->get_info()) {
        m_dispenser_info = std::move(*info);
    } else if (info.error() == DispenserError::device_gone) {
        return;
    }
    // dispenser.md §4.2: after a restart or a loss, where the notes are comes first.
    auto found = read_report(connection);
    if (!found) {
        if (found.error() != DispenserError::device_gone) {
            tell(failure_notice("status", found.error()));
        }
        return;
    }
    tell("dispenser connected");
    m_link.connected();
    set_state(DispenserServiceState::ready);
    publish_snapshot();
    tell(std::string("status ") + std::string(core::to_string(found->state)));
    post(std::move(*found));

    int failures = 0;
    while (!m_link.stop_requested()) {
        if (auto request = next_request()) {
            if (!carry_out(connection, *request)) {
                return;
            }
            continue;
        }
        // Woken at once by the dispenser (an event on the standing interrupt transfer), a
        // queued command or a stop; k_event_wait is only a safety net.
        auto event = connection.client->wait_for_event(k_event_wait);
        if (!event) {
            if (event.error() == DispenserError::device_gone) {
                return;
            }
            // A garbled event or a transfer error: not fatal unless it keeps happening.
            if (++failures >= k_failures_before_reopen) {
                return;
            }
            m_link.sleep_for(k_error_backoff);
            continue;
        }
        failures = 0;
        if (*event) {
            handle(connection, **event);
        }
    }
}

bool DispenserService::carry_out(Connection& connection, const Request& request) {
    m_unfinished = request.effect;
    set_state(DispenserServiceState::busy);
    if (!request.reference.is_zero()) {
        m_last_sent.emplace(request.reference, transaction_of(request.effect));
    }
    auto& client = *connection.client;
    std::optional<DispenserError> failure;
    std::visit(
        [&](const auto& effect) {
            using Asked = std::decay_t<decltype(effect)>;
            if constexpr (std::is_same_v<Asked, core::Dispense>) {
                auto outcome = client.dispense(request.reference, request.notes);
                if (!outcome) {
                    failure = outcome.error();
                    tell(failure_notice("dispense", outcome.error()));
                    answer(request.effect, fault_of(outcome.error()));
                    return;
                }
                // The denominations are the cassettes'; read them again when they no longer
                // match the dispenser's own count (a cassette added or taken out).
                if (m_cassettes.size() != outcome->notes_picked.size()) {
                    if (auto cassettes = client.get_cassettes()) {
                        m_cassettes = std::move(*cassettes);
                    }
                } else {
                    // The dispenser's own count of what left each cassette (dispenser.md
                    // §4.3), until the next CASSETTES says it again.
                    for (std::size_t index = 0; index < m_cassettes.size(); ++index) {
                        std::uint16_t& count = m_cassettes[index].count;
                        count = static_cast<std::uint16_t>(
                            count - std::min(count, outcome->notes_picked[index]));
                    }
                }
                if (m_dispenser_status) {
                    // Double and worn notes went to the reject bin while picking (§4.3).
                    m_dispenser_status->reject_bin_count = static_cast<std::uint16_t>(
                        m_dispenser_status->reject_bin_count + outcome->notes_rejected);
                }
                publish_snapshot();
                // dispenser.md §4.3: anything short of picked in full stopped at a jam.
                const bool jammed = outcome->result != dispenser::PickResult::picked_in_full;
                tell(std::string("dispense ") +
                     std::string(core::to_string(result_of(outcome->result))));
                post(core::CashDispensed{
                    .transaction = effect.transaction,
                    .result = result_of(outcome->result),
                    .notes = counts_of(outcome->notes_picked),
                    .amount = amount_of(outcome->notes_picked),
                    .fault = jammed ? core::CashFault::jammed : core::CashFault::none,
                });
            } else if constexpr (std::is_same_v<Asked, core::CheckDispenser>) {
                auto report = read_report(connection);
                if (!report) {
                    failure = report.error();
                    tell(failure_notice("status", report.error()));
                    answer(request.effect, fault_of(report.error()));
                    return;
                }
                tell(std::string("status ") + std::string(core::to_string(report->state)));
                post(std::move(*report));
            } else {
                // PRESENT, RETRACT and REJECT: each answers the notes it moved (dispenser.md §4).
                std::expected<std::uint16_t, DispenserError> moved;
                std::string_view command;
                if constexpr (std::is_same_v<Asked, core::PresentCash>) {
                    command = "present";
                    moved = client.present(request.reference);
                } else if constexpr (std::is_same_v<Asked, core::RetractCash>) {
                    command = "retract";
                    moved = client.retract(request.reference);
                } else {
                    command = "reject";
                    moved = client.reject(request.reference);
                }
                if (!moved) {
                    failure = moved.error();
                    tell(failure_notice(command, moved.error()));
                    answer(request.effect, fault_of(moved.error()));
                    return;
                }
                tell(std::string(command) + " done");
                if (m_dispenser_status) {
                    if constexpr (std::is_same_v<Asked, core::PresentCash>) {
                        // dispenser.md §4.1: presented notes are at the slot, the shutter open.
                        m_dispenser_status->shutter_open = true;
                    } else {
                        // RETRACT and REJECT move the notes into the reject bin (§4).
                        m_dispenser_status->reject_bin_count = static_cast<std::uint16_t>(
                            m_dispenser_status->reject_bin_count + *moved);
                    }
                    publish_snapshot();
                }
                const int notes = *moved;
                if constexpr (std::is_same_v<Asked, core::PresentCash>) {
                    post(core::CashPresented{effect.transaction, notes, core::CashFault::none});
                } else if constexpr (std::is_same_v<Asked, core::RetractCash>) {
                    post(core::CashRetracted{effect.transaction, notes, core::CashFault::none});
                } else {
                    post(core::CashRejected{effect.transaction, notes, core::CashFault::none});
                }
            }
        },
        request.effect);
    m_unfinished.reset();
    set_state(DispenserServiceState::ready);
    return failure != DispenserError::device_gone;
}

std::expected<core::DispenserReported, DispenserError> DispenserService::read_report(
    Connection& connection) {
    auto status = connection.client->get_status();
    if (!status) {
        return std::unexpected(status.error());
    }
    auto cassettes = connection.client->get_cassettes();
    if (!cassettes) {
        return std::unexpected(cassettes.error());
    }
    m_cassettes = std::move(*cassettes);
    m_dispenser_status = *status;
    publish_snapshot();
    const dispenser::DispenseOutcome& last = status->last_outcome;
    core::DispenserReported report{
        .state = state_of(status->state),
        .held = text_of(status->held_reference),
        .notes_in_transport = status->notes_in_transport,
        .notes_at_slot = status->notes_at_slot,
        .last_transaction = text_of(last.reference),
        .last_result = result_of(last.result),
        .last_location = location_of(last.location),
        .last_amount = amount_of(last.notes_picked),
        .cassettes = {},
        .fault = core::CashFault::none,
    };
    for (const dispenser::Cassette& cassette : m_cassettes) {
        report.cassettes.push_back(core::Cassette{
            .number = cassette.number,
            .denomination = core::Money{cassette.denomination, cassette.currency},
            .count = cassette.count,
            .state = cassette_state_of(cassette.state),
        });
    }
    return report;
}

void DispenserService::handle(Connection& connection, const dispenser::Event& event) {
    std::visit(
        [&](const auto& happened) {
            using Happened = std::decay_t<decltype(happened)>;
            if constexpr (std::is_same_v<Happened, dispenser::CashTaken>) {
                // dispenser.md §4.1: the customer has the notes; the dispense is over.
                tell("cash taken");
                post(core::CashTaken{text_of(happened.reference)});
            } else if constexpr (std::is_same_v<Happened, dispenser::ShutterClosed>) {
                tell("shutter closed");
                if (m_dispenser_status) {
                    m_dispenser_status->shutter_open = false;
                    publish_snapshot();
                }
            } else if constexpr (std::is_same_v<Happened, dispenser::NotesJammed>) {
                tell("notes jammed");
            } else if constexpr (std::is_same_v<Happened, dispenser::CassetteChanged>) {
                tell("cassette " + std::to_string(happened.cassette) + " " +
                     std::string(core::to_string(cassette_state_of(happened.state))));
                // A cassette put back may hold other notes: the next amounts need its own.
                if (auto cassettes = connection.client->get_cassettes()) {
                    m_cassettes = std::move(*cassettes);
                    publish_snapshot();
                }
            }
            // Cash presented is the PRESENT's own answer, which CashPresented already told.
        },
        event);
}

void DispenserService::answer(const Effect& effect, core::CashFault fault) {
    std::visit(
        [&](const auto& asked) {
            using Asked = std::decay_t<decltype(asked)>;
            if constexpr (std::is_same_v<Asked, core::Dispense>) {
                post(core::CashDispensed{.transaction = asked.transaction,
                                         .result = core::PickResult::nothing_picked,
                                         .notes = {},
                                         .amount = {},
                                         .fault = fault});
            } else if constexpr (std::is_same_v<Asked, core::PresentCash>) {
                post(core::CashPresented{asked.transaction, 0, fault});
            } else if constexpr (std::is_same_v<Asked, core::RetractCash>) {
                post(core::CashRetracted{asked.transaction, 0, fault});
            } else if constexpr (std::is_same_v<Asked, core::RejectCash>) {
                post(core::CashRejected{asked.transaction, 0, fault});
            } else {
                core::DispenserReported report;
                report.fault = fault;
                post(std::move(report));
            }
        },
        effect);
}

std::string DispenserService::text_of(const dispenser::TransactionReference& reference) const {
    if (reference.is_zero()) {
        return {};
    }
    if (m_last_sent && m_last_sent->first == reference) {
        return m_last_sent->second;
    }
    return reference.text();
}

core::Money DispenserService::amount_of(
    const std::vector<std::uint16_t>& notes_per_cassette) const {
    core::Money amount;
    if (!m_cassettes.empty()) {
        amount.currency = m_cassettes.front().currency;
    }
    const std::size_t known = std::min(notes_per_cassette.size(), m_cassettes.size());
    for (std::size_t index = 0; index < known; ++index) {
        amount.minor_units +=
            std::int64_t{notes_per_cassette[index]} * std::int64_t{m_cassettes[index].denomination};
    }
    return amount;
}

}  // namespace kiosk::devices

namespace kiosk::devices {

void DispenserService::publish_snapshot() {
    if (!m_dispenser_usb) {
        m_snapshot.clear();
        return;
    }
    DeviceSnapshot snapshot = *m_dispenser_usb;
    snapshot.connected = state() != DispenserServiceState::dispenser_missing;
    if (m_dispenser_info) {
        // dispenser.md §4, INFO: no model name; the USB product string stays the model.
        snapshot.firmware = version_text(m_dispenser_info->firmware_version);
        snapshot.serial = m_dispenser_info->serial;
        snapshot.add(FactName::cassette_count, std::to_string(m_dispenser_info->cassette_count));
    }
    // dispenser.md §4, CASSETTES: a fact per cassette, its notes' value and how many it holds.
    for (const dispenser::Cassette& cassette : m_cassettes) {
        snapshot.add(FactName::cassette,
                     std::to_string(cassette.number) + ": " + cassette.currency + " " +
                         core::format_cash_amount(
                             core::Money{std::int64_t{cassette.denomination}, cassette.currency}) +
                         " x " + std::to_string(cassette.count) + ", " +
                         std::string(core::to_string(cassette_state_of(cassette.state))));
    }
    if (m_dispenser_status) {
        snapshot.add(FactName::reject_bin,
                     std::to_string(m_dispenser_status->reject_bin_count) + " of " +
                         std::to_string(m_dispenser_status->reject_bin_capacity));
        snapshot.add(FactName::shutter, m_dispenser_status->shutter_open ? "open" : "closed");
        snapshot.add(FactName::dispenser_state,
                     std::string(core::to_string(state_of(m_dispenser_status->state))));
    }
    m_snapshot.set(std::move(snapshot));
}

}  // namespace kiosk::devices
