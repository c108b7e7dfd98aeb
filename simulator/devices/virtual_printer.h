#pragma once

// A simulated USB receipt printer speaking ESC/POS (docs/protocols/escpos.md): printer class 7,
// subclass 1, protocol 2 (bidirectional), bulk OUT 0x01 (jobs and status requests), bulk IN
// 0x82 (status replies). It reads what it is sent with drivers/escpos's decoder, answers
// DLE EOT n at once from the paper and cover the simulator sets, and at each cut hands the
// slip it printed to a sink and keeps it for scenario checks ("the slip says A023").
//
// The bus calls on_out, take_in and on_control on its worker thread while the scenario runner
// or the control panel sets the paper; the printer guards its state with its own mutex. The
// sink is called on the thread that delivered the cut, with no lock held.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/escpos/escpos_protocol.h"
#include "simulator/usb/virtual_usb_device.h"

namespace simulator::devices {

// One piece of paper the printer cut off.
struct PrintedSlip {
    // What was printed on it: first the modes in force when it began (size, justification,
    // emphasis, QR settings) where they differ from a printer just switched on, then every
    // command up to and including the cut. Status requests are not part of a slip.
    std::vector<drivers::escpos::Command> commands;
    // The characters printed, one line per LF; each ESC d n ends the line and adds n - 1 empty
    // ones.
    std::string text;
    // The data of each QR code printed, in order.
    std::vector<std::string> qr_codes;
};

using SlipSink = std::function<void(const PrintedSlip&)>;

class VirtualPrinter final : public simulator::usb::VirtualUsbDevice {
  public:
    static constexpr std::uint8_t k_bulk_out = 0x01;
    static constexpr std::uint8_t k_bulk_in = 0x82;

    struct Identity {
        std::string manufacturer = "Kiosk Simulator";
        std::string product = "Virtual Receipt Printer";
        std::string serial = "SIM-PRN-0001";
    };

    VirtualPrinter();
    explicit VirtualPrinter(Identity identity);

    // The roll as the simulator sets it. `low` still prints and says so in DLE EOT 4; `out`
    // prints nothing, answers paper end, and takes the printer off-line.
    void set_paper(drivers::escpos::PaperState paper);
    drivers::escpos::PaperState paper() const;
    // An open cover takes the printer off-line; nothing prints until it is closed.
    void set_cover_open(bool open);
    bool cover_open() const;

    // Called with each slip as it is cut; replaces the sink set before.
    void set_slip_sink(SlipSink sink);

    // Every slip printed since the printer was made, oldest first.
    std::vector<PrintedSlip> slips() const;
    std::vector<std::string> slip_texts() const;
    std::size_t slips_printed() const;
    // Slips cut while there was no paper, the cover was open, or their bytes were broken:
    // nothing came out of the printer for them.
    std::size_t slips_not_printed() const;
    // What was wrong with the bytes the host sent, most recent last.
    std::vector<drivers::escpos::Error> stream_errors() const;
    // Waits until at least `count` slips are printed or `timeout` passes; true when they are.
    bool wait_for_slips(std::size_t count, std::chrono::milliseconds timeout) const;

    base::Bytes descriptors() const override;
    std::string manufacturer() const override { return m_identity.manufacturer; }
    std::string product() const override { return m_identity.product; }
    std::string serial() const override { return m_identity.serial; }
    void on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) override;
    std::optional<base::Bytes> take_in(std::uint8_t endpoint) override;
    // USB Printer Class 1.1: GET_DEVICE_ID and GET_PORT_STATUS.
    std::expected<base::Bytes, int> on_control(const simulator::usb::ControlSetup& setup,
                                               std::span<const std::uint8_t> data) override;
    // Unplugged, the printer loses what it had received of a slip not yet cut, its modes and
    // the replies the host had not read. The paper, the cover and the printed slips stay.
    void on_unplugged() override;

  private:
    // The modes a printer keeps from one command to the next (ESC/POS: until changed or ESC @).
    struct Modes {
        drivers::escpos::Justification justification = drivers::escpos::Justification::left;
        bool emphasised = false;
        drivers::escpos::CharacterSize size = drivers::escpos::k_normal_size;
        drivers::escpos::QrSettings qr;
        std::optional<std::string> qr_data;
    };

    // Each returns a finished slip when the command was a cut.
    std::optional<PrintedSlip> take(const drivers::escpos::Command& command);
    void answer(drivers::escpos::StatusKind kind);
    void start_slip();
    bool can_print() const;

    const Identity m_identity;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_slip_printed;
    drivers::escpos::StreamDecoder m_decoder;
    drivers::escpos::PaperState m_paper = drivers::escpos::PaperState::ok;
    bool m_cover_open = false;
    Modes m_modes;
    PrintedSlip m_slip;           // the slip being printed
    bool m_slip_begun = false;    // a command of it has arrived since the last cut
    bool m_slip_spoiled = false;  // no paper, an open cover or broken bytes while it printed
    std::vector<PrintedSlip> m_slips;
    std::size_t m_slips_not_printed = 0;
    std::vector<drivers::escpos::Error> m_errors;
    std::deque<base::Bytes> m_replies;
    SlipSink m_sink;
};

}  // namespace simulator::devices
