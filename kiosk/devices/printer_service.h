#pragma once
// The receipt printer device model: finds the USB printer (docs/protocols/escpos.md), prints
// the core's slips (core::PrintDocument) as ESC/POS jobs and reports core events:
// PrintFinished{print_id, printed | paper_out | failed} for every slip asked for, PaperChanged
// when the paper level changes, and DeviceMissing{printer} / DeviceReturned{printer} when the
// printer goes and comes back (DeviceLink).
//
// Each slip is checked against the printer's condition before it is sent and again after
// (docs/protocols/escpos.md, "What the kiosk does with each status"): an empty roll or an open
// cover means paper_out and nothing is sent; a printer off-line for another cause, a condition
// that cannot be read, or a printer that is missing means failed. Between slips the printer is
// asked its condition every k_printer_status_poll, because it has no interrupt endpoint.
//
// The paper level is the one the core can act on: an open cover stops slips as an empty roll
// does, so it counts as `out`. The core takes PrintFinished{paper_out} as an empty roll too
// and stops asking for slips; it learns that they print again from PaperChanged{ok or low},
// which the model posts at its next look at a printer with paper and a closed cover.
//
// States: printer_missing (looked for again every k_reopen_interval), ready (waiting for a
// slip), printing (a slip is being checked, sent and checked again).
//
// Threading: print() may be called from any thread and never blocks; everything else runs on
// the model's thread (named `printer`), which posts events and notices. Notices name what
// happened to the printer, never what a slip says.

#include <atomic>
#include <cstdint>
#include <deque>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drivers/escpos/escpos_client.h"
#include "drivers/escpos/escpos_protocol.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/events.h"
#include "kiosk/core/print_document.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_link.h"
#include "kiosk/devices/device_snapshot.h"

namespace kiosk::devices {

enum class PrinterState { printer_missing, ready, printing };

std::string_view to_string(PrinterState state);

struct PrinterOptions {
    // Any device with a printer-class interface; narrow it with vendor and product ids.
    drivers::usb::DeviceMatch match{.vendor_id = std::nullopt,
                                    .product_id = std::nullopt,
                                    .interface_class = drivers::escpos::k_interface_class_printer,
                                    .bus = std::nullopt,
                                    .address = std::nullopt};
    // Chunk length and time-outs of the ESC/POS client (drivers/escpos/escpos_client.h).
    drivers::escpos::EscposOptions escpos = {};
    // The device's name in notices, and of the model's thread.
    std::string name = "printer";
};

class PrinterService {
  public:
    explicit PrinterService(PrinterOptions options = {});
    ~PrinterService();
    PrinterService(const PrinterService&) = delete;
    PrinterService& operator=(const PrinterService&) = delete;

    // Starts the model's thread (stopping a running one). `events` and `notice` are called
    // from that thread. Slips asked for before the start are printed, or refused, once it runs.
    void start(EventSink events, DeviceNotice notice);
    // Stops the thread: at once while it waits; while it prints, once the slip in hand is done
    // (tens of milliseconds; a printer that stops taking data holds it up to the client's
    // write time-out). Slips not yet printed are dropped unreported: the shell no longer
    // listens.
    void stop();

    // Prints `document` as one slip; PrintFinished{print_id, ...} follows, from the model's
    // thread. Any thread; never blocks: the slip is queued and the model woken to print it at
    // once. Slips print in the order asked for.
    void print(std::uint64_t print_id, core::PrintDocument document);

    PrinterState state() const { return m_state.load(); }
    // What the model knows of its printer (device_snapshot.h): its USB identity, and paper,
    // cover and on-line as its last status request found them (every k_printer_status_poll
    // and around each slip). Any thread; never talks to the printer.
    DeviceSnapshot snapshot() const { return m_snapshot.get(); }

  private:
    struct Job {
        std::uint64_t print_id = 0;
        core::PrintDocument document;
    };
    struct Connection;
    enum class Outcome { keep_going, printer_gone };

    void run();
    std::optional<Connection> connect(const drivers::usb::UsbContext& context);
    void serve(Connection& connection);
    Outcome carry_out(Connection& connection, const Job& job);
    // Asks the printer's condition and follows it: presence, paper level, cover, on-line.
    std::expected<drivers::escpos::PrinterCondition, drivers::escpos::Error> look(
        Connection& connection);
    void follow(const drivers::escpos::PrinterCondition& condition);
    void finish(std::uint64_t print_id, core::PrintResult result, std::string_view notice);
    void refuse_jobs_while_missing();
    std::optional<Job> next_job();
    void set_state(PrinterState state) { m_state = state; }
    void post(core::Event event) { m_link.post(std::move(event)); }
    void tell(std::string_view event) { m_link.tell(event); }

    PrinterOptions m_options;
    DeviceLink m_link;
    std::atomic<PrinterState> m_state{PrinterState::printer_missing};

    // The model's thread only. The paper level as the shell last heard it.
    core::PaperLevel m_paper_heard = core::PaperLevel::ok;
    // The printer's condition at the last look, for notices of what changed.
    std::optional<drivers::escpos::PrinterCondition> m_last_condition;
    // A slip taken from the queue and not yet answered: a fault that escapes the model's code
    // must not leave the shell waiting for it.
    std::optional<std::uint64_t> m_unfinished;
    // The open printer's USB identity, for snapshot() (model thread only).
    std::optional<DeviceSnapshot> m_printer_usb;
    SnapshotCell m_snapshot{DeviceKind::printer};

    std::mutex m_jobs_mutex;
    std::deque<Job> m_jobs;
};

}  // namespace kiosk::devices
