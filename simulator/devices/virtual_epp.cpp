#include "simulator/devices/virtual_epp.h"

#include <algorithm>

#include "base/bytes.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::epp;

// epp.md §5, TAMPER: the enclosure was opened.
constexpr std::uint8_t k_tamper_enclosure_opened = 1;

}  // namespace

VirtualEpp::VirtualEpp(std::span<const std::uint8_t, 16> working_key)
    : VirtualEpp(working_key, Identity{}) {}

VirtualEpp::VirtualEpp(std::span<const std::uint8_t, 16> working_key, Identity identity)
    : m_identity(std::move(identity)),
      m_in({.address = k_bulk_in, .capacity = k_max_queued_responses},
           {.address = k_interrupt_in, .capacity = k_max_queued_events}) {
    std::copy(working_key.begin(), working_key.end(), m_working_key.begin());
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
    std::fill(m_working_key.begin(), m_working_key.end(), std::uint8_t{0});
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

void VirtualEpp::emit(const Event& event) {
    m_in.queue_interrupt(encode_frame(encode_event(event, m_event_sequence++)));
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
    // ISO 9564-1 §9.4.2: the account field is the 12 digits the host sent; a dummy check
    // digit after them makes it a PAN from which the same 12 digits are taken.
    std::string pan(m_entry->request.account_field.view());
    pan += '0';
    auto block = drivers::iso9564::format0_encrypted(m_entry->digits, pan, m_working_key);
    base::wipe(pan);
    if (!block) {
        end_entry(EndReason::failed);
        return;
    }
    PinBlockReply result;
    result.key_slot = m_entry->request.key_slot;
    result.block = *block;
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
        m_in.clear();
    }
    m_timer_wakeup.notify_all();
}

void VirtualEpp::press(base::Key key) {
    {
        std::lock_guard lock(m_mutex);
        if (m_tampered) {
            return;
        }
        if (m_entry) {
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
        m_key_loaded = false;
        std::fill(m_working_key.begin(), m_working_key.end(), std::uint8_t{0});
        m_last_block.reset();
        end_entry(EndReason::failed);
        emit(TamperDetected{k_tamper_enclosure_opened});
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
    if (std::holds_alternative<GetInfo>(command)) {
        const DeviceInfo info{
            m_identity.model, m_identity.serial, m_identity.firmware,
            static_cast<std::uint8_t>(m_key_loaded ? 1U << m_identity.key_slot : 0U)};
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
        if (!m_key_loaded || start->key_slot != m_identity.key_slot) {
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

void VirtualEpp::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        Response response;
        std::uint8_t sequence = 0;
        auto frame = decode_frame(data);
        if (!frame) {
            // epp.md §2: NAK, with the frame's sequence number when it could be read.
            if (data.size() >= 4 && data[0] == k_start_of_frame) {
                sequence = data[3];
            }
            response = Response{code::k_nak, Status::bad_frame, {}};
        } else {
            sequence = frame->sequence;
            auto command = decode_command(*frame);
            if (command) {
                response = handle(*command);
            } else if (command.error() == EppError::unknown_code) {
                response = Response{code::k_nak, Status::unknown_command, {}};
            } else if (command.error() == EppError::bad_parameter) {
                response = Response{frame->code, Status::bad_parameter, {}};
            } else {
                response = Response{frame->code, Status::bad_length, {}};
            }
        }
        m_in.queue_bulk(encode_frame(encode_response(response, sequence)));
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

}  // namespace simulator::devices
