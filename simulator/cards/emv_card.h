#pragma once

// Simulated chip cards that answer as a UnionPay debit card does, far enough for the kiosk's
// card reading (EMV 4.3 Book 1 §11-12, Book 3 §6.5, §10): SELECT of the payment directory and
// of the application, READ RECORD of the directory and of the application's files, GET
// PROCESSING OPTIONS, GET DATA, and GET RESPONSE for the T=0 style. All data objects are real
// BER-TLV built from the card's profile.

#include <map>
#include <optional>
#include <utility>

#include "base/bytes.h"
#include "simulator/cards/card_profile.h"
#include "simulator/cards/virtual_card.h"

namespace simulator::cards {

// The UnionPay debit application (RID A000000333, PIX 010101).
inline const base::Bytes k_unionpay_debit_aid{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01};

class EmvCard final : public VirtualCard {
  public:
    // `corrupt_records`: the application's records come back as malformed BER-TLV.
    explicit EmvCard(const CardProfile& profile, bool corrupt_records = false);

    std::string name() const override { return m_name; }
    std::optional<base::Bytes> atr() const override { return m_atr; }
    base::Bytes transmit(std::span<const std::uint8_t> command) override;
    void reset() override;

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

    std::string m_name;
    CardProtocol m_protocol;
    base::Bytes m_atr;
    base::Bytes m_directory_fci;
    std::map<std::uint8_t, base::Bytes> m_directory_records;
    base::Bytes m_application_fci;
    std::size_t m_pdol_length = 0;
    base::Bytes m_processing_options;
    std::map<std::pair<std::uint8_t, std::uint8_t>, base::Bytes> m_application_records;

    Selected m_selected = Selected::nothing;
    bool m_processing_started = false;
    base::Bytes m_pending_response;  // T=0 style: what GET RESPONSE returns next
    std::uint16_t m_transaction_counter = 1;
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
