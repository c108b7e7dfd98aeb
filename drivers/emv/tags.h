#pragma once

// EMV data object tags used by the kiosk (EMV 4.3 Book 3 Annex A; Book 1 §11-12).

#include "drivers/emv/tlv.h"

namespace drivers::emv::tag {

constexpr Tag fci_template = 0x6F;
constexpr Tag fci_proprietary_template = 0xA5;
constexpr Tag fci_issuer_discretionary_data = 0xBF0C;
constexpr Tag dedicated_file_name = 0x84;
constexpr Tag sfi_of_directory = 0x88;
constexpr Tag record_template = 0x70;
constexpr Tag application_template = 0x61;
constexpr Tag application_identifier = 0x4F;
constexpr Tag application_label = 0x50;
constexpr Tag application_preferred_name = 0x9F12;
constexpr Tag application_priority_indicator = 0x87;
constexpr Tag pdol = 0x9F38;
constexpr Tag language_preference = 0x5F2D;
constexpr Tag issuer_code_table_index = 0x9F11;
constexpr Tag command_template = 0x83;
constexpr Tag response_format_1 = 0x80;
constexpr Tag response_format_2 = 0x77;
constexpr Tag application_interchange_profile = 0x82;
constexpr Tag application_file_locator = 0x94;
constexpr Tag pan = 0x5A;
constexpr Tag track2_equivalent = 0x57;
constexpr Tag expiry_date = 0x5F24;
constexpr Tag effective_date = 0x5F25;
constexpr Tag cardholder_name = 0x5F20;
constexpr Tag pan_sequence_number = 0x5F34;
constexpr Tag issuer_country_code = 0x5F28;
constexpr Tag service_code = 0x5F30;
constexpr Tag application_usage_control = 0x9F07;
constexpr Tag application_version_number = 0x9F08;
constexpr Tag cdol1 = 0x8C;
constexpr Tag cvm_list = 0x8E;
constexpr Tag application_transaction_counter = 0x9F36;
constexpr Tag pin_try_counter = 0x9F17;
// Terminal data the PDOL may ask for (Book 3 Annex A, Book 4 §6.5.5).
constexpr Tag terminal_transaction_qualifiers = 0x9F66;
constexpr Tag amount_authorised = 0x9F02;
constexpr Tag amount_other = 0x9F03;
constexpr Tag terminal_country_code = 0x9F1A;
constexpr Tag transaction_currency_code = 0x5F2A;
constexpr Tag transaction_date = 0x9A;
constexpr Tag transaction_type = 0x9C;
constexpr Tag transaction_time = 0x9F21;
constexpr Tag unpredictable_number = 0x9F37;
constexpr Tag terminal_verification_results = 0x95;
constexpr Tag terminal_type = 0x9F35;
constexpr Tag terminal_capabilities = 0x9F33;
constexpr Tag merchant_name_and_location = 0x9F4E;

}  // namespace drivers::emv::tag
