#pragma once

// One card of the demo card library (demo-cards.toml), and the library itself.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "simulator/cards/virtual_card.h"

namespace simulator::cards {

enum class CardKind {
    emv,      // a working UnionPay debit chip card
    mute,     // the chip never answers the reset
    corrupt,  // the chip answers but its EMV records are malformed BER-TLV
    no_app,   // no UnionPay application and no payment directory: 6A82 to every SELECT
    transit,  // a metro card: its directory lists only its transit application
    blocked,  // the issuer blocked the card: 6A81 to every SELECT (EMV 4.3 Book 1 §12.3.2)
    // The card works but its one payment application is blocked: 6283 to its SELECT (Book 1
    // §12.3.3), so the kiosk finds nothing it may use.
    application_blocked,
};

std::string_view to_string(CardKind kind);

// The payment application an `emv` card carries.
enum class CardScheme {
    unionpay,  // UnionPay debit, A000000333010101
    visa,      // Visa credit or debit, A0000000031010
};

std::string_view to_string(CardScheme scheme);

// The key behind a card's application cryptogram (EMV 4.3 Book 2 §8.1).
enum class CardCryptogram {
    genuine,    // its ICC master key derived from k_demo_issuer_master_key (Option A)
    wrong_key,  // a clone: a valid PAN, but a key its issuer never gave it
    none,       // a clone that copies only the PAN: no CDOL1, no GENERATE AC
};

std::string_view to_string(CardCryptogram cryptogram);

// The demo issuer's master key for application cryptograms (EMV 4.3 Book 2 Annex A1.4): the
// simulated cards derive their own keys from it with Option A, and the simulated bank checks
// their ARQCs with it. Invented for the simulator; no real issuer's key.
inline constexpr std::string_view k_demo_issuer_master_key_hex = "4B1D3A5C7E902468ACE013579BDF8642";

// How the card answers commands whose response carries data.
enum class CardProtocol {
    t1,  // the whole response at once (what an APDU-level reader delivers for T=1)
    t0,  // case 4 answers 61xx (fetch with GET RESPONSE), a wrong Le answers 6Cxx
};

// ISO 3166-1 numeric 156, China: the issuer country of a card whose profile names none.
inline constexpr std::string_view k_default_issuer_country = "156";
// TA3 FE (IFSC 254) and TB3 45 (BWI 4, CWI 5): what the simulated T=1 cards announced before
// a profile could choose (ISO/IEC 7816-3:2006 §11.4.2, §11.4.3).
inline constexpr std::uint8_t k_default_card_information_field_size = 254;
inline constexpr std::uint8_t k_default_card_block_waiting_integer = 4;
// BWI 0 to 4 and CWI 5: what EMV cards announce in TB3; a larger BWI gives waits of many
// seconds that no kiosk customer should see.
inline constexpr std::uint8_t k_max_card_block_waiting_integer = 4;
// The longest a simulated chip may take over one command: 10 s, beyond any real card's
// slowest operation.
inline constexpr std::chrono::milliseconds k_max_card_command_time{10'000};

struct CardProfile {
    std::string name;
    CardKind kind = CardKind::emv;
    CardProtocol protocol = CardProtocol::t1;
    std::string pan;       // 12..19 digits, Luhn-valid
    std::string expiry;    // YYMM
    std::string holder;    // EMV 5F20, e.g. "ZHANG/WEI"
    std::string language;  // EMV 5F2D, e.g. "zh" or "enzh"
    CardScheme scheme = CardScheme::unionpay;
    CardCryptogram cryptogram = CardCryptogram::genuine;
    // When not empty, the PAN that the track 2 equivalent data (57) carries instead of `pan`:
    // a card whose two copies of its number disagree.
    std::string track2_pan;
    // EMV 5F28, the issuer's country: three digits of ISO 3166-1 numeric, "156" China, "344"
    // Hong Kong. A Chinese language preference is Mandarin or Cantonese by it.
    std::string issuer_country = std::string(k_default_issuer_country);
    // T=1 cards: IFSC, what the ATR announces in TA3 (ISO/IEC 7816-3:2006 §11.4.2). The chip's
    // buffer is this size both ways, so a small one chains the card's long responses too.
    std::uint8_t information_field_size = k_default_card_information_field_size;
    // T=1 cards: BWI, the high half of TB3 (§11.4.3): the card has BWT = 11 etu + 2^BWI x 960 x
    // 372 / f to start its answer, and asks for more time (S(WTX request), §11.6.2.3) when a
    // command takes it longer.
    std::uint8_t block_waiting_integer = k_default_card_block_waiting_integer;
    // How long the chip works on READ RECORD and on GENERATE AC (a chip's cryptography is its
    // slowest command); zero for a chip that answers at once, as the simulated cards did
    // before these fields.
    std::chrono::milliseconds read_record_time{0};
    std::chrono::milliseconds generate_ac_time{0};
    // The remaining fields belong to the customer behind the card; the account service and
    // the scenarios read them, the card itself does not.
    std::string pin;
    std::string balance;
    bool elder = false;
};

// What can be wrong with the card library or a request to it. Errors carry it as
// base::Error<CardLibraryError>, whose context names the card and field, the file, or gives
// the TOML parser's message.
enum class CardLibraryError {
    unreadable,      // the file cannot be read
    syntax,          // not TOML
    missing_field,   // a field the card's kind needs is absent
    invalid_field,   // a field holds a value the card cannot carry
    duplicate_name,  // two cards with the same name
    unknown_card,    // no card of that name
};

std::string_view to_string(CardLibraryError error);

class CardLibrary {
  public:
    static std::expected<CardLibrary, base::Error<CardLibraryError>> load(
        const std::filesystem::path& file);
    static std::expected<CardLibrary, base::Error<CardLibraryError>> parse(
        std::string_view toml_text);

    const std::vector<CardProfile>& cards() const { return m_cards; }
    const CardProfile* find(std::string_view name) const;
    // A fresh card built from the named profile.
    std::expected<std::shared_ptr<VirtualCard>, base::Error<CardLibraryError>> make_card(
        std::string_view name) const;

  private:
    std::vector<CardProfile> m_cards;
};

// A card built from a profile (checked by the library already).
std::shared_ptr<VirtualCard> make_card(const CardProfile& profile);

// The library kept in the source tree.
std::filesystem::path default_library_path(const std::filesystem::path& source_dir);

}  // namespace simulator::cards
