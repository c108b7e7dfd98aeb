#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "drivers/epp/epp_client.h"
#include "drivers/epp/epp_security.h"
#include "drivers/iso9564/pin_block.h"
#include "simulator/devices/direct_transport.h"
#include "simulator/devices/virtual_epp.h"
#include "tests/support/replay_transport.h"

// Revision 5 end to end (docs/protocols/epp.md §8): a blank simulated pad provisioned by the key
// ceremony through the protocol, then used by the kiosk's client exactly as the kiosk uses it.

using namespace drivers::epp;
using base::Key;
using simulator::devices::DirectTransport;
using simulator::devices::EppProvisioning;
using simulator::devices::VirtualEpp;
using tests::drivers::hex;

namespace {

constexpr auto k_session_wait = std::chrono::milliseconds(500);
const std::string k_session_pan = "6228480402564890018";

SecretKey session_test_key(std::string_view text) {
    const base::Bytes bytes = hex(text);
    return SecretKey(std::span<const std::uint8_t, k_key_length>(bytes.data(), k_key_length));
}

EppProvisioning test_keys() {
    EppProvisioning keys;
    keys.component1 = session_test_key("0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    keys.component2 = session_test_key("1122334455667788990011223344AABB");
    keys.pin_tdes_key = session_test_key("0123456789ABCDEFFEDCBA9876543210");
    keys.pin_aes_key = session_test_key("2B7E151628AED2A6ABF7158809CF4F3C");
    keys.authentication_key = session_test_key("000102030405060708090A0B0C0D0E0F");
    return keys;
}

SecretKey master_of(const EppProvisioning& keys) {
    SecretKey master = keys.component1;
    for (std::size_t index = 0; index < k_key_length; ++index) {
        master.bytes[index] ^= keys.component2.bytes[index];
    }
    return master;
}

KeyCheckValue kcv(KeyAlgorithm algorithm, const SecretKey& key) {
    return *key_check_value(algorithm, key);
}

struct SessionBench {
    EppProvisioning keys = test_keys();
    std::shared_ptr<VirtualEpp> pad = std::make_shared<VirtualEpp>(VirtualEpp::Identity{});
    std::unique_ptr<DirectTransport> transport;
    std::unique_ptr<EppClient> client;

    explicit SessionBench(bool provision = true) {
        if (provision) {
            auto status = simulator::devices::provision_epp(pad, keys);
            REQUIRE(status.has_value());
        }
        transport = std::make_unique<DirectTransport>(pad);
        client = std::make_unique<EppClient>(*transport, EppOptions{k_session_wait, 4});
    }

    Event next() {
        auto event = client->wait_for_event(k_session_wait);
        REQUIRE(event.has_value());
        REQUIRE(event->has_value());
        return **event;
    }

    void type(std::string_view digits) {
        for (const char digit : digits) {
            pad->press(*base::digit_key(digit - '0'));
        }
    }

    // A component as the custodians type it (epp.md §8.2): star then 0-5 for A-F, then enter.
    void type_component(std::string_view hex_digits) {
        for (const char digit : hex_digits) {
            if (digit >= 'A') {
                pad->press(Key::star);
                pad->press(*base::digit_key(digit - 'A'));
            } else {
                pad->press(*base::digit_key(digit - '0'));
            }
        }
        pad->press(Key::enter);
    }

    // The next event that is not a typing count.
    Event next_beyond_typing() {
        for (;;) {
            Event event = next();
            const auto* progress = std::get_if<KeyCeremonyProgress>(&event);
            if (!progress || progress->stage != CeremonyStage::typing) {
                return event;
            }
        }
    }

    PinEntryRequest format4_request() {
        PinEntryRequest request;
        request.account_field = k_session_pan;
        request.format = BlockFormat::iso9564_format4;
        request.key_slot = static_cast<std::uint8_t>(KeySlot::pin_aes);
        return request;
    }
};

}  // namespace

TEST_CASE("A blank pad provisioned by the key ceremony reports each key by its check value") {
    SessionBench bench;
    auto status = bench.client->get_key_status();
    REQUIRE(status.has_value());
    const EppProvisioning& keys = bench.keys;
    CHECK(status->slot(KeySlot::master).check_value == kcv(KeyAlgorithm::aes128, master_of(keys)));
    CHECK(status->slot(KeySlot::pin_aes).check_value ==
          kcv(KeyAlgorithm::aes128, *keys.pin_aes_key));
    CHECK(status->slot(KeySlot::pin_tdes).check_value ==
          kcv(KeyAlgorithm::tdes, *keys.pin_tdes_key));
    CHECK(status->slot(KeySlot::authentication).algorithm == KeyAlgorithm::aes128);
    CHECK(status->failed_authentications == 0);
}

TEST_CASE(
    "The ceremony reports only counts and check values, and keeps the old key unless "
    "confirmed") {
    SessionBench bench;
    const KeyCheckValue before = bench.client->get_key_status()->slot(KeySlot::master).check_value;
    REQUIRE(bench.client->begin_key_ceremony().has_value());
    // Commands other than status, info, beep and confirm wait for the ceremony.
    CHECK(bench.client->authenticate(*bench.keys.authentication_key).error() == EppError::busy);
    bench.type("12");
    const Event first = bench.next();
    REQUIRE(std::holds_alternative<KeyCeremonyProgress>(first));
    CHECK(std::get<KeyCeremonyProgress>(first).digits_typed == 1);
    CHECK(std::get<KeyCeremonyProgress>(bench.next()).digits_typed == 2);
    // Enter before 32 hex digits does nothing; confirm before a combined key is refused.
    bench.pad->press(Key::enter);
    CHECK(bench.client->commit_key_ceremony().error() == EppError::no_ceremony);
    REQUIRE(bench.client->abandon_key_ceremony().has_value());
    const auto abandoned = std::get<KeyCeremonyProgress>(bench.next());
    CHECK(abandoned.stage == CeremonyStage::abandoned);
    CHECK(abandoned.reason == CeremonyAbandon::by_host);
    auto after = bench.client->get_key_status();
    REQUIRE(after.has_value());
    CHECK(after->slot(KeySlot::master).check_value == before);
    CHECK(after->slot(KeySlot::pin_aes).algorithm == KeyAlgorithm::aes128);
}

TEST_CASE(
    "With revision 6's confirmations the pad reports enter once the combined key awaits them, "
    "and no key before") {
    SessionBench bench;
    REQUIRE(bench.client->begin_key_ceremony(true).has_value());
    const std::string component1 = "00112233445566778899AABBCCDDEEFF";
    const std::string component2 = "0F0E0D0C0B0A09080706050403020100";
    bench.type_component(component1);
    const auto first = std::get<KeyCeremonyProgress>(bench.next_beyond_typing());
    CHECK(first.stage == CeremonyStage::component1_entered);
    CHECK(first.check_value == kcv(KeyAlgorithm::aes128, session_test_key(component1)));
    bench.type_component(component2);
    CHECK(std::get<KeyCeremonyProgress>(bench.next_beyond_typing()).stage ==
          CeremonyStage::component2_entered);
    const auto combined = std::get<KeyCeremonyProgress>(bench.next());
    REQUIRE(combined.stage == CeremonyStage::combined);
    // Only enter is heard now: a digit, clear or star goes nowhere.
    bench.pad->press(Key::digit_5);
    bench.pad->press(Key::clear);
    bench.pad->press(Key::enter);
    const Event confirmation = bench.next();
    REQUIRE(std::holds_alternative<KeyPressed>(confirmation));
    CHECK(std::get<KeyPressed>(confirmation).key == Key::enter);
    bench.pad->press(Key::enter);
    CHECK(std::get<KeyPressed>(bench.next()).key == Key::enter);
    auto master = bench.client->commit_key_ceremony();
    REQUIRE(master.has_value());
    CHECK(*master == combined.check_value);
    CHECK(bench.client->get_key_status()->slot(KeySlot::master).check_value == *master);
}

TEST_CASE("A revision 5 pad refuses the confirmations as bad length and starts no ceremony") {
    SessionBench bench(false);
    VirtualEpp::Identity revision5;
    revision5.confirms_on_keys = false;
    bench.pad = std::make_shared<VirtualEpp>(revision5);
    bench.transport = std::make_unique<DirectTransport>(bench.pad);
    bench.client = std::make_unique<EppClient>(*bench.transport, EppOptions{k_session_wait, 4});
    CHECK(bench.client->begin_key_ceremony(true).error() == EppError::bad_length);
    CHECK(bench.client->get_status()->mode != PadMode::key_ceremony);
    // Revision 5's ceremony still starts.
    REQUIRE(bench.client->begin_key_ceremony().has_value());
    CHECK(bench.client->get_status()->mode == PadMode::key_ceremony);
}

TEST_CASE(
    "A pad that holds an authentication key does nothing for PIN entry before the "
    "session") {
    SessionBench bench;
    CHECK(bench.client->start_pin_entry(bench.format4_request()).error() ==
          EppError::not_authenticated);
    CHECK(bench.client->set_key_mode(KeyMode::function_keys).error() ==
          EppError::not_authenticated);
    CHECK(bench.client->get_pin_block().error() == EppError::not_authenticated);
}

TEST_CASE("After mutual authentication a format 4 PIN block deciphers under the AES PIN key") {
    SessionBench bench;
    REQUIRE(bench.client->authenticate(*bench.keys.authentication_key).has_value());
    CHECK(bench.client->is_secured());
    CHECK(bench.pad->in_session());
    REQUIRE(bench.client->start_pin_entry(bench.format4_request()).has_value());
    bench.type("2468");
    for (int digit = 1; digit <= 4; ++digit) {
        CHECK(std::get<PinDigitEntered>(bench.next()).digits_entered == digit);
    }
    bench.pad->press(Key::enter);
    const Event done = bench.next();
    REQUIRE(std::holds_alternative<PinEntryDone>(done));
    const PinBlockReply& reply = std::get<PinEntryDone>(done).pin_block;
    CHECK(reply.format == BlockFormat::iso9564_format4);
    REQUIRE(reply.bytes().size() == k_format4_block_length);
    auto pin = drivers::iso9564::format4_decrypt_pin(reply.format4_block, k_session_pan,
                                                     bench.keys.pin_aes_key->bytes);
    REQUIRE(pin.has_value());
    CHECK(*pin == "2468");
    base::wipe(*pin);
    // The TDES key is not the AES key: format 0 under it gives no PIN from this block.
    CHECK_FALSE(drivers::iso9564::format4_decrypt_pin(reply.format4_block, k_session_pan,
                                                      bench.keys.pin_tdes_key->bytes)
                    .has_value());
}

TEST_CASE("Format 0 still works under the TDES key, in the same session") {
    SessionBench bench;
    REQUIRE(bench.client->authenticate(*bench.keys.authentication_key).has_value());
    PinEntryRequest request;
    request.account_field = *account_field_from_pan(k_session_pan);
    // Format 0 from the AES slot is refused: the slot must hold the format's key.
    request.key_slot = static_cast<std::uint8_t>(KeySlot::pin_aes);
    CHECK(bench.client->start_pin_entry(request).error() == EppError::no_key);
    request.key_slot = static_cast<std::uint8_t>(KeySlot::pin_tdes);
    REQUIRE(bench.client->start_pin_entry(request).has_value());
    bench.type("1357");
    for (int digit = 1; digit <= 4; ++digit) {
        (void)bench.next();
    }
    bench.pad->press(Key::enter);
    const PinBlockReply reply = std::get<PinEntryDone>(bench.next()).pin_block;
    CHECK(reply.format == BlockFormat::iso9564_format0);
    auto pin = drivers::iso9564::format0_decrypt_pin(reply.block, k_session_pan,
                                                     std::span(bench.keys.pin_tdes_key->bytes));
    REQUIRE(pin.has_value());
    CHECK(*pin == "1357");
    base::wipe(*pin);
}

TEST_CASE(
    "A pad with another authentication key is not authentic, and a host with the wrong key "
    "is refused and counted") {
    SECTION("the pad's key is not the kiosk's") {
        SessionBench bench;
        bench.pad->use_unknown_authentication_key();
        CHECK(bench.client->authenticate(*bench.keys.authentication_key).error() ==
              EppError::pad_not_authentic);
        CHECK_FALSE(bench.client->is_secured());
        CHECK_FALSE(bench.pad->in_session());
    }
    SECTION("the kiosk's key is not the pad's: the pad's proof already fails") {
        SessionBench bench;
        CHECK(bench.client->authenticate(session_test_key("FFEEDDCCBBAA99887766554433221100"))
                  .error() == EppError::pad_not_authentic);
        CHECK_FALSE(bench.pad->in_session());
    }
    SECTION("a FINISH with a wrong proof") {
        SessionBench bench;
        // The host half of the exchange, by hand: a proof that is not HP.
        REQUIRE(bench.transport
                    ->bulk_out(encode_frame(encode_command(Authenticate{}, 0)), k_session_wait)
                    .has_value());
        REQUIRE(drivers::usb::read_bulk(*bench.transport, k_max_frame_length, k_session_wait));
        REQUIRE(
            bench.transport
                ->bulk_out(encode_frame(encode_command(AuthenticateFinish{}, 1)), k_session_wait)
                .has_value());
        auto answer = drivers::usb::read_bulk(*bench.transport, k_max_frame_length, k_session_wait);
        REQUIRE(answer.has_value());
        auto response = decode_response(*decode_frame(*answer));
        REQUIRE(response.has_value());
        CHECK(response->status == Status::authentication_failed);
        CHECK_FALSE(bench.pad->in_session());
        CHECK(bench.client->get_key_status()->failed_authentications == 1);
    }
}

TEST_CASE("In a session a replayed or forged command is refused with bad MAC and counted") {
    SessionBench bench;
    // Every byte the client sends, so that one command can be sent again as it was.
    class Capture : public drivers::usb::Transport {
      public:
        explicit Capture(drivers::usb::Transport& inner) : m_inner(inner) {}
        base::Bytes last_out;
        std::expected<void, drivers::usb::UsbError> bulk_out(std::span<const std::uint8_t> data,
                                                             std::chrono::milliseconds t) override {
            last_out.assign(data.begin(), data.end());
            return m_inner.bulk_out(data, t);
        }
        std::expected<std::size_t, drivers::usb::UsbError> bulk_in(
            std::span<std::uint8_t> buffer, std::chrono::milliseconds t) override {
            return m_inner.bulk_in(buffer, t);
        }
        std::expected<std::size_t, drivers::usb::UsbError> interrupt_in(
            std::span<std::uint8_t> buffer, std::chrono::milliseconds t) override {
            return m_inner.interrupt_in(buffer, t);
        }
        std::expected<base::Bytes, drivers::usb::UsbError> control_transfer(
            const drivers::usb::ControlRequest& request, std::span<const std::uint8_t> data,
            std::uint16_t in_length, std::chrono::milliseconds t) override {
            return m_inner.control_transfer(request, data, in_length, t);
        }
        void wake() override { m_inner.wake(); }

      private:
        drivers::usb::Transport& m_inner;
    };
    Capture capture(*bench.transport);
    EppClient client(capture, EppOptions{k_session_wait, 4});
    REQUIRE(client.authenticate(*bench.keys.authentication_key).has_value());
    REQUIRE(client.beep(Tone::click, std::chrono::milliseconds(50)).has_value());
    const base::Bytes taken = capture.last_out;
    REQUIRE(bench.pad->beeps() == 1);

    const auto nak_status = [&](std::span<const std::uint8_t> bytes) {
        REQUIRE(bench.transport->bulk_out(bytes, k_session_wait).has_value());
        auto answer = drivers::usb::read_bulk(*bench.transport, k_max_frame_length, k_session_wait);
        REQUIRE(answer.has_value());
        const auto frame = decode_frame(*answer);
        REQUIRE(frame.has_value());
        CHECK(frame->code == code::k_nak);
        REQUIRE_FALSE(frame->payload.empty());
        return static_cast<Status>(frame->payload[0]);
    };
    // The same bytes again: a replay.
    CHECK(nak_status(taken) == Status::bad_mac);
    // A beep sealed under a key that is not the session key: a forgery.
    Frame forged = encode_command(Beep{Tone::click, 50}, 200);
    SecureChannel thief;
    thief.open(*bench.keys.authentication_key);
    REQUIRE(thief.seal(forged, Channel::command).has_value());
    CHECK(nak_status(encode_frame(forged)) == Status::bad_mac);
    // An unsecured beep.
    CHECK(nak_status(encode_frame(encode_command(Beep{Tone::click, 50}, 201))) == Status::bad_mac);
    CHECK(bench.pad->beeps() == 1);
    // The client's own session goes on, and the pad counted the three.
    auto status = client.get_key_status();
    REQUIRE(status.has_value());
    CHECK(status->refused_frames == 3);
}

TEST_CASE("A response or event whose MAC is broken is dropped by the client and counted") {
    SessionBench bench;
    REQUIRE(bench.client->authenticate(*bench.keys.authentication_key).has_value());
    REQUIRE(bench.client->set_key_mode(KeyMode::function_keys).has_value());
    // The pad's next frame has a broken CRC: the client sees a bad frame, not a key.
    bench.pad->corrupt_next_frame();
    bench.pad->press(Key::help);
    auto broken = bench.client->wait_for_event(k_session_wait);
    REQUIRE_FALSE(broken.has_value());
    CHECK(broken.error() == EppError::bad_checksum);
    // The next key arrives as usual, under a later counter.
    bench.pad->press(Key::enter);
    CHECK(std::get<KeyPressed>(bench.next()).key == Key::enter);
    CHECK(bench.client->frames_refused() == 0);
}

TEST_CASE("A tamper report arrives secured and leaves the pad with no key and no session") {
    SessionBench bench;
    REQUIRE(bench.client->authenticate(*bench.keys.authentication_key).has_value());
    bench.pad->tamper();
    const Event tamper = bench.next();
    CHECK(std::holds_alternative<TamperDetected>(tamper));
    CHECK_FALSE(bench.pad->in_session());
    // Answers come unsecured now: the client refuses them until it authenticates again, which
    // the tampered pad refuses.
    CHECK(bench.client->get_status().error() == EppError::frame_refused);
    CHECK(bench.client->frames_refused() == 1);
    CHECK(bench.client->authenticate(*bench.keys.authentication_key).error() == EppError::tampered);
    auto status = bench.client->get_key_status();
    REQUIRE(status.has_value());
    for (const KeySlotStatus& slot : status->slots) {
        CHECK(slot.algorithm == KeyAlgorithm::none);
    }
}

TEST_CASE(
    "A key block for another slot or under another master key is refused and the slot keeps "
    "its key") {
    SessionBench bench;
    const SecretKey master = master_of(bench.keys);
    const SecretKey other_key = session_test_key("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
    const auto wrong_slot = wrap_key(master, KeySlot::authentication, other_key);
    REQUIRE(wrong_slot.has_value());
    CHECK(bench.client->load_key(KeySlot::pin_aes, *wrong_slot).error() == EppError::bad_key_block);
    const auto wrong_master = wrap_key(other_key, KeySlot::pin_aes, other_key);
    CHECK(bench.client->load_key(KeySlot::pin_aes, *wrong_master).error() ==
          EppError::bad_key_block);
    CHECK(bench.client->get_key_status()->slot(KeySlot::pin_aes).check_value ==
          kcv(KeyAlgorithm::aes128, *bench.keys.pin_aes_key));
    // The right block loads, and the pad answers its KCV.
    const auto right = wrap_key(master, KeySlot::pin_aes, other_key);
    CHECK(*bench.client->load_key(KeySlot::pin_aes, *right) ==
          kcv(KeyAlgorithm::aes128, other_key));
}

TEST_CASE("A new host's AUTHENTICATE ends the session a previous host left open") {
    SessionBench bench;
    REQUIRE(bench.client->authenticate(*bench.keys.authentication_key).has_value());
    // The kiosk restarts: a new client, with no session key, on the same pad.
    EppClient restarted(*bench.transport, EppOptions{k_session_wait, 4});
    CHECK(restarted.get_status().error() == EppError::bad_mac);
    REQUIRE(restarted.authenticate(*bench.keys.authentication_key).has_value());
    CHECK(restarted.get_status().has_value());
    // The old client's session is over.
    CHECK_FALSE(bench.client->get_status().has_value());
}
