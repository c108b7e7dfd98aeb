#include "simulator/devices/virtual_epp.h"

#include <algorithm>

#include "base/bytes.h"
#include "drivers/epp/epp_client.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::epp;

// epp.md §5, TAMPER: the enclosure was opened.
constexpr std::uint8_t k_tamper_enclosure_opened = 1;
// epp.md §8.2: a ceremony with no key for this long is abandoned.
constexpr std::chrono::seconds k_ceremony_timeout{120};
// epp.md §8.2: star then 0-5 types A-F.
constexpr char k_first_shifted_hex = 'A';
constexpr int k_shifted_digits = 6;
// The scripted ceremony waits this long for each of the pad's events (provision_epp()).
constexpr std::chrono::milliseconds k_provision_wait{2000};

// The commands a pad holding an authentication key refuses outside a session (epp.md §8.4).
bool needs_session(const Command& command) {
    return std::holds_alternative<SetKeyMode>(command) ||
           std::holds_alternative<StartPinEntry>(command) ||
           std::holds_alternative<CancelPinEntry>(command) ||
           std::holds_alternative<GetPinBlock>(command);
}

// The commands a pad answers during a key ceremony (epp.md §8.2); others are busy.
bool allowed_in_ceremony(const Command& command) {
    return std::holds_alternative<GetInfo>(command) || std::holds_alternative<GetStatus>(command) ||
           std::holds_alternative<GetKeyStatus>(command) || std::holds_alternative<Beep>(command) ||
           std::holds_alternative<ConfirmKeyCeremony>(command);
}

KeyCheckValue check_value_of(KeyAlgorithm algorithm, const SecretKey& key) {
    auto value = key_check_value(algorithm, key);
    return value ? *value : KeyCheckValue{};
}

std::optional<SecretKey> key_from_hex(std::string_view hex) {
    auto bytes = base::parse_hex(hex);
    if (!bytes || bytes->size() != k_key_length) {
        return std::nullopt;
    }
    return SecretKey(std::span<const std::uint8_t, k_key_length>(bytes->data(), k_key_length));
}

}  // namespace

VirtualEpp::VirtualEpp(std::span<const std::uint8_t, 16> working_key)
    : VirtualEpp(working_key, Identity{}) {}

VirtualEpp::VirtualEpp(std::span<const std::uint8_t, 16> working_key, Identity identity)
    : VirtualEpp(std::move(identity)) {
    m_pin_tdes_key = SecretKey(working_key);
}

VirtualEpp::VirtualEpp(Identity identity)
    : m_identity(std::move(identity)),
      m_in({.address = k_bulk_in, .capacity = k_max_queued_responses},
           {.address = k_interrupt_in, .capacity = k_max_queued_events}) {
    m_timer = std::jthread([this](std::stop_token stop) { timer_loop(stop); });
}

VirtualEpp::~VirtualEpp() {
    m_timer.request_stop();
    m_timer_wakeup.notify_all();
    if (m_timer.joinable()) {
        m_timer.join();
    }
    std::lock_guard lock(m_mutex);
    if (m_entry) {
        erase_entry();
    }
    // The keys wipe themselves (SecretKey).
}

base::Bytes VirtualEpp::descriptors() const {
    DeviceDescription description;
    description.product_id = k_pin_pad_product_id;
    description.interface_class = 0xFF;  // vendor specific (epp.md §1)
    description.endpoints = {
        {k_bulk_out, 0x02, k_full_speed_packet, 0},
        {k_bulk_in, 0x02, k_full_speed_packet, 0},
        {k_interrupt_in, 0x03, k_full_speed_packet, 10},
    };
    return build_descriptors(description);
}

void VirtualEpp::send(std::uint8_t endpoint, Frame frame, Channel channel) {
    // epp.md §8.5: in a session every frame is secured, NAKs and events included.
    if (!m_channel.seal(frame, channel)) {
        return;  // the cipher failed: better nothing than an unsecured frame
    }
    base::Bytes bytes = encode_frame(frame);
    if (m_corrupt_next_frame) {
        // The fault of docs/scenarios.md: one frame with a broken CRC.
        m_corrupt_next_frame = false;
        bytes.back() ^= 0xFF;
    }
    if (endpoint == k_bulk_in) {
        m_in.queue_bulk(std::move(bytes));
    } else {
        m_in.queue_interrupt(std::move(bytes));
    }
}

void VirtualEpp::emit(const Event& event) {
    send(k_interrupt_in, encode_event(event, m_event_sequence++), Channel::event);
}

std::optional<SecretKey>& VirtualEpp::key_in(KeySlot slot) {
    switch (slot) {
        case KeySlot::pin_tdes:
            return m_pin_tdes_key;
        case KeySlot::pin_aes:
            return m_pin_aes_key;
        case KeySlot::authentication:
            return m_authentication_key;
        case KeySlot::pin_dukpt:
            // epp.md §8.7: the slot holds DUKPT registers (m_dukpt), never a fixed key.
            m_no_fixed_key.reset();
            return m_no_fixed_key;
        case KeySlot::master:
            break;
    }
    return m_master_key;
}

void VirtualEpp::end_session() {
    m_channel.close();
    m_pending_challenge.reset();
}

void VirtualEpp::end_ceremony(std::optional<CeremonyAbandon> reason) {
    if (!m_ceremony) {
        return;
    }
    base::wipe(m_ceremony->typing);
    m_ceremony.reset();  // the components wipe themselves
    if (reason) {
        emit(KeyCeremonyProgress{.stage = CeremonyStage::abandoned,
                                 .digits_typed = 0,
                                 .check_value = {},
                                 .reason = *reason});
    }
    m_timer_wakeup.notify_all();
}

void VirtualEpp::press_in_ceremony(base::Key key) {
    Ceremony& ceremony = *m_ceremony;
    ceremony.deadline = Clock::now() + k_ceremony_timeout;
    m_timer_wakeup.notify_all();
    if (ceremony.combined) {
        // epp.md §8.2: the combined key waits for CONFIRM; only cancel still counts, and with
        // revision 6's confirmations enter, which the host hears.
        if (key == base::Key::cancel) {
            end_ceremony(CeremonyAbandon::cancel_key);
        } else if (key == base::Key::enter && ceremony.confirm_on_keys) {
            emit(KeyPressed{key});
        }
        return;
    }
    const auto progress = [&] {
        emit(KeyCeremonyProgress{.stage = CeremonyStage::typing,
                                 .digits_typed = static_cast<std::uint8_t>(ceremony.typing.size()),
                                 .check_value = {},
                                 .reason = CeremonyAbandon::cancel_key});
    };
    if (const auto digit = base::digit_value(key)) {
        const bool shifted = ceremony.shifted;
        ceremony.shifted = false;
        if (shifted && *digit >= k_shifted_digits) {
            return;  // star then anything but 0-5: both dropped
        }
        if (ceremony.typing.size() < k_component_hex_digits) {
            ceremony.typing.push_back(shifted ? static_cast<char>(k_first_shifted_hex + *digit)
                                              : static_cast<char>('0' + *digit));
        }
        progress();
        return;
    }
    ceremony.shifted = key == base::Key::star;
    if (key == base::Key::clear) {
        base::wipe(ceremony.typing);
        progress();
    } else if (key == base::Key::cancel) {
        end_ceremony(CeremonyAbandon::cancel_key);
    } else if (key == base::Key::enter && ceremony.typing.size() == k_component_hex_digits) {
        auto component = key_from_hex(ceremony.typing);
        base::wipe(ceremony.typing);
        if (!component) {
            end_ceremony(CeremonyAbandon::zero_key);
            return;
        }
        const KeyCheckValue value = check_value_of(KeyAlgorithm::aes128, *component);
        if (!ceremony.component1) {
            ceremony.component1 = *component;
            emit(KeyCeremonyProgress{.stage = CeremonyStage::component1_entered,
                                     .digits_typed = 0,
                                     .check_value = value,
                                     .reason = CeremonyAbandon::cancel_key});
            return;
        }
        emit(KeyCeremonyProgress{.stage = CeremonyStage::component2_entered,
                                 .digits_typed = 0,
                                 .check_value = value,
                                 .reason = CeremonyAbandon::cancel_key});
        SecretKey combined = *ceremony.component1;
        for (std::size_t index = 0; index < k_key_length; ++index) {
            combined.bytes[index] ^= component->bytes[index];
        }
        if (std::ranges::all_of(combined.bytes, [](std::uint8_t b) { return b == 0; })) {
            end_ceremony(CeremonyAbandon::zero_key);
            return;
        }
        ceremony.combined = combined;
        emit(KeyCeremonyProgress{.stage = CeremonyStage::combined,
                                 .digits_typed = 0,
                                 .check_value = check_value_of(KeyAlgorithm::aes128, combined),
                                 .reason = CeremonyAbandon::cancel_key});
    }
}

void VirtualEpp::erase_entry() {
    base::wipe(m_entry->digits);
    if (m_entry->first_entry) {
        base::wipe(*m_entry->first_entry);
    }
    m_entry.reset();
}

void VirtualEpp::end_entry(EndReason reason) {
    if (!m_entry) {
        return;
    }
    erase_entry();
    emit(PinEntryEnded{reason});
    m_timer_wakeup.notify_all();
}

void VirtualEpp::finish_entry() {
    PinBlockReply result;
    result.key_slot = m_entry->request.key_slot;
    result.format = m_entry->request.format;
    std::optional<SecretKey> key = key_in(pin_key_slot(m_entry->request.format));
    if (m_entry->request.key_slot == static_cast<std::uint8_t>(KeySlot::pin_dukpt)) {
        // epp.md §8.7, ANSI X9.24-3-2017 §6.1: this block's own key, the next counter's; the
        // register it came from is erased before the block leaves the pad.
        key.reset();
        if (m_dukpt) {
            auto transaction = m_dukpt->next_pin_encryption_key();
            if (transaction) {
                key = SecretKey(transaction->key.bytes);
                result.ksn = transaction->ksn;
            }
        }
    }
    if (!key) {
        end_entry(EndReason::failed);  // erased by a tamper since the entry started, or used up
        return;
    }
    std::string pan(m_entry->request.account_field.view());
    bool built = false;
    if (m_entry->request.format == BlockFormat::iso9564_format4) {
        // ISO 9564-1:2017 §9.4.6: the whole PAN the host sent (epp.md §4.4, revision 5).
        auto block = drivers::iso9564::format4_encrypted(m_entry->digits, pan, key->bytes);
        if (block) {
            result.format4_block = *block;
            built = true;
        }
    } else {
        // ISO 9564-1 §9.4.2: the account field is the 12 digits the host sent; a dummy check
        // digit after them makes it a PAN from which the same 12 digits are taken.
        pan += '0';
        auto block =
            drivers::iso9564::format0_encrypted(m_entry->digits, pan, std::span(key->bytes));
        if (block) {
            result.block = *block;
            built = true;
        }
    }
    base::wipe(pan);
    if (!built) {
        end_entry(EndReason::failed);
        return;
    }
    m_last_block = result;
    erase_entry();
    emit(PinEntryDone{result});
    m_timer_wakeup.notify_all();
}

void VirtualEpp::close_digit_window(ClearDigitsEnd reason) {
    m_digit_window.reset();
    m_key_mode = KeyMode::function_keys;
    emit(ClearDigitsEnded{reason});
    m_timer_wakeup.notify_all();
}

PadMode VirtualEpp::current_mode() const {
    if (m_entry) {
        return PadMode::pin_entry;
    }
    if (m_ceremony) {
        return PadMode::key_ceremony;
    }
    switch (m_key_mode) {
        case KeyMode::clear_digits:
            return PadMode::clear_digits;
        case KeyMode::function_keys:
            return PadMode::function_keys;
        case KeyMode::disabled:
            break;
    }
    return PadMode::idle;
}

std::optional<VirtualEpp::Clock::time_point> VirtualEpp::next_deadline() const {
    if (m_entry) {
        return m_entry->deadline;
    }
    if (m_digit_window) {
        return m_digit_window->deadline;
    }
    if (m_ceremony) {
        return m_ceremony->deadline;
    }
    return std::nullopt;
}

void VirtualEpp::on_unplugged() {
    {
        std::lock_guard lock(m_mutex);
        if (m_entry) {
            erase_entry();
        }
        m_digit_window.reset();
        m_key_mode = KeyMode::disabled;
        m_last_block.reset();
        m_event_sequence = 0;
        // epp.md §8.2, §8.4: without power the ceremony and the session are gone.
        end_ceremony(std::nullopt);
        end_session();
        m_in.clear();
    }
    m_timer_wakeup.notify_all();
}

void VirtualEpp::press(base::Key key) {
    {
        std::lock_guard lock(m_mutex);
        if (m_tampered || m_stuck_key) {
            return;  // a stuck key blocks the keypad's matrix: no other key gets through
        }
        if (m_ceremony) {
            press_in_ceremony(key);
        } else if (m_authentication_key && !m_channel.is_open()) {
            return;  // epp.md §8.4: no key press is reported outside a session
        } else if (m_entry) {
            PinEntry& entry = *m_entry;
            entry.deadline = Clock::now() + std::chrono::seconds(entry.request.timeout_seconds);
            m_timer_wakeup.notify_all();
            if (const auto digit = base::digit_value(key)) {
                if (entry.digits.size() >= entry.request.max_digits) {
                    emit(PinFull{entry.request.max_digits});
                } else {
                    entry.digits.push_back(static_cast<char>('0' + *digit));
                    emit(PinDigitEntered{static_cast<std::uint8_t>(entry.digits.size())});
                }
            } else if (key == base::Key::clear) {
                // epp.md §4.8: in a new PIN's second entry, the second entry only.
                base::wipe(entry.digits);
                emit(PinCleared{});
            } else if (key == base::Key::enter) {
                if (entry.digits.size() < entry.request.min_digits) {
                    emit(PinTooShort{entry.request.min_digits});
                } else if (entry.request.kind == PinEntryKind::pin) {
                    finish_entry();
                } else if (!entry.first_entry) {
                    // epp.md §4.8: the first entry stays in the pad; the second starts empty.
                    entry.first_entry = entry.digits;
                    base::wipe(entry.digits);
                    emit(NewPinAgain{});
                } else if (entry.digits == *entry.first_entry) {
                    finish_entry();
                } else {
                    end_entry(EndReason::new_pins_differ);
                }
            } else if (key == base::Key::cancel) {
                end_entry(EndReason::cancelled_by_customer);
            } else if (key == base::Key::help || base::is_speech_key(key)) {
                emit(KeyPressed{key});
            }
        } else if (m_key_mode == KeyMode::clear_digits) {
            // epp.md §4.3: every key while the window is open; it closes after its count.
            emit(KeyPressed{key});
            if (base::is_digit(key) && m_digit_window && --m_digit_window->digits_left == 0) {
                close_digit_window(ClearDigitsEnd::count_reached);
            }
        } else if (m_key_mode == KeyMode::function_keys && !base::is_digit(key)) {
            emit(KeyPressed{key});
        } else {
            // Disabled, or a digit with no window open: never reported (prompt control).
            return;
        }
    }
    notify_in_ready();
}

void VirtualEpp::plug_headphones(bool plugged) {
    {
        std::lock_guard lock(m_mutex);
        if (m_headphones == plugged) {
            return;
        }
        m_headphones = plugged;
        emit(HeadphonesChanged{plugged});
    }
    notify_in_ready();
}

void VirtualEpp::tamper() {
    {
        std::lock_guard lock(m_mutex);
        if (m_tampered) {
            return;
        }
        m_tampered = true;
        m_last_block.reset();
        end_entry(EndReason::failed);
        end_ceremony(std::nullopt);
        // The report still goes out under the session that was open, so that the host can
        // trust it; then every key is erased and the session with it.
        emit(TamperDetected{k_tamper_enclosure_opened});
        m_pin_tdes_key.reset();
        m_pin_aes_key.reset();
        m_authentication_key.reset();
        m_master_key.reset();
        m_dukpt.reset();
        end_session();
    }
    notify_in_ready();
}

void VirtualEpp::expire_pin_entry() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_entry) {
            return;
        }
        end_entry(EndReason::timed_out);
    }
    notify_in_ready();
}

void VirtualEpp::corrupt_next_frame() {
    std::lock_guard lock(m_mutex);
    m_corrupt_next_frame = true;
}

void VirtualEpp::stick_key(base::Key key) {
    // The key goes down and stays down: the pad sees it once, then nothing more.
    press(key);
    std::lock_guard lock(m_mutex);
    m_stuck_key = key;
}

void VirtualEpp::release_stuck_key() {
    std::lock_guard lock(m_mutex);
    m_stuck_key.reset();
}

void VirtualEpp::use_unknown_authentication_key() {
    std::lock_guard lock(m_mutex);
    auto random = random_challenge();
    SecretKey key;
    if (random) {
        std::ranges::copy(*random, key.bytes.begin());
    }
    key.bytes[0] ^= 0x5A;  // never the key it had, even if the generator failed
    m_authentication_key = key;
    end_session();
}

std::optional<KeyCheckValue> VirtualEpp::master_check_value() const {
    std::lock_guard lock(m_mutex);
    if (!m_master_key) {
        return std::nullopt;
    }
    return check_value_of(KeyAlgorithm::aes128, *m_master_key);
}

bool VirtualEpp::in_session() const {
    std::lock_guard lock(m_mutex);
    return m_channel.is_open();
}

std::optional<drivers::dukpt::OriginatingDevice::State> VirtualEpp::dukpt_state() const {
    std::lock_guard lock(m_mutex);
    if (!m_dukpt) {
        return std::nullopt;
    }
    return m_dukpt->saved_state();
}

bool VirtualEpp::restore_dukpt(const drivers::dukpt::OriginatingDevice::State& state) {
    auto device = drivers::dukpt::OriginatingDevice::restore(state);
    if (!device) {
        return false;
    }
    std::lock_guard lock(m_mutex);
    m_dukpt = std::move(*device);
    return true;
}

void VirtualEpp::timer_loop(std::stop_token stop) {
    std::unique_lock lock(m_mutex);
    while (!stop.stop_requested()) {
        const auto deadline = next_deadline();
        if (!deadline) {
            m_timer_wakeup.wait(lock, stop, [this] { return next_deadline().has_value(); });
            continue;
        }
        const bool changed = m_timer_wakeup.wait_until(
            lock, stop, *deadline, [this, deadline] { return next_deadline() != deadline; });
        if (changed || stop.stop_requested() || Clock::now() < *deadline) {
            continue;
        }
        if (m_entry) {
            end_entry(EndReason::timed_out);
        } else if (m_digit_window) {
            close_digit_window(ClearDigitsEnd::time_over);
        } else if (m_ceremony) {
            end_ceremony(CeremonyAbandon::timed_out);
        }
        lock.unlock();
        notify_in_ready();
        lock.lock();
    }
}

Response VirtualEpp::handle(const Command& command) {
    const std::uint8_t command_code = code_of(command);
    const auto refuse = [command_code](Status status) {
        return Response{command_code, status, {}};
    };
    if (m_ceremony && !allowed_in_ceremony(command)) {
        return refuse(Status::busy);
    }
    if (m_authentication_key && !m_channel.is_open() && needs_session(command)) {
        return refuse(Status::not_authenticated);  // epp.md §8.4
    }
    if (std::holds_alternative<GetKeyStatus>(command) ||
        std::holds_alternative<BeginKeyCeremony>(command) ||
        std::holds_alternative<ConfirmKeyCeremony>(command) ||
        std::holds_alternative<LoadKey>(command) || std::holds_alternative<Authenticate>(command) ||
        std::holds_alternative<AuthenticateFinish>(command)) {
        return handle_keys(command);
    }
    if (std::holds_alternative<GetInfo>(command)) {
        // epp.md §4.1: bit n for slot n (0 to 7).
        const std::uint8_t slots = static_cast<std::uint8_t>(
            (m_pin_tdes_key ? 0x01U : 0U) | (m_pin_aes_key ? 0x02U : 0U) | (m_dukpt ? 0x04U : 0U));
        const DeviceInfo info{m_identity.model, m_identity.serial, m_identity.firmware, slots};
        return Response{command_code, Status::ok, encode_device_info(info)};
    }
    if (std::holds_alternative<GetStatus>(command)) {
        PadStatus status;
        status.mode = current_mode();
        status.digits_entered = m_entry ? static_cast<std::uint8_t>(m_entry->digits.size()) : 0;
        status.headphones_plugged = m_headphones;
        status.tampered = m_tampered;
        return Response{command_code, Status::ok, encode_pad_status(status)};
    }
    if (const auto* set_mode = std::get_if<SetKeyMode>(&command)) {
        if (m_entry) {
            return refuse(Status::busy);
        }
        m_key_mode = set_mode->mode;
        m_digit_window.reset();
        if (set_mode->mode == KeyMode::clear_digits) {
            m_digit_window = DigitWindow{set_mode->digit_count,
                                         Clock::now() + std::chrono::seconds(set_mode->seconds)};
        }
        m_timer_wakeup.notify_all();
        return refuse(Status::ok);
    }
    if (const auto* start = std::get_if<StartPinEntry>(&command)) {
        if (m_tampered) {
            return refuse(Status::tampered);
        }
        if (m_entry) {
            return refuse(Status::busy);
        }
        // epp.md §4.4: the slot of the format's PIN key, holding a key; §8.7: or, for format
        // 4, the DUKPT slot holding registers with a counter left.
        const KeySlot slot = pin_key_slot(start->format);
        if (start->format == BlockFormat::iso9564_format4 &&
            start->key_slot == static_cast<std::uint8_t>(KeySlot::pin_dukpt)) {
            if (!m_dukpt) {
                return refuse(Status::no_key);
            }
            if (m_dukpt->is_exhausted()) {
                return refuse(Status::keys_exhausted);
            }
        } else if (start->key_slot != static_cast<std::uint8_t>(slot) || !key_in(slot)) {
            return refuse(Status::no_key);
        }
        m_last_block.reset();
        // epp.md §4.3: a clear-digit window closes for good; after the entry the pad reports
        // function keys only, whatever it reported before.
        if (m_key_mode == KeyMode::clear_digits) {
            m_digit_window.reset();
            m_key_mode = KeyMode::function_keys;
        }
        m_entry = PinEntry{.request = *start,
                           .digits = {},
                           .deadline = Clock::now() + std::chrono::seconds(start->timeout_seconds),
                           .first_entry = std::nullopt};
        m_timer_wakeup.notify_all();
        return refuse(Status::ok);
    }
    if (std::holds_alternative<CancelPinEntry>(command)) {
        if (!m_entry) {
            return refuse(Status::not_collecting);
        }
        end_entry(EndReason::cancelled_by_host);
        return refuse(Status::ok);
    }
    if (std::holds_alternative<GetPinBlock>(command)) {
        if (!m_last_block) {
            return refuse(Status::no_pin_block);
        }
        Response response{command_code, Status::ok, encode_pin_block_reply(*m_last_block)};
        m_last_block.reset();  // epp.md §4.6: handed out once
        return response;
    }
    if (std::holds_alternative<Beep>(command)) {
        ++m_beeps;
        return refuse(Status::ok);
    }
    return refuse(Status::unknown_command);
}

Response VirtualEpp::handle_keys(const Command& command) {
    const std::uint8_t command_code = code_of(command);
    const auto refuse = [command_code](Status status) {
        return Response{command_code, status, {}};
    };
    const auto with_check_value = [command_code](const KeyCheckValue& value) {
        return Response{command_code, Status::ok, base::Bytes(value.begin(), value.end())};
    };
    if (std::holds_alternative<GetKeyStatus>(command)) {
        // epp.md §8.1.
        KeyStatus status;
        status.failed_authentications = m_failed_authentications;
        status.refused_frames = m_refused_frames;
        const std::array<KeySlot, 4> slots{KeySlot::pin_tdes, KeySlot::pin_aes,
                                           KeySlot::authentication, KeySlot::master};
        for (std::size_t index = 0; index < slots.size(); ++index) {
            KeySlotStatus& entry = status.slots[index];
            entry.slot = slots[index];
            if (const auto& key = key_in(slots[index])) {
                entry.algorithm = algorithm_of(slots[index]);
                entry.check_value = check_value_of(entry.algorithm, *key);
            }
        }
        if (m_dukpt) {
            // epp.md §8.7: named by its initial key ID; the next counter, 0 once used up.
            status.dukpt = DukptSlotStatus{
                .initial_key_id = m_dukpt->initial_key_id(),
                .next_counter = m_dukpt->is_exhausted()
                                    ? 0
                                    : static_cast<std::uint32_t>(m_dukpt->next_counter())};
        }
        return Response{command_code, Status::ok, encode_key_status(status)};
    }
    if (m_tampered) {
        return refuse(Status::tampered);
    }
    if (const auto* begin = std::get_if<BeginKeyCeremony>(&command)) {
        if (begin->confirm_on_keys && !m_identity.confirms_on_keys) {
            return refuse(Status::bad_length);  // a revision 5 pad knows no payload here
        }
        if (m_entry || m_ceremony) {
            return refuse(Status::busy);
        }
        if (m_key_mode == KeyMode::clear_digits) {
            m_digit_window.reset();
            m_key_mode = KeyMode::function_keys;
        }
        m_ceremony = Ceremony{.typing = {},
                              .shifted = false,
                              .component1 = std::nullopt,
                              .combined = std::nullopt,
                              .deadline = Clock::now() + k_ceremony_timeout,
                              .confirm_on_keys = begin->confirm_on_keys};
        m_timer_wakeup.notify_all();
        return refuse(Status::ok);
    }
    if (const auto* confirm = std::get_if<ConfirmKeyCeremony>(&command)) {
        // epp.md §8.2.
        if (!m_ceremony || (confirm->commit && !m_ceremony->combined)) {
            return refuse(Status::no_ceremony);
        }
        if (!confirm->commit) {
            end_ceremony(CeremonyAbandon::by_host);
            return refuse(Status::ok);
        }
        m_master_key = *m_ceremony->combined;
        end_ceremony(std::nullopt);
        m_pin_tdes_key.reset();
        m_pin_aes_key.reset();
        m_authentication_key.reset();
        m_dukpt.reset();
        return with_check_value(check_value_of(KeyAlgorithm::aes128, *m_master_key));
        // The session ends after this answer went out under it (on_out).
    }
    if (const auto* load = std::get_if<LoadKey>(&command)) {
        // epp.md §8.3.
        if (m_entry) {
            return refuse(Status::busy);
        }
        if (!m_master_key) {
            return refuse(Status::no_key);
        }
        if (load->slot == KeySlot::pin_dukpt) {
            // epp.md §8.7: the registers are filled from the initial key, which is then wiped
            // (SecretKey, AesKey); the answer is its KCV, given this once.
            auto initial = unwrap_dukpt_key(*m_master_key, load->dukpt_block);
            if (!initial) {
                return refuse(Status::bad_key_block);
            }
            auto device = drivers::dukpt::OriginatingDevice::load_initial_key(
                drivers::dukpt::AesKey(initial->key.bytes), initial->initial_key_id);
            if (!device) {
                return refuse(Status::bad_key_block);
            }
            m_dukpt = std::move(*device);
            return with_check_value(check_value_of(KeyAlgorithm::aes128_dukpt, initial->key));
        }
        auto key = unwrap_key(*m_master_key, load->slot, load->block);
        if (!key) {
            return refuse(Status::bad_key_block);
        }
        key_in(load->slot) = *key;
        return with_check_value(check_value_of(algorithm_of(load->slot), *key));
    }
    if (const auto* authenticate = std::get_if<Authenticate>(&command)) {
        // epp.md §8.4, step 1.
        m_pending_challenge.reset();
        if (!m_authentication_key) {
            return refuse(Status::no_key);
        }
        auto pad_challenge = random_challenge();
        if (!pad_challenge) {
            return refuse(Status::no_key);
        }
        auto proof = pad_proof(*m_authentication_key, authenticate->host_challenge, *pad_challenge);
        if (!proof) {
            return refuse(Status::no_key);
        }
        m_pending_challenge.emplace(authenticate->host_challenge, *pad_challenge);
        return Response{command_code, Status::ok,
                        encode_pad_challenge(PadChallenge{*pad_challenge, *proof})};
    }
    const auto& finish = std::get<AuthenticateFinish>(command);
    // epp.md §8.4, steps 2 and 3: one try per challenge.
    const auto pending = m_pending_challenge;
    m_pending_challenge.reset();
    if (!pending || !m_authentication_key) {
        m_failed_authentications =
            static_cast<std::uint8_t>(std::min(255, m_failed_authentications + 1));
        return refuse(Status::authentication_failed);
    }
    auto expected = host_proof(*m_authentication_key, pending->first, pending->second);
    auto key = session_key(*m_authentication_key, pending->first, pending->second);
    if (!expected || !key || !same_proof(*expected, finish.host_proof)) {
        m_failed_authentications =
            static_cast<std::uint8_t>(std::min(255, m_failed_authentications + 1));
        return refuse(Status::authentication_failed);
    }
    m_channel.open(*key);  // the answer below is the first secured frame
    return refuse(Status::ok);
}

void VirtualEpp::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        Response response;
        std::uint8_t sequence = 0;
        bool ends_session = false;
        auto frame = decode_frame(data);
        if (!frame) {
            // epp.md §2: NAK, with the frame's sequence number when it could be read.
            if (data.size() >= 4 && data[0] == k_start_of_frame) {
                sequence = data[3];
            }
            response = Response{code::k_nak, Status::bad_frame, {}};
        } else if (sequence = frame->sequence; !m_channel.unseal(*frame, Channel::command)) {
            auto plain = decode_command(*frame);
            if (plain && std::holds_alternative<Authenticate>(*plain)) {
                // epp.md §8.4: an unsecured AUTHENTICATE ends the session (a host that
                // restarted has lost its key) and starts anew.
                end_session();
                response = handle(*plain);
            } else {
                // epp.md §8.5: refused and counted; nothing changes.
                m_refused_frames =
                    static_cast<std::uint16_t>(std::min<int>(UINT16_MAX, m_refused_frames + 1));
                response = Response{code::k_nak, Status::bad_mac, {}};
            }
        } else {
            auto command = decode_command(*frame);
            if (command) {
                response = handle(*command);
                const auto* confirm = std::get_if<ConfirmKeyCeremony>(&*command);
                const auto* load = std::get_if<LoadKey>(&*command);
                ends_session = response.status == Status::ok &&
                               ((confirm && confirm->commit) ||
                                (load && load->slot == KeySlot::authentication));
            } else if (command.error() == EppError::unknown_code) {
                response = Response{code::k_nak, Status::unknown_command, {}};
            } else if (command.error() == EppError::bad_parameter) {
                response = Response{frame->code, Status::bad_parameter, {}};
            } else {
                response = Response{frame->code, Status::bad_length, {}};
            }
        }
        send(k_bulk_in, encode_response(response, sequence), Channel::response);
        if (ends_session) {
            end_session();  // epp.md §8.2, §8.3: after the answer went out under it
        }
    }
    notify_in_ready();
}

std::optional<base::Bytes> VirtualEpp::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    return m_in.take(endpoint);
}

PadMode VirtualEpp::mode() const {
    std::lock_guard lock(m_mutex);
    return current_mode();
}

std::uint8_t VirtualEpp::digits_entered() const {
    std::lock_guard lock(m_mutex);
    return m_entry ? static_cast<std::uint8_t>(m_entry->digits.size()) : 0;
}

bool VirtualEpp::headphones_plugged() const {
    std::lock_guard lock(m_mutex);
    return m_headphones;
}

int VirtualEpp::beeps() const {
    std::lock_guard lock(m_mutex);
    return m_beeps;
}

namespace {

// The custodian types a component on the pad (epp.md §8.2): digits, star then 0-5 for A-F.
void type_component(VirtualEpp& pad, const SecretKey& component) {
    std::string hex = base::to_hex(component.bytes);
    for (const char character : hex) {
        if (character >= '0' && character <= '9') {
            pad.press(*base::digit_key(character - '0'));
        } else {
            pad.press(base::Key::star);
            pad.press(*base::digit_key(character - k_first_shifted_hex));
        }
    }
    base::wipe(hex);  // the component in text: gone as soon as it is typed
    pad.press(base::Key::enter);
}

// Waits for the ceremony's next stage other than typing; nothing when another event, an
// abandon or nothing at all comes.
std::optional<KeyCeremonyProgress> next_stage(EppClient& client) {
    while (true) {
        auto event = client.wait_for_event(k_provision_wait);
        if (!event || !*event) {
            return std::nullopt;
        }
        const auto* progress = std::get_if<KeyCeremonyProgress>(&**event);
        if (progress == nullptr) {
            continue;
        }
        if (progress->stage != CeremonyStage::typing) {
            return *progress;
        }
    }
}

bool stage_is(const std::optional<KeyCeremonyProgress>& progress, CeremonyStage stage,
              const KeyCheckValue& value) {
    return progress && progress->stage == stage && progress->check_value == value;
}

}  // namespace

std::expected<KeyStatus, EppError> provision_epp(const std::shared_ptr<VirtualEpp>& pad,
                                                 const EppProvisioning& keys) {
    DirectTransport transport(pad);
    EppClient client(transport);
    if (auto begun = client.begin_key_ceremony(); !begun) {
        return std::unexpected(begun.error());
    }
    const auto abandon = [&client] {
        (void)client.abandon_key_ceremony();
        return std::unexpected(EppError::bad_key_block);
    };
    // The custodians compare each KCV the pad shows with their component's (epp.md §8.2).
    type_component(*pad, keys.component1);
    if (!stage_is(next_stage(client), CeremonyStage::component1_entered,
                  check_value_of(KeyAlgorithm::aes128, keys.component1))) {
        return abandon();
    }
    type_component(*pad, keys.component2);
    SecretKey master = keys.component1;
    for (std::size_t index = 0; index < k_key_length; ++index) {
        master.bytes[index] ^= keys.component2.bytes[index];
    }
    const KeyCheckValue master_value = check_value_of(KeyAlgorithm::aes128, master);
    if (!stage_is(next_stage(client), CeremonyStage::component2_entered,
                  check_value_of(KeyAlgorithm::aes128, keys.component2)) ||
        !stage_is(next_stage(client), CeremonyStage::combined, master_value)) {
        return abandon();
    }
    auto committed = client.commit_key_ceremony();
    if (!committed) {
        return std::unexpected(committed.error());
    }
    if (*committed != master_value) {
        return std::unexpected(EppError::bad_key_block);
    }
    // The key-loading station wraps each working key under the master key (epp.md §8.3).
    const std::array<std::pair<KeySlot, const std::optional<SecretKey>*>, 3> working{{
        {KeySlot::pin_tdes, &keys.pin_tdes_key},
        {KeySlot::pin_aes, &keys.pin_aes_key},
        {KeySlot::authentication, &keys.authentication_key},
    }};
    for (const auto& [slot, key] : working) {
        if (!*key) {
            continue;
        }
        auto block = wrap_key(master, slot, **key);
        if (!block) {
            return std::unexpected(block.error());
        }
        auto loaded = client.load_key(slot, *block);
        if (!loaded) {
            return std::unexpected(loaded.error());
        }
        if (*loaded != check_value_of(algorithm_of(slot), **key)) {
            return std::unexpected(EppError::bad_key_block);
        }
    }
    if (keys.dukpt_initial_key) {
        // epp.md §8.7: the initial key and its ID in one 40-byte block.
        auto block = wrap_dukpt_key(master, *keys.dukpt_initial_key);
        if (!block) {
            return std::unexpected(block.error());
        }
        auto loaded = client.load_dukpt_key(*block);
        if (!loaded) {
            return std::unexpected(loaded.error());
        }
        if (*loaded != check_value_of(KeyAlgorithm::aes128_dukpt, keys.dukpt_initial_key->key)) {
            return std::unexpected(EppError::bad_key_block);
        }
    }
    return client.get_key_status();
}

}  // namespace simulator::devices
