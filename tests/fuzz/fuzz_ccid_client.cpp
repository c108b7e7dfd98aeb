// libFuzzer harness: the kiosk's CCID driver (drivers/ccid/ccid_client.h) against a reader whose
// every answer the fuzzer makes, on a transport that replays them (drivers/usb/transport.h).
// The first byte picks the session: the reader's largest message (bit 0: the least CCID 1.1
// §5.1 allows, which makes the driver gather answers across transfers, or the most), whether
// the harness writes the command's slot and bSeq into each answer so that the fuzzer reaches
// past the sequence check (bit 1), and which commands follow the power-on (bits 2-7: XfrBlock,
// GetSlotStatus, SetParameters, GET_DATA_RATES, an interrupt message, PowerOff). Each answer is
// a length byte and that many bytes; length FF is a transfer that timed out, FE a stalled
// endpoint; when the input runs out the reader is unplugged.
// Properties: the driver sends only well-formed commands of at most the reader's message
// length (§6.1), never hands back more data than one message can carry, and reports every
// failure as a named CcidError; no answer, however long, makes it read or write out of bounds.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/ccid_message.h"
#include "drivers/usb/transport.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace ccid = drivers::ccid;
namespace usb = drivers::usb;
using tests::fuzz::require;

constexpr std::uint8_t k_timed_out = 0xFF;
constexpr std::uint8_t k_stalled = 0xFE;
// CCID 1.1 §6: the offsets of bSlot and bSeq in every message.
constexpr std::size_t k_slot_offset = 5;
constexpr std::size_t k_sequence_offset = 6;

class FuzzedReader : public usb::Transport {
  public:
    FuzzedReader(tests::fuzz::FuzzInput& input, std::size_t max_message_length, bool in_step)
        : m_input(input), m_max_message_length(max_message_length), m_in_step(in_step) {}

    std::expected<void, usb::UsbError> bulk_out(std::span<const std::uint8_t> data,
                                                std::chrono::milliseconds) override {
        require(data.size() <= m_max_message_length);
        const auto command = ccid::decode_command(data);
        require(command.has_value());
        m_sequence = ccid::sequence_of(*command);
        return {};
    }

    std::expected<std::size_t, usb::UsbError> bulk_in(std::span<std::uint8_t> buffer,
                                                      std::chrono::milliseconds) override {
        return answer(buffer, true);
    }

    std::expected<std::size_t, usb::UsbError> interrupt_in(std::span<std::uint8_t> buffer,
                                                           std::chrono::milliseconds) override {
        return answer(buffer, false);
    }

    std::expected<base::Bytes, usb::UsbError> control_transfer(const usb::ControlRequest&,
                                                               std::span<const std::uint8_t>,
                                                               std::uint16_t in_length,
                                                               std::chrono::milliseconds) override {
        if (m_input.rest().empty()) {
            return std::unexpected(usb::UsbError::no_device);
        }
        const auto bytes = m_input.take(m_input.take_byte());
        const auto kept = bytes.first(std::min<std::size_t>(bytes.size(), in_length));
        return base::Bytes(kept.begin(), kept.end());
    }

  private:
    std::expected<std::size_t, usb::UsbError> answer(std::span<std::uint8_t> buffer, bool is_bulk) {
        if (m_input.rest().empty()) {
            return std::unexpected(usb::UsbError::no_device);
        }
        const std::uint8_t length = m_input.take_byte();
        if (length == k_timed_out) {
            return std::unexpected(usb::UsbError::timeout);
        }
        if (length == k_stalled) {
            return std::unexpected(usb::UsbError::pipe);
        }
        const auto bytes = m_input.take(length);
        if (bytes.size() > buffer.size()) {
            return std::unexpected(usb::UsbError::overflow);
        }
        std::ranges::copy(bytes, buffer.begin());
        if (is_bulk && m_in_step && bytes.size() > k_sequence_offset) {
            buffer[k_slot_offset] = 0;
            buffer[k_sequence_offset] = m_sequence;
        }
        return bytes.size();
    }

    tests::fuzz::FuzzInput& m_input;
    std::size_t m_max_message_length;
    bool m_in_step;
    std::uint8_t m_sequence = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    ccid::CcidOptions options;
    options.max_message_length =
        (selector & 0x01) != 0 ? ccid::k_min_message_length : ccid::k_max_message_length;
    options.max_time_extensions = 3;
    const std::size_t max_data = options.max_message_length - ccid::k_header_length;
    FuzzedReader reader(input, options.max_message_length, (selector & 0x02) != 0);
    ccid::CcidClient client(reader, options);

    const auto atr = client.power_on();
    if (!atr) {
        require(!ccid::to_string(atr.error()).empty());
        return 0;
    }
    require(atr->size() <= max_data);
    if ((selector & 0x04) != 0) {
        // EMV 4.3 Book 1 §11.3.2: SELECT by name of the UnionPay debit application.
        constexpr std::uint8_t k_select[] = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00,
                                             0x00, 0x03, 0x33, 0x01, 0x01, 0x01, 0x00};
        if (const auto response = client.transmit(k_select)) {
            require(response->size() <= max_data);
        }
    }
    if ((selector & 0x08) != 0) {
        static_cast<void>(client.slot_status());
    }
    if ((selector & 0x10) != 0) {
        // CCID 1.1 §6.1.7, Table 6.1-8: T=1 with Fi/Di 11, LRC, IFSC 32.
        constexpr std::uint8_t k_t1_parameters[] = {0x11, 0x10, 0x00, 0x4D, 0x00, 0x20, 0x00};
        static_cast<void>(client.set_parameters(1, k_t1_parameters));
    }
    if ((selector & 0x20) != 0) {
        const std::uint8_t count = input.take_byte();
        if (const auto rates = client.data_rates(count)) {
            require(rates->size() <= count);
        }
    }
    if ((selector & 0x40) != 0) {
        static_cast<void>(client.wait_for_interrupt(std::chrono::milliseconds(0)));
    }
    if ((selector & 0x80) != 0) {
        static_cast<void>(client.power_off());
    }
    return 0;
}
