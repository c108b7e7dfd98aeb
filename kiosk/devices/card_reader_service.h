#pragma once
// The card reader device model (docs/architecture.md, "Drivers are layered"): finds the CCID
// reader, follows its slot, reads an inserted card with drivers/emv and reports core events:
// CardInserted, then CardRead or CardReadFailed, and CardRemoved when the card is pulled out.
// CardRead carries the month of the read (CardReaderOptions::month_now) and the issuer's country.
// CardReadFailed says CardFault::not_accepted for a chip that answers but holds no application
// the terminal supports (EmvError::no_application), CardFault::blocked for a card or every
// application blocked (EmvError::card_blocked, application_blocked), CardFault::unreadable for
// anything else.
// DeviceMissing{card_reader} and DeviceReturned{card_reader} say when the reader goes and comes
// back (DeviceLink).
//
// The reader is driven by its class descriptor, corrected by the quirks of its model
// (drivers/ccid/reader_quirks.h); a card is set up by drivers::ccid::CardSession (protocol,
// speed, T=1 at TPDU level). A character-level reader, or one not on the allow-list, is not
// used.
//
// States: reader_missing (no reader, looked for again every k_reopen_interval), absent (no
// card), present (a card in the slot, not powered), powered (answer to reset received,
// reading), active (read; waits for eject() and removal).
//
// The card number leaves drivers/ only as a core::CardNumber, which masks itself; the plain
// digits are wiped at once. Notices name what happened, never the card.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drivers/ccid/reader_quirks.h"
#include "drivers/emv/card_data.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/card_number.h"
#include "kiosk/devices/device_events.h"
#include "kiosk/devices/device_link.h"
#include "kiosk/devices/device_snapshot.h"
#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {

enum class CardReaderState { reader_missing, absent, present, powered, active };

std::string_view to_string(CardReaderState state);

// The chip's ARQC and what its issuer needs to check it (drivers/emv/application_cryptogram.h),
// as the core carries it: upper-case hexadecimal text (core::CardAuthentication).
core::CardAuthentication card_authentication_of(
    const drivers::emv::OnlineAuthentication& authentication);

// This month by the system clock, in UTC.
core::CalendarMonth utc_month_now();

// A reader model by its USB ids, as the allow-list names it.
struct ReaderId {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    bool operator==(const ReaderId&) const = default;
};

struct CardReaderOptions {
    // Any device with a smart-card (CCID) interface; narrow it with vendor and product ids.
    drivers::usb::DeviceMatch match{.vendor_id = std::nullopt,
                                    .product_id = std::nullopt,
                                    .interface_class = drivers::usb::k_interface_class_smart_card,
                                    .bus = std::nullopt,
                                    .address = std::nullopt};
    drivers::emv::Terminal terminal = drivers::emv::Terminal::branch_kiosk();
    // The readers the bank has approved; empty admits any CCID reader. A reader not on the
    // list is not used: the model reports it once and goes on looking, as for a missing one.
    std::vector<ReaderId> allowed_readers;
    // The slot customers insert their card into; a multi-slot reader's others hold SAMs.
    std::uint8_t card_slot = 0;
    // The device's name in notices.
    std::string name = "card reader";
    // One card read, from power-on to the last record, ends within this however the card or
    // the reader stall (kiosk/devices/device_timing.h).
    std::chrono::milliseconds read_limit = k_card_read_limit;
    // The month a card is read in, for CardRead::read_in: the core, which keeps no clock,
    // refuses an expired card with it before any PIN is asked for. UTC, as the transaction
    // date the card is given (9A, drivers/emv/card_data.h), so the kiosk and the card's
    // cryptogram agree on the date. A test sets another month.
    std::function<core::CalendarMonth()> month_now = utc_month_now;
};

class CardReaderService {
  public:
    explicit CardReaderService(CardReaderOptions options = {});
    ~CardReaderService();
    CardReaderService(const CardReaderService&) = delete;
    CardReaderService& operator=(const CardReaderService&) = delete;

    // Starts the model's thread. `events` and `notice` are called from that thread.
    void start(EventSink events, DeviceNotice notice);
    // Stops the thread promptly: at once while it waits on the reader, within one wait for an
    // answer (100 ms) during a read.
    void stop();

    // Powers the card off so the customer can pull it out (a dip reader has no motor); the
    // model then reports CardRemoved when the slot is empty. Any thread; never blocks; wakes
    // the model's thread, so the card is released at once.
    void eject();
    // Asks the card in use for a fresh ARQC, as a new transaction (EMV 4.3 Book 3 §10.8: the
    // application selected and its processing started again, then GENERATE AC), and reports
    // CardAuthenticationRenewed, or CardReadFailed when the card fails or is another card. Any
    // thread; never blocks.
    void renew_card_authentication();

    CardReaderState state() const { return m_state.load(); }
    // What the model knows of its reader (device_snapshot.h): its USB identity and the class
    // descriptor it drives it by, as read at connect, and whether a card is in the slot; or
    // why the reader found is not used. Any thread; never talks to the reader.
    DeviceSnapshot snapshot() const { return m_snapshot.get(); }

  private:
    struct Connection;
    enum class Outcome { keep_going, reader_gone };

    void run();
    std::optional<Connection> connect(const drivers::usb::UsbContext& context);
    // The reader connect() opens, or nothing (having published a refusal when it was not used).
    std::optional<Connection> open_reader(const drivers::usb::UsbContext& context);
    void serve(Connection& connection);
    Outcome follow_slot(Connection& connection, bool present);
    Outcome card_inserted(Connection& connection);
    Outcome read_card(Connection& connection);
    // Ends the read's window, so that the commands that follow (a status check, a power-off)
    // are not cut short by its deadline or an eject, and says why the read failed as the
    // customer's session should learn it: the deadline or an eject explain a failure better
    // than the error they caused.
    std::string finish_read(std::string_view reason);
    void renew_authentication(Connection& connection);
    void card_removed();
    void release_card(Connection& connection);
    void set_state(CardReaderState state);
    // What connect() learnt of the reader it opened, for snapshot() (model thread only).
    DeviceSnapshot reader_snapshot(const Connection& connection,
                                   const drivers::ccid::ReaderQuirks* quirks) const;
    // Publishes the reader's snapshot as the state now says: cleared while it is missing.
    void publish_snapshot();
    // Publishes a reader found and not used, and why.
    void publish_refusal(DeviceSnapshot snapshot, std::string refusal);
    void post(core::Event event) { m_link.post(std::move(event)); }
    void tell(std::string_view event) { m_link.tell(event); }

    CardReaderOptions m_options;
    DeviceLink m_link;
    std::atomic<CardReaderState> m_state{CardReaderState::reader_missing};
    std::atomic<bool> m_eject_requested{false};
    std::atomic<bool> m_renewal_requested{false};
    // The number of the card in use, so that a renewed cryptogram is known to be its (model
    // thread only; masks itself, wiped when the card is released).
    std::optional<core::CardNumber> m_card_number;
    // The last reader refused by the allow-list, so that it is reported once (model thread).
    std::optional<ReaderId> m_refused_reader;
    // The reader's snapshot as connect() built it, without what changes as it runs (model
    // thread only); and whether this look published a refusal.
    std::optional<DeviceSnapshot> m_reader_known;
    bool m_refusal_published = false;
    SnapshotCell m_snapshot{DeviceKind::card_reader};
    // Set while a card is being read: the read's window (model thread only).
    std::optional<std::chrono::steady_clock::time_point> m_read_deadline;
};

}  // namespace kiosk::devices
