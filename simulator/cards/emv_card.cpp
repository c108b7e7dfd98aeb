#include "simulator/cards/emv_card.h"

#include <string_view>

#include "base/bytes.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/emv/dol.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/tlv.h"
#include "drivers/iso7816/apdu.h"
#include "drivers/iso7816/atr.h"

namespace simulator::cards {

namespace {

namespace tag = drivers::emv::tag;
using drivers::emv::encode_constructed;
using drivers::emv::encode_tlv;
using drivers::iso7816::CommandApdu;
namespace sw = drivers::iso7816::status_word;

constexpr std::string_view k_pse_name = "1PAY.SYS.DDF01";
constexpr std::uint8_t k_directory_sfi = 1;
constexpr std::uint8_t k_pin_try_limit = 3;
// Historical bytes of the simulated chips: proprietary, readable in a trace.
constexpr std::string_view k_historical = "KIOSK-SIM-01";

base::Bytes bytes_of(std::string_view text) {
    return base::Bytes(text.begin(), text.end());
}

base::Bytes status(std::uint16_t word) {
    return base::Bytes{static_cast<std::uint8_t>(word >> 8),
                       static_cast<std::uint8_t>(word & 0xFF)};
}

base::Bytes with_status(base::Bytes data, std::uint16_t word) {
    data.push_back(static_cast<std::uint8_t>(word >> 8));
    data.push_back(static_cast<std::uint8_t>(word & 0xFF));
    return data;
}

// A compressed numeric (cn) or numeric-with-padding field: digits as BCD, F-padded.
base::Bytes bcd_padded(std::string_view digits) {
    base::Bytes bytes;
    for (std::size_t index = 0; index < digits.size(); index += 2) {
        const auto high = static_cast<unsigned>(digits[index] - '0');
        const unsigned low =
            index + 1 < digits.size() ? static_cast<unsigned>(digits[index + 1] - '0') : 0x0FU;
        bytes.push_back(static_cast<std::uint8_t>((high << 4) | low));
    }
    return bytes;
}

// Track 2 equivalent data (EMV 4.3 Book 3 Annex A, tag 57): PAN, separator D, YYMM, service
// code, discretionary data, F-padded to whole bytes. A profile's track2_pan replaces the PAN.
base::Bytes track2(const CardProfile& profile) {
    const std::string& pan = profile.track2_pan.empty() ? profile.pan : profile.track2_pan;
    std::string nibbles = pan + "D" + profile.expiry + "220" + "00000000";
    if (nibbles.size() % 2 != 0) {
        nibbles += "F";
    }
    base::Bytes bytes;
    for (std::size_t index = 0; index < nibbles.size(); index += 2) {
        const auto value = [](char c) -> unsigned {
            return c >= '0' && c <= '9' ? static_cast<unsigned>(c - '0')
                                        : static_cast<unsigned>(c - 'A' + 10);
        };
        bytes.push_back(
            static_cast<std::uint8_t>((value(nibbles[index]) << 4) | value(nibbles[index + 1])));
    }
    return bytes;
}

// 5F24 is n6 YYMMDD: a card expires at the end of its month.
base::Bytes expiry_date(std::string_view yymm) {
    const int year = 2000 + (yymm[0] - '0') * 10 + (yymm[1] - '0');
    const int month = (yymm[2] - '0') * 10 + (yymm[3] - '0');
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = k_days[month - 1];
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) {
        last = 29;
    }
    std::string digits(yymm);
    digits += static_cast<char>('0' + last / 10);
    digits += static_cast<char>('0' + last % 10);
    return bcd_padded(digits);
}

// ISO/IEC 7816-3 §8.2: TS 3B; TA1 96 (Fi 512, Di 32: 250 000 bit/s at 4 MHz, what an EMV
// card commonly offers); then either T=0 alone, which needs no TCK, or T=1 alone with its
// interface bytes TA3 (IFSC, §11.4.2) and TB3 (BWI in the high half, CWI 5, §11.4.3), and TCK.
// The profile's defaults give TA3 FE and TB3 45.
base::Bytes make_atr(CardProtocol protocol,
                     std::uint8_t information_field_size = k_default_card_information_field_size,
                     std::uint8_t block_waiting_integer = k_default_card_block_waiting_integer) {
    constexpr std::uint8_t k_character_waiting_integer = 5;
    const base::Bytes historical = bytes_of(k_historical);
    const auto count = static_cast<std::uint8_t>(historical.size());
    base::Bytes atr;
    if (protocol == CardProtocol::t0) {
        atr = {0x3B, static_cast<std::uint8_t>(0x10 | count), 0x96};
        atr.insert(atr.end(), historical.begin(), historical.end());
        return atr;
    }
    atr = {0x3B,
           static_cast<std::uint8_t>(0x90 | count),
           0x96,
           0x81,
           0x31,
           information_field_size,
           static_cast<std::uint8_t>((block_waiting_integer << 4) | k_character_waiting_integer)};
    atr.insert(atr.end(), historical.begin(), historical.end());
    std::uint8_t check = 0;
    for (std::size_t index = 1; index < atr.size(); ++index) {
        check = static_cast<std::uint8_t>(check ^ atr[index]);
    }
    atr.push_back(check);
    return atr;
}

// A cloner's guess at an issuer key: any key but the issuer's gives cryptograms the bank
// refuses.
constexpr std::string_view k_cloner_master_key_hex = "00112233445566778899AABBCCDDEEFF";

// The card's own key (EMV 4.3 Book 2 Annex A1.4.1, Option A) from its issuer's master key.
base::Bytes card_key_for(const CardProfile& profile) {
    if (profile.cryptogram == CardCryptogram::none) {
        return {};
    }
    const auto issuer_key =
        base::parse_hex(profile.cryptogram == CardCryptogram::genuine ? k_demo_issuer_master_key_hex
                                                                      : k_cloner_master_key_hex);
    auto key = drivers::emv::derive_icc_master_key(issuer_key.value_or(base::Bytes{}), profile.pan,
                                                   k_card_pan_sequence_number);
    // The library checked the PAN, and the keys above are 16 bytes: derivation cannot fail.
    return key.value_or(base::Bytes{});
}

bool starts_with(const base::Bytes& whole, const base::Bytes& prefix) {
    return !prefix.empty() && prefix.size() <= whole.size() &&
           std::equal(prefix.begin(), prefix.end(), whole.begin());
}

}  // namespace

EmvCard::EmvCard(const CardProfile& profile, bool corrupt_records)
    : m_name(profile.name),
      m_kind(profile.kind),
      m_scheme(profile.scheme),
      m_protocol(profile.protocol),
      m_atr(make_atr(profile.protocol, profile.information_field_size,
                     profile.block_waiting_integer)),
      m_aid(profile.scheme == CardScheme::visa ? k_visa_aid : k_unionpay_debit_aid),
      m_card_key(card_key_for(profile)),
      m_read_record_time(profile.read_record_time),
      m_generate_ac_time(profile.generate_ac_time) {
    const base::Bytes language = bytes_of(profile.language);
    const base::Bytes label =
        bytes_of(profile.scheme == CardScheme::visa ? "Visa Debit" : "UnionPay Debit");

    // Book 1 §12.2.3, Table 43: FCI of the payment system environment.
    std::vector<base::Bytes> directory_proprietary{
        encode_tlv(tag::k_sfi_of_directory, {&k_directory_sfi, 1})};
    if (!language.empty()) {
        directory_proprietary.push_back(encode_tlv(tag::k_language_preference, language));
    }
    m_directory_fci = encode_constructed(
        tag::k_fci_template,
        std::vector<base::Bytes>{
            encode_tlv(tag::k_dedicated_file_name, bytes_of(k_pse_name)),
            encode_constructed(tag::k_fci_proprietary_template, directory_proprietary)});
    // Book 1 §12.2.3, Table 46: one directory record with one application entry.
    const std::uint8_t priority = 0x01;
    m_directory_records[1] = encode_constructed(
        tag::k_record_template,
        std::vector<base::Bytes>{encode_constructed(
            tag::k_application_template,
            std::vector<base::Bytes>{
                encode_tlv(tag::k_application_identifier, m_aid),
                encode_tlv(tag::k_application_label, label),
                encode_tlv(tag::k_application_priority_indicator, {&priority, 1})})});

    // Book 1 §11.3.4, Table 45: FCI of the application, with a PDOL as UnionPay cards carry
    // (terminal transaction qualifiers, amount, unpredictable number, currency, country).
    const base::Bytes pdol{0x9F, 0x66, 0x04, 0x9F, 0x02, 0x06, 0x9F, 0x37,
                           0x04, 0x5F, 0x2A, 0x02, 0x9F, 0x1A, 0x02};
    m_pdol_length = 4 + 6 + 4 + 2 + 2;
    const std::uint8_t code_table = 0x01;
    std::vector<base::Bytes> application_proprietary{
        encode_tlv(tag::k_application_label, label),
        encode_tlv(tag::k_application_priority_indicator, {&priority, 1}),
        encode_tlv(tag::k_pdol, pdol)};
    if (!language.empty()) {
        application_proprietary.push_back(encode_tlv(tag::k_language_preference, language));
    }
    application_proprietary.push_back(encode_tlv(tag::k_issuer_code_table_index, {&code_table, 1}));
    m_application_fci = encode_constructed(
        tag::k_fci_template,
        std::vector<base::Bytes>{
            encode_tlv(tag::k_dedicated_file_name, m_aid),
            encode_constructed(tag::k_fci_proprietary_template, application_proprietary)});

    // Book 3 §10.2: the AFL names SFI 2 records 1-2 and SFI 3 record 1.
    const base::Bytes afl{0x10, 0x01, 0x02, 0x00, 0x18, 0x01, 0x01, 0x00};
    m_aip = {0x7C, 0x00};
    m_processing_options = encode_constructed(
        tag::k_response_format_2,
        std::vector<base::Bytes>{encode_tlv(tag::k_application_interchange_profile, m_aip),
                                 encode_tlv(tag::k_application_file_locator, afl)});

    const std::uint8_t sequence_number = k_card_pan_sequence_number;
    m_application_records[{2, 1}] = encode_constructed(
        tag::k_record_template,
        std::vector<base::Bytes>{encode_tlv(tag::k_track2_equivalent, track2(profile)),
                                 encode_tlv(tag::k_cardholder_name, bytes_of(profile.holder))});
    m_application_records[{2, 2}] = encode_constructed(
        tag::k_record_template,
        std::vector<base::Bytes>{
            encode_tlv(tag::k_pan, bcd_padded(profile.pan)),
            encode_tlv(tag::k_expiry_date, expiry_date(profile.expiry)),
            encode_tlv(tag::k_effective_date, base::Bytes{0x20, 0x01, 0x01}),
            encode_tlv(tag::k_issuer_country_code, bcd_padded("0" + profile.issuer_country)),
            encode_tlv(tag::k_pan_sequence_number, {&sequence_number, 1})});
    // CDOL1: the terminal part of Book 2 §8.1.1's recommended minimum set, in its order. A
    // clone that copies only the PAN has none.
    const base::Bytes cdol1{0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x95, 0x05,
                            0x5F, 0x2A, 0x02, 0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x37, 0x04};
    std::vector<base::Bytes> risk_management;
    if (profile.cryptogram != CardCryptogram::none) {
        risk_management.push_back(encode_tlv(tag::k_cdol1, cdol1));
        if (auto entries = drivers::emv::parse_dol(cdol1)) {
            for (const auto& entry : *entries) {
                m_cdol1_length += entry.length;
            }
        }
    }
    // Book 3 §10.5: CVM list: online PIN if the terminal supports it, else fail.
    risk_management.push_back(
        encode_tlv(tag::k_cvm_list, base::Bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                0x42, 0x03, 0x1E, 0x03, 0x1F, 0x00}));
    risk_management.push_back(
        encode_tlv(tag::k_application_version_number, base::Bytes{0x00, 0x30}));
    m_application_records[{3, 1}] = encode_constructed(tag::k_record_template, risk_management);

    if (corrupt_records) {
        // Each record claims more bytes than it holds, or nests a length that overruns.
        for (auto& [key, record] : m_application_records) {
            record[1] = static_cast<std::uint8_t>(record[1] + 0x20);
            if (record.size() > 4) {
                record[3] = 0x7F;
            }
        }
    }
}

std::chrono::microseconds EmvCard::processing_time(std::span<const std::uint8_t> command) const {
    // The instruction byte alone tells the slow commands (ISO/IEC 7816-4 §5.1: CLA INS P1 P2).
    if (command.size() < 4) {
        return std::chrono::microseconds{0};
    }
    if (command[0] == 0x00 && command[1] == 0xB2) {
        return m_read_record_time;
    }
    if (command[0] == 0x80 && command[1] == 0xAE) {
        return m_generate_ac_time;
    }
    return std::chrono::microseconds{0};
}

void EmvCard::reset() {
    m_selected = Selected::nothing;
    m_processing_started = false;
    m_cryptogram_given = false;
    m_pending_response.clear();
}

base::Bytes EmvCard::answer(const base::Bytes& data, std::optional<std::size_t> expected_length,
                            bool case4) {
    if (m_protocol == CardProtocol::t0) {
        // ISO/IEC 7816-3 §10.3.3 / 7816-4 §5.1.3: a T=0 card cannot return data to a case 4
        // command, nor to the case 3 TPDU a case 4 command travels as (§12.2.4); it says 61xx
        // and waits for GET RESPONSE.
        if ((case4 || !expected_length) && !data.empty()) {
            m_pending_response = data;
            const auto available = std::min<std::size_t>(data.size(), 256);
            return status(static_cast<std::uint16_t>(0x6100 | (available == 256 ? 0 : available)));
        }
        // A case 2 command with the wrong Le gets 6Cxx with the exact length.
        if (expected_length && *expected_length != data.size() && data.size() < 256) {
            return status(static_cast<std::uint16_t>(0x6C00 | data.size()));
        }
    }
    return with_status(data, sw::k_success);
}

base::Bytes EmvCard::transmit(std::span<const std::uint8_t> bytes) {
    auto parsed = CommandApdu::parse(bytes);
    if (!parsed) {
        return status(sw::k_wrong_length);
    }
    const CommandApdu& command = *parsed;
    // GET RESPONSE (ISO/IEC 7816-4 §7.6.1): only right after a 61xx.
    if (command.cla == 0x00 && command.ins == 0xC0) {
        if (m_pending_response.empty()) {
            return status(sw::k_conditions_not_satisfied);
        }
        const std::size_t wanted = command.expected_length.value_or(256);
        const std::size_t count = std::min(wanted, m_pending_response.size());
        base::Bytes data(m_pending_response.begin(),
                         m_pending_response.begin() + static_cast<std::ptrdiff_t>(count));
        m_pending_response.erase(m_pending_response.begin(),
                                 m_pending_response.begin() + static_cast<std::ptrdiff_t>(count));
        if (!m_pending_response.empty()) {
            const auto rest = std::min<std::size_t>(m_pending_response.size(), 256);
            return with_status(data, static_cast<std::uint16_t>(0x6100 | (rest == 256 ? 0 : rest)));
        }
        return with_status(data, sw::k_success);
    }
    m_pending_response.clear();

    if (command.cla == 0x00 && command.ins == 0xA4) {
        // SELECT by name, first occurrence only (Book 1 §11.3.2).
        if (command.p1 != 0x04) {
            return status(sw::k_incorrect_p1_p2);
        }
        if (command.p2 != 0x00) {
            return status(sw::k_file_not_found);
        }
        m_processing_started = false;
        m_cryptogram_given = false;
        // Book 1 §12.3.2: a blocked card answers 6A81 (function not supported) to SELECT.
        if (m_kind == CardKind::blocked) {
            m_selected = Selected::nothing;
            return status(sw::k_function_not_supported);
        }
        if (command.data == bytes_of(k_pse_name)) {
            m_selected = Selected::directory;
            return answer(m_directory_fci, command.expected_length, true);
        }
        // Partial selection: a terminal AID that begins the card's AID selects it.
        if (starts_with(m_aid, command.data)) {
            // Book 1 §12.3.3: a blocked application answers 6283 (selected file invalidated).
            if (m_kind == CardKind::application_blocked) {
                m_selected = Selected::nothing;
                return status(sw::k_selected_file_invalidated);
            }
            m_selected = Selected::application;
            return answer(m_application_fci, command.expected_length, true);
        }
        m_selected = Selected::nothing;
        return status(sw::k_file_not_found);
    }
    if (command.cla == 0x00 && command.ins == 0xB2) {
        // READ RECORD (Book 3 §6.5.11): P2 = SFI << 3 | 100.
        if ((command.p2 & 0x07) != 0x04 || command.p1 == 0) {
            return status(sw::k_incorrect_p1_p2);
        }
        const auto sfi = static_cast<std::uint8_t>(command.p2 >> 3);
        if (m_selected == Selected::directory && sfi == k_directory_sfi) {
            auto record = m_directory_records.find(command.p1);
            if (record == m_directory_records.end()) {
                return status(sw::k_record_not_found);
            }
            return answer(record->second, command.expected_length, false);
        }
        if (m_selected == Selected::application) {
            if (!m_processing_started) {
                return status(sw::k_conditions_not_satisfied);
            }
            auto record = m_application_records.find({sfi, command.p1});
            if (record == m_application_records.end()) {
                return status(sw::k_record_not_found);
            }
            return answer(record->second, command.expected_length, false);
        }
        return status(sw::k_conditions_not_satisfied);
    }
    if (command.cla == 0x80 && command.ins == 0xA8) {
        // GET PROCESSING OPTIONS (Book 3 §6.5.8): template 83 with exactly the PDOL data.
        if (m_selected != Selected::application) {
            return status(sw::k_conditions_not_satisfied);
        }
        if (command.p1 != 0 || command.p2 != 0) {
            return status(sw::k_incorrect_p1_p2);
        }
        auto objects = drivers::emv::parse_tlv(command.data);
        if (!objects || objects->size() != 1 || objects->front().tag != tag::k_command_template ||
            objects->front().value.size() != m_pdol_length) {
            return status(sw::k_wrong_length);
        }
        m_processing_started = true;
        m_cryptogram_given = false;
        return answer(m_processing_options, command.expected_length, true);
    }
    if (command.cla == 0x80 && command.ins == 0xAE) {
        return generate_ac(command);
    }
    if (command.cla == 0x80 && command.ins == 0xCA) {
        // GET DATA (Book 3 §6.5.7): PIN try counter and transaction counter.
        const auto wanted = static_cast<drivers::emv::Tag>((command.p1 << 8) | command.p2);
        if (wanted == tag::k_pin_try_counter) {
            return answer(encode_tlv(tag::k_pin_try_counter, {&k_pin_try_limit, 1}),
                          command.expected_length, false);
        }
        if (wanted == tag::k_application_transaction_counter) {
            const base::Bytes counter{static_cast<std::uint8_t>(m_transaction_counter >> 8),
                                      static_cast<std::uint8_t>(m_transaction_counter & 0xFF)};
            return answer(encode_tlv(tag::k_application_transaction_counter, counter),
                          command.expected_length, false);
        }
        return status(sw::k_referenced_data_not_found);
    }
    if (command.cla != 0x00 && command.cla != 0x80) {
        return status(sw::k_class_not_supported);
    }
    return status(sw::k_instruction_not_supported);
}

// Book 3 §6.5.5: the first GENERATE AC of a transaction. The card goes online whatever it is
// asked for (an ARQC is never more than a terminal may be given, §6.5.5.4), except that an AAC
// asked for is an AAC. Visa cards answer in format 1, UnionPay cards in format 2.
base::Bytes EmvCard::generate_ac(const CommandApdu& command) {
    if (m_selected != Selected::application || !m_processing_started || m_cryptogram_given ||
        m_card_key.empty()) {
        return status(sw::k_conditions_not_satisfied);
    }
    if ((command.p1 & 0x3F) != 0 || command.p2 != 0) {
        return status(sw::k_incorrect_p1_p2);
    }
    if (command.data.size() != m_cdol1_length) {
        return status(sw::k_wrong_length);
    }
    // Book 3 Annex A, 9F36: a counter at its limit ends the application's life.
    if (m_transaction_counter == 0xFFFF) {
        return status(sw::k_conditions_not_satisfied);
    }
    ++m_transaction_counter;
    m_cryptogram_given = true;
    constexpr std::uint8_t k_reference_mask = 0xC0;
    constexpr std::uint8_t k_cid_aac = 0x00;
    constexpr std::uint8_t k_cid_arqc = 0x80;
    const std::uint8_t information =
        (command.p1 & k_reference_mask) == k_cid_aac ? k_cid_aac : k_cid_arqc;

    drivers::emv::OnlineAuthentication authentication;
    authentication.cdol1_data = command.data;
    authentication.application_interchange_profile = m_aip;
    authentication.transaction_counter = m_transaction_counter;
    authentication.issuer_application_data = k_card_issuer_application_data;
    auto input = drivers::emv::cryptogram_input(authentication);
    auto session_key = drivers::emv::derive_session_key(
        m_card_key, drivers::emv::cryptogram_diversification(m_transaction_counter));
    if (!input || !session_key) {
        return status(sw::k_conditions_not_satisfied);
    }
    auto cryptogram = drivers::emv::application_cryptogram(*session_key, *input);
    if (!cryptogram) {
        return status(sw::k_conditions_not_satisfied);
    }
    const base::Bytes counter{static_cast<std::uint8_t>(m_transaction_counter >> 8),
                              static_cast<std::uint8_t>(m_transaction_counter & 0xFF)};
    base::Bytes response;
    if (m_scheme == CardScheme::visa) {
        base::Bytes value{information};
        value.insert(value.end(), counter.begin(), counter.end());
        value.insert(value.end(), cryptogram->begin(), cryptogram->end());
        value.insert(value.end(), k_card_issuer_application_data.begin(),
                     k_card_issuer_application_data.end());
        response = encode_tlv(tag::k_response_format_1, value);
    } else {
        response = encode_constructed(
            tag::k_response_format_2,
            std::vector<base::Bytes>{
                encode_tlv(tag::k_cryptogram_information_data, {&information, 1}),
                encode_tlv(tag::k_application_transaction_counter, counter),
                encode_tlv(tag::k_application_cryptogram, *cryptogram),
                encode_tlv(tag::k_issuer_application_data, k_card_issuer_application_data)});
    }
    return answer(response, command.expected_length, true);
}

TransitCard::TransitCard(std::string name)
    : m_name(std::move(name)), m_atr(make_atr(CardProtocol::t1)) {
    const base::Bytes label = bytes_of("Metro Transit");
    const std::uint8_t priority = 0x01;
    // Book 1 §12.2.3, Tables 43 and 46: the directory's FCI and its one record.
    m_directory_fci = encode_constructed(
        tag::k_fci_template,
        std::vector<base::Bytes>{
            encode_tlv(tag::k_dedicated_file_name, bytes_of(k_pse_name)),
            encode_constructed(tag::k_fci_proprietary_template,
                               std::vector<base::Bytes>{
                                   encode_tlv(tag::k_sfi_of_directory, {&k_directory_sfi, 1})})});
    m_directory_record = encode_constructed(
        tag::k_record_template,
        std::vector<base::Bytes>{encode_constructed(
            tag::k_application_template,
            std::vector<base::Bytes>{
                encode_tlv(tag::k_application_identifier, k_transit_aid),
                encode_tlv(tag::k_application_label, label),
                encode_tlv(tag::k_application_priority_indicator, {&priority, 1})})});
    // Book 1 §11.3.4, Table 45: what a terminal that does select the purse is told.
    m_application_fci = encode_constructed(
        tag::k_fci_template,
        std::vector<base::Bytes>{encode_tlv(tag::k_dedicated_file_name, k_transit_aid),
                                 encode_constructed(tag::k_fci_proprietary_template,
                                                    std::vector<base::Bytes>{encode_tlv(
                                                        tag::k_application_label, label)})});
}

base::Bytes TransitCard::transmit(std::span<const std::uint8_t> bytes) {
    auto parsed = CommandApdu::parse(bytes);
    if (!parsed) {
        return status(sw::k_wrong_length);
    }
    const CommandApdu& command = *parsed;
    if (command.cla == 0x00 && command.ins == 0xA4) {
        // SELECT by name (Book 1 §11.3.2): the directory or the purse; nothing else is here.
        if (command.p1 != 0x04 || command.p2 != 0x00) {
            return status(sw::k_incorrect_p1_p2);
        }
        if (command.data == bytes_of(k_pse_name)) {
            m_selected = Selected::directory;
            return with_status(m_directory_fci, sw::k_success);
        }
        if (starts_with(k_transit_aid, command.data)) {
            m_selected = Selected::application;
            return with_status(m_application_fci, sw::k_success);
        }
        m_selected = Selected::nothing;
        return status(sw::k_file_not_found);
    }
    if (command.cla == 0x00 && command.ins == 0xB2) {
        // READ RECORD (Book 3 §6.5.11) of the directory: one record, then 6A83.
        const auto sfi = static_cast<std::uint8_t>(command.p2 >> 3);
        if ((command.p2 & 0x07) != 0x04 || command.p1 == 0) {
            return status(sw::k_incorrect_p1_p2);
        }
        if (m_selected != Selected::directory || sfi != k_directory_sfi) {
            return status(sw::k_conditions_not_satisfied);
        }
        if (command.p1 != 1) {
            return status(sw::k_record_not_found);
        }
        return with_status(m_directory_record, sw::k_success);
    }
    // The purse's own commands (balance, fare debits) are proprietary: no kiosk asks for them.
    if (command.cla != 0x00 && command.cla != 0x80) {
        return status(sw::k_class_not_supported);
    }
    return status(sw::k_conditions_not_satisfied);
}

NoApplicationCard::NoApplicationCard(std::string name)
    : m_name(std::move(name)), m_atr(make_atr(CardProtocol::t1)) {}

base::Bytes NoApplicationCard::transmit(std::span<const std::uint8_t> bytes) {
    auto command = CommandApdu::parse(bytes);
    if (!command) {
        return status(sw::k_wrong_length);
    }
    if (command->ins == 0xA4) {
        return status(sw::k_file_not_found);
    }
    return status(sw::k_conditions_not_satisfied);
}

}  // namespace simulator::cards
