#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "base/bytes.h"
#include "drivers/epp/epp_protocol.h"
#include "tests/support/replay_transport.h"

using namespace drivers::epp;
using base::Key;
using tests::drivers::hex;

TEST_CASE("A PIN pad frame starts with EB and what is wrong with a frame is an EppError") {
    // The frame itself is drivers/frame's (tests/drivers/frame); the pad adds its start byte.
    const base::Bytes bytes = encode_frame(Frame{0x02, 0x07, {}});
    CHECK(base::Bytes(bytes.begin(), bytes.begin() + 6) == hex("EB 01 02 07 0000"));
    auto decoded = decode_frame(bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == Frame{0x02, 0x07, {}});
    CHECK(decode_frame(std::span(bytes).first(5)).error() == EppError::truncated_frame);
    base::Bytes bad = bytes;
    bad[0] = 0xDC;  // a dispenser's frame (dispenser.md §2)
    CHECK(decode_frame(bad).error() == EppError::bad_start_of_frame);
    bad = bytes;
    bad[1] = 0x02;
    CHECK(decode_frame(bad).error() == EppError::unsupported_version);
    bad = bytes;
    bad[6] ^= 0x01;
    CHECK(decode_frame(bad).error() == EppError::bad_checksum);
    bad = bytes;
    bad[4] = 0x01;
    bad[5] = 0x02;  // 513 bytes
    CHECK(decode_frame(bad).error() == EppError::payload_too_long);
}

TEST_CASE("Every command survives an encode and decode round trip") {
    const std::vector<Command> commands = {
        GetInfo{},
        GetStatus{},
        SetKeyMode{KeyMode::function_keys},
        SetKeyMode{.mode = KeyMode::clear_digits,
                   .purpose = DigitPurpose::amount,
                   .digit_count = 9,
                   .seconds = 120},
        StartPinEntry{1, BlockFormat::iso9564_format0, 4, 6, 30, "480402564890"},
        StartPinEntry{0, BlockFormat::iso9564_format0, 6, 12, 300, "000012345678",
                      PinEntryKind::new_pin},
        CancelPinEntry{},
        GetPinBlock{},
        Beep{Tone::attention, 250},
    };
    for (const Command& command : commands) {
        const Frame frame = encode_command(command, 42);
        auto decoded = decode_command(*decode_frame(encode_frame(frame)));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == command);
    }
}

TEST_CASE("Commands with wrong sizes or out-of-range values are rejected") {
    CHECK(decode_command(Frame{code::k_get_info, 0, {0x00}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, {0x03}}).error() ==
          EppError::bad_parameter);
    // Clear digits come with a purpose, a count and a time, each within its bounds (§4.3).
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, {0x02}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("01 01 01 3C00")}).error() ==
          EppError::malformed_payload);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("02 03 01 3C00")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("02 01 00 3C00")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("02 01 14 3C00")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("02 01 01 0000")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_set_key_mode, 0, hex("02 01 01 2D01")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_start_pin_entry, 0, hex("00 00 04 06 1E00")}).error() ==
          EppError::malformed_payload);
    const auto start = [](std::uint8_t min, std::uint8_t max, std::uint16_t seconds,
                          std::string field) {
        return encode_command(
            StartPinEntry{0, BlockFormat::iso9564_format0, min, max, seconds, field}, 0);
    };
    CHECK(decode_command(start(3, 6, 30, "480402564890")).error() == EppError::bad_parameter);
    CHECK(decode_command(start(4, 13, 30, "480402564890")).error() == EppError::bad_parameter);
    CHECK(decode_command(start(6, 4, 30, "480402564890")).error() == EppError::bad_parameter);
    CHECK(decode_command(start(4, 6, 0, "480402564890")).error() == EppError::bad_parameter);
    CHECK(decode_command(start(4, 6, 301, "480402564890")).error() == EppError::bad_parameter);
    CHECK(decode_command(start(4, 6, 30, "48040256489X")).error() == EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_beep, 0, hex("04 6400")}).error() ==
          EppError::bad_parameter);
    // START NEW PIN ENTRY takes the payload of START PIN ENTRY and its limits (§4.8).
    CHECK(decode_command(Frame{code::k_start_new_pin_entry, 0, hex("00 00 04 06 1E00")}).error() ==
          EppError::malformed_payload);
    auto new_pin = start(3, 6, 30, "480402564890");
    new_pin.code = code::k_start_new_pin_entry;
    CHECK(decode_command(new_pin).error() == EppError::bad_parameter);
    CHECK(decode_command(Frame{0x30, 0, {}}).error() == EppError::unknown_code);
}

TEST_CASE("START NEW PIN ENTRY is code 08 with the payload of START PIN ENTRY (revision 4)") {
    // epp.md §4.8 and §4.4: slot, format, min, max, time-out (LE), the 12 ASCII digits, and the
    // CRC-16/CCITT-FALSE of all that (§2).
    const base::Bytes wire = hex("EB 01 08 00 1200 00 00 04 06 1E00 343830343032353634383930 F5FB");
    const StartPinEntry command{
        0, BlockFormat::iso9564_format0, 4, 6, 30, "480402564890", PinEntryKind::new_pin};
    CHECK(code_of(command) == 0x08);
    CHECK(encode_frame(encode_command(command, 0)) == wire);
    auto decoded = decode_command(*decode_frame(wire));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == Command{command});
    // Its answer is 88, and a client reads it as the answer to 08.
    auto answer = decode_response(*decode_frame(hex("EB 01 88 00 0100 00 6FF0")));
    REQUIRE(answer.has_value());
    CHECK(answer->command_code == code::k_start_new_pin_entry);
    CHECK(answer->status == Status::ok);
}

TEST_CASE("NEW PIN AGAIN and PIN ENTRY ENDED for entries that differ are these bytes") {
    // epp.md §5: 4B with no payload; 45 with reason 5 (revision 4, §4.8).
    const base::Bytes again = hex("EB 01 4B 05 0000 A877");
    const base::Bytes differ = hex("EB 01 45 06 0100 05 9195");
    CHECK(encode_frame(encode_event(NewPinAgain{}, 5)) == again);
    CHECK(encode_frame(encode_event(PinEntryEnded{EndReason::new_pins_differ}, 6)) == differ);
    auto decoded_again = decode_event(*decode_frame(again));
    REQUIRE(decoded_again.has_value());
    CHECK(std::holds_alternative<NewPinAgain>(*decoded_again));
    auto decoded_differ = decode_event(*decode_frame(differ));
    REQUIRE(decoded_differ.has_value());
    CHECK(std::get<PinEntryEnded>(*decoded_differ).reason == EndReason::new_pins_differ);
}

TEST_CASE("Responses carry the command code with bit 7 set and a status byte") {
    const Frame frame =
        encode_response(Response{code::k_get_status, Status::ok, hex("00000100")}, 3);
    CHECK(frame.code == 0x82);
    CHECK(frame.payload == hex("00 00000100"));
    auto decoded = decode_response(frame);
    REQUIRE(decoded.has_value());
    CHECK(decoded->command_code == code::k_get_status);
    auto status = decode_pad_status(decoded->data);
    REQUIRE(status.has_value());
    CHECK(status->headphones_plugged);
    CHECK(status->mode == PadMode::idle);
}

TEST_CASE("Responses with unknown codes or statuses are rejected") {
    CHECK(decode_response(Frame{0x90, 0, {0x00}}).error() == EppError::unknown_code);
    // Revision 5's last command is 0E (epp.md §4); 0F has no response code.
    CHECK(decode_response(Frame{0x8F, 0, {0x00}}).error() == EppError::unknown_code);
    CHECK(decode_response(Frame{0x02, 0, {0x00}}).error() == EppError::unknown_code);
    CHECK(decode_response(Frame{0x82, 0, {}}).error() == EppError::malformed_payload);
    // The last status is 0F, keys exhausted (epp.md §3.1, §8.7).
    CHECK(decode_response(Frame{0x82, 0, {0x10}}).error() == EppError::malformed_payload);
    CHECK(decode_response(Frame{0x84, 0, {0x0F}})->status == Status::keys_exhausted);
    CHECK(error_from_status(Status::keys_exhausted) == EppError::keys_exhausted);
    auto nak = decode_response(Frame{code::k_nak, 0, {0x09}});
    REQUIRE(nak.has_value());
    CHECK(nak->command_code == code::k_nak);
}

TEST_CASE("Device information round trips and rejects unprintable or short data") {
    const DeviceInfo info{"KIOSK-EPP-1", "SIM0001", "1.0.0", 0x01};
    auto decoded = decode_device_info(encode_device_info(info));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == info);
    CHECK(decode_device_info(hex("03 414243")).error() == EppError::malformed_payload);
    CHECK(decode_device_info(hex("01 07 01 41 01 41 00")).error() == EppError::malformed_payload);
    CHECK(decode_device_info(hex("05 4142")).error() == EppError::malformed_payload);
}

TEST_CASE("Every event survives an encode and decode round trip") {
    PinBlockReply block;
    block.key_slot = 0;
    block.block = {0xC9, 0x67, 0xC8, 0x19, 0x81, 0x51, 0xA4, 0x58};
    const std::vector<Event> events = {
        KeyPressed{Key::digit_7},
        KeyPressed{Key::help},
        PinDigitEntered{4},
        PinCleared{},
        PinEntryDone{block},
        PinEntryEnded{EndReason::timed_out},
        PinTooShort{4},
        PinFull{6},
        HeadphonesChanged{true},
        TamperDetected{1},
        ClearDigitsEnded{ClearDigitsEnd::time_over},
        NewPinAgain{},
        PinEntryEnded{EndReason::new_pins_differ},
    };
    for (const Event& event : events) {
        auto frame = decode_frame(encode_frame(encode_event(event, 200)));
        REQUIRE(frame.has_value());
        CHECK(frame->sequence == 200);
        auto decoded = decode_event(*frame);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == event);
    }
}

TEST_CASE("Events with malformed payloads are rejected") {
    // 'B' is no key of §5.1 ('A' is the audio key since revision 3).
    CHECK(decode_event(Frame{code::k_key_pressed, 0, {0x42}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_digit_entered, 0, {0x00}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_digit_entered, 0, {13}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_cleared, 0, {0x01}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_entry_done, 0, hex("00 00 0102")}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_entry_ended, 0, {0}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_pin_entry_ended, 0, {6}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_new_pin_again, 0, {0x00}}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_headphones, 0, {2}}).error() == EppError::malformed_payload);
    CHECK(decode_event(Frame{0x4F, 0, {}}).error() == EppError::unknown_code);
}

TEST_CASE("The account field is the 12 digits before the check digit") {
    CHECK(account_field_from_pan("43219876543210987")->view() == "987654321098");
    CHECK(account_field_from_pan("6228480402564890018")->view() == "040256489001");
    CHECK(account_field_from_pan("123456789")->view() == "000012345678");
    CHECK(account_field_from_pan("1234567").error() == EppError::invalid_request);
    CHECK(account_field_from_pan("62284804025648900189").error() == EppError::invalid_request);
    CHECK(account_field_from_pan("62284804025A4890018").error() == EppError::invalid_request);
}

TEST_CASE("Random bytes never crash the frame and message decoders") {
    std::mt19937 generator(7);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 40);
    int frames = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        // Give half the inputs a valid frame around random content.
        if (round % 2 == 0 && input.size() >= 2) {
            Frame frame{input[0], input[1], base::Bytes(input.begin() + 2, input.end())};
            input = encode_frame(frame);
        }
        if (auto frame = decode_frame(input)) {
            ++frames;
            (void)decode_command(*frame);
            (void)decode_response(*frame);
            (void)decode_event(*frame);
        }
    }
    CHECK(frames > 0);
}

namespace {

base::Bytes revision5_joined(base::Bytes first, const base::Bytes& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

}  // namespace

TEST_CASE(
    "Revision 6's ceremony asks for confirmations with one byte and sends revision 5's without "
    "it") {
    // epp.md §8.2: no payload is revision 5's ceremony; `01` asks for enter after stage 3.
    CHECK(encode_command(BeginKeyCeremony{}, 0).payload.empty());
    CHECK(encode_command(BeginKeyCeremony{.confirm_on_keys = true}, 0).payload == hex("01"));
    for (const bool confirm : {false, true}) {
        const Command command = BeginKeyCeremony{.confirm_on_keys = confirm};
        CHECK(decode_command(*decode_frame(encode_frame(encode_command(command, 3)))) == command);
    }
    CHECK(decode_command(Frame{code::k_begin_key_ceremony, 0, hex("00")}) ==
          Command{BeginKeyCeremony{}});
    CHECK(decode_command(Frame{code::k_begin_key_ceremony, 0, hex("02")}).error() ==
          EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_begin_key_ceremony, 0, hex("01 01")}).error() ==
          EppError::malformed_payload);
}

TEST_CASE("Revision 5's commands survive a round trip and a format 4 entry carries the whole PAN") {
    KeyBlock block{};
    block.fill(0xA5);
    Challenge challenge{};
    challenge.fill(0x3C);
    const std::vector<Command> commands = {
        GetKeyStatus{},
        BeginKeyCeremony{},
        ConfirmKeyCeremony{true},
        ConfirmKeyCeremony{false},
        LoadKey{.slot = KeySlot::authentication, .block = block, .dukpt_block = {}},
        Authenticate{challenge},
        AuthenticateFinish{challenge},
        StartPinEntry{1, BlockFormat::iso9564_format4, 4, 6, 30, "6228480402564890018"},
    };
    for (const Command& command : commands) {
        auto decoded = decode_command(*decode_frame(encode_frame(encode_command(command, 9))));
        REQUIRE(decoded.has_value());
        CHECK(*decoded == command);
    }
    // epp.md §4.4: slot, format 4, min, max, time-out, then the PAN's length and its digits.
    const Frame start = encode_command(
        StartPinEntry{1, BlockFormat::iso9564_format4, 4, 6, 30, "6228480402564890018"}, 0);
    CHECK(start.payload == hex("01 04 04 06 1E00 13 36323238343830343032353634383930303138"));
    // A PAN below 12 digits, a format not 0 or 4, a LOAD KEY for the master slot: bad parameter.
    CHECK(decode_command(Frame{code::k_start_pin_entry, 0,
                               revision5_joined(hex("01 04 04 06 1E00 0B"), base::Bytes(11, '1'))})
              .error() == EppError::bad_parameter);
    CHECK(decode_command(Frame{code::k_start_pin_entry, 0,
                               revision5_joined(hex("00 03 04 06 1E00"), base::Bytes(12, '1'))})
              .error() == EppError::bad_parameter);
    base::Bytes master_load{0x80};
    master_load.insert(master_load.end(), block.begin(), block.end());
    CHECK(decode_command(Frame{code::k_load_key, 0, master_load}).error() ==
          EppError::bad_parameter);
    // A length that does not match the PAN length byte, and a short proof: malformed.
    CHECK(decode_command(Frame{code::k_start_pin_entry, 0,
                               revision5_joined(hex("01 04 04 06 1E00 13"), base::Bytes(12, '1'))})
              .error() == EppError::malformed_payload);
    CHECK(decode_command(Frame{code::k_authenticate_finish, 0, base::Bytes(15)}).error() ==
          EppError::malformed_payload);
}

TEST_CASE("Key status, a format 4 block and the ceremony's events decode only when well formed") {
    KeyStatus status;
    status.slots = {KeySlotStatus{KeySlot::pin_tdes, KeyAlgorithm::tdes, {0x08, 0xD7, 0xB4, 0, 0}},
                    KeySlotStatus{KeySlot::pin_aes, KeyAlgorithm::aes128, {1, 2, 3, 4, 5}},
                    KeySlotStatus{KeySlot::authentication, KeyAlgorithm::none, {}},
                    KeySlotStatus{KeySlot::master, KeyAlgorithm::aes128, {9, 8, 7, 6, 5}}};
    status.failed_authentications = 2;
    status.refused_frames = 300;
    const base::Bytes encoded = encode_key_status(status);
    CHECK(encoded.size() == 32);
    auto decoded = decode_key_status(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == status);
    CHECK(decoded->slot(KeySlot::pin_aes).check_value == KeyCheckValue{1, 2, 3, 4, 5});
    // An empty slot with a KCV, a TDES KCV longer than 3 bytes, a slot out of order, a short
    // answer: each is malformed.
    for (const std::size_t offset : {std::size_t{17}, std::size_t{6}, std::size_t{1}}) {
        base::Bytes bad = encoded;
        bad[offset] ^= 0x01;
        CHECK(decode_key_status(bad).error() == EppError::malformed_payload);
    }
    CHECK(decode_key_status(std::span(encoded).first(31)).error() == EppError::malformed_payload);

    PinBlockReply reply;
    reply.key_slot = 1;
    reply.format = BlockFormat::iso9564_format4;
    reply.format4_block.fill(0x77);
    auto round = decode_pin_block_reply(encode_pin_block_reply(reply));
    REQUIRE(round.has_value());
    CHECK(*round == reply);
    CHECK(round->bytes().size() == 16);
    // Format 0 with 16 bytes, format 4 with 8: malformed.
    CHECK(decode_pin_block_reply(revision5_joined(hex("00 00"), base::Bytes(16))).error() ==
          EppError::malformed_payload);
    CHECK(decode_pin_block_reply(revision5_joined(hex("01 04"), base::Bytes(8))).error() ==
          EppError::malformed_payload);

    const std::vector<Event> events = {
        KeyCeremonyProgress{CeremonyStage::typing, 17, {}, CeremonyAbandon::cancel_key},
        KeyCeremonyProgress{
            CeremonyStage::combined, 0, {1, 2, 3, 4, 5}, CeremonyAbandon::cancel_key},
        KeyCeremonyProgress{CeremonyStage::abandoned, 0, {}, CeremonyAbandon::timed_out},
    };
    for (const Event& event : events) {
        auto back = decode_event(encode_event(event, 3));
        REQUIRE(back.has_value());
        CHECK(*back == event);
    }
    CHECK(decode_event(Frame{code::k_key_ceremony, 0, hex("00 21")}).error() ==
          EppError::malformed_payload);  // 33 hex digits
    CHECK(decode_event(Frame{code::k_key_ceremony, 0, hex("04 05")}).error() ==
          EppError::malformed_payload);
    CHECK(decode_event(Frame{code::k_key_ceremony, 0, hex("01 0102")}).error() ==
          EppError::malformed_payload);
}
