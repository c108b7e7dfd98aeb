#include "drivers/epp/epp_protocol.h"

#include <algorithm>
#include <array>
#include <utility>

#include "base/bytes.h"
#include "base/overloaded.h"
#include "base/text.h"
#include "drivers/dukpt/derivation.h"

namespace drivers::epp {

namespace {

// epp.md §4.1: strings in GET INFO are printable ASCII of at most this length.
constexpr std::size_t k_max_info_string = 64;

// epp.md §4: the commands are numbered from 01 without a gap; 0E is the last (revision 5).
bool is_known_command(std::uint8_t value) {
    return value >= code::k_get_info && value <= code::k_authenticate_finish;
}

bool is_known_status(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(Status::keys_exhausted);
}

// epp.md §8.1: the slots in the order GET KEY STATUS lists them.
constexpr std::array<KeySlot, 4> k_listed_slots{KeySlot::pin_tdes, KeySlot::pin_aes,
                                                KeySlot::authentication, KeySlot::master};
// epp.md §8.1: entries count, 4 × (slot, algorithm, KCV), failed authentications, refused
// frames.
constexpr std::size_t k_key_slot_entry_length = 2 + k_key_check_value_length;
constexpr std::size_t k_key_status_length = 1 + 4 * k_key_slot_entry_length + 1 + 2;
// epp.md §8.7: the fifth entry, while the DUKPT slot holds an initial key: slot, algorithm,
// initial key ID, next transaction counter (4 bytes, little-endian).
constexpr std::size_t k_dukpt_entry_length = 2 + k_initial_key_id_length + 4;
constexpr std::size_t k_entries_with_dukpt = 5;
// epp.md §8.1, §8.7: every slot LOAD KEY or START PIN ENTRY may name.
constexpr std::array<KeySlot, 5> k_known_slots{KeySlot::pin_tdes, KeySlot::pin_aes,
                                               KeySlot::pin_dukpt, KeySlot::authentication,
                                               KeySlot::master};

EppError from_frame_error(frame::FrameError error) {
    switch (error) {
        case frame::FrameError::truncated:
            return EppError::truncated_frame;
        case frame::FrameError::bad_start_of_frame:
            return EppError::bad_start_of_frame;
        case frame::FrameError::unsupported_version:
            return EppError::unsupported_version;
        case frame::FrameError::payload_too_long:
            return EppError::payload_too_long;
        case frame::FrameError::bad_checksum:
            break;
    }
    return EppError::bad_checksum;
}

}  // namespace

std::string_view to_string(EppError error) {
    switch (error) {
        case EppError::truncated_frame:
            return "epp: frame cut short";
        case EppError::bad_start_of_frame:
            return "epp: frame does not start with EB";
        case EppError::unsupported_version:
            return "epp: unsupported protocol version";
        case EppError::payload_too_long:
            return "epp: payload longer than 512 bytes";
        case EppError::bad_checksum:
            return "epp: CRC mismatch";
        case EppError::unknown_code:
            return "epp: unknown message code";
        case EppError::malformed_payload:
            return "epp: malformed payload";
        case EppError::timeout:
            return "epp: the PIN pad did not answer in time";
        case EppError::device_gone:
            return "epp: the PIN pad was unplugged";
        case EppError::transport_failed:
            return "epp: USB transfer failed";
        case EppError::sequence_mismatch:
            return "epp: answer with the wrong sequence number";
        case EppError::unexpected_response:
            return "epp: answer to another command";
        case EppError::invalid_request:
            return "epp: invalid request";
        case EppError::rejected_frame:
            return "epp: the PIN pad could not read the frame";
        case EppError::unknown_command:
            return "epp: the PIN pad does not know the command";
        case EppError::bad_length:
            return "epp: the PIN pad rejected the payload length";
        case EppError::bad_parameter:
            return "epp: the PIN pad rejected a parameter";
        case EppError::busy:
            return "epp: PIN entry in progress";
        case EppError::no_key:
            return "epp: no working key in that slot";
        case EppError::not_collecting:
            return "epp: no PIN entry in progress";
        case EppError::no_pin_block:
            return "epp: no PIN block available";
        case EppError::tampered:
            return "epp: the PIN pad was tampered with";
        case EppError::bad_mac:
            return "epp: the PIN pad refused the frame's MAC";
        case EppError::not_authenticated:
            return "epp: the PIN pad wants mutual authentication first";
        case EppError::authentication_failed:
            return "epp: the PIN pad refused the kiosk's proof";
        case EppError::bad_key_block:
            return "epp: the PIN pad refused the key block";
        case EppError::no_ceremony:
            return "epp: no key ceremony to confirm";
        case EppError::pad_not_authentic:
            return "epp: the PIN pad could not prove its authentication key";
        case EppError::frame_refused:
            return "epp: a frame from the PIN pad failed its MAC or counter";
        case EppError::crypto_failure:
            return "epp: the cipher library failed";
        case EppError::keys_exhausted:
            return "epp: the PIN pad's DUKPT keys are used up";
        case EppError::bad_ksn:
            return "epp: a DUKPT PIN block without a well-formed 12-byte KSN";
    }
    return "epp: unknown error";
}

// ---- Frames ----

base::Bytes encode_frame(const Frame& frame) {
    return frame::encode_frame(k_start_of_frame, frame);
}

std::expected<Frame, EppError> decode_frame(std::span<const std::uint8_t> bytes) {
    auto decoded = frame::decode_frame(k_start_of_frame, bytes);
    if (!decoded) {
        return std::unexpected(from_frame_error(decoded.error()));
    }
    return std::move(*decoded);
}

// ---- Keys ----

namespace {

// epp.md §5.1: the function keys' codes; digits are their ASCII characters.
constexpr std::array<std::pair<base::Key, std::uint8_t>, 7> k_function_key_codes{{
    {base::Key::enter, 0x0D},
    {base::Key::clear, 0x08},
    {base::Key::cancel, 0x1B},
    {base::Key::help, 0x3F},
    {base::Key::star, 0x2A},
    {base::Key::hash, 0x23},
    {base::Key::audio, 0x41},
}};

}  // namespace

std::uint8_t key_code(base::Key key) {
    if (const auto digit = base::digit_value(key)) {
        return static_cast<std::uint8_t>('0' + *digit);
    }
    for (const auto& [candidate, code] : k_function_key_codes) {
        if (candidate == key) {
            return code;
        }
    }
    return 0;
}

std::optional<base::Key> key_from_code(std::uint8_t value) {
    if (value >= '0' && value <= '9') {
        return base::digit_key(value - '0');
    }
    for (const auto& [key, code] : k_function_key_codes) {
        if (code == value) {
            return key;
        }
    }
    return std::nullopt;
}

// ---- Commands ----

std::uint8_t code_of(const Command& command) {
    return std::visit(base::Overloaded{
                          [](const GetInfo&) { return code::k_get_info; },
                          [](const GetStatus&) { return code::k_get_status; },
                          [](const SetKeyMode&) { return code::k_set_key_mode; },
                          [](const StartPinEntry& m) {
                              return m.kind == PinEntryKind::new_pin ? code::k_start_new_pin_entry
                                                                     : code::k_start_pin_entry;
                          },
                          [](const CancelPinEntry&) { return code::k_cancel_pin_entry; },
                          [](const GetPinBlock&) { return code::k_get_pin_block; },
                          [](const Beep&) { return code::k_beep; },
                          [](const GetKeyStatus&) { return code::k_get_key_status; },
                          [](const BeginKeyCeremony&) { return code::k_begin_key_ceremony; },
                          [](const ConfirmKeyCeremony&) { return code::k_confirm_key_ceremony; },
                          [](const LoadKey&) { return code::k_load_key; },
                          [](const Authenticate&) { return code::k_authenticate; },
                          [](const AuthenticateFinish&) { return code::k_authenticate_finish; },
                      },
                      command);
}

Frame encode_command(const Command& command, std::uint8_t sequence) {
    Frame frame{code_of(command), sequence, {}};
    std::visit(base::Overloaded{
                   [&](const SetKeyMode& m) {
                       // epp.md §4.3: the mode, and for clear digits their purpose and limits.
                       frame.payload.push_back(static_cast<std::uint8_t>(m.mode));
                       if (m.mode == KeyMode::clear_digits) {
                           frame.payload.push_back(static_cast<std::uint8_t>(m.purpose));
                           frame.payload.push_back(m.digit_count);
                           base::put_le16(frame.payload, m.seconds);
                       }
                   },
                   [&](const StartPinEntry& m) {
                       // epp.md §4.4; §4.8 sends the same payload under its own code.
                       frame.payload = {m.key_slot, static_cast<std::uint8_t>(m.format),
                                        m.min_digits, m.max_digits};
                       base::put_le16(frame.payload, m.timeout_seconds);
                       const std::string_view field = m.account_field.view();
                       if (m.format == BlockFormat::iso9564_format4) {
                           // Revision 5: the whole PAN, after its length.
                           frame.payload.push_back(static_cast<std::uint8_t>(field.size()));
                       }
                       frame.payload.insert(frame.payload.end(), field.begin(), field.end());
                   },
                   [&](const BeginKeyCeremony& m) {
                       if (m.confirm_on_keys) {
                           frame.payload = {1};  // §8.2, revision 6
                       }
                   },
                   [&](const ConfirmKeyCeremony& m) {
                       frame.payload = {static_cast<std::uint8_t>(m.commit ? 1 : 0)};  // §8.2
                   },
                   [&](const LoadKey& m) {
                       frame.payload = {static_cast<std::uint8_t>(m.slot)};  // §8.3
                       if (m.slot == KeySlot::pin_dukpt) {
                           // §8.7: the initial key's 40-byte block.
                           frame.payload.insert(frame.payload.end(), m.dukpt_block.begin(),
                                                m.dukpt_block.end());
                       } else {
                           frame.payload.insert(frame.payload.end(), m.block.begin(),
                                                m.block.end());
                       }
                   },
                   [&](const Authenticate& m) {
                       frame.payload.assign(m.host_challenge.begin(), m.host_challenge.end());
                   },
                   [&](const AuthenticateFinish& m) {
                       frame.payload.assign(m.host_proof.begin(), m.host_proof.end());
                   },
                   [&](const Beep& m) {
                       frame.payload.push_back(static_cast<std::uint8_t>(m.tone));
                       base::put_le16(frame.payload, m.duration_ms);
                   },
                   [](const auto&) {},
               },
               command);
    return frame;
}

std::expected<Command, EppError> decode_command(const Frame& frame) {
    const base::Bytes& p = frame.payload;
    switch (frame.code) {
        case code::k_get_info:
        case code::k_get_status:
        case code::k_cancel_pin_entry:
        case code::k_get_pin_block:
        case code::k_get_key_status:
            if (!p.empty()) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (frame.code == code::k_get_key_status) {
                return GetKeyStatus{};
            }
            if (frame.code == code::k_get_info) {
                return GetInfo{};
            }
            if (frame.code == code::k_get_status) {
                return GetStatus{};
            }
            if (frame.code == code::k_cancel_pin_entry) {
                return CancelPinEntry{};
            }
            return GetPinBlock{};
        case code::k_set_key_mode: {
            // epp.md §4.3: one byte for modes 0 and 1; five for clear digits.
            if (p.empty()) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (p[0] > static_cast<std::uint8_t>(KeyMode::clear_digits)) {
                return std::unexpected(EppError::bad_parameter);
            }
            const auto mode = static_cast<KeyMode>(p[0]);
            if (mode != KeyMode::clear_digits) {
                if (p.size() != 1) {
                    return std::unexpected(EppError::malformed_payload);
                }
                return SetKeyMode{.mode = mode};
            }
            if (p.size() != 5) {
                return std::unexpected(EppError::malformed_payload);
            }
            SetKeyMode m{.mode = mode,
                         .purpose = static_cast<DigitPurpose>(p[1]),
                         .digit_count = p[2],
                         .seconds = base::le16_at(p, 3)};
            if (p[1] < static_cast<std::uint8_t>(DigitPurpose::menu_choice) ||
                p[1] > static_cast<std::uint8_t>(DigitPurpose::amount) || m.digit_count == 0 ||
                m.digit_count > k_max_clear_digits || m.seconds == 0 ||
                m.seconds > k_max_clear_digit_seconds) {
                return std::unexpected(EppError::bad_parameter);
            }
            return m;
        }
        case code::k_start_pin_entry:
        case code::k_start_new_pin_entry: {
            // epp.md §4.4; §4.8 takes the same payload. Format 0: 18 bytes; format 4
            // (revision 5): 7 + the PAN's length.
            if (p.size() < 6) {
                return std::unexpected(EppError::malformed_payload);
            }
            const bool format4 = p[1] == static_cast<std::uint8_t>(BlockFormat::iso9564_format4);
            std::size_t field_offset = 6;
            std::size_t field_length = k_account_field_digits;
            if (format4) {
                if (p.size() < 7) {
                    return std::unexpected(EppError::malformed_payload);
                }
                field_offset = 7;
                field_length = p[6];
            }
            if (p.size() != field_offset + field_length) {
                return std::unexpected(EppError::malformed_payload);
            }
            StartPinEntry m;
            m.kind = frame.code == code::k_start_new_pin_entry ? PinEntryKind::new_pin
                                                               : PinEntryKind::pin;
            m.key_slot = p[0];
            m.format = format4 ? BlockFormat::iso9564_format4 : BlockFormat::iso9564_format0;
            m.min_digits = p[2];
            m.max_digits = p[3];
            m.timeout_seconds = base::le16_at(p, 4);
            m.account_field.assign(std::string_view(
                reinterpret_cast<const char*>(p.data()) + field_offset, field_length));
            const bool pan_in_range = !format4 || (field_length >= k_min_format4_pan_digits &&
                                                   field_length <= k_max_format4_pan_digits);
            if ((!format4 && p[1] != static_cast<std::uint8_t>(BlockFormat::iso9564_format0)) ||
                !pan_in_range || m.min_digits < k_min_pin_digits ||
                m.max_digits > k_max_pin_digits || m.min_digits > m.max_digits ||
                m.timeout_seconds < k_min_pin_timeout_seconds ||
                m.timeout_seconds > k_max_pin_timeout_seconds ||
                !base::is_digits(m.account_field.view())) {
                return std::unexpected(EppError::bad_parameter);
            }
            return m;
        }
        case code::k_beep: {
            if (p.size() != 3) {
                return std::unexpected(EppError::malformed_payload);
            }
            const std::uint16_t duration = base::le16_at(p, 1);
            if (p[0] < 1 || p[0] > 3 || duration > k_max_beep_ms) {
                return std::unexpected(EppError::bad_parameter);
            }
            return Beep{static_cast<Tone>(p[0]), duration};
        }
        case code::k_begin_key_ceremony:
            // epp.md §8.2: no payload (revision 5), or revision 6's confirmations byte.
            if (p.size() > 1) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (!p.empty() && p[0] > 1) {
                return std::unexpected(EppError::bad_parameter);
            }
            return BeginKeyCeremony{.confirm_on_keys = !p.empty() && p[0] == 1};
        case code::k_confirm_key_ceremony:
            // epp.md §8.2: 1 commit, 0 abandon.
            if (p.size() != 1) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (p[0] > 1) {
                return std::unexpected(EppError::bad_parameter);
            }
            return ConfirmKeyCeremony{p[0] == 1};
        case code::k_load_key: {
            // epp.md §8.3: a working key's slot, then the 32-byte key block; §8.7: the DUKPT
            // slot's block is 40 bytes.
            if (p.empty()) {
                return std::unexpected(EppError::malformed_payload);
            }
            const auto slot = key_slot_from(p[0]);
            const bool dukpt = slot == KeySlot::pin_dukpt;
            if (p.size() != 1 + (dukpt ? k_dukpt_key_block_length : k_key_block_length)) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (!slot || *slot == KeySlot::master) {
                return std::unexpected(EppError::bad_parameter);
            }
            LoadKey m{.slot = *slot, .block = {}, .dukpt_block = {}};
            if (dukpt) {
                std::copy(p.begin() + 1, p.end(), m.dukpt_block.begin());
            } else {
                std::copy(p.begin() + 1, p.end(), m.block.begin());
            }
            return m;
        }
        case code::k_authenticate:
        case code::k_authenticate_finish: {
            // epp.md §8.4: 16 bytes each, the host's challenge or its proof.
            if (p.size() != k_challenge_length) {
                return std::unexpected(EppError::malformed_payload);
            }
            if (frame.code == code::k_authenticate) {
                Authenticate m;
                std::copy(p.begin(), p.end(), m.host_challenge.begin());
                return m;
            }
            AuthenticateFinish m;
            std::copy(p.begin(), p.end(), m.host_proof.begin());
            return m;
        }
        default:
            return std::unexpected(EppError::unknown_code);
    }
}

// ---- Responses ----

Frame encode_response(const Response& response, std::uint8_t sequence) {
    Frame frame;
    frame.code = response.command_code == code::k_nak
                     ? code::k_nak
                     : static_cast<std::uint8_t>(response.command_code | code::k_response_flag);
    frame.sequence = sequence;
    frame.payload.push_back(static_cast<std::uint8_t>(response.status));
    frame.payload.insert(frame.payload.end(), response.data.begin(), response.data.end());
    return frame;
}

std::expected<Response, EppError> decode_response(const Frame& frame) {
    Response response;
    if (frame.code == code::k_nak) {
        response.command_code = code::k_nak;
    } else if ((frame.code & code::k_response_flag) != 0 &&
               is_known_command(static_cast<std::uint8_t>(frame.code & ~code::k_response_flag))) {
        response.command_code = static_cast<std::uint8_t>(frame.code & ~code::k_response_flag);
    } else {
        return std::unexpected(EppError::unknown_code);
    }
    if (frame.payload.empty() || !is_known_status(frame.payload[0])) {
        return std::unexpected(EppError::malformed_payload);
    }
    response.status = static_cast<Status>(frame.payload[0]);
    response.data.assign(frame.payload.begin() + 1, frame.payload.end());
    return response;
}

EppError error_from_status(Status status) {
    switch (status) {
        case Status::unknown_command:
            return EppError::unknown_command;
        case Status::bad_length:
            return EppError::bad_length;
        case Status::bad_parameter:
            return EppError::bad_parameter;
        case Status::busy:
            return EppError::busy;
        case Status::no_key:
            return EppError::no_key;
        case Status::not_collecting:
            return EppError::not_collecting;
        case Status::no_pin_block:
            return EppError::no_pin_block;
        case Status::tampered:
            return EppError::tampered;
        case Status::bad_mac:
            return EppError::bad_mac;
        case Status::not_authenticated:
            return EppError::not_authenticated;
        case Status::authentication_failed:
            return EppError::authentication_failed;
        case Status::bad_key_block:
            return EppError::bad_key_block;
        case Status::no_ceremony:
            return EppError::no_ceremony;
        case Status::keys_exhausted:
            return EppError::keys_exhausted;
        case Status::bad_frame:
        case Status::ok:
            break;
    }
    return EppError::rejected_frame;
}

base::Bytes encode_device_info(const DeviceInfo& info) {
    base::Bytes data;
    for (const std::string* text : {&info.model, &info.serial, &info.firmware}) {
        const std::size_t length = std::min(text->size(), k_max_info_string);
        data.push_back(static_cast<std::uint8_t>(length));
        data.insert(data.end(), text->begin(), text->begin() + static_cast<std::ptrdiff_t>(length));
    }
    data.push_back(info.loaded_key_slots);
    return data;
}

std::expected<DeviceInfo, EppError> decode_device_info(std::span<const std::uint8_t> data) {
    DeviceInfo info;
    std::size_t position = 0;
    for (std::string* text : {&info.model, &info.serial, &info.firmware}) {
        if (position >= data.size()) {
            return std::unexpected(EppError::malformed_payload);
        }
        const std::size_t length = data[position++];
        if (length > k_max_info_string || data.size() - position < length) {
            return std::unexpected(EppError::malformed_payload);
        }
        for (std::size_t index = 0; index < length; ++index) {
            const std::uint8_t character = data[position + index];
            if (character < 0x20 || character >= 0x7F) {
                return std::unexpected(EppError::malformed_payload);
            }
            text->push_back(static_cast<char>(character));
        }
        position += length;
    }
    if (data.size() - position != 1) {
        return std::unexpected(EppError::malformed_payload);
    }
    info.loaded_key_slots = data[position];
    return info;
}

base::Bytes encode_pad_status(const PadStatus& status) {
    return base::Bytes{static_cast<std::uint8_t>(status.mode), status.digits_entered,
                       static_cast<std::uint8_t>(status.headphones_plugged ? 1 : 0),
                       static_cast<std::uint8_t>(status.tampered ? 1 : 0)};
}

std::expected<PadStatus, EppError> decode_pad_status(std::span<const std::uint8_t> data) {
    if (data.size() != 4 || data[0] > static_cast<std::uint8_t>(PadMode::key_ceremony) ||
        data[1] > k_max_pin_digits || data[2] > 1 || data[3] > 1) {
        return std::unexpected(EppError::malformed_payload);
    }
    return PadStatus{static_cast<PadMode>(data[0]), data[1], data[2] == 1, data[3] == 1};
}

std::span<const std::uint8_t> PinBlockReply::bytes() const {
    if (format == BlockFormat::iso9564_format4) {
        return format4_block;
    }
    return block;
}

base::Bytes encode_pin_block_reply(const PinBlockReply& block) {
    base::Bytes data{block.key_slot, static_cast<std::uint8_t>(block.format)};
    const auto bytes = block.bytes();
    data.insert(data.end(), bytes.begin(), bytes.end());
    if (block.ksn) {
        data.insert(data.end(), block.ksn->begin(), block.ksn->end());  // epp.md §8.7
    }
    return data;
}

std::expected<PinBlockReply, EppError> decode_pin_block_reply(std::span<const std::uint8_t> data) {
    // epp.md §5: slot, format, then 8 bytes for format 0 and 16 for format 4 (revision 5);
    // §8.7: a format 4 block from the DUKPT slot is followed by its 12-byte KSN, and no other
    // block is.
    if (data.size() < 2) {
        return std::unexpected(EppError::malformed_payload);
    }
    PinBlockReply block;
    block.key_slot = data[0];
    const bool dukpt = data[0] == static_cast<std::uint8_t>(KeySlot::pin_dukpt);
    if (data[1] == static_cast<std::uint8_t>(BlockFormat::iso9564_format0) &&
        data.size() == 2 + k_pin_block_length) {
        if (dukpt) {
            return std::unexpected(EppError::bad_ksn);  // DUKPT makes format 4 blocks only
        }
        std::copy(data.begin() + 2, data.end(), block.block.begin());
        return block;
    }
    if (data[1] != static_cast<std::uint8_t>(BlockFormat::iso9564_format4) ||
        data.size() < 2 + k_format4_block_length) {
        return std::unexpected(EppError::malformed_payload);
    }
    block.format = BlockFormat::iso9564_format4;
    const auto block_end = data.begin() + 2 + k_format4_block_length;
    std::copy(data.begin() + 2, block_end, block.format4_block.begin());
    const std::size_t ksn_length = data.size() - 2 - k_format4_block_length;
    if (!dukpt) {
        if (ksn_length != 0) {
            return std::unexpected(EppError::bad_ksn);
        }
        return block;
    }
    if (ksn_length != k_ksn_length) {
        return std::unexpected(EppError::bad_ksn);
    }
    Ksn ksn{};
    std::copy(block_end, data.end(), ksn.begin());
    // ANSI X9.24-3-2017 §6.1: no pad uses counter 0 or one with more than 16 one bits.
    if (!dukpt::is_usable_counter(dukpt::counter_of(ksn))) {
        return std::unexpected(EppError::bad_ksn);
    }
    block.ksn = ksn;
    return block;
}

KeyAlgorithm algorithm_of(KeySlot slot) {
    switch (slot) {
        case KeySlot::pin_tdes:
            return KeyAlgorithm::tdes;
        case KeySlot::pin_dukpt:
            return KeyAlgorithm::aes128_dukpt;  // epp.md §8.7
        case KeySlot::pin_aes:
        case KeySlot::authentication:
        case KeySlot::master:
            break;
    }
    return KeyAlgorithm::aes128;
}

std::string_view to_string(KeySlot slot) {
    switch (slot) {
        case KeySlot::pin_tdes:
            return "pin_tdes";
        case KeySlot::pin_aes:
            return "pin_aes";
        case KeySlot::pin_dukpt:
            return "pin_dukpt";
        case KeySlot::authentication:
            return "authentication";
        case KeySlot::master:
            return "master";
    }
    return "unknown";
}

std::optional<KeySlot> key_slot_named(std::string_view name) {
    for (const KeySlot slot : k_known_slots) {
        if (to_string(slot) == name) {
            return slot;
        }
    }
    return std::nullopt;
}

std::optional<KeySlot> key_slot_from(std::uint8_t value) {
    for (const KeySlot slot : k_known_slots) {
        if (static_cast<std::uint8_t>(slot) == value) {
            return slot;
        }
    }
    return std::nullopt;
}

KeySlot pin_key_slot(BlockFormat format) {
    return format == BlockFormat::iso9564_format4 ? KeySlot::pin_aes : KeySlot::pin_tdes;
}

KeySlotStatus KeyStatus::slot(KeySlot wanted) const {
    if (wanted == KeySlot::pin_dukpt && dukpt) {
        // epp.md §8.7: named by its initial key ID (KeyStatus::dukpt), not by a KCV.
        return KeySlotStatus{
            .slot = wanted, .algorithm = KeyAlgorithm::aes128_dukpt, .check_value = {}};
    }
    for (const KeySlotStatus& entry : slots) {
        if (entry.slot == wanted) {
            return entry;
        }
    }
    return KeySlotStatus{.slot = wanted, .algorithm = KeyAlgorithm::none, .check_value = {}};
}

base::Bytes encode_key_status(const KeyStatus& status) {
    base::Bytes data{static_cast<std::uint8_t>(status.slots.size())};
    for (const KeySlotStatus& entry : status.slots) {
        data.push_back(static_cast<std::uint8_t>(entry.slot));
        data.push_back(static_cast<std::uint8_t>(entry.algorithm));
        data.insert(data.end(), entry.check_value.begin(), entry.check_value.end());
    }
    if (status.dukpt) {
        data[0] = static_cast<std::uint8_t>(k_entries_with_dukpt);
        data.push_back(static_cast<std::uint8_t>(KeySlot::pin_dukpt));
        data.push_back(static_cast<std::uint8_t>(KeyAlgorithm::aes128_dukpt));
        data.insert(data.end(), status.dukpt->initial_key_id.begin(),
                    status.dukpt->initial_key_id.end());
        base::put_le32(data, status.dukpt->next_counter);
    }
    data.push_back(status.failed_authentications);
    base::put_le16(data, status.refused_frames);
    return data;
}

std::expected<KeyStatus, EppError> decode_key_status(std::span<const std::uint8_t> data) {
    // epp.md §8.1: four entries, in the table's order, each with an algorithm the slot takes or
    // none; an empty slot has a zero KCV. §8.7: a fifth, the DUKPT slot's, only while it holds
    // an initial key.
    const bool with_dukpt = !data.empty() && data[0] == k_entries_with_dukpt;
    const std::size_t expected_length =
        k_key_status_length + (with_dukpt ? k_dukpt_entry_length : 0);
    if (data.size() != expected_length || (data[0] != k_listed_slots.size() && !with_dukpt)) {
        return std::unexpected(EppError::malformed_payload);
    }
    KeyStatus status;
    for (std::size_t index = 0; index < k_listed_slots.size(); ++index) {
        const std::size_t offset = 1 + index * k_key_slot_entry_length;
        const KeySlot slot = k_listed_slots[index];
        const std::uint8_t algorithm = data[offset + 1];
        if (data[offset] != static_cast<std::uint8_t>(slot) ||
            (algorithm != 0 && algorithm != static_cast<std::uint8_t>(algorithm_of(slot)))) {
            return std::unexpected(EppError::malformed_payload);
        }
        KeySlotStatus& entry = status.slots[index];
        entry.slot = slot;
        entry.algorithm = static_cast<KeyAlgorithm>(algorithm);
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset + 2),
                    k_key_check_value_length, entry.check_value.begin());
        const bool zero = std::ranges::all_of(entry.check_value, [](auto b) { return b == 0; });
        const bool tdes_tail_zero = entry.check_value[3] == 0 && entry.check_value[4] == 0;
        if ((entry.algorithm == KeyAlgorithm::none && !zero) ||
            (entry.algorithm == KeyAlgorithm::tdes && !tdes_tail_zero)) {
            return std::unexpected(EppError::malformed_payload);
        }
    }
    std::size_t counters = 1 + k_listed_slots.size() * k_key_slot_entry_length;
    if (with_dukpt) {
        if (data[counters] != static_cast<std::uint8_t>(KeySlot::pin_dukpt) ||
            data[counters + 1] != static_cast<std::uint8_t>(KeyAlgorithm::aes128_dukpt)) {
            return std::unexpected(EppError::malformed_payload);
        }
        DukptSlotStatus dukpt;
        std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(counters + 2),
                    k_initial_key_id_length, dukpt.initial_key_id.begin());
        dukpt.next_counter = base::le32_at(data, counters + 2 + k_initial_key_id_length);
        status.dukpt = dukpt;
        counters += k_dukpt_entry_length;
    }
    status.failed_authentications = data[counters];
    status.refused_frames = base::le16_at(data, counters + 1);
    return status;
}

base::Bytes encode_pad_challenge(const PadChallenge& challenge) {
    base::Bytes data(challenge.pad_challenge.begin(), challenge.pad_challenge.end());
    data.insert(data.end(), challenge.pad_proof.begin(), challenge.pad_proof.end());
    return data;
}

std::expected<PadChallenge, EppError> decode_pad_challenge(std::span<const std::uint8_t> data) {
    // epp.md §8.4: RP, then the pad's proof.
    if (data.size() != k_challenge_length + k_proof_length) {
        return std::unexpected(EppError::malformed_payload);
    }
    PadChallenge challenge;
    std::copy_n(data.begin(), k_challenge_length, challenge.pad_challenge.begin());
    std::copy_n(data.begin() + k_challenge_length, k_proof_length, challenge.pad_proof.begin());
    return challenge;
}

std::expected<KeyCheckValue, EppError> decode_key_check_value(std::span<const std::uint8_t> data) {
    if (data.size() != k_key_check_value_length) {
        return std::unexpected(EppError::malformed_payload);
    }
    KeyCheckValue value{};
    std::ranges::copy(data, value.begin());
    return value;
}

// ---- Events ----

Frame encode_event(const Event& event, std::uint8_t sequence) {
    Frame frame;
    frame.sequence = sequence;
    std::visit(base::Overloaded{
                   [&](const KeyPressed& e) {
                       frame.code = code::k_key_pressed;
                       frame.payload = {key_code(e.key)};
                   },
                   [&](const PinDigitEntered& e) {
                       frame.code = code::k_pin_digit_entered;
                       frame.payload = {e.digits_entered};
                   },
                   [&](const PinCleared&) { frame.code = code::k_pin_cleared; },
                   [&](const PinEntryDone& e) {
                       frame.code = code::k_pin_entry_done;
                       frame.payload = encode_pin_block_reply(e.pin_block);
                   },
                   [&](const PinEntryEnded& e) {
                       frame.code = code::k_pin_entry_ended;
                       frame.payload = {static_cast<std::uint8_t>(e.reason)};
                   },
                   [&](const PinTooShort& e) {
                       frame.code = code::k_pin_too_short;
                       frame.payload = {e.min_digits};
                   },
                   [&](const PinFull& e) {
                       frame.code = code::k_pin_full;
                       frame.payload = {e.max_digits};
                   },
                   [&](const HeadphonesChanged& e) {
                       frame.code = code::k_headphones;
                       frame.payload = {static_cast<std::uint8_t>(e.plugged ? 1 : 0)};
                   },
                   [&](const TamperDetected& e) {
                       frame.code = code::k_tamper;
                       frame.payload = {e.reason};
                   },
                   [&](const ClearDigitsEnded& e) {
                       frame.code = code::k_clear_digits_ended;
                       frame.payload = {static_cast<std::uint8_t>(e.reason)};
                   },
                   [&](const NewPinAgain&) { frame.code = code::k_new_pin_again; },
                   [&](const KeyCeremonyProgress& e) {
                       // epp.md §8.2: the stage, then a count, a KCV or a reason.
                       frame.code = code::k_key_ceremony;
                       frame.payload = {static_cast<std::uint8_t>(e.stage)};
                       switch (e.stage) {
                           case CeremonyStage::typing:
                               frame.payload.push_back(e.digits_typed);
                               break;
                           case CeremonyStage::abandoned:
                               frame.payload.push_back(static_cast<std::uint8_t>(e.reason));
                               break;
                           case CeremonyStage::component1_entered:
                           case CeremonyStage::component2_entered:
                           case CeremonyStage::combined:
                               frame.payload.insert(frame.payload.end(), e.check_value.begin(),
                                                    e.check_value.end());
                               break;
                       }
                   },
               },
               event);
    return frame;
}

std::expected<Event, EppError> decode_event(const Frame& frame) {
    const base::Bytes& p = frame.payload;
    const auto one_byte = [&]() -> std::expected<std::uint8_t, EppError> {
        if (p.size() != 1) {
            return std::unexpected(EppError::malformed_payload);
        }
        return p[0];
    };
    switch (frame.code) {
        case code::k_key_pressed: {
            auto value = one_byte();
            if (!value) {
                return std::unexpected(value.error());
            }
            auto key = key_from_code(*value);
            if (!key) {
                return std::unexpected(EppError::malformed_payload);
            }
            return KeyPressed{*key};
        }
        case code::k_pin_digit_entered: {
            auto value = one_byte();
            if (!value || *value == 0 || *value > k_max_pin_digits) {
                return std::unexpected(EppError::malformed_payload);
            }
            return PinDigitEntered{*value};
        }
        case code::k_pin_cleared:
            if (!p.empty()) {
                return std::unexpected(EppError::malformed_payload);
            }
            return PinCleared{};
        case code::k_pin_entry_done: {
            auto block = decode_pin_block_reply(p);
            if (!block) {
                return std::unexpected(block.error());
            }
            return PinEntryDone{*block};
        }
        case code::k_pin_entry_ended: {
            auto value = one_byte();
            if (!value || *value < static_cast<std::uint8_t>(EndReason::cancelled_by_customer) ||
                *value > static_cast<std::uint8_t>(EndReason::new_pins_differ)) {
                return std::unexpected(EppError::malformed_payload);
            }
            return PinEntryEnded{static_cast<EndReason>(*value)};
        }
        case code::k_pin_too_short: {
            auto value = one_byte();
            if (!value) {
                return std::unexpected(value.error());
            }
            return PinTooShort{*value};
        }
        case code::k_pin_full: {
            auto value = one_byte();
            if (!value) {
                return std::unexpected(value.error());
            }
            return PinFull{*value};
        }
        case code::k_headphones: {
            auto value = one_byte();
            if (!value || *value > 1) {
                return std::unexpected(EppError::malformed_payload);
            }
            return HeadphonesChanged{*value == 1};
        }
        case code::k_tamper: {
            auto value = one_byte();
            if (!value) {
                return std::unexpected(value.error());
            }
            return TamperDetected{*value};
        }
        case code::k_clear_digits_ended: {
            auto value = one_byte();
            if (!value || *value < 1 || *value > 2) {
                return std::unexpected(EppError::malformed_payload);
            }
            return ClearDigitsEnded{static_cast<ClearDigitsEnd>(*value)};
        }
        case code::k_new_pin_again:
            // epp.md §4.8: no payload.
            if (!p.empty()) {
                return std::unexpected(EppError::malformed_payload);
            }
            return NewPinAgain{};
        case code::k_key_ceremony: {
            // epp.md §8.2.
            if (p.empty() || p[0] > static_cast<std::uint8_t>(CeremonyStage::abandoned)) {
                return std::unexpected(EppError::malformed_payload);
            }
            KeyCeremonyProgress progress;
            progress.stage = static_cast<CeremonyStage>(p[0]);
            switch (progress.stage) {
                case CeremonyStage::typing:
                    if (p.size() != 2 || p[1] > k_component_hex_digits) {
                        return std::unexpected(EppError::malformed_payload);
                    }
                    progress.digits_typed = p[1];
                    return progress;
                case CeremonyStage::abandoned:
                    if (p.size() != 2 || p[1] < 1 ||
                        p[1] > static_cast<std::uint8_t>(CeremonyAbandon::zero_key)) {
                        return std::unexpected(EppError::malformed_payload);
                    }
                    progress.reason = static_cast<CeremonyAbandon>(p[1]);
                    return progress;
                case CeremonyStage::component1_entered:
                case CeremonyStage::component2_entered:
                case CeremonyStage::combined:
                    break;
            }
            if (p.size() != 1 + k_key_check_value_length) {
                return std::unexpected(EppError::malformed_payload);
            }
            std::copy(p.begin() + 1, p.end(), progress.check_value.begin());
            return progress;
        }
        default:
            return std::unexpected(EppError::unknown_code);
    }
}

std::expected<base::SecretText, EppError> account_field_from_pan(std::string_view pan) {
    // ISO/IEC 7812-1: 8..19 digits, the last one the check digit.
    if (pan.size() < 8 || pan.size() > 19 || !base::is_digits(pan)) {
        return std::unexpected(EppError::invalid_request);
    }
    const std::string_view without_check = pan.substr(0, pan.size() - 1);
    base::SecretText field;
    field.reserve(k_account_field_digits);
    for (std::size_t padding = without_check.size(); padding < k_account_field_digits; ++padding) {
        field.push_back('0');
    }
    field.append(without_check.substr(without_check.size() > k_account_field_digits
                                          ? without_check.size() - k_account_field_digits
                                          : 0));
    return field;
}

}  // namespace drivers::epp
