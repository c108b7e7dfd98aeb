#pragma once

// Simulated chip cards that answer as a UnionPay debit or Visa card does, far enough for the
// kiosk's card reading (EMV 4.3 Book 1 §11-12, Book 3 §6.5, §10): SELECT of the payment
// directory and of the application, READ RECORD of the directory and of the application's
// files, GET PROCESSING OPTIONS, the first GENERATE AC (an ARQC under the card's own key, Book 2
// §8.1), GET DATA, and GET RESPONSE for the T=0 style. All data objects are real BER-TLV built
// from the card's profile.

#include <map>
#include <optional>
#include <utility>

#include "base/bytes.h"
#include "drivers/iso7816/apdu.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/virtual_card.h"

namespace simulator::cards {

// The UnionPay debit application (RID A000000333, PIX 010101).
inline const base::Bytes k_unionpay_debit_aid{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01};
// The Visa credit and debit application (RID A000000003, PIX 1010).
inline const base::Bytes k_visa_aid{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10};
// The PAN sequence number (5F34) every simulated card carries.
constexpr std::uint8_t k_card_pan_sequence_number = 0x01;
// The issuer application data (9F10) the simulated cards return: length 06, derivation key
// index 01, cryptogram version 0A, then the CVR (03 A0 00 00: its length, then "ARQC returned
// in the first GENERATE AC"). drivers/emv/application_cryptogram.h says which bytes are signed.
inline const base::Bytes k_card_issuer_application_data{0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00};

class EmvCard final : public VirtualCard {
  public:
    // `corrupt_records`: the application's records come back as malformed BER-TLV. The
    // profile's kind makes a blocked card or one whose application is blocked; its scheme,
    // cryptogram and track2_pan fields choose the application, the key and track 2.
    explicit EmvCard(const CardProfile& profile, bool corrupt_records = false);

    // The card's ICC master key (Book 2 Annex A1.4.1), for tests that check its cryptograms.
    const base::Bytes& card_key() const { return m_card_key; }
    std::uint16_t transaction_counter() const { return m_transaction_counter; }
    // The counter a chip kept from earlier runs (kiosk-sim --keep-database): it counts on from
    // there, as a real card's memory does.
    void restore_transaction_counter(std::uint16_t counter) { m_transaction_counter = counter; }

    std::string name() const override { return m_name; }
    std::optional<base::Bytes> atr() const override { return m_atr; }
    base::Bytes transmit(std::span<const std::uint8_t> command) override;
    void reset() override;
    // READ RECORD and GENERATE AC take the chip its profile's times; everything else is
    // answered at once.
    std::chrono::microseconds processing_time(std::span<const std::uint8_t> command) const override;

    // The application's records by (SFI, record number), for tests that check what a reader
    // of the card should find.
    const std::map<std::pair<std::uint8_t, std::uint8_t>, base::Bytes>& application_records()
        const {
        return m_application_records;
    }

  private:
    enum class Selected { nothing, directory, application };

    base::Bytes answer(const base::Bytes& data, std::optional<std::size_t> expected_length,
                       bool case4);
    base::Bytes generate_ac(const drivers::iso7816::CommandApdu& command);

    std::string m_name;
    CardKind m_kind;
    CardScheme m_scheme;
    CardProtocol m_protocol;
    base::Bytes m_atr;
    base::Bytes m_aid;
    base::Bytes m_card_key;  // empty for a card without CDOL1
    base::Bytes m_aip;
    std::size_t m_cdol1_length = 0;
    bool m_cryptogram_given = false;  // the first GENERATE AC of this transaction answered
    base::Bytes m_directory_fci;
    std::map<std::uint8_t, base::Bytes> m_directory_records;
    base::Bytes m_application_fci;
    std::size_t m_pdol_length = 0;
    base::Bytes m_processing_options;
    std::map<std::pair<std::uint8_t, std::uint8_t>, base::Bytes> m_application_records;

    Selected m_selected = Selected::nothing;
    bool m_processing_started = false;
    base::Bytes m_pending_response;  // T=0 style: what GET RESPONSE returns next
    // Book 3 Annex A, 9F36: counts the card's transactions; here each GENERATE AC.
    std::uint16_t m_transaction_counter = 1;
    std::chrono::microseconds m_read_record_time;
    std::chrono::microseconds m_generate_ac_time;
};

// A transit application (RID A000000632, as China's T-Union transit cards carry; PIX 01010105).
inline const base::Bytes k_transit_aid{0xA0, 0x00, 0x00, 0x06, 0x32, 0x01, 0x01, 0x05};

// A metro card: a working chip with a payment system directory, but the one application it
// lists, and the only one it selects, is its transit purse. Every UnionPay AID answers 6A82
// (file not found). A kiosk that reads it finds nothing it accepts (EMV 4.3 Book 1 §12.3:
// the directory yields no candidate, and neither does the terminal's list of AIDs).
class TransitCard final : public VirtualCard {
  public:
    explicit TransitCard(std::string name);
    std::string name() const override { return m_name; }
    std::optional<base::Bytes> atr() const override { return m_atr; }
    base::Bytes transmit(std::span<const std::uint8_t> command) override;
    void reset() override { m_selected = Selected::nothing; }

  private:
    enum class Selected { nothing, directory, application };

    std::string m_name;
    base::Bytes m_atr;
    base::Bytes m_directory_fci;
    base::Bytes m_directory_record;
    base::Bytes m_application_fci;
    Selected m_selected = Selected::nothing;
};

// A chip that answers the reset but knows no payment application.
class NoApplicationCard final : public VirtualCard {
  public:
    explicit NoApplicationCard(std::string name);
    std::string name() const override { return m_name; }
    std::optional<base::Bytes> atr() const override { return m_atr; }
    base::Bytes transmit(std::span<const std::uint8_t> command) override;
    void reset() override {}

  private:
    std::string m_name;
    base::Bytes m_atr;
};

// A chip that never answers the reset (dirty or broken contacts).
class MuteCard final : public VirtualCard {
  public:
    explicit MuteCard(std::string name) : m_name(std::move(name)) {}
    std::string name() const override { return m_name; }
    std::optional<base::Bytes> atr() const override { return std::nullopt; }
    base::Bytes transmit(std::span<const std::uint8_t>) override { return {}; }
    void reset() override {}

  private:
    std::string m_name;
};

}  // namespace simulator::cards
