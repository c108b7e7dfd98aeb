#pragma once

// The card's side of the T=1 protocol (ISO/IEC 7816-3:2006 §11), for the simulated reader at
// TPDU level and for tests: blocks from the interface device in, the card's block out, and an
// APDU handler called once for each complete command. It chains both ways (by its IFSC and
// the IFSD the interface device offers), asks for more time with S(WTX request) as often as
// it is told to (a fixed count, or per command as a slow chip does for its slow commands),
// announces a new IFSC when configured to, answers S(IFS), S(RESYNCH) and
// S(ABORT) requests, and can damage or lose its next block on request so that tests can
// exercise the interface device's error recovery (§11.6.3).
// Pure and single-threaded: one T1Card belongs to one simulated card.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "drivers/iso7816/t1_block.h"

namespace drivers::iso7816 {

struct T1CardConfig {
    // IFSC: what the card's ATR announces in TA3 (§11.4.2).
    std::uint8_t information_field_size = k_t1_default_information_field_size;
    EdcKind edc = EdcKind::lrc;
    // The NAD the interface device sends (§11.3.2.1); the card answers it swapped.
    std::uint8_t node_address = 0;
    // S(WTX request)s the card sends before each response: a "time-extension hungry" card.
    int waiting_time_extensions = 0;
    std::uint8_t waiting_time_multiplier = 2;
    // When set, called once with each complete command before the card works on it: how many
    // S(WTX request)s more the card sends for this command (§11.6.2.3: a card asks for more
    // time when a command takes longer than BWT, so a slow chip asks on its slow commands).
    std::function<int(std::span<const std::uint8_t> command)> waiting_time_for;
    // The card's own I-blocks carry at most its IFSC too, not only the IFSD it was offered: a
    // card whose buffer is small both ways chains its long responses (§11.4.2 lets a sender
    // cut its chain into blocks of any size up to the receiver's IFS).
    bool chain_at_own_information_field_size = false;
    // When set, the card announces this IFSC with S(IFS request) before its first response.
    std::optional<std::uint8_t> announced_information_field_size;
};

class T1Card {
  public:
    using ApduHandler = std::function<base::Bytes(base::Bytes)>;

    T1Card(const T1CardConfig& config, ApduHandler handler);

    // One block from the interface device; the card's answer, or nothing when its answer is
    // lost (drop_next_block) and the interface device will see a time-out.
    std::optional<base::Bytes> receive(std::span<const std::uint8_t> block);

    // A cold or warm reset: the state after the ATR (§11.6.2: N(S) = 0, IFSD = 32).
    void reset();

    // Fault injection for tests: the next block the card sends has a wrong EDC, or is lost.
    void corrupt_next_block() { m_corrupt_next = true; }
    void drop_next_block() { m_drop_next = true; }
    // More time for the next command only, on top of the configured count.
    void request_waiting_time(int extensions) { m_extra_extensions += extensions; }

    std::uint8_t device_information_field_size() const { return m_device_field_size; }
    std::uint8_t information_field_size() const { return m_card_field_size; }
    std::size_t commands_handled() const { return m_commands_handled; }

  private:
    enum class Awaiting { nothing, waiting_time_response, field_size_response };

    std::optional<base::Bytes> emit(const T1Block& block);
    std::optional<base::Bytes> begin_response();
    std::optional<base::Bytes> continue_response();
    std::optional<base::Bytes> next_response_block();
    std::optional<base::Bytes> on_information(const T1Block& block);
    std::optional<base::Bytes> on_receive_ready(const T1Block& block);
    std::optional<base::Bytes> on_supervisory(const T1Block& block);
    std::optional<base::Bytes> ask_again(ReceiveStatus status);

    T1CardConfig m_config;
    ApduHandler m_handler;
    std::uint8_t m_card_field_size;
    std::uint8_t m_device_field_size = k_t1_default_information_field_size;
    std::uint8_t m_expected_sequence = 0;  // N(S) of the next I-block from the interface device
    std::uint8_t m_send_sequence = 0;      // N(S) of the card's next I-block
    base::Bytes m_command;
    base::Bytes m_response;
    std::size_t m_response_offset = 0;
    bool m_chaining = false;                  // the card's last I-block had M = 1
    std::optional<T1Block> m_unacknowledged;  // the card's last I-block, until answered
    std::optional<T1Block> m_request;         // the card's last S-request, to send again
    Awaiting m_awaiting = Awaiting::nothing;
    bool m_field_size_announced = false;
    int m_extensions_left = 0;
    int m_extra_extensions = 0;
    bool m_corrupt_next = false;
    bool m_drop_next = false;
    std::size_t m_commands_handled = 0;
};

}  // namespace drivers::iso7816
