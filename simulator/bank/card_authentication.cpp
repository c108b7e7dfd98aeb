#include "simulator/bank/card_authentication.h"

#include <algorithm>
#include <optional>
#include <string>

#include "base/bytes.h"

namespace simulator::bank {

namespace {

using nlohmann::json;

constexpr std::uint8_t k_cryptogram_type_mask = 0xC0;  // Book 3 Table 14: bits 8-7
constexpr std::uint8_t k_arqc_type = 0x80;

bool is_upper_hex(std::string_view text) {
    return std::ranges::all_of(text, [](char character) {
        return (character >= '0' && character <= '9') || (character >= 'A' && character <= 'F');
    });
}

// The bytes of field `name` when it is upper-case hexadecimal of `minimum`..`maximum` digits
// (an even count); nothing when it is missing or anything else.
std::optional<base::Bytes> hex_field(const json& object, std::string_view name, std::size_t minimum,
                                     std::size_t maximum) {
    const auto field = object.find(name);
    if (field == object.end() || !field->is_string()) {
        return std::nullopt;
    }
    const auto& text = field->get_ref<const std::string&>();
    if (text.size() < minimum || text.size() > maximum || text.size() % 2 != 0 ||
        !is_upper_hex(text)) {
        return std::nullopt;
    }
    return base::parse_hex(text);
}

}  // namespace

std::expected<drivers::emv::OnlineAuthentication, RequestError> parse_card_authentication(
    const json& object) {
    constexpr std::array<std::string_view, 7> k_fields = {"arqc",
                                                          "cryptogram_information",
                                                          "atc",
                                                          "cdol1_data",
                                                          "aip",
                                                          "issuer_application_data",
                                                          "pan_sequence_number"};
    const auto refused = std::unexpected(RequestError::bad_card_authentication);
    if (!object.is_object()) {
        return refused;
    }
    for (const auto& [key, value] : object.items()) {
        if (std::ranges::find(k_fields, std::string_view(key)) == k_fields.end()) {
            return refused;
        }
    }
    auto cryptogram = hex_field(object, "arqc", k_arqc_digits, k_arqc_digits);
    auto information =
        hex_field(object, "cryptogram_information", k_single_byte_digits, k_single_byte_digits);
    auto counter = hex_field(object, "atc", k_counter_digits, k_counter_digits);
    auto cdol1_data = hex_field(object, "cdol1_data", 2, k_maximum_cdol1_data_digits);
    auto profile =
        hex_field(object, "aip", k_interchange_profile_digits, k_interchange_profile_digits);
    auto issuer_data =
        hex_field(object, "issuer_application_data", 2, k_maximum_issuer_application_data_digits);
    if (!cryptogram || !information || !counter || !cdol1_data || !profile || !issuer_data) {
        return refused;
    }
    drivers::emv::OnlineAuthentication authentication{
        .cryptogram = std::move(*cryptogram),
        .cryptogram_information = (*information)[0],
        .transaction_counter = static_cast<std::uint16_t>(((*counter)[0] << 8) | (*counter)[1]),
        .cdol1_data = std::move(*cdol1_data),
        .application_interchange_profile = std::move(*profile),
        .issuer_application_data = std::move(*issuer_data),
        .pan_sequence_number = std::nullopt,
    };
    if (object.contains("pan_sequence_number")) {
        auto sequence =
            hex_field(object, "pan_sequence_number", k_single_byte_digits, k_single_byte_digits);
        if (!sequence) {
            return refused;
        }
        authentication.pan_sequence_number = (*sequence)[0];
    }
    return authentication;
}

bool is_arqc(const drivers::emv::OnlineAuthentication& authentication) {
    return (authentication.cryptogram_information & k_cryptogram_type_mask) == k_arqc_type;
}

}  // namespace simulator::bank
