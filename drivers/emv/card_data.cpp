#include "drivers/emv/card_data.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

#include "base/bytes.h"
#include "drivers/emv/dol.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/unpredictable_number.h"

namespace drivers::emv {

namespace {

using iso7816::ApduChannel;
using iso7816::ApduError;
using iso7816::CommandApdu;
using iso7816::ResponseApdu;

// Book 1 §12.2.2: the directory of the Payment System Environment.
constexpr std::string_view k_pse_name = "1PAY.SYS.DDF01";
// Book 1 §12.2.3: directory records are in SFI 1..10; a directory has at most this many.
constexpr int k_max_directory_records = 32;
constexpr std::uint8_t k_max_directory_sfi = 10;
constexpr std::uint8_t k_max_sfi = 30;
constexpr std::size_t k_min_pan_digits = 12;
constexpr std::size_t k_max_pan_digits = 19;
constexpr std::size_t k_max_candidates = 16;
// Real debit cards name a handful of records in their AFL; a chip that names hundreds is
// broken or hostile, and reading them all would keep the customer waiting for minutes.
constexpr std::size_t k_max_records = 64;

EmvError from_apdu(ApduError error) {
    switch (error) {
        case ApduError::card_removed:
            return EmvError::card_removed;
        case ApduError::card_mute:
        case ApduError::timeout:
            return EmvError::card_not_responding;
        case ApduError::reader_gone:
        case ApduError::reader_failed:
            return EmvError::reader_failed;
        default:
            return EmvError::card_protocol_error;
    }
}

CommandApdu select_by_name(std::span<const std::uint8_t> name) {
    // Book 1 §11.3.2: SELECT, P1 = 04 by name, P2 = 00 first occurrence.
    return CommandApdu{0x00, 0xA4, 0x04, 0x00, base::Bytes(name.begin(), name.end()), 256};
}

CommandApdu read_record(std::uint8_t sfi, std::uint8_t record) {
    // Book 3 §6.5.11: P2 = SFI in bits 8-4, then 100 (P1 is a record number).
    return CommandApdu{0x00, 0xB2, record, static_cast<std::uint8_t>((sfi << 3) | 0x04), {}, 256};
}

struct Candidate {
    base::Bytes aid;
    std::string label;
    int priority = 0;  // 1 highest .. 15 lowest; 0 = none given (after all others)
    std::size_t terminal_index = 0;
};

std::string text_of(const Tlv* object) {
    if (object == nullptr) {
        return {};
    }
    std::string text;
    for (std::uint8_t byte : object->value) {
        // Labels are "ans" (printable ASCII); anything else is left out rather than trusted.
        if (byte >= 0x20 && byte < 0x7F) {
            text.push_back(static_cast<char>(byte));
        }
    }
    while (!text.empty() && text.back() == ' ') {
        text.pop_back();
    }
    return text;
}

std::optional<std::size_t> supported_index(const Terminal& terminal, const base::Bytes& aid) {
    // Book 1 §12.3.1: an ADF name matches a terminal AID that it begins with (partial
    // selection), or exactly.
    for (std::size_t index = 0; index < terminal.applications.size(); ++index) {
        const base::Bytes& supported = terminal.applications[index].aid;
        if (aid.size() >= supported.size() &&
            std::equal(supported.begin(), supported.end(), aid.begin())) {
            return index;
        }
    }
    return std::nullopt;
}

void order(std::vector<Candidate>& candidates) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& left, const Candidate& right) {
                         const int left_rank = left.priority == 0 ? 16 : left.priority;
                         const int right_rank = right.priority == 0 ? 16 : right.priority;
                         if (left_rank != right_rank) {
                             return left_rank < right_rank;
                         }
                         return left.terminal_index < right.terminal_index;
                     });
}

// Book 1 §12.3.2: the directory method. Any failure here means "use the list of AIDs",
// except a blocked card or a lost card, which end the whole read.
std::expected<std::vector<Candidate>, EmvError> candidates_from_directory(
    ApduChannel& channel, const Terminal& terminal) {
    const base::Bytes pse(k_pse_name.begin(), k_pse_name.end());
    auto response = channel.transmit(select_by_name(pse));
    if (!response) {
        return std::unexpected(from_apdu(response.error()));
    }
    if (response->status_word() == iso7816::status_word::k_function_not_supported) {
        return std::unexpected(EmvError::card_blocked);
    }
    if (!response->is_success()) {
        return std::vector<Candidate>{};
    }
    auto fci = parse_tlv(response->data);
    if (!fci) {
        return std::vector<Candidate>{};
    }
    const Tlv* sfi_object = find_tag(*fci, tag::k_sfi_of_directory);
    if (sfi_object == nullptr || sfi_object->value.size() != 1 || sfi_object->value[0] == 0 ||
        sfi_object->value[0] > k_max_directory_sfi) {
        return std::vector<Candidate>{};
    }
    const std::uint8_t sfi = sfi_object->value[0];
    std::vector<Candidate> candidates;
    for (int record = 1; record <= k_max_directory_records; ++record) {
        auto answer = channel.transmit(read_record(sfi, static_cast<std::uint8_t>(record)));
        if (!answer) {
            return std::unexpected(from_apdu(answer.error()));
        }
        if (answer->status_word() == iso7816::status_word::k_record_not_found) {
            break;
        }
        if (!answer->is_success()) {
            return std::vector<Candidate>{};
        }
        auto objects = parse_tlv(answer->data);
        if (!objects || objects->size() != 1 || objects->front().tag != tag::k_record_template) {
            return std::vector<Candidate>{};
        }
        for (const Tlv& entry : objects->front().children) {
            if (entry.tag != tag::k_application_template) {
                continue;  // directory entries for DDFs (9D) are not followed
            }
            const Tlv* aid = entry.find(tag::k_application_identifier);
            if (aid == nullptr || aid->value.size() < 5 || aid->value.size() > 16) {
                continue;
            }
            auto index = supported_index(terminal, aid->value);
            if (!index) {
                continue;
            }
            Candidate candidate;
            candidate.aid = aid->value;
            candidate.label = text_of(entry.find(tag::k_application_label));
            if (const Tlv* priority = entry.find(tag::k_application_priority_indicator);
                priority != nullptr && priority->value.size() == 1) {
                candidate.priority = priority->value[0] & 0x0F;
            }
            candidate.terminal_index = *index;
            if (candidates.size() < k_max_candidates) {
                candidates.push_back(std::move(candidate));
            }
        }
    }
    order(candidates);
    return candidates;
}

struct Selected {
    base::Bytes aid;
    std::string label;
    std::vector<Tlv> fci;
};

// How the candidates that could not be used answered their SELECT.
struct Refusals {
    bool blocked = false;    // 6283: the application is there but blocked
    bool malformed = false;  // 9000 with an FCI that is not one: the chip talks nonsense
};

// SELECT one application; nullopt when the card refuses it. Book 1 §12.3.3: any status but
// 9000 (and 6A81, handled at the directory) means "not here, try the next one".
std::expected<std::optional<Selected>, EmvError> select_application(ApduChannel& channel,
                                                                    const base::Bytes& aid,
                                                                    Refusals& refusals) {
    auto response = channel.transmit(select_by_name(aid));
    if (!response) {
        return std::unexpected(from_apdu(response.error()));
    }
    if (response->status_word() == iso7816::status_word::k_selected_file_invalidated) {
        refusals.blocked = true;
        return std::optional<Selected>{};
    }
    if (!response->is_success()) {
        return std::optional<Selected>{};
    }
    auto fci = parse_tlv(response->data);
    if (!fci || fci->empty() || fci->front().tag != tag::k_fci_template) {
        refusals.malformed = true;
        return std::optional<Selected>{};
    }
    Selected selected;
    const Tlv* name = find_tag(*fci, tag::k_dedicated_file_name);
    // Book 1 §12.3.3: the DF name must be the AID asked for, or begin with it (partial
    // selection); an application that answers with another name is not the one selected, and
    // a chip that does so talks nonsense rather than being foreign.
    if (name != nullptr && (name->value.size() < aid.size() ||
                            !std::equal(aid.begin(), aid.end(), name->value.begin()))) {
        refusals.malformed = true;
        return std::optional<Selected>{};
    }
    selected.aid = name != nullptr ? name->value : aid;
    std::string label = text_of(find_tag(*fci, tag::k_application_label));
    selected.label = std::move(label);
    selected.fci = std::move(*fci);
    return std::optional<Selected>{std::move(selected)};
}

struct Processing {
    base::Bytes aip;
    base::Bytes afl;
};

// Book 3 §6.5.8: GET PROCESSING OPTIONS with the PDOL data in template 83. Returns nullopt
// when the card says 6985 (conditions not satisfied: try the next application).
std::expected<std::optional<Processing>, EmvError> get_processing_options(
    ApduChannel& channel, const Selected& selected, const std::map<Tag, base::Bytes>& values) {
    base::Bytes pdol_data;
    if (const Tlv* pdol = find_tag(selected.fci, tag::k_pdol)) {
        auto entries = parse_dol(pdol->value);
        if (!entries) {
            return std::unexpected(EmvError::malformed_data);
        }
        pdol_data = build_dol_data(*entries, values);
    }
    const CommandApdu gpo{0x80, 0xA8, 0x00, 0x00, encode_tlv(tag::k_command_template, pdol_data),
                          256};
    auto response = channel.transmit(gpo);
    if (!response) {
        return std::unexpected(from_apdu(response.error()));
    }
    if (response->status_word() == iso7816::status_word::k_conditions_not_satisfied) {
        return std::optional<Processing>{};
    }
    if (!response->is_success()) {
        return std::unexpected(EmvError::processing_options_failed);
    }
    auto objects = parse_tlv(response->data);
    if (!objects || objects->empty()) {
        return std::unexpected(EmvError::malformed_data);
    }
    const Tlv& template_object = objects->front();
    Processing processing;
    if (template_object.tag == tag::k_response_format_1) {
        // Book 3 §6.5.8.4 format 1: AIP (2 bytes) followed by the AFL.
        if (template_object.value.size() < 2) {
            return std::unexpected(EmvError::malformed_data);
        }
        processing.aip.assign(template_object.value.begin(), template_object.value.begin() + 2);
        processing.afl.assign(template_object.value.begin() + 2, template_object.value.end());
    } else if (template_object.tag == tag::k_response_format_2) {
        const Tlv* aip = template_object.find(tag::k_application_interchange_profile);
        const Tlv* afl = template_object.find(tag::k_application_file_locator);
        if (aip == nullptr || aip->value.size() != 2 || afl == nullptr) {
            return std::unexpected(EmvError::malformed_data);
        }
        processing.aip = aip->value;
        processing.afl = afl->value;
    } else {
        return std::unexpected(EmvError::malformed_data);
    }
    // Book 3 §10.2: four bytes per entry; SFI 1..30; first record >= 1, last >= first.
    if (processing.afl.empty() || processing.afl.size() % 4 != 0) {
        return std::unexpected(EmvError::malformed_data);
    }
    for (std::size_t offset = 0; offset < processing.afl.size(); offset += 4) {
        const auto sfi = static_cast<std::uint8_t>(processing.afl[offset] >> 3);
        const std::uint8_t first = processing.afl[offset + 1];
        const std::uint8_t last = processing.afl[offset + 2];
        if (sfi == 0 || sfi > k_max_sfi || first == 0 || last < first) {
            return std::unexpected(EmvError::malformed_data);
        }
    }
    return std::optional<Processing>{std::move(processing)};
}

// The cardholder's name (5F20, "ans"): printable ASCII, trailing spaces removed, held as
// secret text from the first character on, since it is personal data.
base::SecretText trimmed_name(const Tlv* object) {
    base::SecretText name;
    if (object == nullptr) {
        return name;
    }
    name.reserve(object->value.size());
    std::size_t kept = 0;
    for (std::uint8_t byte : object->value) {
        if (byte >= 0x20 && byte < 0x7F) {
            name.push_back(static_cast<char>(byte));
            if (byte != ' ') {
                kept = name.size();
            }
        }
    }
    return base::SecretText(name.view().substr(0, kept));
}

// Track 2 equivalent data (Book 3 Annex A, tag 57): the PAN, the separator D, YYMM, service
// code, ... Every piece that holds the PAN is secret text, wiped when dropped.
struct Track2 {
    base::SecretText pan;
    std::string expiry;
};

Track2 parse_track2(const Tlv& track2) {
    constexpr std::string_view k_nibble_digits = "0123456789ABCDEF";
    base::SecretText nibbles;
    nibbles.reserve(2 * track2.value.size());
    for (std::uint8_t byte : track2.value) {
        nibbles.push_back(k_nibble_digits[byte >> 4]);
        nibbles.push_back(k_nibble_digits[byte & 0x0F]);
    }
    Track2 parsed;
    const auto separator = nibbles.view().find('D');
    if (separator != std::string_view::npos) {
        parsed.pan.assign(nibbles.view().substr(0, separator));
        parsed.expiry = std::string(nibbles.view().substr(separator + 1, 4));
    }
    return parsed;
}

// The values of this read: the terminal's, with today's date (9A, n6 YYMMDD, Book 3 Annex A)
// and a fresh unpredictable number (9F37) that no caller can fix in advance.
std::expected<std::map<Tag, base::Bytes>, EmvError> values_for_this_read(const Terminal& terminal) {
    std::map<Tag, base::Bytes> values = terminal.values;
    const auto number = unpredictable_number();
    if (!number) {
        return std::unexpected(EmvError::random_unavailable);
    }
    values[tag::k_unpredictable_number] = base::Bytes(number->begin(), number->end());
    const std::chrono::year_month_day today{
        std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
    const auto bcd = [](unsigned value) {
        return static_cast<std::uint8_t>(((value / 10) << 4) | (value % 10));
    };
    values[tag::k_transaction_date] = {
        bcd(static_cast<unsigned>(static_cast<int>(today.year()) % 100)),
        bcd(static_cast<unsigned>(today.month())), bcd(static_cast<unsigned>(today.day()))};
    return values;
}

// Book 3 §6.5.5: the first GENERATE AC, asking for an ARQC (P1 = 80, no CDA) with the CDOL1
// data; its answer in format 1 (80: CID, ATC, AC, then the issuer application data) or format
// 2 (77 with 9F27, 9F36, 9F26 and optionally 9F10).
std::expected<OnlineAuthentication, EmvError> request_arqc(
    ApduChannel& channel, const Tlv& cdol1, const std::map<Tag, base::Bytes>& values) {
    constexpr std::uint8_t k_reference_arqc = 0x80;  // Book 3 Table 13: P1 bits 8-7 = 10
    constexpr std::uint8_t k_cid_type_mask = 0xC0;   // Book 3 Table 14: CID bits 8-7
    constexpr std::uint8_t k_cid_aac = 0x00;
    constexpr std::uint8_t k_cid_arqc = 0x80;
    constexpr std::size_t k_generate_ac_cryptogram_length = 8;
    constexpr std::size_t k_max_issuer_data_length = 32;  // Book 3 Annex A: 9F10 is var. up to 32
    auto entries = parse_dol(cdol1.value);
    if (!entries) {
        return std::unexpected(EmvError::malformed_data);
    }
    OnlineAuthentication authentication;
    authentication.cdol1_data = build_dol_data(*entries, values);
    const CommandApdu generate_ac{0x80, 0xAE, k_reference_arqc, 0x00, authentication.cdol1_data,
                                  256};
    auto response = channel.transmit(generate_ac);
    if (!response) {
        return std::unexpected(from_apdu(response.error()));
    }
    if (!response->is_success()) {
        return std::unexpected(EmvError::generate_ac_failed);
    }
    auto objects = parse_tlv(response->data);
    if (!objects || objects->size() != 1) {
        return std::unexpected(EmvError::cryptogram_malformed);
    }
    const Tlv& answer = objects->front();
    base::Bytes counter;
    if (answer.tag == tag::k_response_format_1) {
        // CID (1), ATC (2), AC (8), then the issuer application data if any.
        constexpr std::size_t k_fixed = 1 + 2 + k_generate_ac_cryptogram_length;
        if (answer.value.size() < k_fixed ||
            answer.value.size() > k_fixed + k_max_issuer_data_length) {
            return std::unexpected(EmvError::cryptogram_malformed);
        }
        authentication.cryptogram_information = answer.value[0];
        counter.assign(answer.value.begin() + 1, answer.value.begin() + 3);
        authentication.cryptogram.assign(
            answer.value.begin() + 3, answer.value.begin() + static_cast<std::ptrdiff_t>(k_fixed));
        authentication.issuer_application_data.assign(
            answer.value.begin() + static_cast<std::ptrdiff_t>(k_fixed), answer.value.end());
    } else if (answer.tag == tag::k_response_format_2) {
        const Tlv* information = answer.find(tag::k_cryptogram_information_data);
        const Tlv* atc = answer.find(tag::k_application_transaction_counter);
        const Tlv* cryptogram = answer.find(tag::k_application_cryptogram);
        const Tlv* issuer_data = answer.find(tag::k_issuer_application_data);
        if (information == nullptr || information->value.size() != 1 || atc == nullptr ||
            atc->value.size() != 2 || cryptogram == nullptr ||
            cryptogram->value.size() != k_generate_ac_cryptogram_length ||
            (issuer_data != nullptr && issuer_data->value.size() > k_max_issuer_data_length)) {
            return std::unexpected(EmvError::cryptogram_malformed);
        }
        authentication.cryptogram_information = information->value[0];
        counter = atc->value;
        authentication.cryptogram = cryptogram->value;
        if (issuer_data != nullptr) {
            authentication.issuer_application_data = issuer_data->value;
        }
    } else {
        return std::unexpected(EmvError::cryptogram_malformed);
    }
    authentication.transaction_counter = static_cast<std::uint16_t>((counter[0] << 8) | counter[1]);
    // Book 3 §6.5.5.4: a card may answer with less than was asked (an AAC for an ARQC) but
    // never more (a TC); the RFU type 11 is no answer at all.
    const auto type =
        static_cast<std::uint8_t>(authentication.cryptogram_information & k_cid_type_mask);
    if (type == k_cid_aac) {
        return std::unexpected(EmvError::cryptogram_declined);
    }
    if (type != k_cid_arqc) {
        return std::unexpected(EmvError::cryptogram_malformed);
    }
    return authentication;
}

std::string language_of(const std::vector<const std::vector<Tlv>*>& sources) {
    // Book 1 §11.3.4: 2 to 8 lower-case alphabetic characters, in pairs (ISO 639-1).
    for (const auto* source : sources) {
        const Tlv* object = find_tag(*source, tag::k_language_preference);
        if (object == nullptr) {
            continue;
        }
        const base::Bytes& value = object->value;
        const bool well_formed = value.size() >= 2 && value.size() <= 8 && value.size() % 2 == 0 &&
                                 std::all_of(value.begin(), value.end(), [](std::uint8_t byte) {
                                     return byte >= 'a' && byte <= 'z';
                                 });
        if (well_formed) {
            return std::string(value.begin(), value.end());
        }
    }
    return {};
}

// 5F28 is n3 in two bytes (Book 3 Annex A): a leading 0 nibble, then three BCD digits. A
// malformed one says nothing of the issuer and fails nothing: the language is a courtesy.
std::string country_of(const std::vector<std::vector<Tlv>>& records) {
    for (const auto& record : records) {
        const Tlv* object = find_tag(record, tag::k_issuer_country_code);
        if (object == nullptr) {
            continue;
        }
        const base::Bytes& value = object->value;
        if (value.size() != 2 || (value[0] >> 4) != 0) {
            return {};
        }
        const std::array<std::uint8_t, 3> nibbles{static_cast<std::uint8_t>(value[0] & 0x0F),
                                                  static_cast<std::uint8_t>(value[1] >> 4),
                                                  static_cast<std::uint8_t>(value[1] & 0x0F)};
        std::string digits;
        for (const auto nibble : nibbles) {
            if (nibble > 9) {
                return {};
            }
            digits.push_back(static_cast<char>('0' + nibble));
        }
        return digits;
    }
    return {};
}

}  // namespace

std::string_view to_string(EmvError error) {
    switch (error) {
        case EmvError::card_removed:
            return "emv: the card was removed";
        case EmvError::card_not_responding:
            return "emv: the card does not respond";
        case EmvError::reader_failed:
            return "emv: the card reader failed";
        case EmvError::card_protocol_error:
            return "emv: the card's answers break ISO 7816";
        case EmvError::card_blocked:
            return "emv: the card is blocked";
        case EmvError::no_application:
            return "emv: no supported application on the card";
        case EmvError::application_blocked:
            return "emv: the card's application is blocked";
        case EmvError::processing_options_failed:
            return "emv: GET PROCESSING OPTIONS refused";
        case EmvError::read_record_failed:
            return "emv: a record could not be read";
        case EmvError::malformed_data:
            return "emv: the card's data is malformed";
        case EmvError::missing_pan:
            return "emv: the card holds no account number";
        case EmvError::invalid_pan:
            return "emv: the card's account number is invalid";
        case EmvError::invalid_expiry:
            return "emv: the card's expiry date is invalid";
        case EmvError::pan_mismatch:
            return "emv: the card's account number and track 2 disagree";
        case EmvError::random_unavailable:
            return "emv: no unpredictable number from the system's generator";
        case EmvError::generate_ac_failed:
            return "emv: GENERATE AC refused";
        case EmvError::cryptogram_malformed:
            return "emv: the card's cryptogram answer is malformed";
        case EmvError::cryptogram_declined:
            return "emv: the card declined to go online (AAC)";
    }
    return "emv: unknown error";
}

Terminal Terminal::branch_kiosk() {
    Terminal terminal;
    const base::Bytes rid{0xA0, 0x00, 0x00, 0x03, 0x33};
    const std::pair<std::uint8_t, const char*> products[] = {
        {0x01, "UnionPay debit"},
        {0x02, "UnionPay credit"},
        {0x03, "UnionPay quasi-credit"},
        {0x06, "UnionPay electronic cash"},
    };
    for (const auto& [suffix, name] : products) {
        base::Bytes aid = rid;
        aid.insert(aid.end(), {0x01, 0x01, suffix});
        terminal.applications.push_back(TerminalApplication{std::move(aid), name});
    }
    // Book 1 §12.3.1: after the UnionPay products, the international schemes' credit and debit
    // applications (RIDs A000000003 Visa, A000000004 Mastercard; PIX 1010).
    terminal.applications.push_back(
        TerminalApplication{base::Bytes{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}, "Visa"});
    terminal.applications.push_back(
        TerminalApplication{base::Bytes{0xA0, 0x00, 0x00, 0x00, 0x04, 0x10, 0x10}, "Mastercard"});
    // ISO 3166 / ISO 4217 numeric 156: China, yuan renminbi (n3 in two BCD bytes).
    terminal.values[tag::k_terminal_country_code] = {0x01, 0x56};
    terminal.values[tag::k_transaction_currency_code] = {0x01, 0x56};
    terminal.values[tag::k_transaction_type] = {
        0x31};  // balance inquiry (ISO 8583 processing code)
    // A balance inquiry moves no money: amounts zero; nothing failed before GENERATE AC, so the
    // TVR (Book 3 Annex C5) is all zeros.
    terminal.values[tag::k_amount_authorised] = base::Bytes(6, 0x00);
    terminal.values[tag::k_amount_other] = base::Bytes(6, 0x00);
    terminal.values[tag::k_terminal_verification_results] = base::Bytes(5, 0x00);
    return terminal;
}

base::SecretText digits_from_cn(std::span<const std::uint8_t> bytes) {
    base::SecretText digits;
    digits.reserve(2 * bytes.size());  // no regrowth: no copy left behind in a freed buffer
    for (std::uint8_t byte : bytes) {
        for (const unsigned nibble : {static_cast<unsigned>(byte >> 4), byte & 0x0FU}) {
            if (nibble > 9) {
                return digits;
            }
            digits.push_back(static_cast<char>('0' + nibble));
        }
    }
    return digits;
}

bool luhn_valid(std::string_view digits) {
    if (digits.empty()) {
        return false;
    }
    int sum = 0;
    bool double_it = false;
    for (auto position = digits.rbegin(); position != digits.rend(); ++position) {
        if (*position < '0' || *position > '9') {
            return false;
        }
        int value = *position - '0';
        if (double_it) {
            value *= 2;
            if (value > 9) {
                value -= 9;
            }
        }
        sum += value;
        double_it = !double_it;
    }
    return sum % 10 == 0;
}

std::expected<CardData, EmvError> read_card_data(ApduChannel& raw_channel,
                                                 const Terminal& terminal) {
    // T=0 cards, and readers that pass 61xx / 6Cxx through, need the exchange completed.
    iso7816::CompletingChannel channel(raw_channel);

    auto values = values_for_this_read(terminal);
    if (!values) {
        return std::unexpected(values.error());
    }

    // Book 1 §12.3: the directory first, then the terminal's list of AIDs.
    auto from_directory = candidates_from_directory(channel, terminal);
    if (!from_directory) {
        return std::unexpected(from_directory.error());
    }
    std::vector<Candidate> candidates = std::move(*from_directory);
    const bool listed_by_directory = !candidates.empty();
    if (!listed_by_directory) {
        for (std::size_t index = 0; index < terminal.applications.size(); ++index) {
            candidates.push_back(Candidate{terminal.applications[index].aid, {}, 0, index});
        }
    }

    Refusals refusals;
    bool saw_selectable = false;
    for (const Candidate& candidate : candidates) {
        auto selected = select_application(channel, candidate.aid, refusals);
        if (!selected) {
            return std::unexpected(selected.error());
        }
        if (!selected->has_value()) {
            continue;
        }
        saw_selectable = true;
        Selected& application = **selected;
        if (application.label.empty()) {
            application.label = candidate.label;
        }
        auto processing = get_processing_options(channel, application, *values);
        if (!processing) {
            return std::unexpected(processing.error());
        }
        if (!processing->has_value()) {
            continue;  // Book 3 §10.1: 6985 removes the application; try the next one
        }

        // Book 3 §10.2: read every record the AFL names.
        std::vector<std::vector<Tlv>> records;
        const base::Bytes& afl = (*processing)->afl;
        for (std::size_t offset = 0; offset < afl.size(); offset += 4) {
            const auto sfi = static_cast<std::uint8_t>(afl[offset] >> 3);
            for (unsigned record = afl[offset + 1]; record <= afl[offset + 2]; ++record) {
                if (records.size() >= k_max_records) {
                    return std::unexpected(EmvError::malformed_data);
                }
                auto answer = channel.transmit(read_record(sfi, static_cast<std::uint8_t>(record)));
                if (!answer) {
                    return std::unexpected(from_apdu(answer.error()));
                }
                if (!answer->is_success()) {
                    return std::unexpected(EmvError::read_record_failed);
                }
                auto objects = parse_tlv(answer->data);
                // Book 3 §6.5.11.4: records of SFI 1..10 are template 70.
                if (!objects || objects->empty() ||
                    (sfi <= 10 && objects->front().tag != tag::k_record_template)) {
                    return std::unexpected(EmvError::malformed_data);
                }
                records.push_back(std::move(*objects));
            }
        }

        CardData card;
        card.aid = application.aid;
        card.application_label = application.label;
        const Tlv* pan = nullptr;
        const Tlv* track2 = nullptr;
        const Tlv* expiry = nullptr;
        const Tlv* name = nullptr;
        const Tlv* cdol1 = nullptr;
        const Tlv* sequence_number = nullptr;
        for (const auto& record : records) {
            cdol1 = cdol1 != nullptr ? cdol1 : find_tag(record, tag::k_cdol1);
            sequence_number = sequence_number != nullptr
                                  ? sequence_number
                                  : find_tag(record, tag::k_pan_sequence_number);
            pan = pan != nullptr ? pan : find_tag(record, tag::k_pan);
            track2 = track2 != nullptr ? track2 : find_tag(record, tag::k_track2_equivalent);
            expiry = expiry != nullptr ? expiry : find_tag(record, tag::k_expiry_date);
            name = name != nullptr ? name : find_tag(record, tag::k_cardholder_name);
        }
        const Track2 track2_data = track2 != nullptr ? parse_track2(*track2) : Track2{};
        if (pan != nullptr) {
            card.pan = digits_from_cn(pan->value);
        } else if (!track2_data.pan.empty()) {
            card.pan = track2_data.pan;
        } else {
            return std::unexpected(EmvError::missing_pan);
        }
        const std::string_view pan_digits = card.pan.view();
        if (pan_digits.size() < k_min_pan_digits || pan_digits.size() > k_max_pan_digits ||
            pan_digits.find_first_not_of("0123456789") != std::string_view::npos ||
            !luhn_valid(pan_digits)) {
            return std::unexpected(EmvError::invalid_pan);
        }
        // Book 3 Annex A: 57 carries the same PAN as 5A. Compared digit for digit; neither
        // number is kept beyond this read.
        if (pan != nullptr && track2 != nullptr && track2_data.pan.view() != pan_digits) {
            return std::unexpected(EmvError::pan_mismatch);
        }
        // 5F24 is n6 YYMMDD; without it, track 2's YYMM.
        std::string expiry_digits;
        if (expiry != nullptr && expiry->value.size() == 3) {
            expiry_digits = std::string(digits_from_cn(expiry->value).view().substr(0, 4));
        } else if (expiry != nullptr) {
            return std::unexpected(EmvError::invalid_expiry);
        } else {
            expiry_digits = track2_data.expiry;
        }
        if (expiry_digits.size() != 4 ||
            expiry_digits.find_first_not_of("0123456789") != std::string::npos) {
            return std::unexpected(EmvError::invalid_expiry);
        }
        const int month = (expiry_digits[2] - '0') * 10 + (expiry_digits[3] - '0');
        if (month < 1 || month > 12) {
            return std::unexpected(EmvError::invalid_expiry);
        }
        card.expiry = expiry_digits;
        card.holder_name = trimmed_name(name);
        std::vector<const std::vector<Tlv>*> language_sources{&application.fci};
        for (const auto& record : records) {
            language_sources.push_back(&record);
        }
        card.language_preference = language_of(language_sources);
        card.issuer_country = country_of(records);
        if (cdol1 != nullptr) {
            auto authentication = request_arqc(channel, *cdol1, *values);
            if (!authentication) {
                return std::unexpected(authentication.error());
            }
            authentication->application_interchange_profile = (*processing)->aip;
            // 5F34 is n2 in one byte (Book 3 Annex A); any other length is no number.
            if (sequence_number != nullptr && sequence_number->value.size() == 1) {
                authentication->pan_sequence_number = sequence_number->value[0];
            }
            card.online_authentication = std::move(*authentication);
        }
        return card;
    }
    if (refusals.blocked && !saw_selectable) {
        return std::unexpected(EmvError::application_blocked);
    }
    if (saw_selectable) {
        return std::unexpected(EmvError::processing_options_failed);
    }
    // An application that answered 9000 but whose FCI is no FCI might be a supported one the
    // chip garbled: the card is unreadable, not foreign.
    if (refusals.malformed) {
        return std::unexpected(EmvError::malformed_data);
    }
    // Every candidate, from the directory or the terminal's list, said it is not there.
    return std::unexpected(EmvError::no_application);
}

}  // namespace drivers::emv
