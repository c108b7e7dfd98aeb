#pragma once

// The host side of the PIN pad protocol (docs/protocols/epp.md) over a Transport. One command
// at a time on the bulk endpoints; events are read from the interrupt endpoint, possibly on
// another thread. After authenticate() every frame both ways is secured (epp.md §8.5): the
// client adds the counter and MAC to its commands and drops any response or event whose MAC or
// counter is wrong, counting it (frames_refused()).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <string_view>

#include "drivers/epp/epp_protocol.h"
#include "drivers/epp/epp_security.h"
#include "drivers/usb/transport.h"

namespace drivers::epp {

struct EppOptions {
    std::chrono::milliseconds command_timeout{2000};
    // Answers with an older sequence number (late answers to a command that timed out) that
    // are skipped before giving up.
    int max_stale_responses = 4;
};

struct PinEntryRequest {
    base::SecretText account_field;  // 12 digits: account_field_from_pan()
    std::uint8_t min_digits = 4;
    std::uint8_t max_digits = 6;
    std::uint8_t key_slot = 0;
    std::chrono::seconds timeout{30};
    // A PIN once (START PIN ENTRY), or a new PIN typed twice and compared by the pad (START NEW
    // PIN ENTRY, epp.md §4.8).
    PinEntryKind kind = PinEntryKind::pin;
    // epp.md §4.4, revision 5: format 4 takes the whole PAN (12 to 19 digits) as its account
    // field, format 0 the 12 digits of account_field_from_pan().
    BlockFormat format = BlockFormat::iso9564_format0;
};

class EppClient {
  public:
    explicit EppClient(usb::Transport& transport, EppOptions options = {});

    std::expected<DeviceInfo, EppError> get_info();
    std::expected<PadStatus, EppError> get_status();
    // Function keys only, or nothing (epp.md §4.3).
    std::expected<void, EppError> set_key_mode(KeyMode mode);
    // Opens a clear-digit window: at most `count` digits for `purpose`, for at most `time`;
    // the pad then returns to function keys by itself (epp.md §4.3). Checked before sending.
    std::expected<void, EppError> offer_clear_digits(DigitPurpose purpose, std::uint8_t count,
                                                     std::chrono::seconds time);
    // Starts a PIN entry of the request's kind (epp.md §4.4, §4.8); the request is checked
    // before anything is sent (invalid_request). A pad older than revision 4 refuses a new-PIN
    // entry as unknown_command.
    std::expected<void, EppError> start_pin_entry(const PinEntryRequest& request);
    std::expected<void, EppError> cancel_pin_entry();
    // The block of the last finished entry, if the PinEntryDone event was missed.
    std::expected<PinBlockReply, EppError> get_pin_block();
    std::expected<void, EppError> beep(Tone tone, std::chrono::milliseconds duration);

    // ---- Revision 5 (epp.md §8) ----

    // Mutual authentication (§8.4) under the pad's authentication key: a fresh challenge from
    // the system's generator, the pad's proof checked (pad_not_authentic when wrong), the
    // kiosk's proof sent; on success every later frame is secured. Ends any session before.
    std::expected<void, EppError> authenticate(const SecretKey& authentication_key);
    bool is_secured() const { return m_channel.is_open(); }
    // The pad's key slots, their KCVs and its counters (§8.1).
    std::expected<KeyStatus, EppError> get_key_status();
    // The key ceremony (§8.2): the custodians type on the pad; the host only starts it and,
    // after the combined KCV was compared, commits (the new master key's KCV) or abandons it.
    // `confirm_on_keys` (revision 6): the pad reports enter once the combined key awaits the
    // custodians' confirmations; a revision 5 pad refuses it as bad_length.
    std::expected<void, EppError> begin_key_ceremony(bool confirm_on_keys = false);
    std::expected<KeyCheckValue, EppError> commit_key_ceremony();
    std::expected<void, EppError> abandon_key_ceremony();
    // Loads a working key from its key block (§8.3); the pad answers the key's KCV. The DUKPT
    // slot is invalid_request here: load_dukpt_key() takes its block.
    std::expected<KeyCheckValue, EppError> load_key(KeySlot slot, const KeyBlock& block);
    // Loads the DUKPT initial key from its 40-byte block (§8.7); the pad answers the initial
    // key's KCV, and from then on names the slot by its initial key ID (get_key_status).
    std::expected<KeyCheckValue, EppError> load_dukpt_key(const DukptKeyBlock& block);
    // Responses and events dropped because their MAC or counter was wrong (§8.5).
    unsigned frames_refused() const { return m_frames_refused.load(); }

    // Waits up to `timeout` for one event. Nothing within the time is an empty result, and so
    // is a wait that another thread ends early with the transport's wake().
    std::expected<std::optional<Event>, EppError> wait_for_event(std::chrono::milliseconds timeout);
    // Events the pad numbered but that never arrived (gaps in the event sequence numbers).
    unsigned events_lost() const { return m_events_lost.load(); }

  private:
    std::expected<Response, EppError> exchange(const Command& command);
    // `session`: opens the secure channel once the command is sent, so that its answer is
    // checked under the new key (AUTHENTICATE FINISH, epp.md §8.4).
    std::expected<Response, EppError> exchange_locked(const Command& command,
                                                      const SecretKey* session = nullptr);

    usb::Transport& m_transport;
    EppOptions m_options;
    std::mutex m_command_mutex;
    std::uint8_t m_sequence = 0;
    std::optional<std::uint8_t> m_last_event_sequence;  // touched by the event reader only
    std::atomic<unsigned> m_events_lost{0};
    SecureChannel m_channel;
    std::atomic<unsigned> m_frames_refused{0};
};

}  // namespace drivers::epp
