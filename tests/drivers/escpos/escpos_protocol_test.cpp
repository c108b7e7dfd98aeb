// The ESC/POS subset of drivers/escpos/escpos_protocol.h: every command's bytes as Epson's
// "ESC/POS Command Reference" gives them, the decoder reading them back, and streams that are
// broken, cut short or made of random bytes.

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "drivers/escpos/escpos_protocol.h"
#include "tests/support/replay_transport.h"

using namespace drivers::escpos;
using tests::drivers::hex;

namespace {

std::string hex_of(const base::Bytes& bytes) {
    return base::to_hex(bytes);
}

// The commands of a whole stream, or the error's code.
std::vector<Command> decoded(const base::Bytes& bytes) {
    auto commands = decode(bytes);
    INFO((commands ? std::string("decoded") : base::to_string(commands.error())));
    REQUIRE(commands.has_value());
    return *commands;
}

EscposError decode_error(const base::Bytes& bytes) {
    auto commands = decode(bytes);
    REQUIRE_FALSE(commands.has_value());
    return commands.error().code;
}

// One of every command, with parameters away from their defaults where they have any.
std::vector<Command> every_command() {
    return {
        Initialise{},
        SelectEncoding{CharacterEncoding::utf8},
        SelectJustification{Justification::right},
        SelectEmphasis{true},
        SelectSize{CharacterSize{3, 5}},
        Text{"排队号 A023"},
        LineFeed{},
        FeedLines{3},
        QrSelectModel{QrModel::model_2},
        QrSetModuleSize{7},
        QrSelectErrorCorrection{QrErrorCorrection::quartile},
        QrStore{"https://q.example.cn/t/A023"},
        QrPrint{},
        Cut{CutShape::full, std::nullopt},
        Cut{CutShape::partial, std::uint8_t{96}},
        RequestStatus{StatusKind::roll_paper},
    };
}

}  // namespace

TEST_CASE("Each command is encoded as the ESC/POS reference gives its bytes") {
    base::Bytes job;
    initialise(job);  // ESC @
    CHECK(hex_of(job) == "1B40");

    job.clear();
    select_encoding(job, CharacterEncoding::utf8);  // FS ( C pL pH fn m
    CHECK(hex_of(job) == "1C284302003002");

    job.clear();
    select_justification(job, Justification::centre);  // ESC a n
    CHECK(hex_of(job) == "1B6101");

    job.clear();
    select_emphasis(job, true);  // ESC E n
    select_emphasis(job, false);
    CHECK(hex_of(job) == "1B45011B4500");

    job.clear();
    REQUIRE(select_size(job, k_huge_size));  // GS ! n: width - 1 in bits 4-6, height - 1 in 0-2
    REQUIRE(select_size(job, k_large_size));
    REQUIRE(select_size(job, k_normal_size));
    REQUIRE(select_size(job, CharacterSize{2, 1}));
    CHECK(hex_of(job) == "1D21331D21111D21001D2110");

    job.clear();
    line_feed(job);      // LF
    feed_lines(job, 4);  // ESC d n
    CHECK(hex_of(job) == "0A1B6404");

    job.clear();
    cut(job, CutShape::partial, k_cut_feed_dots);  // GS V m n, function B
    cut(job, CutShape::full, std::nullopt);        // GS V m, function A
    CHECK(hex_of(job) == "1D5642601D5630");

    job.clear();
    request_status(job, StatusKind::printer);  // DLE EOT n
    request_status(job, StatusKind::offline_cause);
    request_status(job, StatusKind::roll_paper);
    CHECK(hex_of(job) == "100401100402100404");
}

TEST_CASE("A QR code is the five GS ( k functions of the reference in order") {
    base::Bytes job;
    REQUIRE(qr_code(job, "ABC", QrSettings{QrModel::model_2, 6, QrErrorCorrection::medium}));
    CHECK(hex_of(job) ==
          "1D286B0400314132"
          "00"  // function 165: model 2
          "1D286B03003143"
          "06"  // function 167: 6-dot modules
          "1D286B03003145"
          "31"  // function 169: level M
          "1D286B0600315030"
          "414243"              // function 180: pL pH = 3 + 3, m = 48, "ABC"
          "1D286B0300315130");  // function 181: print
}

TEST_CASE("The QR store length counts the data and three bytes and uses pH for long data") {
    base::Bytes job;
    const std::string data(300, '7');
    REQUIRE(qr_code(job, data));
    // 300 + 3 = 303 = 0x012F: pL = 2F, pH = 01.
    CHECK(hex_of(job).find("1D286B2F01315030") != std::string::npos);
}

TEST_CASE("Text goes out as its UTF-8 bytes") {
    base::Bytes job;
    REQUIRE(text(job, "号A"));
    CHECK(hex_of(job) == "E58FB741");
}

TEST_CASE("The encoder refuses what the printer would misread and leaves the job untouched") {
    base::Bytes job{0x1B, 0x40};
    CHECK(text(job, "A\x1B@").error().code == EscposError::invalid_text);  // a hidden ESC @
    CHECK(text(job, "line\n").error().code == EscposError::invalid_text);
    CHECK(text(job, "\xE5\x8F").error().code == EscposError::invalid_text);  // cut UTF-8
    CHECK(text(job, "\xC0\xAF").error().code == EscposError::invalid_text);  // overlong '/'
    CHECK(select_size(job, CharacterSize{9, 1}).error().code == EscposError::bad_parameter);
    CHECK(select_size(job, CharacterSize{1, 0}).error().code == EscposError::bad_parameter);
    CHECK(qr_code(job, "").error().code == EscposError::data_too_long);
    CHECK(qr_code(job, std::string(k_largest_qr_data_length + 1, '1')).error().code ==
          EscposError::data_too_long);
    CHECK(qr_code(job, "A", QrSettings{.module_dots = 17}).error().code ==
          EscposError::bad_parameter);
    CHECK(wrapped_text(job, "A\tB", k_normal_size).error().code == EscposError::invalid_text);
    CHECK(hex_of(job) == "1B40");
}

TEST_CASE("Every command survives an encode and decode round trip") {
    const auto commands = every_command();
    auto bytes = encode(commands);
    REQUIRE(bytes.has_value());
    CHECK(decoded(*bytes) == commands);
}

TEST_CASE("The decoder reads both forms of the parameters the reference allows") {
    // ESC a 49 is ESC a 1; GS V 1 is GS V 49; FS ( C m = 50 is m = 2; ESC E takes the low bit.
    const auto commands = decoded(hex("1B6131 1D5601 1C28430200 3032 1B4503 1B4502"));
    CHECK(commands == std::vector<Command>{SelectJustification{Justification::centre},
                                           Cut{CutShape::partial, std::nullopt},
                                           SelectEncoding{CharacterEncoding::utf8},
                                           SelectEmphasis{true}, SelectEmphasis{false}});
}

TEST_CASE("Text runs end at control codes and stay whole characters") {
    const auto commands = decoded(hex("1C284302003002 E68E92E9989F 0A 4130 1B4501 3233"));
    CHECK(commands == std::vector<Command>{SelectEncoding{CharacterEncoding::utf8}, Text{"排队"},
                                           LineFeed{}, Text{"A0"}, SelectEmphasis{true},
                                           Text{"23"}});
}

TEST_CASE("Bytes above 7F are refused until UTF-8 is selected and again after ESC @") {
    CHECK(decode_error(hex("E68E92")) == EscposError::invalid_text);
    CHECK(decoded(hex("1C284302003002 E68E92")).size() == 2);
    CHECK(decode_error(hex("1C284302003002 1B40 E68E92")) == EscposError::invalid_text);
}

TEST_CASE("Malformed commands are rejected with the reason") {
    CHECK(decode_error(hex("1B7A00")) == EscposError::unknown_command);  // ESC z
    CHECK(decode_error(hex("0D")) == EscposError::unknown_command);      // CR: not in the subset
    CHECK(decode_error(hex("1B6103")) == EscposError::bad_parameter);    // ESC a 3
    CHECK(decode_error(hex("1D2188")) == EscposError::bad_parameter);    // GS ! 9 by 9
    CHECK(decode_error(hex("1D5605")) == EscposError::bad_parameter);    // GS V 5
    CHECK(decode_error(hex("100405")) == EscposError::bad_parameter);    // DLE EOT 5
    CHECK(decode_error(hex("1005")) == EscposError::unknown_command);    // DLE ENQ
    CHECK(decode_error(hex("1D286B030032 4306")) == EscposError::unknown_command);  // PDF417
    CHECK(decode_error(hex("1D286B04003143 0600")) == EscposError::bad_length);     // 167, pL = 4
    CHECK(decode_error(hex("1D286B03003143 00")) == EscposError::bad_parameter);    // module 0
    CHECK(decode_error(hex("1D286B03003143 11")) == EscposError::bad_parameter);    // module 17
    CHECK(decode_error(hex("1D286B03003145 34")) == EscposError::bad_parameter);    // level 52
    CHECK(decode_error(hex("1D286B04003141 3201")) == EscposError::bad_parameter);  // n2 = 1
    CHECK(decode_error(hex("1D286B03003150 30")) == EscposError::bad_length);       // no data
    CHECK(decode_error(hex("1D286B04003150 3141")) == EscposError::bad_parameter);  // m = 49
    CHECK(decode_error(hex("1D286B03003151 31")) == EscposError::bad_parameter);    // print m = 49
    CHECK(decode_error(hex("1D286B0300315F 30")) == EscposError::unknown_command);  // function 195
    CHECK(decode_error(hex("1C28430300 300200")) == EscposError::bad_length);
    CHECK(decode_error(hex("1C28430200 3003")) == EscposError::bad_parameter);
    CHECK(decode_error(hex("1C28430200 3C00")) == EscposError::unknown_command);
    CHECK(decode_error(hex("1C2E")) == EscposError::unknown_command);                 // FS .
    CHECK(decode_error(hex("41 7F 42")) == EscposError::unknown_command);             // DEL
    CHECK(decode_error(hex("1C284302003002 C0AF")) == EscposError::invalid_text);     // overlong
    CHECK(decode_error(hex("1C284302003002 EDA080")) == EscposError::invalid_text);   // surrogate
    CHECK(decode_error(hex("1C284302003002 E68E 0A")) == EscposError::invalid_text);  // cut by LF
}

TEST_CASE("A QR store longer than any symbol holds is refused before its data arrives") {
    // pL pH = 7093 = 0x1BB5: 7090 bytes of data, one more than a version 40 symbol holds. Only
    // the header is there; the decoder need not wait for the rest to know.
    CHECK(decode_error(hex("1D286BB51B315030")) == EscposError::data_too_long);
}

TEST_CASE("A stream that ends inside a command is truncated and the error says where") {
    const auto whole = *encode(every_command());
    // Every cut that does not fall between two commands leaves part of one behind.
    int truncated = 0;
    for (std::size_t length = 1; length < whole.size(); ++length) {
        const base::Bytes prefix(whole.begin(),
                                 whole.begin() + static_cast<std::ptrdiff_t>(length));
        const auto result = decode(prefix);
        if (!result) {
            CHECK(result.error().code == EscposError::truncated);
            CHECK(result.error().context.starts_with("byte "));
            ++truncated;
        }
    }
    CHECK(truncated > 0);
    CHECK(decode(hex("1D286B")).error().code == EscposError::truncated);
    CHECK(decode(hex("1C284302003002 E6")).error().code == EscposError::truncated);
}

TEST_CASE("A stream fed in pieces of any size decodes to the same commands") {
    const auto commands = every_command();
    const auto whole = *encode(commands);
    for (std::size_t piece = 1; piece <= 9; ++piece) {
        StreamDecoder decoder;
        std::vector<Command> received;
        for (std::size_t start = 0; start < whole.size(); start += piece) {
            const auto end = std::min(whole.size(), start + piece);
            REQUIRE(decoder.feed(std::span(whole).subspan(start, end - start), received));
        }
        CHECK_FALSE(decoder.has_pending());
        // Text may come in several runs when a piece ends inside it; joined, it is the same.
        std::vector<Command> joined;
        for (Command& command : received) {
            if (auto* run = std::get_if<Text>(&command); run && !joined.empty()) {
                if (auto* before = std::get_if<Text>(&joined.back())) {
                    before->text += run->text;
                    continue;
                }
            }
            joined.push_back(std::move(command));
        }
        CHECK(joined == commands);
    }
}

TEST_CASE("A stream decoder keeps what came before an error and starts again after it") {
    StreamDecoder decoder;
    std::vector<Command> commands;
    const auto fed = decoder.feed(hex("100404 1B7A 41"), commands);
    REQUIRE_FALSE(fed.has_value());
    CHECK(fed.error().code == EscposError::unknown_command);
    CHECK(fed.error().context == "byte 3: ESC 0x7A");
    CHECK(commands == std::vector<Command>{RequestStatus{StatusKind::roll_paper}});
    CHECK_FALSE(decoder.has_pending());
    commands.clear();
    REQUIRE(decoder.feed(hex("100401"), commands));
    CHECK(commands == std::vector<Command>{RequestStatus{StatusKind::printer}});
}

TEST_CASE("Random bytes never crash the decoder") {
    std::mt19937 random(20240518);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(0, 64);
    const auto valid = *encode(every_command());
    for (int round = 0; round < 20000; ++round) {
        base::Bytes bytes;
        // Half the inputs start as a valid stream with some bytes changed, so the decoder gets
        // deep into commands before it meets the damage.
        if (round % 2 == 0) {
            bytes = valid;
            for (int change = 0; change < 1 + round % 4; ++change) {
                bytes[static_cast<std::size_t>(byte(random)) % bytes.size()] =
                    static_cast<std::uint8_t>(byte(random));
            }
            bytes.resize(static_cast<std::size_t>(byte(random)) % (bytes.size() + 1));
        } else {
            const int count = length(random);
            for (int index = 0; index < count; ++index) {
                bytes.push_back(static_cast<std::uint8_t>(byte(random)));
            }
        }
        const auto result = decode(bytes);
        if (result) {
            // Whatever decodes encodes again to a stream that decodes the same.
            auto again = encode(*result);
            REQUIRE(again.has_value());
            CHECK(decode(*again) == result);
        }
    }
}

TEST_CASE("Status replies carry their bits with the fixed bits set") {
    // ESC/POS "DLE EOT n": bit 1 and bit 4 set, bit 0 and bit 7 clear.
    CHECK(encode_printer_status(PrinterStatus{}) == 0x12);
    CHECK(encode_printer_status(PrinterStatus{.offline = true}) == 0x1A);
    CHECK(encode_offline_cause(OfflineCause{.cover_open = true}) == 0x16);
    CHECK(encode_offline_cause(OfflineCause{.stopped_by_paper_end = true}) == 0x32);
    CHECK(encode_roll_paper_status(RollPaperStatus{}) == 0x12);
    CHECK(encode_roll_paper_status(RollPaperStatus{.near_end = true}) == 0x1E);
    CHECK(encode_roll_paper_status(RollPaperStatus{.near_end = true, .paper_end = true}) == 0x7E);

    CHECK(decode_printer_status(0x1A)->offline);
    CHECK_FALSE(decode_printer_status(0x12)->offline);
    CHECK(decode_offline_cause(0x16)->cover_open);
    CHECK(decode_offline_cause(0x32)->stopped_by_paper_end);
    CHECK(paper_state_of(*decode_roll_paper_status(0x12)) == PaperState::ok);
    CHECK(paper_state_of(*decode_roll_paper_status(0x1E)) == PaperState::low);
    CHECK(paper_state_of(*decode_roll_paper_status(0x7E)) == PaperState::out);
    // A printer that sets only one of a sensor's two bits still means it.
    CHECK(paper_state_of(*decode_roll_paper_status(0x16)) == PaperState::low);
    CHECK(paper_state_of(*decode_roll_paper_status(0x32)) == PaperState::out);
}

TEST_CASE("A byte without the fixed status bits is not a status reply") {
    for (const int reply : {0x00, 0x10, 0x02, 0x13, 0x92, 0xFF}) {
        const auto byte = static_cast<std::uint8_t>(reply);
        CHECK_FALSE(is_status_reply(byte));
        CHECK(decode_printer_status(byte).error().code == EscposError::bad_status_reply);
        CHECK(decode_offline_cause(byte).error().code == EscposError::bad_status_reply);
        CHECK(decode_roll_paper_status(byte).error().code == EscposError::bad_status_reply);
    }
}

TEST_CASE("Every error has a description") {
    for (const auto error :
         {EscposError::truncated, EscposError::unknown_command, EscposError::bad_parameter,
          EscposError::bad_length, EscposError::invalid_text, EscposError::data_too_long,
          EscposError::timeout, EscposError::device_gone, EscposError::transport_failed,
          EscposError::bad_status_reply}) {
        CHECK_FALSE(to_string(error).empty());
        CHECK(to_string(error) != "unknown ESC/POS error");
    }
    CHECK(base::to_string(base::error(EscposError::truncated, "byte 4: GS")) ==
          "command cut short: byte 4: GS");
}

TEST_CASE("A line holds 48 columns divided by the width multiple") {
    CHECK(columns_per_line(k_normal_size) == 48);
    CHECK(columns_per_line(k_large_size) == 24);
    CHECK(columns_per_line(k_huge_size) == 12);
    CHECK(columns_per_line(CharacterSize{3, 1}) == 16);
}
