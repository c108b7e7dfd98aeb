// kiosk-diag tlv: hand-made data objects with the tree or the offset of the first bad byte that
// kiosk/diag/README.md ("kiosk-diag tlv") promises for each.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/kiosk/diag/diag_program.h"

using kiosk::diag::testing::decoded;
using kiosk::diag::testing::decoded_lines;

namespace {

// A malformed input, the phrase of the program's sentence for its error, and the offset of the
// first bad byte.
struct Malformed {
    std::string hex;
    std::string phrase;
    int offset = 0;
};

constexpr std::string_view k_tag_cut = "tag is cut short";
constexpr std::string_view k_tag_too_long = "longer than 3 bytes";
constexpr std::string_view k_length_cut = "length field is missing or cut short";
constexpr std::string_view k_length_form = "not of a form EMV uses";
constexpr std::string_view k_overrun = "runs past the end of its container";
constexpr std::string_view k_too_deep = "nested deeper";

// `count` templates 70 one inside the other around 5A 01 00.
std::string nested_templates(int count) {
    std::string hex = "5A0100";
    for (int level = 0; level < count; ++level) {
        const auto length = static_cast<unsigned>(hex.size() / 2);
        const char digits[] = "0123456789ABCDEF";
        hex = std::string("70") + digits[length >> 4U] + digits[length & 0x0FU] + hex;
    }
    return hex;
}

const std::vector<Malformed> k_malformed{
    // A tag whose first byte says more bytes follow, at the end of the input.
    {"5F", std::string(k_tag_cut), 0},
    {"5A 01 12 9F", std::string(k_tag_cut), 3},
    {"DF 81", std::string(k_tag_cut), 0},
    // Inside a template: the tag is cut by the template's end, not the input's.
    {"BF0C 01 9F 4D 01 00", std::string(k_tag_cut), 3},
    // A fourth tag byte: EMV's tags have at most three.
    {"DF 81 81 01 01 00", std::string(k_tag_too_long), 0},
    {"70 06 9F 81 81 81 01 00", std::string(k_tag_too_long), 2},
    // A length field missing altogether: its offset is where it would begin.
    {"5A", std::string(k_length_cut), 1},
    {"BF0C 02 9F4D", std::string(k_length_cut), 5},
    {"5A 81", std::string(k_length_cut), 1},
    {"5A 82 01", std::string(k_length_cut), 1},
    {"77 03 9F36 82 00 02", std::string(k_length_cut), 4},
    // 5F2D's tag ends its A5, which ends before its 6F does.
    {"6F 0A A5 05 88 01 01 5F2D 02 7A68", std::string(k_length_cut), 9},
    // Length forms EMV does not use: indefinite, and three or four bytes after 83 or 84.
    {"70 80 00 00", std::string(k_length_form), 1},
    {"70 83 000001 00", std::string(k_length_form), 1},
    {"5A 84 00000001 00", std::string(k_length_form), 1},
    {"70 05 5A 83 000000", std::string(k_length_form), 3},
    // A value longer than its container.
    {"5A 05 0102", std::string(k_overrun), 1},
    {"70 81 FF 5A 01 00", std::string(k_overrun), 1},
    {"70 03 5A 02 01 02", std::string(k_overrun), 3},
    // A5 asks for 8 bytes where its 6F holds 5 more, though the input goes on.
    {"6F 07 A5 08 88 01 01 5F2D 02 7A68", std::string(k_overrun), 3},
    {"A5 08 88 01 01 BF0C 82 0001 00", std::string(k_overrun), 7},
    // Nine templates hold the tenth level: the ninth 70 (offset 16) opens it.
    {nested_templates(9), std::string(k_too_deep), 16},
    // After valid objects and fillers.
    {"00 00 5A 01 12 FF 9F02 07 000000001000", std::string(k_overrun), 8},
};

}  // namespace

TEST_CASE(
    "kiosk-diag tlv gives each malformed input's error and the offset of its first bad "
    "byte") {
    std::string input;
    for (const Malformed& malformed : k_malformed) {
        input += malformed.hex + "\n";
    }
    const auto outputs = decoded_lines("tlv", input);
    REQUIRE(outputs.size() == k_malformed.size());
    for (std::size_t index = 0; index < outputs.size(); ++index) {
        const auto& output = outputs[index];
        INFO(k_malformed[index].hex << " printed " << output.dump());
        CHECK(output.at("valid") == false);
        CHECK(output.at("error").get<std::string>().find(k_malformed[index].phrase) !=
              std::string::npos);
        CHECK(output.at("offset") == k_malformed[index].offset);
        CHECK(output.size() == 3);
    }
}

TEST_CASE("kiosk-diag tlv prints a record template with 2-byte tags as a tree") {
    const auto output = decoded("tlv", "70 0A 5F24 03 291231 5F28 01 41");
    CHECK(output == nlohmann::json::parse(R"({"valid": true, "objects": [
        {"tag": "70", "length": 10, "children": [
            {"tag": "5F24", "length": 3, "value": "291231"},
            {"tag": "5F28", "length": 1, "value": "41"}]}]})"));
}

TEST_CASE("kiosk-diag tlv prints an FCI with A5 and an empty BF0C") {
    const auto output = decoded(
        "tlv", "6F 1D 84 0E 315041592E5359532E4444463031 A5 0B 88 01 01 5F2D 02 7A68 BF0C 00");
    CHECK(output == nlohmann::json::parse(R"({"valid": true, "objects": [
        {"tag": "6F", "length": 29, "children": [
            {"tag": "84", "length": 14, "value": "315041592E5359532E4444463031"},
            {"tag": "A5", "length": 11, "children": [
                {"tag": "88", "length": 1, "value": "01"},
                {"tag": "5F2D", "length": 2, "value": "7A68"},
                {"tag": "BF0C", "length": 0, "children": []}]}]}]})"));
}

TEST_CASE("kiosk-diag tlv reads tag 82 inside 77 as a tag, and 81 and 82 length fields") {
    // 77: 82 (AIP) 02 1980, 94 (AFL) 08 ...; then DF8101 with 81 03, then 5F20 with 82 0003.
    const auto output = decoded("tlv",
                                "77 0E 82 02 1980 94 08 08010100 10010301 "
                                "DF8101 81 03 414243 5F20 82 0003 444546");
    CHECK(output == nlohmann::json::parse(R"({"valid": true, "objects": [
        {"tag": "77", "length": 14, "children": [
            {"tag": "82", "length": 2, "value": "1980"},
            {"tag": "94", "length": 8, "value": "0801010010010301"}]},
        {"tag": "DF8101", "length": 3, "value": "414243"},
        {"tag": "5F20", "length": 3, "value": "444546"}]})"));
}

TEST_CASE("kiosk-diag tlv skips 00 and FF between objects, inside templates too") {
    const auto output = decoded("tlv", "00 FF 5A 01 12 00 70 06 00 FF 5A 01 34 00 FF 00");
    CHECK(output == nlohmann::json::parse(R"({"valid": true, "objects": [
        {"tag": "5A", "length": 1, "value": "12"},
        {"tag": "70", "length": 6, "children": [{"tag": "5A", "length": 1, "value": "34"}]}]})"));
    CHECK(decoded("tlv", "00 FF 00").at("objects") == nlohmann::json::array());
}

TEST_CASE("kiosk-diag tlv takes eight nested templates and a long value") {
    const auto nested = decoded("tlv", nested_templates(8));
    CHECK(nested.at("valid") == true);
    const nlohmann::json* level = &nested.at("objects");
    for (int depth = 0; depth < 8; ++depth) {
        REQUIRE(level->size() == 1);
        CHECK(level->at(0).at("tag") == "70");
        level = &level->at(0).at("children");
    }
    CHECK(level->at(0).at("value") == "00");
    // 300 bytes in an 82 length field.
    const auto long_value = decoded("tlv", "9F4B 82 012C " + std::string(600, 'A'));
    CHECK(long_value.at("objects").at(0).at("length") == 300);
    CHECK(long_value.at("objects").at(0).at("value") == std::string(600, 'A'));
}

TEST_CASE("kiosk-diag tlv reports a template cut at any byte at its own length field") {
    // The FCI above, cut after each of its bytes: the 6F's length always runs past the end,
    // but for the cut right after the tag, where the length field itself is missing.
    const std::string fci = "6F1D840E315041592E5359532E4444463031A50B8801015F2D027A68BF0C00";
    std::string input;
    for (std::size_t bytes = 1; bytes < fci.size() / 2; ++bytes) {
        input += fci.substr(0, bytes * 2) + "\n";
    }
    const auto outputs = decoded_lines("tlv", input);
    REQUIRE(outputs.size() == fci.size() / 2 - 1);
    for (std::size_t index = 0; index < outputs.size(); ++index) {
        INFO("cut after " << index + 1 << " bytes: " << outputs[index].dump());
        CHECK(outputs[index].at("valid") == false);
        CHECK(outputs[index].at("offset") == 1);
        const auto phrase = index == 0 ? k_length_cut : k_overrun;
        CHECK(outputs[index].at("error").get<std::string>().find(phrase) != std::string::npos);
    }
}

TEST_CASE("kiosk-diag tlv reports objects cut at every byte at the field that was cut") {
    // 5F2A 02 0978 | 9F02 06 000000001000 | DF8101 01 AA: offsets 0, 5, 14; what each cut
    // leaves (cut after 0..n bytes of the object) and where it is reported.
    const std::string objects =
        "5F2A020978"
        "9F0206000000001000"
        "DF810101AA";
    struct Cut {
        std::size_t bytes;
        std::string_view phrase;  // empty: valid
        int offset;
    };
    const std::vector<Cut> cuts{
        {1, k_tag_cut, 0},
        {2, k_length_cut, 2},
        {3, k_overrun, 2},
        {4, k_overrun, 2},
        {5, "", 0},
        {6, k_tag_cut, 5},
        {7, k_length_cut, 7},
        {8, k_overrun, 7},
        {13, k_overrun, 7},
        {14, "", 0},
        {15, k_tag_cut, 14},
        {16, k_tag_cut, 14},
        {17, k_length_cut, 17},
        {18, k_overrun, 17},
        {19, "", 0},
    };
    std::string input;
    for (const Cut& cut : cuts) {
        input += objects.substr(0, cut.bytes * 2) + "\n";
    }
    const auto outputs = decoded_lines("tlv", input);
    REQUIRE(outputs.size() == cuts.size());
    for (std::size_t index = 0; index < cuts.size(); ++index) {
        INFO("cut after " << cuts[index].bytes << " bytes: " << outputs[index].dump());
        if (cuts[index].phrase.empty()) {
            CHECK(outputs[index].at("valid") == true);
            continue;
        }
        CHECK(outputs[index].at("valid") == false);
        CHECK(outputs[index].at("offset") == cuts[index].offset);
        CHECK(outputs[index].at("error").get<std::string>().find(cuts[index].phrase) !=
              std::string::npos);
    }
}
