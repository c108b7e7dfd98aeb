// kiosk-diag read-card: reads the card in the first card reader as the kiosk reads it (power on,
// protocol and speed by drivers::ccid::CardSession, EMV application selection and records
// through drivers/emv) and prints what an engineer may
// see of it: the card number masked as the kiosk masks it, the expiry, the language and the
// application chosen. Nothing else of the card, and never the full number, leaves the program.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <string>

#include "base/bytes.h"
#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_client.h"
#include "drivers/ccid/class_descriptor.h"
#include "drivers/ccid/reader_quirks.h"
#include "drivers/emv/card_data.h"
#include "drivers/iso7816/atr.h"
#include "drivers/usb/usb_transport.h"
#include "kiosk/core/card_number.h"
#include "kiosk/diag/command.h"

namespace kiosk::diag {

namespace {

// Prints `output` with valid false and `error`, and returns `status`.
int card_not_read(nlohmann::ordered_json& output, std::string error, int status) {
    output["valid"] = false;
    output["error"] = std::move(error);
    std::puts(output.dump().c_str());
    return status;
}

// 5F24 holds YYMMDD, the kiosk keeps YYMM; printed as on the card's face, MM/YY.
std::string expiry_as_printed(const std::string& expiry) {
    if (expiry.size() != 4) {
        return expiry;
    }
    return expiry.substr(2, 2) + "/" + expiry.substr(0, 2);
}

int read_card(std::span<const std::string_view> /*arguments*/) {
    nlohmann::ordered_json output;
    auto context = drivers::usb::UsbContext::create();
    if (!context) {
        return card_not_read(
            output,
            "libusb could not start: " + std::string(drivers::usb::to_string(context.error())),
            k_exit_unusable);
    }
    // The first reader, as the kiosk's card reader model finds it (kiosk/devices/README.md).
    drivers::usb::DeviceMatch match;
    match.interface_class = drivers::usb::k_interface_class_smart_card;
    auto transport = drivers::usb::UsbTransport::open(*context, match);
    if (!transport) {
        return card_not_read(output,
                             "no card reader could be opened: " +
                                 std::string(drivers::usb::to_string(transport.error())),
                             k_exit_unusable);
    }
    output["reader"] = (*transport)->product();
    const auto descriptor =
        drivers::ccid::decode_class_descriptor((*transport)->interface().class_descriptor);
    if (!descriptor) {
        return card_not_read(output,
                             "the reader's class descriptor cannot be decoded: " +
                                 std::string(drivers::ccid::to_string(descriptor.error())),
                             k_exit_decoded);
    }
    // The reader as the kiosk drives it: its model's quirks applied, its data rates asked.
    drivers::ccid::ReaderProfile profile{*descriptor, {}};
    if (const auto* quirks = drivers::ccid::find_reader_quirks((*transport)->vendor_id(),
                                                               (*transport)->product_id())) {
        profile.descriptor = drivers::ccid::apply_quirks(*descriptor, *quirks);
    }
    auto options = drivers::ccid::CcidOptions::for_reader(profile.descriptor);
    options.interface_number = (*transport)->interface().number;
    drivers::ccid::CcidClient client(**transport, options);
    if (profile.descriptor.data_rate_count > 0) {
        if (auto rates = client.data_rates(profile.descriptor.data_rate_count)) {
            profile.data_rates = std::move(*rates);
        }
    }
    auto session = drivers::ccid::CardSession::start(client, profile);
    if (!session) {
        return card_not_read(output,
                             "the card could not be started: " +
                                 std::string(drivers::ccid::to_string(session.error())),
                             k_exit_decoded);
    }
    output["atr"] = base::to_hex((*session)->atr().bytes);
    output["protocol"] = "T=" + std::to_string((*session)->choice().protocol);
    output["fi_di"] = base::to_hex(std::array<std::uint8_t, 1>{(*session)->choice().fi_di});
    auto card = drivers::emv::read_card_data(**session);
    // The card is left unpowered whatever the read gave, as the kiosk leaves it.
    session->reset();
    (void)client.power_off();
    if (!card) {
        return card_not_read(
            output,
            "the card could not be read: " + std::string(drivers::emv::to_string(card.error())),
            k_exit_decoded);
    }
    // docs/style.md, "Secrets": the number goes into the kiosk's masking type at once, and the
    // plain copy is wiped with the card data.
    const auto number = core::CardNumber::parse(card->pan.view());
    if (!number) {
        return card_not_read(output,
                             "the card's number is not a card number: " +
                                 std::string(core::to_string(number.error())),
                             k_exit_decoded);
    }
    output["valid"] = true;
    output["pan"] = number->masked();
    output["expiry"] = expiry_as_printed(card->expiry);
    output["language"] = card->language_preference;
    output["application"] = {{"aid", base::to_hex(card->aid)}, {"label", card->application_label}};
    std::puts(output.dump().c_str());
    return k_exit_decoded;
}

}  // namespace

const Command k_read_card{
    .words = "read-card",
    .arguments = "",
    .argument_count = 0,
    .summary = "read the card in the first reader: masked number, expiry, language, application",
    .run = read_card,
};

}  // namespace kiosk::diag
