#pragma once

// EMV data object tags used by the kiosk (EMV 4.3 Book 3 Annex A; Book 1 §11-12).

#include "drivers/emv/tlv.h"

namespace drivers::emv::tag {

constexpr Tag k_fci_template = 0x6F;
constexpr Tag k_fci_proprietary_template = 0xA5;
constexpr Tag k_fci_issuer_discretionary_data = 0xBF0C;
constexpr Tag k_dedicated_file_name = 0x84;
constexpr Tag k_sfi_of_directory = 0x88;
constexpr Tag k_record_template = 0x70;
constexpr Tag k_application_template = 0x61;
constexpr Tag k_application_identifier = 0x4F;
constexpr Tag k_application_label = 0x50;
constexpr Tag k_application_preferred_name = 0x9F12;
constexpr Tag k_application_priority_indicator = 0x87;
constexpr Tag k_pdol = 0x9F38;
constexpr Tag k_language_preference = 0x5F2D;
constexpr Tag k_issuer_code_table_index = 0x9F11;
constexpr Tag k_command_template = 0x83;
constexpr Tag k_response_format_1 = 0x80;
constexpr Tag k_response_format_2 = 0x77;
constexpr Tag k_application_interchange_profile = 0x82;
constexpr Tag k_application_file_locator = 0x94;
constexpr Tag k_pan = 0x5A;
constexpr Tag k_track2_equivalent = 0x57;
constexpr Tag k_expiry_date = 0x5F24;
constexpr Tag k_effective_date = 0x5F25;
constexpr Tag k_cardholder_name = 0x5F20;
constexpr Tag k_pan_sequence_number = 0x5F34;
constexpr Tag k_issuer_country_code = 0x5F28;
constexpr Tag k_service_code = 0x5F30;
constexpr Tag k_application_usage_control = 0x9F07;
constexpr Tag k_application_version_number = 0x9F08;
constexpr Tag k_cdol1 = 0x8C;
constexpr Tag k_cvm_list = 0x8E;
constexpr Tag k_application_transaction_counter = 0x9F36;
constexpr Tag k_pin_try_counter = 0x9F17;
// GENERATE AC's answer (Book 3 §6.5.5.4).
constexpr Tag k_cryptogram_information_data = 0x9F27;
constexpr Tag k_application_cryptogram = 0x9F26;
constexpr Tag k_issuer_application_data = 0x9F10;
// Terminal data the PDOL may ask for (Book 3 Annex A, Book 4 §6.5.5).
constexpr Tag k_terminal_transaction_qualifiers = 0x9F66;
constexpr Tag k_amount_authorised = 0x9F02;
constexpr Tag k_amount_other = 0x9F03;
constexpr Tag k_terminal_country_code = 0x9F1A;
constexpr Tag k_transaction_currency_code = 0x5F2A;
constexpr Tag k_transaction_date = 0x9A;
constexpr Tag k_transaction_type = 0x9C;
constexpr Tag k_transaction_time = 0x9F21;
constexpr Tag k_unpredictable_number = 0x9F37;
constexpr Tag k_terminal_verification_results = 0x95;
constexpr Tag k_terminal_type = 0x9F35;
constexpr Tag k_terminal_capabilities = 0x9F33;
constexpr Tag k_merchant_name_and_location = 0x9F4E;

}  // namespace drivers::emv::tag
