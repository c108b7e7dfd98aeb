#pragma once

// The interface device's side of the T=1 protocol (ISO/IEC 7816-3:2006 §11, with EMV 4.3
// Book 1 §9.2 where a bank terminal must be stricter): one command APDU in, the card's
// response APDU out, over a port that carries one block each way. It negotiates IFSD, chains
// both ways, answers WTX and IFS requests, and recovers from lost and damaged blocks by the
// rules of §11.6.2 and §11.6.3. Pure: no USB, no threads, no clocks; how long to wait for the
// card's block is handed to the port as a number of elementary time units.
// Threading: a T1Host is used by one thread at a time.

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "base/bytes.h"
#include "drivers/iso7816/atr.h"
#include "drivers/iso7816/t1_block.h"

namespace drivers::iso7816 {

// §11.4.3: BWI and CWI are 4 and 13 unless TB3 says otherwise.
constexpr std::uint8_t k_t1_default_block_waiting_integer = 4;
constexpr std::uint8_t k_t1_default_character_waiting_integer = 13;
// §11.4.3: F and D before any PPS (Fd = 372, Dd = 1).
constexpr std::uint32_t k_default_clock_rate_conversion = 372;
constexpr std::uint32_t k_default_baud_rate_adjustment = 1;
// §11.6.3 (and EMV 4.3 Book 1 §9.2.5): a block is tried three times in all before the
// interface device gives up on it and resynchronises (ISO) or deactivates (EMV).
constexpr int k_t1_max_attempts = 3;
// A card may ask for more time without limit in the standard; a kiosk must not wait forever
// for a card that keeps asking. 60 extensions of at least BWT (1.6 s at the defaults) is
// well over a minute of one command, longer than any payment card's slowest operation.
constexpr int k_t1_max_waiting_time_extensions = 60;
// The longest APDU either way: an extended command (7816-4 §5.1: 4 + 3 + 65535 + 2 bytes) and
// an extended response (65536 bytes and SW1 SW2).
constexpr std::size_t k_t1_max_command_length = 65544;
constexpr std::size_t k_t1_max_response_length = 65538;

// Which rule book the interface device follows where the two differ.
enum class T1Profile {
    // ISO/IEC 7816-3 §11.6.3: after three failed tries, S(RESYNCH request).
    iso7816,
    // EMV 4.3 Book 1 §9.2.5: the terminal does not resynchronise; after three failed tries
    // it deactivates the card (the session is dead). NAD is always 00 (§9.2.4).
    emv,
};

struct T1Parameters {
    // IFSC: what the card can receive (TA3, §11.4.2).
    std::uint8_t card_information_field_size = k_t1_default_information_field_size;
    // IFSD: what the interface device can receive, offered once after the ATR.
    std::uint8_t device_information_field_size = k_t1_max_information_field_size;
    EdcKind edc = EdcKind::lrc;  // TC3 bit 1 (§11.4.4)
    std::uint8_t block_waiting_integer = k_t1_default_block_waiting_integer;          // TB3 high
    std::uint8_t character_waiting_integer = k_t1_default_character_waiting_integer;  // TB3 low
    // F and D in force (after PPS, if any), to express BWT in elementary time units.
    std::uint32_t clock_rate_conversion = k_default_clock_rate_conversion;
    std::uint32_t baud_rate_adjustment = k_default_baud_rate_adjustment;
    // §11.3.2.1: NAD of the blocks sent (DAD in bits 7-5, SAD in bits 3-1); the card answers
    // with source and destination swapped.
    std::uint8_t node_address = 0;
    T1Profile profile = T1Profile::iso7816;

    // IFSC from TA3 (Atr::t1_information_field_size), the EDC from TC3 and BWI/CWI from TB3
    // (the first TB and TC after a TD announcing T=1, §11.4), with the interface device's IFSD.
    static T1Parameters from_atr(const Atr& atr, std::uint8_t device_information_field_size =
                                                     k_t1_max_information_field_size);
};

// §11.4.3: BWT = 11 etu + 2^BWI x 960 x Fd / f, and Fd / f = 372 x D / F etu.
std::uint32_t block_waiting_etu(const T1Parameters& parameters);
// §11.4.3: CWT = (11 + 2^CWI) etu.
std::uint32_t character_waiting_etu(const T1Parameters& parameters);

// How long the port waits for the card's block: BWT, or BWT times the multiplier of an
// S(WTX request) for the one block after it (§11.4.3). A CCID reader takes the multiplier
// (PC_to_RDR_XfrBlock bBWI, CCID 1.1 §6.1.4); a serial reader counts the etus.
struct T1Wait {
    std::uint8_t multiplier = 1;
    std::uint32_t block_etu = 0;  // multiplied already
    std::uint32_t character_etu = 0;

    bool operator==(const T1Wait&) const = default;
};

// What a port reports instead of a block.
enum class T1PortFault {
    timeout,             // no block within the wait (BWT or CWT exceeded): recoverable
    transmission_error,  // a parity error on a character: recoverable, answered as an EDC error
    card_removed,        // the card left: not recoverable
    reader_failed,       // the reader failed or is gone: not recoverable
};

// Carries one block to the card and brings back the card's next block (CCID XfrBlock at
// TPDU level, a UART, a simulated card).
class T1Port {
  public:
    virtual ~T1Port() = default;
    virtual std::expected<base::Bytes, T1PortFault> exchange(std::span<const std::uint8_t> block,
                                                             const T1Wait& wait) = 0;
};

enum class T1Error {
    empty_command,                     // no APDU bytes at all
    command_too_long,                  // longer than an extended APDU
    card_removed,                      // the port says the card left
    reader_failed,                     // the port says the reader failed
    aborted_by_card,                   // the card sent S(ABORT request): the exchange is void
    response_too_long,                 // the card chained more than an extended response
    too_many_waiting_time_extensions,  // the card keeps asking for more time
    resynchronised,  // the exchange failed and the link was reset: the command may have run
    resynch_failed,  // the card did not answer S(RESYNCH): reset the card
    session_dead,    // an earlier failure ended this session: reset the card
};

std::string_view to_string(T1Error error);

class T1Host {
  public:
    T1Host(T1Port& port, const T1Parameters& parameters);

    // Sends one command APDU and returns the card's response (data, SW1 SW2). The first call
    // after the ATR first offers IFSD with S(IFS request) (§11.6.2, EMV 4.3 Book 1 §9.2.4).
    std::expected<base::Bytes, T1Error> transceive(std::span<const std::uint8_t> apdu);

    // The IFS exchange on its own, for a caller that wants it done straight after the ATR.
    std::expected<void, T1Error> negotiate_information_field_size();

    bool is_dead() const { return m_dead; }
    std::uint8_t card_information_field_size() const { return m_card_information_field_size; }
    std::uint8_t device_information_field_size() const { return m_device_information_field_size; }

  private:
    // The card's answer to one block: a valid block, or why not (and whether the session can
    // go on at all).
    struct Received {
        std::optional<T1Block> block;
        ReceiveStatus status = ReceiveStatus::other_error;  // for the R-block that asks again
        std::optional<T1Error> fatal;
    };

    std::expected<base::Bytes, T1Error> run_exchange(std::span<const std::uint8_t> apdu);
    Received exchange(const T1Block& block);
    T1Block information_block_at(std::span<const std::uint8_t> apdu, std::size_t offset) const;
    std::expected<void, T1Error> resynchronise();
    T1Error give_up();

    T1Port& m_port;
    T1Parameters m_parameters;
    std::uint8_t m_card_information_field_size;
    std::uint8_t m_device_information_field_size = k_t1_default_information_field_size;
    std::uint8_t m_send_sequence = 0;     // N(S) of the next I-block sent
    std::uint8_t m_receive_sequence = 0;  // N(S) expected of the card's next I-block
    bool m_ifs_negotiated = false;
    bool m_dead = false;
};

}  // namespace drivers::iso7816
