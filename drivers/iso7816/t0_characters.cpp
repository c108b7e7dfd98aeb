#include "drivers/iso7816/t0_characters.h"

#include <algorithm>
#include <array>

namespace drivers::iso7816 {

namespace {

// §10.2: WT = WI x 960 x Fi / f.
constexpr std::uint32_t k_t0_waiting_unit = 960;
// ISO/IEC 7816-4: GET RESPONSE.
constexpr std::uint8_t k_t0_get_response = 0xC0;
// Status words the simulated card answers with (ISO/IEC 7816-4 §5.6).
constexpr std::uint16_t k_t0_instruction_invalid = 0x6D00;
constexpr std::uint16_t k_t0_nothing_to_get = 0x6985;  // GET RESPONSE with nothing waiting
constexpr std::uint16_t k_t0_no_status = 0x6F00;       // a handler that gave no SW1 SW2
constexpr std::size_t k_t0_max_short_transfer = 256;   // P3 = 00 (§10.3.2)

// The commands of ISO/IEC 7816-4 §7 and EMV 4.3 Book 3 §6.5 whose P3 is Lc.
constexpr auto k_t0_data_instructions = std::to_array<std::uint8_t>({
    0x16,  // CARD BLOCK
    0x18,  // APPLICATION UNBLOCK
    0x1E,  // APPLICATION BLOCK
    0x20,  // VERIFY
    0x22,  // MANAGE SECURITY ENVIRONMENT
    0x24,  // CHANGE REFERENCE DATA, EMV's PIN CHANGE/UNBLOCK
    0x2A,  // PERFORM SECURITY OPERATION (ISO/IEC 7816-8)
    0x82,  // EXTERNAL AUTHENTICATE
    0x88,  // INTERNAL AUTHENTICATE
    0xA4,  // SELECT
    0xA8,  // GET PROCESSING OPTIONS
    0xAE,  // GENERATE APPLICATION CRYPTOGRAM
    0xC2,  // ENVELOPE
    0xD6,  // UPDATE BINARY
    0xDA,  // PUT DATA
    0xDC,  // UPDATE RECORD
});

bool t0_is_status(std::uint8_t byte) {
    // §10.3.3: SW1 is 6x (but not 60) or 9x.
    const unsigned high = byte & 0xF0U;
    return (high == 0x60 && byte != k_t0_null) || high == 0x90;
}

// §10.3.2: INS 6x and 9x would read as procedure bytes, so T=0 cannot carry them.
bool t0_is_invalid_instruction(std::uint8_t ins) {
    const unsigned high = ins & 0xF0U;
    return high == 0x60 || high == 0x90;
}

std::size_t t0_transfer_length(std::uint8_t p3) {
    return p3 == 0 ? k_t0_max_short_transfer : p3;
}

T0Error t0_error_of(T0PortFault fault) {
    switch (fault) {
        case T0PortFault::timeout:
            return T0Error::timeout;
        case T0PortFault::card_removed:
            return T0Error::card_removed;
        case T0PortFault::reader_failed:
            return T0Error::reader_failed;
    }
    return T0Error::reader_failed;
}

ApduError t0_apdu_error_of(T0Error error) {
    switch (error) {
        case T0Error::malformed_tpdu:
        case T0Error::invalid_instruction:
            return ApduError::malformed_command;
        case T0Error::unexpected_procedure_byte:
            return ApduError::malformed_response;
        case T0Error::timeout:
        case T0Error::too_many_null_bytes:
            return ApduError::card_mute;
        case T0Error::card_removed:
            return ApduError::card_removed;
        case T0Error::reader_failed:
            return ApduError::reader_failed;
    }
    return ApduError::reader_failed;
}

}  // namespace

std::uint32_t t0_waiting_time_etu(std::uint8_t waiting_integer,
                                  std::uint32_t baud_rate_adjustment) {
    return k_t0_waiting_unit * waiting_integer * std::max<std::uint32_t>(baud_rate_adjustment, 1);
}

std::string_view to_string(T0Error error) {
    switch (error) {
        case T0Error::malformed_tpdu:
            return "t0: malformed command TPDU";
        case T0Error::invalid_instruction:
            return "t0: INS 6x or 9x cannot be sent with T=0";
        case T0Error::unexpected_procedure_byte:
            return "t0: unexpected procedure byte";
        case T0Error::timeout:
            return "t0: no character within the waiting time";
        case T0Error::too_many_null_bytes:
            return "t0: the card keeps asking for more time";
        case T0Error::card_removed:
            return "t0: the card was removed";
        case T0Error::reader_failed:
            return "t0: the reader failed";
    }
    return "t0: unknown error";
}

bool t0_command_has_data(std::uint8_t ins) {
    return std::ranges::find(k_t0_data_instructions, ins) != k_t0_data_instructions.end();
}

std::expected<base::Bytes, T0Error> transmit_t0_tpdu(T0Port& port,
                                                     std::span<const std::uint8_t> tpdu,
                                                     const T0Settings& settings) {
    if (tpdu.size() < k_t0_header_length) {
        return std::unexpected(T0Error::malformed_tpdu);
    }
    const std::uint8_t ins = tpdu[1];
    if (t0_is_invalid_instruction(ins)) {
        return std::unexpected(T0Error::invalid_instruction);
    }
    const auto outgoing = tpdu.subspan(k_t0_header_length);
    const bool to_card = !outgoing.empty();
    if (to_card && outgoing.size() != tpdu[4]) {
        return std::unexpected(T0Error::malformed_tpdu);
    }
    const std::size_t incoming = to_card ? 0 : t0_transfer_length(tpdu[4]);
    const std::uint32_t wait =
        t0_waiting_time_etu(settings.waiting_integer, settings.baud_rate_adjustment);

    if (auto sent = port.send(tpdu.first(k_t0_header_length)); !sent) {
        return std::unexpected(t0_error_of(sent.error()));
    }
    base::Bytes response;
    std::size_t sent_data = 0;
    int nulls = 0;
    for (;;) {
        const auto procedure = port.receive(wait);
        if (!procedure) {
            return std::unexpected(t0_error_of(procedure.error()));
        }
        const std::uint8_t byte = *procedure;
        if (byte == k_t0_null) {
            // §10.3.3: NULL restarts the waiting time.
            if (++nulls > k_t0_max_null_bytes) {
                return std::unexpected(T0Error::too_many_null_bytes);
            }
            continue;
        }
        nulls = 0;  // the limit is on NULL bytes in a row, without progress
        if (t0_is_status(byte)) {
            const auto sw2 = port.receive(wait);
            if (!sw2) {
                return std::unexpected(t0_error_of(sw2.error()));
            }
            response.push_back(byte);
            response.push_back(*sw2);
            return response;
        }
        const bool all = byte == ins;
        const bool one = byte == static_cast<std::uint8_t>(ins ^ 0xFFU);
        if (!all && !one) {
            return std::unexpected(T0Error::unexpected_procedure_byte);
        }
        if (to_card) {
            const std::size_t left = outgoing.size() - sent_data;
            if (left == 0) {
                return std::unexpected(T0Error::unexpected_procedure_byte);
            }
            const std::size_t count = all ? left : 1;
            if (auto sent = port.send(outgoing.subspan(sent_data, count)); !sent) {
                return std::unexpected(t0_error_of(sent.error()));
            }
            sent_data += count;
        } else {
            const std::size_t left = incoming - response.size();
            if (left == 0) {
                return std::unexpected(T0Error::unexpected_procedure_byte);
            }
            const std::size_t count = all ? left : 1;
            for (std::size_t index = 0; index < count; ++index) {
                const auto data = port.receive(wait);
                if (!data) {
                    return std::unexpected(t0_error_of(data.error()));
                }
                response.push_back(*data);
            }
        }
    }
}

std::expected<ResponseApdu, ApduError> T0ReaderChannel::transmit(const CommandApdu& command) {
    const auto tpdu = to_t0_tpdu(command);
    if (!tpdu) {
        return std::unexpected(tpdu.error());
    }
    const auto response = transmit_t0_tpdu(m_port, *tpdu, m_settings);
    if (!response) {
        return std::unexpected(t0_apdu_error_of(response.error()));
    }
    return ResponseApdu::parse(*response);
}

T0Card::T0Card(T0CardConfig config, ApduHandler handler)
    : m_config(std::move(config)), m_handler(std::move(handler)) {
    if (!m_config.command_has_data) {
        m_config.command_has_data = t0_command_has_data;
    }
}

void T0Card::reset() {
    m_header.clear();
    m_data.clear();
    m_data_expected = 0;
    m_receiving_data = false;
    m_pending.clear();
    m_repeat_header.clear();
    m_repeat_response.clear();
}

base::Bytes T0Card::receive(std::span<const std::uint8_t> characters) {
    base::Bytes out;
    for (const std::uint8_t character : characters) {
        if (m_receiving_data) {
            m_data.push_back(character);
            if (m_data.size() == m_data_expected) {
                m_receiving_data = false;
                on_command_complete(out);
            } else if (m_config.acknowledge_each_byte) {
                send_nulls(out);
                out.push_back(static_cast<std::uint8_t>(m_header[1] ^ 0xFFU));
            }
            continue;
        }
        m_header.push_back(character);
        if (m_header.size() == k_t0_header_length) {
            on_header(out);
        }
    }
    return out;
}

void T0Card::send_nulls(base::Bytes& out) const {
    for (int index = 0; index < m_config.null_bytes; ++index) {
        out.push_back(k_t0_null);
    }
}

void T0Card::send_status(base::Bytes& out, std::uint8_t sw1, std::uint8_t sw2) {
    send_nulls(out);
    out.push_back(sw1);
    out.push_back(sw2);
    m_header.clear();
}

void T0Card::send_data(base::Bytes& out, std::span<const std::uint8_t> data) {
    // §10.3.3: INS announces all the data, INS xor FF one byte at a time.
    const std::uint8_t ins = m_header[1];
    if (m_config.acknowledge_each_byte) {
        for (const std::uint8_t byte : data) {
            send_nulls(out);
            out.push_back(static_cast<std::uint8_t>(ins ^ 0xFFU));
            out.push_back(byte);
        }
        return;
    }
    send_nulls(out);
    out.push_back(ins);
    out.insert(out.end(), data.begin(), data.end());
}

void T0Card::on_header(base::Bytes& out) {
    const std::uint8_t ins = m_header[1];
    if (t0_is_invalid_instruction(ins)) {
        send_status(out, k_t0_instruction_invalid >> 8, k_t0_instruction_invalid & 0xFF);
        return;
    }
    const std::uint8_t p3 = m_header[4];
    if (ins == k_t0_get_response) {
        answer_get_response(out, t0_transfer_length(p3));
        return;
    }
    if (m_config.command_has_data(ins) && p3 != 0) {
        m_data.clear();
        m_data_expected = p3;
        m_receiving_data = true;
        send_nulls(out);
        out.push_back(m_config.acknowledge_each_byte ? static_cast<std::uint8_t>(ins ^ 0xFFU)
                                                     : ins);
        return;
    }
    answer_incoming(out, t0_transfer_length(p3));
}

void T0Card::on_command_complete(base::Bytes& out) {
    // Case 3 or 4: CLA INS P1 P2 Lc data, as the handler sees it (ISO/IEC 7816-4 §5.1).
    base::Bytes command(m_header.begin(), m_header.end());
    command.insert(command.end(), m_data.begin(), m_data.end());
    m_data.clear();
    m_pending.clear();
    m_repeat_header.clear();
    ++m_commands_handled;
    base::Bytes response = m_handler(std::move(command));
    if (response.size() < 2) {
        send_status(out, k_t0_no_status >> 8, k_t0_no_status & 0xFF);
        return;
    }
    const std::uint8_t sw1 = response[response.size() - 2];
    const std::uint8_t sw2 = response[response.size() - 1];
    if (response.size() == 2) {
        send_status(out, sw1, sw2);
        return;
    }
    // Case 4: T=0 cannot send data both ways in one TPDU, so the data waits for GET RESPONSE
    // (EMV 4.3 Book 1 §9.3.1).
    const std::size_t data_length = response.size() - 2;
    m_pending = std::move(response);
    if (m_config.warning_before_data && (sw1 == 0x62 || sw1 == 0x63)) {
        send_status(out, sw1, sw2);
        return;
    }
    send_status(out, 0x61,
                static_cast<std::uint8_t>(std::min(data_length, k_t0_max_short_transfer) & 0xFF));
}

void T0Card::answer_incoming(base::Bytes& out, std::size_t expected) {
    base::Bytes response;
    const bool repeat =
        !m_repeat_header.empty() &&
        std::equal(m_repeat_header.begin(), m_repeat_header.end(), m_header.begin());
    if (repeat) {
        // The repeat of a command answered 6Cxx: the card answers from what it prepared.
        response = std::move(m_repeat_response);
        m_repeat_response.clear();
        m_repeat_header.clear();
    } else {
        // Case 1 or 2: CLA INS P1 P2 Le, as the handler sees it.
        base::Bytes command(m_header.begin(), m_header.end());
        m_pending.clear();
        m_repeat_header.clear();
        ++m_commands_handled;
        response = m_handler(std::move(command));
    }
    if (response.size() < 2) {
        send_status(out, k_t0_no_status >> 8, k_t0_no_status & 0xFF);
        return;
    }
    const std::uint8_t sw1 = response[response.size() - 2];
    const std::uint8_t sw2 = response[response.size() - 1];
    const std::size_t data_length = std::min(response.size() - 2, k_t0_max_short_transfer);
    if (data_length == 0) {
        send_status(out, sw1, sw2);
        return;
    }
    if (data_length != expected) {
        // ISO/IEC 7816-3 §10.3.3 and 7816-4 §5.6: wrong Le; 6C names the right one.
        m_repeat_header.assign(m_header.begin(), m_header.begin() + 4);
        m_repeat_response = std::move(response);
        send_status(out, 0x6C, static_cast<std::uint8_t>(data_length & 0xFF));
        return;
    }
    send_data(out, std::span(response).first(data_length));
    send_status(out, sw1, sw2);
}

void T0Card::answer_get_response(base::Bytes& out, std::size_t expected) {
    if (m_pending.size() < 2) {
        send_status(out, k_t0_nothing_to_get >> 8, k_t0_nothing_to_get & 0xFF);
        return;
    }
    const std::size_t available = m_pending.size() - 2;
    if (expected > available) {
        // Le longer than what waits: 6C with the exact length (EMV 4.3 Book 1 Annex A).
        send_status(out, 0x6C,
                    static_cast<std::uint8_t>(std::min(available, k_t0_max_short_transfer) & 0xFF));
        return;
    }
    send_data(out, std::span(m_pending).first(expected));
    if (expected < available) {
        m_pending.erase(m_pending.begin(),
                        m_pending.begin() + static_cast<std::ptrdiff_t>(expected));
        const std::size_t left = m_pending.size() - 2;
        send_status(out, 0x61,
                    static_cast<std::uint8_t>(std::min(left, k_t0_max_short_transfer) & 0xFF));
        return;
    }
    const std::uint8_t sw1 = m_pending[m_pending.size() - 2];
    const std::uint8_t sw2 = m_pending[m_pending.size() - 1];
    m_pending.clear();
    send_status(out, sw1, sw2);
}

}  // namespace drivers::iso7816
