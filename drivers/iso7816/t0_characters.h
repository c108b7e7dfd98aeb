#pragma once

// The T=0 protocol character by character (ISO/IEC 7816-3:2006 §10, EMV 4.3 Book 1 §9.2.2):
// the reader's side, which sends a command TPDU (CLA INS P1 P2 P3 [data]) and follows the
// card's procedure bytes, and the card's side, which answers a TPDU with procedure bytes,
// data and SW1 SW2 from an APDU handler. Pure: the reader's engine talks to a T0Port that
// sends and receives characters and is told how long to wait, in elementary time units.
// Threading: each object is used by one thread at a time.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "base/bytes.h"
#include "drivers/iso7816/apdu_channel.h"

namespace drivers::iso7816 {

// ISO/IEC 7816-3 §10.2: WI from TC2, 10 when absent.
constexpr std::uint8_t k_t0_default_waiting_integer = 10;
// §10.3.3: the NULL procedure byte asks the reader to wait again.
constexpr std::uint8_t k_t0_null = 0x60;
// A card may send NULL bytes without limit in the standard, each at most WT apart (about a
// second at the defaults); a kiosk must not wait forever. 120 in a row is two minutes at
// 9600 bit/s, longer than any payment card's slowest command.
constexpr int k_t0_max_null_bytes = 120;
// §10.1: a command TPDU is the five header bytes CLA INS P1 P2 P3, then data if any.
constexpr std::size_t k_t0_header_length = 5;

// §10.2: WT = WI x 960 x Fi / f, and Fi / f is D etu.
std::uint32_t t0_waiting_time_etu(std::uint8_t waiting_integer, std::uint32_t baud_rate_adjustment);

enum class T0PortFault {
    timeout,        // no character within the wait
    card_removed,   // the card left
    reader_failed,  // the reader failed or is gone
};

// Carries characters between the reader and the card: a UART, a simulated card.
class T0Port {
  public:
    virtual ~T0Port() = default;
    virtual std::expected<void, T0PortFault> send(std::span<const std::uint8_t> characters) = 0;
    // The card's next character, waiting at most `wait_etu`.
    virtual std::expected<std::uint8_t, T0PortFault> receive(std::uint32_t wait_etu) = 0;
};

enum class T0Error {
    malformed_tpdu,             // shorter than the header, or data that P3 does not announce
    invalid_instruction,        // INS 6x or 9x, which T=0 cannot carry (§10.3.2)
    unexpected_procedure_byte,  // neither NULL, ACK, SW1, nor an ACK with nothing to transfer
    timeout,                    // no character within WT
    too_many_null_bytes,        // the card keeps asking for more time
    card_removed,
    reader_failed,
};

std::string_view to_string(T0Error error);

struct T0Settings {
    std::uint8_t waiting_integer = k_t0_default_waiting_integer;  // TC2
    std::uint32_t baud_rate_adjustment = 1;                       // D in force
};

// §10.3.3: sends a command TPDU and follows the procedure bytes: INS sends (or receives) all
// the remaining data, INS xor FF one byte, NULL waits again, and SW1 (6x other than 60, 9x)
// is followed by SW2 and ends the exchange. Returns the response TPDU: data, SW1, SW2.
// A TPDU of five bytes is a transfer from the card of P3 bytes (256 for P3 = 00); a longer
// one carries P3 bytes of data to the card.
std::expected<base::Bytes, T0Error> transmit_t0_tpdu(T0Port& port,
                                                     std::span<const std::uint8_t> tpdu,
                                                     const T0Settings& settings = {});

// An ApduChannel over a T0Port: each command becomes a TPDU (to_t0_tpdu) and its response
// TPDU a ResponseApdu. Wrap it in a CompletingChannel for 61xx and 6Cxx.
class T0ReaderChannel final : public ApduChannel {
  public:
    explicit T0ReaderChannel(T0Port& port, const T0Settings& settings = {})
        : m_port(port), m_settings(settings) {}
    std::expected<ResponseApdu, ApduError> transmit(const CommandApdu& command) override;

  private:
    T0Port& m_port;
    T0Settings m_settings;
};

struct T0CardConfig {
    // NULL bytes the card sends before each procedure byte or status: a slow card.
    int null_bytes = 0;
    // Every data byte is asked for (or announced) with INS xor FF instead of one INS for all.
    bool acknowledge_each_byte = false;
    // A case 4 command answered with a warning (62xx, 63xx) returns the warning first and its
    // data only on GET RESPONSE, as EMV 4.3 Book 1 Annex A shows; otherwise 61xx.
    bool warning_before_data = false;
    // Whether a command with this INS carries data to the card (case 3 or 4); a T=0 card
    // knows this of its own commands, since P3 alone cannot say. Empty: the ISO/IEC 7816-4
    // and EMV commands that do (t0_command_has_data).
    std::function<bool(std::uint8_t ins)> command_has_data;
};

// The ISO/IEC 7816-4 and EMV 4.3 Book 3 commands whose P3 is Lc: SELECT, VERIFY, CHANGE
// REFERENCE DATA, EXTERNAL and INTERNAL AUTHENTICATE, GENERATE AC, GET PROCESSING OPTIONS,
// UPDATE RECORD, PUT DATA, and the issuer script commands (APPLICATION BLOCK and UNBLOCK,
// CARD BLOCK, PIN CHANGE/UNBLOCK).
bool t0_command_has_data(std::uint8_t ins);

class T0Card {
  public:
    using ApduHandler = std::function<base::Bytes(base::Bytes)>;

    T0Card(T0CardConfig config, ApduHandler handler);

    // Characters from the reader in, the card's characters out (procedure bytes, data,
    // SW1 SW2); nothing while the card waits for more of a header or of the data.
    base::Bytes receive(std::span<const std::uint8_t> characters);

    // A reset: no header half read, no response waiting for GET RESPONSE.
    void reset();

    std::size_t commands_handled() const { return m_commands_handled; }

  private:
    void on_header(base::Bytes& out);
    void on_command_complete(base::Bytes& out);
    void answer_incoming(base::Bytes& out, std::size_t expected);
    void answer_get_response(base::Bytes& out, std::size_t expected);
    void send_data(base::Bytes& out, std::span<const std::uint8_t> data);
    void send_status(base::Bytes& out, std::uint8_t sw1, std::uint8_t sw2);
    void send_nulls(base::Bytes& out) const;

    T0CardConfig m_config;
    ApduHandler m_handler;
    base::Bytes m_header;
    base::Bytes m_data;
    std::size_t m_data_expected = 0;
    bool m_receiving_data = false;
    // The response of a case 4 command (or the rest of one), waiting for GET RESPONSE: data,
    // then SW1 SW2.
    base::Bytes m_pending;
    // A case 2 command answered 6Cxx, and its response, for the repeat with the right Le.
    base::Bytes m_repeat_header;
    base::Bytes m_repeat_response;
    std::size_t m_commands_handled = 0;
};

}  // namespace drivers::iso7816
