#pragma once

// The PIN pad's key ceremony as plain values (kiosk/core/README.md, "The key ceremony"): two key
// custodians, each signed in, each type one component of a new master key on the pad's own keys
// (docs/protocols/epp.md §8.2); the pad reports only counts and key check values, which the
// kiosk shows and says for comparison with the paper forms; the bank wraps the working keys
// under the new master key (docs/api/account.yaml, "PIN pad working keys"); and the new key
// replaces the old one only after both custodians confirm, with the bank's keys in hand.
//
// Key check values (KCVs) are not secret: they are printed on the forms to be compared. No key,
// component or digit typed ever reaches the kiosk.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::core {

// How far the ceremony is.
enum class CeremonyStep {
    starting,    // BeginKeyCeremony sent: the pad's answer awaited
    component1,  // the first custodian types component 1
    component2,  // the second custodian types component 2
    confirming,  // every KCV shown: each custodian confirms with Enter, in turn
    committing,  // both confirmed and the bank's keys here: the pad commits and loads them
    done,        // the new master key and the working keys are in the pad: the result shown
    ended        // over without a new master key (CeremonyEnd says why)
};

std::string_view to_string(CeremonyStep step);

// Why a ceremony ended without a new master key, or why its keys could not all be loaded.
enum class CeremonyEnd {
    cancel_key,        // a custodian pressed Cancel on the pad: a KCV did not match a form
    timed_out,         // no key on the pad for 120 seconds (epp.md §8.2)
    by_kiosk,          // the kiosk abandoned it: signed out, the switch, or the menu left
    zero_key,          // the components combine to a key of zeros
    pad_refused,       // the pad would not start one (busy, revision 5, missing, DUKPT)
    pad_failed,        // the pad went or stopped answering during the ceremony
    bank_has_no_keys,  // the bank issued no master key with the combined KCV (404 no_keys)
    bank_unavailable,  // the bank's key management could not be reached or answered badly
    keys_not_loaded    // committed, but a working key did not load or its KCV differed
};

std::string_view to_string(CeremonyEnd end);

// The number of hexadecimal digits of a component (epp.md §8.2: 16 bytes).
inline constexpr int k_component_digits = 32;
// How many custodians confirm the combined key, in turn (dual control).
inline constexpr int k_custodians = 2;

// A working key from the bank: its slot (account.yaml "KeySlot": pin_tdes, pin_aes,
// authentication), its key block wrapped under the new master key (safe to carry: only the pad
// can unwrap it) and its KCV, in upper-case hexadecimal.
struct WorkingKeyBlock {
    std::string slot;
    std::string key_block;
    std::string check_value;

    friend bool operator==(const WorkingKeyBlock&, const WorkingKeyBlock&) = default;
};

// How the bank answered FetchWorkingKeys.
enum class WorkingKeysOutcome { ok, no_keys, unavailable };

std::string_view to_string(WorkingKeysOutcome outcome);

// A working key as the pad took it: the KCV it answered and whether that is the bank's.
struct LoadedKey {
    std::string slot;
    std::string check_value;  // empty when the pad refused the block
    bool matches = false;

    friend bool operator==(const LoadedKey&, const LoadedKey&) = default;
};

// What the pad reported of the ceremony (KEY CEREMONY events, epp.md §8.2), or of starting it.
enum class CeremonyProgress {
    started,             // the pad collects component 1
    refused,             // the pad did not start one (`problem` says why)
    typing,              // `digits_typed` of the component being typed
    component1_entered,  // `check_value`: component 1's
    component2_entered,  // `check_value`: component 2's
    combined,            // `check_value`: the combined key's, awaiting the confirmations
    abandoned            // `end`: why (cancel_key, timed_out, by_kiosk, zero_key, pad_failed)
};

std::string_view to_string(CeremonyProgress progress);

// A key ceremony in the service menu, from the second custodian's sign-in to its result.
struct KeyCeremony {
    CeremonyStep step = CeremonyStep::starting;
    std::string partner_id;  // the second custodian, once signed in
    int digits_typed = 0;
    std::string component1_check_value;
    std::string component2_check_value;
    std::string combined_check_value;
    int confirmations = 0;  // of k_custodians
    // The bank's working keys: the request awaited, how it answered, and the keys.
    std::optional<std::uint64_t> pending_keys;
    std::optional<WorkingKeysOutcome> keys_outcome;
    std::vector<WorkingKeyBlock> keys;
    // The result: the new master key's KCV and each working key as loaded.
    std::string master_check_value;
    std::vector<LoadedKey> loaded;
    std::optional<CeremonyEnd> end;
    std::string problem;  // the pad's or the shell's words, for the journal and the screen
};

// Whether the ceremony has the pad's attention: started and not yet over, so that leaving the
// menu must end it on the pad first.
bool ceremony_on_pad(const KeyCeremony& ceremony);

// A KCV as the custodians read it off their forms: groups of two characters ("A1 B2 C3 D4 E5").
std::string check_value_groups(std::string_view check_value);

}  // namespace kiosk::core
