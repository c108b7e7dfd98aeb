#include "drivers/epp/epp_client.h"

#include "base/bytes.h"
#include "base/text.h"

namespace drivers::epp {

namespace {

// Events are short (epp.md §5); one interrupt transfer carries one event frame.
constexpr std::size_t k_event_buffer_length = 64;

EppError from_usb(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::timeout:
            return EppError::timeout;
        case usb::UsbError::no_device:
            return EppError::device_gone;
        default:
            return EppError::transport_failed;
    }
}

}  // namespace

EppClient::EppClient(usb::Transport& transport, EppOptions options)
    : m_transport(transport), m_options(options) {}

std::expected<Response, EppError> EppClient::exchange(const Command& command) {
    std::lock_guard lock(m_command_mutex);
    return exchange_locked(command);
}

std::expected<Response, EppError> EppClient::exchange_locked(const Command& command,
                                                             const SecretKey* session) {
    const std::uint8_t sequence = m_sequence++;
    Frame outgoing = encode_command(command, sequence);
    // epp.md §8.5: in a session, the command's counter and MAC.
    if (auto sealed = m_channel.seal(outgoing, Channel::command); !sealed) {
        return std::unexpected(sealed.error());
    }
    base::Bytes request = encode_frame(outgoing);
    const auto sent = m_transport.bulk_out(request, m_options.command_timeout);
    // A start-PIN-entry frame carries twelve digits of the card number: both buffers are
    // base::Bytes, wiped when this call returns.
    if (!sent) {
        return std::unexpected(from_usb(sent.error()));
    }
    if (session != nullptr) {
        m_channel.open(*session);
    }
    int stale = 0;
    while (true) {
        auto received = usb::read_bulk(m_transport, k_max_frame_length, m_options.command_timeout);
        if (!received) {
            if (received.error() == usb::UsbError::timeout && stale > 0) {
                return std::unexpected(EppError::sequence_mismatch);
            }
            return std::unexpected(from_usb(received.error()));
        }
        auto frame = decode_frame(*received);
        if (!frame) {
            return std::unexpected(frame.error());
        }
        if (frame->sequence != sequence) {
            if (++stale > m_options.max_stale_responses) {
                return std::unexpected(EppError::sequence_mismatch);
            }
            continue;
        }
        if (auto unsealed = m_channel.unseal(*frame, Channel::response); !unsealed) {
            // epp.md §8.5: dropped as if it had never arrived, and counted; the command has no
            // answer that can be trusted.
            ++m_frames_refused;
            return std::unexpected(unsealed.error());
        }
        auto response = decode_response(*frame);
        if (!response) {
            return std::unexpected(response.error());
        }
        if (response->command_code == code::k_nak) {
            // epp.md §2: a NAK says why: an unreadable frame or a code the pad does not know;
            // §8.5: or a MAC the pad refused.
            if (response->status == Status::unknown_command) {
                return std::unexpected(EppError::unknown_command);
            }
            return std::unexpected(response->status == Status::bad_mac ? EppError::bad_mac
                                                                       : EppError::rejected_frame);
        }
        if (response->command_code != code_of(command)) {
            return std::unexpected(EppError::unexpected_response);
        }
        if (response->status != Status::ok) {
            return std::unexpected(error_from_status(response->status));
        }
        return std::move(*response);
    }
}

std::expected<DeviceInfo, EppError> EppClient::get_info() {
    auto response = exchange(GetInfo{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_device_info(response->data);
}

std::expected<PadStatus, EppError> EppClient::get_status() {
    auto response = exchange(GetStatus{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_pad_status(response->data);
}

std::expected<void, EppError> EppClient::set_key_mode(KeyMode mode) {
    if (mode == KeyMode::clear_digits) {
        // Digits in the clear are asked for only with a purpose and limits.
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(SetKeyMode{.mode = mode});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::offer_clear_digits(DigitPurpose purpose,
                                                            std::uint8_t count,
                                                            std::chrono::seconds time) {
    if (count == 0 || count > k_max_clear_digits || time.count() < 1 ||
        time.count() > k_max_clear_digit_seconds) {
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(SetKeyMode{.mode = KeyMode::clear_digits,
                                        .purpose = purpose,
                                        .digit_count = count,
                                        .seconds = static_cast<std::uint16_t>(time.count())});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::start_pin_entry(const PinEntryRequest& request) {
    const auto seconds = request.timeout.count();
    const std::size_t field_length = request.account_field.size();
    const bool field_length_right =
        request.format == BlockFormat::iso9564_format4
            ? field_length >= k_min_format4_pan_digits && field_length <= k_max_format4_pan_digits
            : field_length == k_account_field_digits;
    const bool digits_only = field_length_right && base::is_digits(request.account_field.view());
    if (!digits_only || request.min_digits < k_min_pin_digits ||
        request.max_digits > k_max_pin_digits || request.min_digits > request.max_digits ||
        seconds < k_min_pin_timeout_seconds || seconds > k_max_pin_timeout_seconds) {
        return std::unexpected(EppError::invalid_request);
    }
    StartPinEntry command;
    command.key_slot = request.key_slot;
    command.min_digits = request.min_digits;
    command.max_digits = request.max_digits;
    command.timeout_seconds = static_cast<std::uint16_t>(seconds);
    command.account_field = request.account_field;
    command.kind = request.kind;
    command.format = request.format;
    auto response = exchange(command);
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::cancel_pin_entry() {
    auto response = exchange(CancelPinEntry{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<PinBlockReply, EppError> EppClient::get_pin_block() {
    auto response = exchange(GetPinBlock{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_pin_block_reply(response->data);
}

std::expected<void, EppError> EppClient::beep(Tone tone, std::chrono::milliseconds duration) {
    if (duration.count() < 0 || duration.count() > k_max_beep_ms) {
        return std::unexpected(EppError::invalid_request);
    }
    auto response = exchange(Beep{tone, static_cast<std::uint16_t>(duration.count())});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<void, EppError> EppClient::authenticate(const SecretKey& authentication_key) {
    std::lock_guard lock(m_command_mutex);
    // epp.md §8.4: AUTHENTICATE is sent outside any session; the pad ends its own.
    m_channel.close();
    auto host_challenge = random_challenge();
    if (!host_challenge) {
        return std::unexpected(host_challenge.error());
    }
    auto response = exchange_locked(Authenticate{*host_challenge});
    if (!response) {
        return std::unexpected(response.error());
    }
    auto pad = decode_pad_challenge(response->data);
    if (!pad) {
        return std::unexpected(pad.error());
    }
    auto expected_proof = pad_proof(authentication_key, *host_challenge, pad->pad_challenge);
    if (!expected_proof) {
        return std::unexpected(expected_proof.error());
    }
    if (!same_proof(*expected_proof, pad->pad_proof)) {
        return std::unexpected(EppError::pad_not_authentic);
    }
    auto our_proof = host_proof(authentication_key, *host_challenge, pad->pad_challenge);
    auto key = session_key(authentication_key, *host_challenge, pad->pad_challenge);
    if (!our_proof || !key) {
        return std::unexpected(EppError::crypto_failure);
    }
    // The answer to FINISH is the pad's first secured frame: checked under the new key.
    auto finished = exchange_locked(AuthenticateFinish{*our_proof}, &*key);
    if (!finished) {
        m_channel.close();
        return std::unexpected(finished.error());
    }
    return {};
}

std::expected<KeyStatus, EppError> EppClient::get_key_status() {
    auto response = exchange(GetKeyStatus{});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_key_status(response->data);
}

std::expected<void, EppError> EppClient::begin_key_ceremony(bool confirm_on_keys) {
    auto response = exchange(BeginKeyCeremony{.confirm_on_keys = confirm_on_keys});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<KeyCheckValue, EppError> EppClient::commit_key_ceremony() {
    auto response = exchange(ConfirmKeyCeremony{true});
    if (!response) {
        return std::unexpected(response.error());
    }
    // epp.md §8.2: a committed ceremony ends the session; the pad's answer was the last secured
    // frame.
    m_channel.close();
    return decode_key_check_value(response->data);
}

std::expected<void, EppError> EppClient::abandon_key_ceremony() {
    auto response = exchange(ConfirmKeyCeremony{false});
    if (!response) {
        return std::unexpected(response.error());
    }
    return {};
}

std::expected<KeyCheckValue, EppError> EppClient::load_key(KeySlot slot, const KeyBlock& block) {
    if (slot == KeySlot::pin_dukpt) {
        return std::unexpected(EppError::invalid_request);  // its block is 40 bytes (§8.7)
    }
    auto response = exchange(LoadKey{.slot = slot, .block = block, .dukpt_block = {}});
    if (!response) {
        return std::unexpected(response.error());
    }
    if (slot == KeySlot::authentication) {
        m_channel.close();  // epp.md §8.3: a new authentication key ends the session
    }
    return decode_key_check_value(response->data);
}

std::expected<KeyCheckValue, EppError> EppClient::load_dukpt_key(const DukptKeyBlock& block) {
    auto response =
        exchange(LoadKey{.slot = KeySlot::pin_dukpt, .block = {}, .dukpt_block = block});
    if (!response) {
        return std::unexpected(response.error());
    }
    return decode_key_check_value(response->data);
}

std::expected<std::optional<Event>, EppError> EppClient::wait_for_event(
    std::chrono::milliseconds timeout) {
    auto received = usb::read_interrupt(m_transport, k_event_buffer_length, timeout);
    if (!received) {
        // Silence, or the transport's wake(): the caller has something else to do.
        if (received.error() == usb::UsbError::timeout ||
            received.error() == usb::UsbError::interrupted) {
            return std::optional<Event>{};
        }
        return std::unexpected(from_usb(received.error()));
    }
    auto frame = decode_frame(*received);
    if (!frame) {
        return std::unexpected(frame.error());
    }
    if (auto unsealed = m_channel.unseal(*frame, Channel::event); !unsealed) {
        ++m_frames_refused;  // epp.md §8.5: dropped and counted
        return std::unexpected(unsealed.error());
    }
    auto event = decode_event(*frame);
    if (!event) {
        return std::unexpected(event.error());
    }
    // epp.md §5: the pad numbers its events; a gap means events were lost on the way.
    if (m_last_event_sequence) {
        const auto expected = static_cast<std::uint8_t>(*m_last_event_sequence + 1);
        if (frame->sequence != expected) {
            m_events_lost += static_cast<std::uint8_t>(frame->sequence - expected);
        }
    }
    m_last_event_sequence = frame->sequence;
    return std::optional<Event>{std::move(*event)};
}

}  // namespace drivers::epp
