#pragma once

// Reading a payment card far enough for a bank kiosk: application selection (EMV 4.3
// Book 1 §12), GET PROCESSING OPTIONS and READ RECORD over the AFL (Book 3 §10.1-10.2), the
// few data objects the kiosk needs, and, when the card has a CDOL1, the first GENERATE AC for
// an ARQC (Book 3 §6.5.5, §10.8) that the issuer checks online (application_cryptogram.h).
// No offline data authentication, no PIN.

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/wipe.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/tlv.h"
#include "drivers/iso7816/apdu_channel.h"

namespace drivers::emv {

enum class EmvError {
    card_removed,         // the card left the reader
    card_not_responding,  // the card went mute or too slow
    reader_failed,        // the reader failed or was unplugged
    card_protocol_error,  // the card's answers do not follow ISO 7816
    card_blocked,         // SELECT answered 6A81: the card is blocked (Book 1 §12.3.2)
    // The chip answered every question, and holds no application the terminal supports:
    // the directory lists none (or there is none), and every AID of the terminal's list is
    // refused with a status word (6A82 file not found, or any other but 9000 and 6283: Book 1
    // §12.3.3). A foreign card (transit, loyalty), not a broken one; every other error is a
    // card that could not be read.
    no_application,
    application_blocked,        // every supported application is blocked (6283)
    processing_options_failed,  // GET PROCESSING OPTIONS refused by every candidate
    read_record_failed,         // a record named by the AFL could not be read
    malformed_data,             // BER-TLV, AFL or templates not as EMV defines them
    missing_pan,                // neither 5A nor 57 in the records
    invalid_pan,                // not 12..19 digits, or the Luhn check fails
    invalid_expiry,             // 5F24 not a date
    // 5A and the track 2 equivalent data (57) name different PANs: a tampered or badly
    // personalised card (Book 3 Annex A gives both the same account).
    pan_mismatch,
    random_unavailable,    // the system's generator gave no unpredictable number
    generate_ac_failed,    // GENERATE AC answered with an error status word
    cryptogram_malformed,  // GENERATE AC's answer is not format 1 or 2, or not an ARQC or AAC
    cryptogram_declined,   // the card answered an AAC: it declines to go online (Book 3 §10.8)
};

std::string_view to_string(EmvError error);

struct TerminalApplication {
    base::Bytes aid;
    std::string name;  // for logs and the engineer's tool
};

struct Terminal {
    // The terminal's list of supported applications, in the terminal's order of preference.
    std::vector<TerminalApplication> applications;
    // Values offered to a PDOL or CDOL1 (9F02 amount, 9F1A country, 5F2A currency, 9C
    // type, ...). Missing ones are sent as zeros. read_card_data() sets two itself for every
    // read, whatever is here: 9A, the transaction date, from the clock (UTC), and 9F37, the
    // unpredictable number, fresh from the system's generator (unpredictable_number.h).
    std::map<Tag, base::Bytes> values;

    // The branch kiosk's list, in its order of preference: UnionPay (RID A000000333) debit,
    // credit, quasi-credit and electronic cash, then Visa (A0000000031010) and Mastercard
    // (A0000000041010) credit and debit; country and currency 156 (China), a balance inquiry
    // for no amount.
    static Terminal branch_kiosk();
};

// What the kiosk needs from a card. The PAN and the holder's name are secret text, wiped
// wherever they are dropped (docs/style.md, "Secrets"); the kiosk moves the PAN into its
// masking type at once and nothing in drivers/ ever logs it.
struct CardData {
    base::SecretText pan;             // 12..19 digits
    std::string expiry;               // YYMM
    base::SecretText holder_name;     // 5F20, trailing spaces removed; may be empty
    std::string language_preference;  // 5F2D, e.g. "zhen"; may be empty
    // 5F28, ISO 3166-1 numeric, e.g. "344" for Hong Kong; empty when absent or malformed. A
    // Chinese preference alone does not say Mandarin or Cantonese: the issuer's country does.
    std::string issuer_country;
    base::Bytes aid;                // the selected application
    std::string application_label;  // 50 (or 9F12), e.g. "UnionPay Debit"
    // The ARQC and what the issuer needs to check it, when the card has a CDOL1; a card
    // without one (a clone that copies only the PAN) has none, and the bank refuses it.
    std::optional<OnlineAuthentication> online_authentication;
};

std::expected<CardData, EmvError> read_card_data(
    iso7816::ApduChannel& channel, const Terminal& terminal = Terminal::branch_kiosk());

// Helpers the simulated card and the engineer's tool share.

// BCD digits of a compressed numeric (cn) field, stopping at the first F nibble. Secret text,
// because the field it reads is most often the PAN (5A).
base::SecretText digits_from_cn(std::span<const std::uint8_t> bytes);
// The Luhn check of ISO/IEC 7812-1 Annex B.
bool luhn_valid(std::string_view digits);

}  // namespace drivers::emv
