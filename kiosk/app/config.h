#pragma once
// The kiosk's start-up configuration: a TOML file (assets/config/*.toml) and command-line
// options over it. A bad file or option is a start-up error: it throws ConfigError, which
// main reports before anything is shown (house style 3).

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/devices/card_reader_service.h"
#include "kiosk/ui/theme.h"

namespace kiosk::app {

// EN 301 549 5.7 (docs/accessibility.md, "Input"): an identical second key press within half a
// second is taken for a tremor or a bounce and ignored. 0 turns this off; two seconds is the
// longest that still lets a customer press the same key twice on purpose.
inline constexpr int k_default_ignore_second_press_ms = 500;
inline constexpr int k_longest_ignore_second_press_ms = 2000;

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The PIN block the pad is asked for ([pin_pad] block_format): ISO 9564-1 format 4 under
// AES-128, the default, or format 0 under TDES for older hosts (docs/protocols/epp.md §4.4).
// One name for one thing: the core's.
using PinBlockFormat = core::PinBlockFormat;

// How the pad's PIN key is managed ([pin_pad] pin_key): a fixed working key named by its check
// value, or AES DUKPT (ANSI X9.24-3-2017), a key of its own for each block, named by the initial
// key ID (docs/protocols/epp.md §8.7).
enum class PinKeyMode { fixed, dukpt };

// What the kiosk knows of its PIN pad's keys (docs/protocols/epp.md §8.6), read at start-up:
// the pad's authentication key (from its own private file) and what names the PIN key the pad
// must hold for the format. The PIN key itself is the bank's and never here.
struct PinPadKeys {
    PinBlockFormat format = PinBlockFormat::iso9564_format4;
    PinKeyMode pin_key = PinKeyMode::fixed;
    base::Bytes authentication_key;  // 16 bytes; base::Bytes wipes it when freed
    // What names the PIN key: its check value, 5 bytes for format 4 (AES), 3 for format 0
    // (TDES); under DUKPT (format 4 only) the 8-byte initial key ID, which
    // devices::pin_pad_security() tells from a check value by its length.
    base::Bytes pin_key_check_value;
};

struct Config {
    // The file the settings came from (--config), which the service menu shows and changes;
    // none when the kiosk runs on its defaults and options alone.
    std::optional<std::filesystem::path> config_file;
    // The command line it was loaded from: a new file is judged as the kiosk would start with it.
    std::vector<std::string> arguments;
    // display
    bool fullscreen = true;  // production; `--windowed` for development
    int width = 1280;
    int height = 720;
    std::filesystem::path font_regular = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
    std::filesystem::path font_bold = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
    // The panel's visible area and how far the customer's eyes are from it: the text sizes'
    // millimetre minimums become pixels through them (docs/accessibility.md, "Seeing the
    // screen"). The defaults are a 21.5-inch 16:9 lobby panel read from 500 mm.
    double panel_width_mm = ui::k_reference_panel.width_mm;
    double panel_height_mm = ui::k_reference_panel.height_mm;
    double viewing_distance_mm = ui::k_reference_panel.viewing_distance_mm;
    // input
    int ignore_second_press_ms = k_default_ignore_second_press_ms;
    // account service
    std::string account_url = "https://127.0.0.1:8443";
    std::filesystem::path account_ca_file;  // the only CA trusted for it; required
    // The kiosk's id ([account] terminal_id, --terminal-id): the account service's terminal_id,
    // the queue service's kiosk_id, and the Common Name of the kiosk's client certificate.
    std::string terminal_id = "KIOSK-0001";
    // queue service ([queue]): optional. Without a URL the kiosk runs no queue client; with one,
    // its certificate authority, the kiosk's client certificate and key, the location and the
    // outbox file are required.
    std::string queue_url;
    std::filesystem::path queue_ca_file;  // the only CA trusted for it
    // The kiosk's own TLS identity ([tls]), presented to both services (mutual TLS). The key
    // must be the kiosk's user's own and private to it.
    std::filesystem::path client_certificate;
    std::filesystem::path client_key;
    // Where staff find the kiosk ([kiosk] location), sent with every call for staff: 1 to 64
    // characters, from this file only, never from a customer.
    std::string location;
    // The queue client's outbox ([outbox] file): an SQLite database the kiosk creates.
    std::filesystem::path outbox_file;
    // The electronic journal ([journal] file, --journal): every step of every withdrawal, in an
    // SQLite file the kiosk creates (kiosk/store). Without a journal it can open and write, the
    // kiosk gives no cash and tells staff; everything else still works.
    std::filesystem::path journal_file = "/var/lib/kiosk/journal.sqlite";
    // The service menu ([service]; kiosk/core/README.md, "The service menu"): the engineers'
    // accounts (engineers_file, --engineers: kiosk/access, made with kiosk-diag engineer add;
    // private to the kiosk's user), the sign-in lock and the codes used (sign_in_state_file,
    // --sign-in-state), and whether the kiosk is out of service and why (out_of_service_file,
    // --out-of-service-file), kept across restarts. Without an accounts file nobody can sign
    // in; the kiosk serves its customers as before.
    std::filesystem::path engineers_file = "/etc/kiosk/engineers.toml";
    std::filesystem::path sign_in_state_file = "/var/lib/kiosk/sign-in.toml";
    std::filesystem::path out_of_service_file = "/var/lib/kiosk/out-of-service.toml";
    // The USB stick's mount point ([service] usb_stick_directory): the records' export writes
    // there (kiosk/app/record_export.h), and a new configuration is read from there
    // (config_update.h). Nothing mounted there is "no USB stick". And the file
    // the kiosk's log goes to ([service] log_file), exported beside the journal; without one
    // (the log goes to the system's journal) only the electronic journal is exported.
    std::filesystem::path usb_stick_directory = "/media/kiosk-usb";
    std::optional<std::filesystem::path> log_file;
    // speech
    std::string speaker_device;
    std::string headphones_device;
    std::optional<std::filesystem::path> record_audio_directory;
    // files
    std::filesystem::path locales_directory;
    std::optional<std::filesystem::path> transcript;
    std::optional<std::filesystem::path> screenshots_directory;
    // The PIN pad's working key slot (the key itself never leaves the pad); revision 4 pads.
    // [card_reader]: the reader models the bank has approved (`allowed = ["072F:90CC", ...]`,
    // USB vendor:product in hex; empty or absent admits any CCID reader) and the slot
    // customers use (`slot`, 0 unless a multi-slot reader carries SAMs in front).
    std::vector<devices::ReaderId> allowed_readers;
    int card_slot = 0;
    int pin_key_slot = 0;
    // [pin_pad] (docs/protocols/epp.md §8.6): the block format (block_format = "iso9564-4" or
    // "iso9564-0", --pin-block-format), the file holding the pad's authentication key as 32
    // hexadecimal digits, private to the kiosk's user (authentication_key_file, --pin-pad-key),
    // and the check value of the pad's PIN key for that format (pin_key_check_value,
    // --pin-key-check-value). With the key file the kiosk authenticates its pad (revision 5)
    // and load_config() fills pin_pad_keys; without it the pad is used as revision 4 (format 0).
    PinBlockFormat pin_block_format = PinBlockFormat::iso9564_format4;
    std::filesystem::path pin_pad_authentication_key_file;
    std::string pin_key_check_value;
    // pin_key = "fixed" (the default) or "dukpt" (--pin-key): with DUKPT the pad's slot 0x02
    // makes each format 4 block under its own key, and pin_initial_key_id
    // (--pin-initial-key-id, 16 hexadecimal digits) takes the check value's place
    // (docs/protocols/epp.md §8.7).
    PinKeyMode pin_key = PinKeyMode::fixed;
    std::string pin_initial_key_id;
    std::optional<PinPadKeys> pin_pad_keys;
    // security: lock every page in memory so that no card number is ever written to swap.
    // Off unless asked, because it needs CAP_IPC_LOCK or a large RLIMIT_MEMLOCK.
    bool lock_memory = false;
    // simulation: SIGUSR1 makes speech fail and SIGUSR2 makes it work again, so that kiosk-sim's
    // scenarios can take the voice away (docs/scenarios.md). Never set in production.
    bool allow_fault_signals = false;
};

// The usage text for --help.
std::string usage();

// The file `--config FILE` names (the last one given), even where the rest would not load.
std::optional<std::filesystem::path> config_file_named(const std::vector<std::string>& arguments);

// Reads `--config FILE` (if given) and then applies the other options over it.
// Returns nothing when the arguments asked for --help.
std::optional<Config> load_config(const std::vector<std::string>& arguments,
                                  const std::filesystem::path& default_locales);

}  // namespace kiosk::app
