// kiosk-diag atr: hand-checked answers to reset, and every ATR of the field corpus through the
// built program, held against a check written here from ISO/IEC 7816-3:2006 §8 without the
// kiosk's parser.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "tests/kiosk/diag/diag_program.h"

using kiosk::diag::testing::decoded;
using kiosk::diag::testing::decoded_lines;

namespace {

// What the independent check says of an ATR: valid, or the one fault it finds first.
enum class Verdict {
    valid,
    bad_ts,
    no_t0,
    interface_bytes_cut,
    historical_bytes_cut,
    no_tck,
    wrong_tck,
    tck_with_only_t0,
    extra_bytes,
    over_33_bytes,
};

// A phrase that only the program's sentence for that verdict holds (kiosk/diag/atr.cpp).
const std::map<Verdict, std::string> k_verdict_phrases{
    {Verdict::bad_ts, "TS is neither"},
    {Verdict::no_t0, "T0 is missing"},
    {Verdict::interface_bytes_cut, "interface bytes"},
    {Verdict::historical_bytes_cut, "fewer historical bytes"},
    {Verdict::no_tck, "TCK is missing"},
    {Verdict::wrong_tck, "TCK is wrong"},
    {Verdict::tck_with_only_t0, "only T=0 is offered"},
    {Verdict::extra_bytes, "Bytes follow the end"},
    {Verdict::over_33_bytes, "longer than 33 bytes"},
};

// ISO/IEC 7816-3:2006 §7.1 Table 7 (Fi, by the high nibble of TA1) and Table 8 (Di, by the low
// nibble); 0 marks a code reserved for future use.
constexpr std::array<int, 16> k_table_7{372, 372, 558, 744,  1116, 1488, 1860, 0,
                                        0,   512, 768, 1024, 1536, 2048, 0,    0};
constexpr std::array<int, 16> k_table_8{0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

struct Expected {
    Verdict verdict = Verdict::valid;
    std::vector<std::string> protocols;
    std::optional<std::uint8_t> ta1;
    std::string historical_bytes;
    bool has_tck = false;
};

// §8.2: TS, T0, the interface bytes the Y nibbles announce, K historical bytes, and TCK when a
// TD names any protocol but T=0 (§8.2.5), which makes the exclusive-or from T0 zero.
Expected check_independently(const base::Bytes& atr) {
    Expected expected;
    const auto fault = [&expected](Verdict verdict) {
        expected.verdict = verdict;
        return expected;
    };
    if (atr.size() > 33) {
        return fault(Verdict::over_33_bytes);
    }
    if (atr.empty() || (atr[0] != 0x3B && atr[0] != 0x3F)) {
        return fault(Verdict::bad_ts);
    }
    if (atr.size() < 2) {
        return fault(Verdict::no_t0);
    }
    std::size_t next = 2;
    unsigned presence = atr[1] >> 4U;  // Y1
    bool tck_required = false;
    for (int group = 1; presence != 0; ++group) {
        std::optional<std::uint8_t> td;
        for (unsigned bit = 0; bit < 4; ++bit) {
            if ((presence & (1U << bit)) == 0) {
                continue;
            }
            if (next == atr.size()) {
                return fault(Verdict::interface_bytes_cut);
            }
            if (group == 1 && bit == 0) {
                expected.ta1 = atr[next];
            }
            if (bit == 3) {
                td = atr[next];
            }
            ++next;
        }
        presence = 0;
        if (td) {
            const std::uint8_t protocol = *td & 0x0F;
            const std::string name = "T=" + std::to_string(protocol);
            tck_required = tck_required || protocol != 0;
            if (protocol != 15 && std::find(expected.protocols.begin(), expected.protocols.end(),
                                            name) == expected.protocols.end()) {
                expected.protocols.push_back(name);
            }
            presence = *td >> 4U;
        }
    }
    if (expected.protocols.empty()) {
        expected.protocols.push_back("T=0");
    }
    const std::size_t historical_count = atr[1] & 0x0F;
    if (atr.size() - next < historical_count) {
        return fault(Verdict::historical_bytes_cut);
    }
    expected.historical_bytes = base::to_hex(std::span(atr).subspan(next, historical_count));
    next += historical_count;
    std::uint8_t sum = 0;
    for (std::size_t index = 1; index < atr.size(); ++index) {
        sum = static_cast<std::uint8_t>(sum ^ atr[index]);
    }
    if (tck_required) {
        if (next == atr.size()) {
            return fault(Verdict::no_tck);
        }
        std::uint8_t up_to_tck = 0;
        for (std::size_t index = 1; index <= next; ++index) {
            up_to_tck = static_cast<std::uint8_t>(up_to_tck ^ atr[index]);
        }
        if (up_to_tck != 0) {
            return fault(Verdict::wrong_tck);
        }
        expected.has_tck = true;
        ++next;
    } else if (atr.size() == next + 1 && sum == 0) {
        return fault(Verdict::tck_with_only_t0);
    }
    if (next != atr.size()) {
        return fault(Verdict::extra_bytes);
    }
    return expected;
}

std::string verdict_name(Verdict verdict) {
    for (const auto& [known, phrase] : k_verdict_phrases) {
        if (known == verdict) {
            return phrase;
        }
    }
    return "valid";
}

// The verdict the program's output gives, read from its sentence.
std::optional<Verdict> verdict_of(const nlohmann::json& output) {
    if (output.at("valid") == true) {
        return Verdict::valid;
    }
    const auto error = output.at("error").get<std::string>();
    std::optional<Verdict> found;
    for (const auto& [verdict, phrase] : k_verdict_phrases) {
        if (error.find(phrase) != std::string::npos) {
            if (found) {
                return std::nullopt;  // two phrases: the sentence does not say which fault
            }
            found = verdict;
        }
    }
    return found;
}

}  // namespace

TEST_CASE("kiosk-diag atr reads an inverse convention answer to reset") {
    // TS 3F; T0 65: TB1 25, TC1 00, five historical bytes; no TD1, so T=0 and no TCK.
    const auto output = decoded("atr", "3F 65 25 00 2C 09 69 90 00");
    CHECK(output == nlohmann::json{{"valid", true},
                                   {"convention", "inverse"},
                                   {"protocols", {"T=0"}},
                                   {"fi", 372},
                                   {"di", 1},
                                   {"historical_bytes", "2C09699000"},
                                   {"tck", "absent"}});
}

TEST_CASE(
    "kiosk-diag atr gives TA1 96 as Fi 512 and Di 32, and leaves T=15 out of the "
    "protocols") {
    // T0 DB: TA1 96, TC1 00, TD1 80 (T=0); TD2 B1 (T=1): TA3 FE, TB3 45, TD3 1F (T=15, global):
    // TA4 83; eleven historical bytes; TCK 52.
    const auto output =
        decoded("atr", "3B DB 96 00 80 B1 FE 45 1F 83 00 31 C0 64 1A 18 01 00 0F 90 00 52");
    CHECK(output.at("valid") == true);
    CHECK(output.at("convention") == "direct");
    CHECK(output.at("fi") == 512);
    CHECK(output.at("di") == 32);
    CHECK(output.at("protocols") == nlohmann::json{"T=0", "T=1"});
    CHECK(output.at("historical_bytes") == "0031C0641A1801000F9000");
    CHECK(output.at("tck") == "ok");
}

TEST_CASE("kiosk-diag atr requires TCK when T=15 global bytes follow T=0") {
    // TD1 80 (T=0), TD2 1F (T=15) with TA3 07: §8.2.5 asks for TCK, 80^80^1F^07 = 18.
    const auto with_tck = decoded("atr", "3B 80 80 1F 07 18");
    CHECK(with_tck.at("valid") == true);
    CHECK(with_tck.at("protocols") == nlohmann::json{"T=0"});
    CHECK(with_tck.at("tck") == "ok");
    const auto without = decoded("atr", "3B 80 80 1F 07");
    CHECK(without.at("valid") == false);
    CHECK(verdict_of(without) == Verdict::no_tck);
}

TEST_CASE("kiosk-diag atr finds a missing and a wrong TCK when T=1 is offered") {
    CHECK(verdict_of(decoded("atr", "3B 80 01")) == Verdict::no_tck);
    CHECK(verdict_of(decoded("atr", "3B 80 01 80")) == Verdict::wrong_tck);
    const auto right = decoded("atr", "3B 80 01 81");
    CHECK(right.at("protocols") == nlohmann::json{"T=1"});
    CHECK(right.at("tck") == "ok");
}

TEST_CASE("kiosk-diag atr refuses a TCK after an answer to reset that offers only T=0") {
    // 02^14^50 = 46: a check byte that checks, where §8.2.5 says there is none.
    CHECK(verdict_of(decoded("atr", "3B 02 14 50 46")) == Verdict::tck_with_only_t0);
    // A byte that does not check is just a byte too many.
    CHECK(verdict_of(decoded("atr", "3B 02 14 50 11")) == Verdict::extra_bytes);
    CHECK(decoded("atr", "3B 02 14 50").at("tck") == "absent");
}

TEST_CASE("kiosk-diag atr prints Fi and Di codes reserved for future use as null") {
    // TA1 7A: Fi code 7 and Di code A are RFU (Tables 7 and 8).
    const auto reserved = decoded("atr", "3B 10 7A");
    CHECK(reserved.at("valid") == true);
    CHECK(reserved.at("fi").is_null());
    CHECK(reserved.at("di").is_null());
    // TA1 18: Fi 372, Di code 8 is 12; TA1 D9: Fi 2048, Di code 9 is 20.
    const auto twelve = decoded("atr", "3B 10 18");
    CHECK(twelve.at("fi") == 372);
    CHECK(twelve.at("di") == 12);
    const auto twenty = decoded("atr", "3B 10 D9");
    CHECK(twenty.at("fi") == 2048);
    CHECK(twenty.at("di") == 20);
}

TEST_CASE("kiosk-diag atr names each malformed answer to reset in a sentence") {
    const std::vector<std::pair<std::string, Verdict>> cases{
        {"3C 00", Verdict::bad_ts},
        {"3B", Verdict::no_t0},
        {"3B F0 11", Verdict::interface_bytes_cut},
        {"3B 04 41 42", Verdict::historical_bytes_cut},
        {"3B 00 3B 28 00", Verdict::extra_bytes},
        {std::string(34 * 2, 'B'), Verdict::over_33_bytes},
    };
    for (const auto& [atr, verdict] : cases) {
        INFO(atr);
        const auto output = decoded("atr", atr);
        CHECK(output.at("valid") == false);
        CHECK(output.size() == 2);
        CHECK(verdict_of(output) == verdict);
        CHECK(output.at("error").get<std::string>().ends_with("."));
    }
}

TEST_CASE("kiosk-diag atr agrees with an independent check on every ATR of the field corpus") {
    std::ifstream corpus(KIOSK_SOURCE_DIR "/tests/data/atr-corpus.txt");
    REQUIRE(corpus.is_open());
    std::vector<base::Bytes> atrs;
    std::string input;
    std::string line;
    while (std::getline(corpus, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        atrs.push_back(base::parse_hex(line).value());
        input += line + "\n";
    }
    REQUIRE(atrs.size() == 4832);
    const auto outputs = decoded_lines("atr", input);
    REQUIRE(outputs.size() == atrs.size());
    std::map<std::string, int> program_counts;
    std::map<std::string, int> check_counts;
    for (std::size_t index = 0; index < atrs.size(); ++index) {
        const auto& output = outputs[index];
        const Expected expected = check_independently(atrs[index]);
        INFO("ATR " << base::to_hex(atrs[index]) << " printed " << output.dump());
        const auto verdict = verdict_of(output);
        REQUIRE(verdict.has_value());
        ++program_counts[verdict_name(*verdict)];
        ++check_counts[verdict_name(expected.verdict)];
        CHECK(*verdict == expected.verdict);
        if (expected.verdict != Verdict::valid || *verdict != Verdict::valid) {
            continue;
        }
        CHECK(output.at("convention") == (atrs[index][0] == 0x3B ? "direct" : "inverse"));
        CHECK(output.at("protocols") == expected.protocols);
        const std::uint8_t ta1 = expected.ta1.value_or(0x11);
        const int fi = k_table_7[ta1 >> 4U];
        const int di = k_table_8[ta1 & 0x0FU];
        CHECK(output.at("fi") == (fi == 0 ? nlohmann::json(nullptr) : nlohmann::json(fi)));
        CHECK(output.at("di") == (di == 0 ? nlohmann::json(nullptr) : nlohmann::json(di)));
        CHECK(output.at("historical_bytes") == expected.historical_bytes);
        CHECK(output.at("tck") == (expected.has_tck ? "ok" : "absent"));
    }
    std::string summary;
    for (const auto& [verdict, count] : check_counts) {
        summary += verdict + ": " + std::to_string(count) + "; ";
    }
    WARN("ATR corpus through kiosk-diag: " << summary);
    CHECK(program_counts == check_counts);
    // Most of the corpus is well formed; a check that rejected most of it would be broken too.
    CHECK(check_counts["valid"] > 4832 * 9 / 10);
}
