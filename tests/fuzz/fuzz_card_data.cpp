// libFuzzer harness: reading a payment card (drivers/emv/card_data.h: application selection,
// EMV 4.3 Book 1 §12; GET PROCESSING OPTIONS and READ RECORD, Book 3 §10.1-10.2) against a card
// that answers whatever the fuzzer makes. Each of the card's answers is one length byte and
// that many bytes, read as a response APDU (data, SW1, SW2; ISO/IEC 7816-4:2013 §5.1); when the
// input runs out, the card has left the reader.
// Properties: whatever the card answers, the kiosk reads it without a crash, an over-read or
// an endless exchange, and what it accepts is a card: a PAN of 12 to 19 digits that passes
// the Luhn check (ISO/IEC 7812-1 Annex B), an expiry YYMM with a month of 01 to 12, a
// supported application's AID.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/emv/card_data.h"
#include "drivers/iso7816/apdu.h"
#include "drivers/iso7816/apdu_channel.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace emv = drivers::emv;
namespace iso7816 = drivers::iso7816;
using tests::fuzz::require;

// A card whose answers come from the fuzzer's bytes, one after the other.
class FuzzedCard : public iso7816::ApduChannel {
  public:
    explicit FuzzedCard(tests::fuzz::FuzzInput& input) : m_input(input) {}

    std::expected<iso7816::ResponseApdu, iso7816::ApduError> transmit(
        const iso7816::CommandApdu& command) override {
        ++m_commands;
        require(command.encode().has_value());
        if (m_input.rest().empty()) {
            return std::unexpected(iso7816::ApduError::card_removed);
        }
        const std::size_t length = m_input.take_byte();
        return iso7816::ResponseApdu::parse(m_input.take(length));
    }

    std::size_t commands() const { return m_commands; }

  private:
    tests::fuzz::FuzzInput& m_input;
    std::size_t m_commands = 0;
};

bool luhn_valid(std::string_view digits) {
    int sum = 0;
    bool doubled = false;
    for (auto digit = digits.rbegin(); digit != digits.rend(); ++digit) {
        int value = *digit - '0';
        if (doubled) {
            value = value * 2 > 9 ? value * 2 - 9 : value * 2;
        }
        sum += value;
        doubled = !doubled;
    }
    return sum % 10 == 0;
}

bool is_digits(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    FuzzedCard card(input);
    const emv::Terminal terminal = emv::Terminal::branch_kiosk();
    const auto read = emv::read_card_data(card, terminal);
    // Every answer but the card's leaving took at least one byte of the input.
    require(card.commands() <= size + 1);
    if (!read) {
        require(!emv::to_string(read.error()).empty());
        return 0;
    }
    const std::string_view pan = read->pan.view();
    require(pan.size() >= 12 && pan.size() <= 19);
    require(is_digits(pan) && luhn_valid(pan));
    require(read->expiry.size() == 4 && is_digits(read->expiry));
    const int month = (read->expiry[2] - '0') * 10 + (read->expiry[3] - '0');
    require(month >= 1 && month <= 12);
    require(std::ranges::any_of(terminal.applications, [&](const emv::TerminalApplication& app) {
        return std::ranges::equal(app.aid, read->aid) ||
               (read->aid.size() > app.aid.size() &&
                std::ranges::equal(app.aid, std::span(read->aid).first(app.aid.size())));
    }));
    return 0;
}
