#pragma once
// A simulated bank branch: the account service and the branch queue service (both over mutual
// TLS, with a certificate authority made for the run), the virtual card reader with its library
// of cards, the virtual PIN pad, the virtual receipt printer, the cabinet's sensors board, the
// branch's field engineers (simulator/staff), and the kiosk itself running as a child process
// whose libusb sees the virtual devices through umockdev. Scenarios and the control panel act
// on it, the staff side of the queue service and the engineers at the cabinet included.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/wipe.h"
#include "drivers/dukpt/derivation.h"
#include "simulator/app/card_counters.h"
#include "simulator/app/slip_pictures.h"
#include "simulator/bank/account_service.h"
#include "simulator/bank/tls_certificate.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/virtual_cabinet.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/devices/virtual_dispenser.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/devices/virtual_printer.h"
#include "simulator/queue/queue_service.h"
#include "simulator/script/runner.h"
#include "simulator/staff/demo_engineers.h"
#include "simulator/usb/virtual_usb_bus.h"

namespace simulator::app {

// The simulated kiosk's id: its terminal id, the Common Name of its client certificate, and the
// kiosk_id the queue service files its calls, answers and complaints under.
inline constexpr std::string_view k_kiosk_id = "SIM-KIOSK-1";
// Where staff are told the simulated kiosk stands ([kiosk] location).
inline constexpr std::string_view k_kiosk_location = "Lobby kiosk 1";

struct BranchOptions {
    std::filesystem::path out_directory;
    std::filesystem::path kiosk_binary;
    std::filesystem::path demo_cards;
    std::filesystem::path demo_branch;  // the queue service's businesses (simulator/queue)
    // The field engineers (simulator/staff); empty: this checkout's demo-engineers.toml.
    std::filesystem::path demo_engineers{};
    bool headless = true;
    bool record_audio = false;
    bool fresh_database = true;
    // The pad's PIN key: the fixed AES key, or AES DUKPT, a key per PIN block
    // (docs/protocols/epp.md §8.7).
    bool pin_pad_dukpt = false;
    std::vector<std::string> extra_kiosk_arguments;
};

// What stops the branch from opening or the kiosk from starting. Errors carry it as
// base::Error<BranchError>, whose context names the file or device, or is the failing part's
// own error.
enum class BranchError {
    cards_unusable,          // the demo card library cannot be read or is malformed
    out_directory_unusable,  // the output folder cannot be created
    certificate_failed,      // the run's certificate authority and certificates cannot be made
    account_service_failed,  // the simulated account service does not start
    queue_service_failed,    // the simulated queue service does not start
    device_not_plugged,      // a virtual device cannot be plugged into the virtual bus
    kiosk_not_started,       // the kiosk program cannot be started
    engineers_unusable,      // the demo engineers cannot be read, or their accounts file written
};

std::string_view to_string(BranchError error);

class Branch : public script::Hardware {
  public:
    // Starts the services and devices and writes the kiosk's engineers' accounts file; the
    // kiosk starts with start_kiosk(). Errors: cards_unusable, out_directory_unusable,
    // certificate_failed, account_service_failed, queue_service_failed, device_not_plugged,
    // engineers_unusable.
    static std::expected<std::unique_ptr<Branch>, base::Error<BranchError>> open(
        BranchOptions options);
    ~Branch() override;

    // Errors: kiosk_not_started, naming the program and the system's reason.
    std::expected<void, base::Error<BranchError>> start_kiosk();
    // Asks the kiosk to stop (SIGTERM) and waits for it, killing it after 5 s; returns its exit
    // status.
    int stop_kiosk();
    // Kills the kiosk at once (SIGKILL), as a crash or a power cut ends it, and waits for it.
    void kill_kiosk();
    // Waits up to `within` for the kiosk, armed by arm_kill_after_journal(), to kill itself,
    // and disarms it; a kiosk still alive then (a release build, or a step never reached) is
    // killed from outside. Errors: kiosk_did_not_kill_itself.
    std::expected<void, base::Error<script::ActionError>> wait_for_kiosk_to_kill_itself(
        std::chrono::milliseconds within);
    // Waits up to `within` for the kiosk to end itself with the controlled restart's exit status
    // (75), as its supervisor waits. Errors: kiosk_did_not_restart_itself (not in time: it is
    // killed; or another exit status).
    std::expected<void, base::Error<script::ActionError>> wait_for_kiosk_to_restart_itself(
        std::chrono::milliseconds within);

    std::filesystem::path transcript_path() const;
    std::filesystem::path kiosk_log_path() const;
    // The configuration file start_kiosk() writes for the kiosk (DIR/kiosk.toml).
    std::filesystem::path kiosk_config_path() const;
    std::vector<std::string> card_names() const;

    std::expected<void, base::Error<script::ActionError>> insert_card(
        const std::string& name) override;
    std::expected<void, base::Error<script::ActionError>> remove_card() override;
    std::expected<void, base::Error<script::ActionError>> take_cash() override;
    std::expected<void, base::Error<script::ActionError>> press_key(base::Key key) override;
    std::expected<void, base::Error<script::ActionError>> type_pin(
        const std::string& digits) override;
    std::expected<void, base::Error<script::ActionError>> set_headphones(bool plugged) override;
    // The account service's faults (aimed at every request or at one call), the queue
    // service's, and the cash dispenser's: `jam` (the next dispense of two notes or more picks
    // one and jams) and `none`.
    std::expected<void, base::Error<script::ActionError>> set_fault(
        const script::Fault& fault) override;
    // Unplugs the virtual device (card reader, PIN pad, printer, cash dispenser) from the bus (the
    // kiosk's libusb sees its transfers fail and the device vanish) or plugs it back in (a new
    // address, as a real replug gets).
    std::expected<void, base::Error<script::ActionError>> plug_device(script::Device device,
                                                                      bool plugged) override;
    // SIGUSR1 (fail) or SIGUSR2 (work) to the kiosk, which start_kiosk() configured with
    // `[simulation] allow_fault_signals = true`.
    std::expected<void, base::Error<script::ActionError>> set_speech_failing(bool failing) override;
    bool kiosk_running() override;
    // Scans the kiosk child's memory (simulator/app/memory_scan.h) for every form of the PAN
    // and PIN of each card inserted so far, and of each PIN typed for it.
    std::expected<script::MemoryVerdict, base::Error<script::ActionError>> scan_kiosk_memory()
        override;
    std::expected<void, base::Error<script::ActionError>> set_printer_paper(
        script::Paper paper) override;
    std::expected<void, base::Error<script::ActionError>> set_printer_cover(bool open) override;
    std::vector<std::string> printed_slips() override;
    // The staff side of the queue service, in-process: the newest call of this kiosk.
    std::expected<void, base::Error<script::ActionError>> acknowledge_staff_call(
        const std::string& name, std::optional<std::chrono::seconds> eta) override;
    std::expected<void, base::Error<script::ActionError>> close_staff_call() override;
    // Counts what the queue service received from this kiosk since the branch opened.
    std::expected<std::size_t, base::Error<script::ActionError>> delivered(
        script::Delivery what) override;
    // Writes DIR/kill-after-journal, which the kiosk's test failpoint (kiosk/app/test_failpoint.h)
    // reads after each journaled step. Errors: kiosk_did_not_kill_itself (it cannot be written).
    std::expected<void, base::Error<script::ActionError>> arm_kill_after_journal(
        const std::string& event) override;
    // stop_kiosk() (stopped), kill_kiosk() (killed), wait_for_kiosk_to_kill_itself()
    // (killed_itself) or wait_for_kiosk_to_restart_itself() (restarted_itself), `while_stopped`,
    // then the kiosk again with its configuration file as it is then (DIR/kiosk.toml, which the
    // service menu may have changed). The ended kiosk's transcript, screenshots and audio are set
    // aside as transcript.N.jsonl, screens.N/ and audio.N/ (N counts the restarts), and the new
    // kiosk's log lines follow the old one's in kiosk.log.
    std::expected<void, base::Error<script::ActionError>> restart_kiosk(
        const script::RestartKiosk& how, const std::function<void()>& while_stopped) override;
    // This kiosk's withdrawals in this run as the account service books them, and the cash the
    // dispenser let customers take.
    std::expected<script::RunLedger, base::Error<script::ActionError>> run_ledger() override;
    // The cabinet's sensors board: its key switch and its door, as an engineer turns and opens
    // them (each change an event to the kiosk, docs/protocols/cabinet.md §5.1).
    std::expected<void, base::Error<script::ActionError>> set_service_switch(bool on) override;
    std::expected<void, base::Error<script::ActionError>> set_cabinet_door(bool open) override;
    // A demo engineer at the PIN pad: their password, or the code their authenticator shows
    // when the pad first takes a digit, pressed digit by digit as press_key() presses one.
    std::expected<void, base::Error<script::ActionError>> type_engineer_secret(
        script::EngineerSecret secret, const std::string& engineer_id) override;
    // The new engineer's authenticator app scans the newest slip whose QR code sets up
    // `engineer_id` (staff::DemoEngineers::add_scanned).
    std::expected<void, base::Error<script::ActionError>> scan_set_up_slip(
        const std::string& engineer_id) override;
    // A key custodian types component 1 or 2 of the branch's forms for the next master key
    // (devices::k_demo_next_master_component1, 2) on the pad's keys, then Enter.
    std::expected<void, base::Error<script::ActionError>> type_key_component(int component,
                                                                             bool typo) override;
    std::expected<base::SecretText, base::Error<script::ActionError>> engineer_password(
        const std::string& engineer_id) override;
    // DIR/kiosk.toml with `setting` set to `value`, as DIR/usb-stick/kiosk.toml.
    std::expected<void, base::Error<script::ActionError>> put_configuration_on_stick(
        const std::string& setting, const std::string& value) override;
    // The kiosk's engineers' accounts file, its sign-in state and its out-of-service file
    // (kiosk.toml's [service]), in the output folder.
    std::filesystem::path engineers_file() const;
    std::filesystem::path sign_in_state_file() const;
    std::filesystem::path out_of_service_file() const;

  private:
    explicit Branch(BranchOptions options, cards::CardLibrary cards);
    // Writes DIR/kiosk.toml and DIR/pin-pad.key, once, when the branch's kiosk first starts.
    // Errors: kiosk_not_started.
    std::expected<void, base::Error<BranchError>> write_kiosk_files();
    // Starts the kiosk with DIR/kiosk.toml as it is; its output goes to kiosk.log, appended to
    // when `append_log` (a restart).
    std::expected<void, base::Error<BranchError>> launch_kiosk(bool append_log);
    // The newest call of this kiosk in one of `states`, by the queue service's id.
    std::expected<std::string, base::Error<script::ActionError>> newest_call(
        std::initializer_list<queue::CallState> states);
    // Waits until the pad is in `mode` (for idle: until it has left idle, that is until the
    // kiosk has set it up). Fails with `not_ready` when it does not come in time.
    std::expected<void, base::Error<script::ActionError>> wait_for_pin_pad(
        drivers::epp::PadMode mode, script::ActionError not_ready);
    // Writes the counters of the cards used so far to DIR/card-counters.json; a failure is said
    // on stderr.
    void save_card_counters();

    BranchOptions m_options;
    cards::CardLibrary m_cards;
    bank::MutualTlsFiles m_tls;
    // When the branch opened (Unix milliseconds): what the queue service received since is this
    // run's, even in a database kept from an earlier run.
    std::int64_t m_opened_unix_ms = 0;
    std::unique_ptr<bank::AccountService> m_account_service;
    std::unique_ptr<queue::QueueService> m_queue_service;
    std::unique_ptr<SlipPictures> m_slip_pictures;
    std::unique_ptr<usb::VirtualUsbBus> m_bus;
    std::shared_ptr<devices::VirtualCcidReader> m_reader;
    std::shared_ptr<devices::VirtualEpp> m_pin_pad;
    std::shared_ptr<devices::VirtualPrinter> m_printer;
    std::shared_ptr<devices::VirtualDispenser> m_dispenser;
    // Where each device is plugged in; nothing while it is unplugged.
    std::optional<usb::DeviceHandle> m_reader_handle;
    std::optional<usb::DeviceHandle> m_pin_pad_handle;
    std::optional<usb::DeviceHandle> m_printer_handle;
    std::optional<usb::DeviceHandle> m_dispenser_handle;
    std::shared_ptr<devices::VirtualCabinet> m_cabinet;
    std::optional<usb::DeviceHandle> m_cabinet_handle;
    staff::DemoEngineers m_engineers;
    pid_t m_kiosk = -1;
    std::optional<int> m_kiosk_status;
    int m_restarts = 0;
    // The secrets a memory scan looks for: the cards inserted in this run, in order, and the
    // PINs typed for each that are not the card's own (a wrong PIN is a secret too).
    struct TypedPin {
        std::string card;
        base::SecretText digits;
    };
    std::vector<std::string> m_cards_used;
    // Each demo card is one chip for the whole run, put in as often as a script says, so that
    // its transaction counter goes on counting (card_counters.h).
    std::map<std::string, std::shared_ptr<cards::VirtualCard>> m_cards_made;
    CardCounters m_card_counters;
    drivers::dukpt::InitialKeyId
        m_dukpt_initial_key_id{};  // the pad's, with --pin-pad-dukpt  // kept from earlier runs,
                                   // and saved as cards come out
    std::vector<TypedPin> m_typed_pins;
};

}  // namespace simulator::app
