#include <catch2/catch.hpp>

#include <array>
#include <random>

#include "base/bytes.h"
#include "drivers/emv/dol.h"
#include "drivers/emv/tags.h"
#include "drivers/emv/tlv.h"
#include "tests/support/replay_transport.h"

using namespace drivers::emv;
using tests::drivers::hex;

TEST_CASE("A primitive object with a one-byte tag and length parses") {
    auto objects = parse_tlv(hex("5A 08 6228480402564890"));
    REQUIRE(objects.has_value());
    REQUIRE(objects->size() == 1);
    CHECK(objects->front().tag == 0x5A);
    CHECK(objects->front().value == hex("6228480402564890"));
    CHECK_FALSE(objects->front().is_constructed());
}

TEST_CASE("Multi-byte tags are read to their last byte") {
    auto objects = parse_tlv(hex("5F24 03 291231  9F38 03 9F6604  DF8101 01 AA"));
    REQUIRE(objects.has_value());
    REQUIRE(objects->size() == 3);
    CHECK((*objects)[0].tag == 0x5F24);
    CHECK((*objects)[1].tag == 0x9F38);
    CHECK((*objects)[2].tag == 0xDF8101);
    CHECK((*objects)[2].value == hex("AA"));
}

TEST_CASE("Nested constructed objects are parsed into children") {
    // FCI: 6F { 84 name, A5 { 88 SFI, 5F2D language, BF0C { 9F4D } } }
    const base::Bytes fci =
        hex("6F 1D 84 0E 315041592E5359532E4444463031 A5 0B 88 01 01 5F2D 02 7A68"
            " BF0C 00");
    auto objects = parse_tlv(fci);
    REQUIRE(objects.has_value());
    const Tlv& root = objects->front();
    CHECK(root.is_constructed());
    REQUIRE(root.children.size() == 2);
    const Tlv* sfi = root.find(tag::k_sfi_of_directory);
    REQUIRE(sfi != nullptr);
    CHECK(sfi->value == hex("01"));
    const Tlv* language = find_tag(*objects, tag::k_language_preference);
    REQUIRE(language != nullptr);
    CHECK(language->value == hex("7A68"));
    CHECK(root.find(0x9F4D) == nullptr);
}

TEST_CASE("Long-form lengths of one and two bytes are read") {
    base::Bytes value(200, 0x11);
    base::Bytes encoded = encode_tlv(0x9F10, value);
    CHECK(encoded[2] == 0x81);
    CHECK(encoded[3] == 200);
    auto objects = parse_tlv(encoded);
    REQUIRE(objects.has_value());
    CHECK(objects->front().value == value);

    base::Bytes large(300, 0x22);
    encoded = encode_tlv(0xDF01, large);
    CHECK(encoded[2] == 0x82);
    objects = parse_tlv(encoded);
    REQUIRE(objects.has_value());
    CHECK(objects->front().value.size() == 300);
}

TEST_CASE("Padding bytes between objects are skipped") {
    auto objects = parse_tlv(hex("00 00 5A 01 12 FF 00 5F20 02 4142 00"));
    REQUIRE(objects.has_value());
    REQUIRE(objects->size() == 2);
    CHECK((*objects)[1].tag == 0x5F20);
}

TEST_CASE("Truncated input of every kind is an error and never an over-read") {
    CHECK(parse_tlv(hex("5F")).error() == TlvError::truncated_tag);
    CHECK(parse_tlv(hex("5A")).error() == TlvError::truncated_length);
    CHECK(parse_tlv(hex("5A 82 01")).error() == TlvError::truncated_length);
    CHECK(parse_tlv(hex("5A 05 0102")).error() == TlvError::value_overrun);
    CHECK(parse_tlv(hex("70 81 FF 5A 01 00")).error() == TlvError::value_overrun);
    CHECK(parse_tlv(hex("70 04 5A 05 0102")).error() == TlvError::value_overrun);
}

TEST_CASE("Indefinite and oversized lengths and overlong tags are rejected") {
    CHECK(parse_tlv(hex("70 80 00 00")).error() == TlvError::unsupported_length);
    CHECK(parse_tlv(hex("70 85 0000000001 00")).error() == TlvError::unsupported_length);
    CHECK(parse_tlv(hex("5F FF FF FF 01 00")).error() == TlvError::tag_too_long);
}

TEST_CASE("A tag read on its own leaves the position just past it") {
    const base::Bytes bytes = hex("9F37 04 5F");
    std::size_t position = 0;
    CHECK(read_tag(bytes, position) == Tag{0x9F37});
    CHECK(position == 2);
    position = 3;
    CHECK(read_tag(bytes, position).error() == TlvError::truncated_tag);
    position = bytes.size();
    CHECK(read_tag(bytes, position).error() == TlvError::truncated_tag);
    CHECK(position == bytes.size());
}

TEST_CASE("Nesting deeper than any EMV template is rejected") {
    base::Bytes nested = encode_tlv(0x5A, hex("01"));
    for (int depth = 0; depth < 12; ++depth) {
        nested = encode_tlv(0x70, nested);
    }
    CHECK(parse_tlv(nested).error() == TlvError::too_deep);
}

TEST_CASE("Encoded objects parse back to the same tags and values") {
    const base::Bytes record = encode_constructed(
        0x70, std::vector<base::Bytes>{encode_tlv(0x5A, hex("6228480402564890018F")),
                                       encode_tlv(0x5F24, hex("291231")),
                                       encode_tlv(0x5F20, hex("5A48414E472F574549"))});
    auto objects = parse_tlv(record);
    REQUIRE(objects.has_value());
    const Tlv* expiry = find_tag(*objects, 0x5F24);
    REQUIRE(expiry != nullptr);
    CHECK(expiry->value == hex("291231"));
    CHECK(tag_bytes(0xBF0C) == hex("BF0C"));
    CHECK(tag_bytes(0x5A) == hex("5A"));
}

TEST_CASE("Random bytes never crash the parser") {
    std::mt19937 generator(20240611);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 64);
    int parsed = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            value = static_cast<std::uint8_t>(byte(generator));
        }
        if (parse_tlv(input).has_value()) {
            ++parsed;
        }
    }
    // Some random inputs happen to be valid TLV, most are not: both paths were exercised.
    CHECK(parsed > 0);
    CHECK(parsed < 20000);
}

TEST_CASE("EMV's rules refuse the 3- and 4-byte length fields and 4-byte tags the kiosk takes") {
    // EMV 4.3 Book 3 Annex B: xx, 81 xx and 82 xx xx only; tags of at most three bytes.
    for (const char* input : {"5A 83 000001 12", "5A 84 00000001 12", "DF818101 01 AA"}) {
        INFO(input);
        CHECK(parse_tlv(hex(input)).has_value());
        CHECK_FALSE(parse_emv_tlv(hex(input)).has_value());
    }
    CHECK(parse_emv_tlv(hex("5A 83 000001 12")).error() ==
          TlvFailure{TlvError::unsupported_length, 1});
    CHECK(parse_emv_tlv(hex("DF818101 01 AA")).error() == TlvFailure{TlvError::tag_too_long, 0});
    CHECK(parse_emv_tlv(hex("5A 82 0001 12 DF8101 81 01 AA"))->size() == 2);
}

TEST_CASE("EMV parse errors carry the offset of the field at fault from the start of the input") {
    // The 5A inside 70 inside 77: its length field is at offset 6.
    CHECK(parse_emv_tlv(hex("77 07 70 05 00 5A 05 0102")).error() ==
          TlvFailure{TlvError::value_overrun, 6});
    // The tag 9F36 is cut after its first byte by its template's end, not by the input's.
    CHECK(parse_emv_tlv(hex("70 01 9F 36 02 0001")).error() ==
          TlvFailure{TlvError::truncated_tag, 2});
    CHECK(parse_emv_tlv(hex("00 FF 5A")).error() == TlvFailure{TlvError::truncated_length, 3});
    base::Bytes nested = encode_tlv(0x5A, hex("01"));
    for (int depth = 0; depth < 9; ++depth) {
        nested = encode_tlv(0x70, nested);
    }
    // Nine templates: the ninth, whose value would be the tenth level, is at offset 16.
    CHECK(parse_emv_tlv(nested).error() == TlvFailure{TlvError::too_deep, 16});
    CHECK(parse_tlv(nested).error() == TlvError::too_deep);
}

TEST_CASE("What EMV's rules accept the kiosk's accept alike, and random bytes never over-read") {
    std::mt19937 generator(83);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 48);
    // Bytes of a TLV's start, so that random inputs go deep into the parser.
    constexpr std::array<std::uint8_t, 12> k_likely{0x70, 0x77, 0xA5, 0xBF, 0x0C, 0x5F,
                                                    0x81, 0x82, 0x83, 0x00, 0xFF, 0x02};
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        base::Bytes input(static_cast<std::size_t>(length(generator)));
        for (auto& value : input) {
            const int draw = byte(generator);
            value = draw < 128 ? k_likely[static_cast<std::size_t>(draw) % k_likely.size()]
                               : static_cast<std::uint8_t>(draw);
        }
        const auto emv = parse_emv_tlv(input);
        const auto kiosk = parse_tlv(input);
        if (emv) {
            ++accepted;
            REQUIRE(kiosk.has_value());
            CHECK(*kiosk == *emv);
        } else {
            CHECK(emv.error().offset <= input.size());
            if (!kiosk) {
                // Where both refuse, they refuse for the same fault unless EMV's rules are the
                // narrower ones.
                CHECK((kiosk.error() == emv.error().error ||
                       emv.error().error == TlvError::unsupported_length ||
                       emv.error().error == TlvError::tag_too_long));
            }
        }
    }
    CHECK(accepted > 0);
    CHECK(accepted < 20000);
}

TEST_CASE("A PDOL lists tags with one-byte lengths") {
    auto entries = parse_dol(hex("9F66 04 9F02 06 9F37 04 5F2A 02"));
    REQUIRE(entries.has_value());
    CHECK(*entries == std::vector<DolEntry>{{0x9F66, 4}, {0x9F02, 6}, {0x9F37, 4}, {0x5F2A, 2}});
    CHECK(parse_dol(hex("9F66")).error() == TlvError::truncated_length);
    CHECK(parse_dol(hex("9F")).error() == TlvError::truncated_tag);
}

TEST_CASE("PDOL data fits each value to its length and zero-fills what is missing") {
    const std::vector<DolEntry> entries{
        {0x9F02, 6}, {0x5F2A, 2}, {0x9F4E, 4}, {0x9F37, 4}, {0x9A, 2}};
    const std::map<Tag, base::Bytes> values{
        {0x9F02, hex("000000012345")},  // numeric, exact
        {0x5F2A, hex("0156")},
        {0x9F4E, hex("4B494F534B2031")},  // "KIOSK 1": cut on the right
        {0x9A, hex("240611")},            // numeric: cut on the left
    };
    CHECK(build_dol_data(entries, values) == hex("000000012345 0156 4B494F53 00000000 0611"));
}
