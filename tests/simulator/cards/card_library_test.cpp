#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "simulator/cards/card_profile.h"

using namespace simulator::cards;

namespace {

CardLibrary demo_library() {
    auto library = CardLibrary::load(default_library_path(KIOSK_SOURCE_DIR));
    if (!library) {
        FAIL(base::to_string(library.error()));
    }
    return std::move(*library);
}

}  // namespace

TEST_CASE("The demo card library loads with every kind of card") {
    const CardLibrary library = demo_library();
    CHECK(library.cards().size() >= 7);
    const CardProfile* zhang = library.find("zhang-wei");
    REQUIRE(zhang != nullptr);
    CHECK(zhang->kind == CardKind::emv);
    CHECK(zhang->pan == "6228480402564890018");
    CHECK(zhang->expiry == "2912");
    CHECK(zhang->holder == "ZHANG/WEI");
    CHECK(zhang->language == "zh");
    CHECK(library.find("mute")->kind == CardKind::mute);
    CHECK(library.find("corrupt")->kind == CardKind::corrupt);
    CHECK(library.find("no-app")->kind == CardKind::no_app);
    CHECK(library.find("transit")->kind == CardKind::transit);
    CHECK(library.find("transit")->pan.empty());  // no account behind it, nothing to scan for
    CHECK(library.find("li-na")->elder);
    CHECK(library.find("nobody") == nullptr);
}

TEST_CASE("Asking the library for an unknown card names it") {
    const CardLibrary library = demo_library();
    auto card = library.make_card("nobody");
    REQUIRE_FALSE(card.has_value());
    CHECK(card.error().code == CardLibraryError::unknown_card);
    CHECK(card.error().context == "nobody");
}

TEST_CASE("A missing library file is reported as unreadable") {
    auto library = CardLibrary::load("/nonexistent/cards.toml");
    REQUIRE_FALSE(library.has_value());
    CHECK(library.error().code == CardLibraryError::unreadable);
    CHECK(base::to_string(library.error()).find("/nonexistent/cards.toml") != std::string::npos);
}

TEST_CASE("Broken TOML is reported as a syntax error") {
    auto library = CardLibrary::parse("[[card]\nname = ");
    REQUIRE_FALSE(library.has_value());
    CHECK(library.error().code == CardLibraryError::syntax);
}

TEST_CASE("An EMV card without a number is reported with the card and field") {
    auto library = CardLibrary::parse(R"([[card]]
name = "half"
kind = "emv"
expiry = "2912"
holder = "A/B"
pin = "1234"
)");
    REQUIRE_FALSE(library.has_value());
    CHECK(library.error().code == CardLibraryError::missing_field);
    CHECK(library.error().context == "half.pan");
}

TEST_CASE("Card data the chip cannot carry is rejected") {
    const auto with = [](const std::string& field, const std::string& value) {
        std::string text =
            "[[card]]\nname = \"x\"\nkind = \"emv\"\npan = \"6228480402564890018\"\n"
            "expiry = \"2912\"\nholder = \"A/B\"\nlanguage = \"zh\"\npin = \"1234\"\n";
        text += field + " = " + value + "\n";
        return CardLibrary::parse(text);
    };
    CHECK(with("protocol", "\"t1\"").has_value());
    // A later key may not repeat an earlier one in TOML, so test through other cards' fields.
    auto bad_pan = CardLibrary::parse(
        "[[card]]\nname = \"x\"\nkind = \"emv\"\npan = \"6228480402564890019\"\nexpiry = \"2912\"\n"
        "holder = \"A/B\"\npin = \"1\"\n");
    REQUIRE_FALSE(bad_pan.has_value());
    CHECK(bad_pan.error().code == CardLibraryError::invalid_field);
    auto bad_expiry = CardLibrary::parse(
        "[[card]]\nname = \"x\"\nkind = \"emv\"\npan = \"6228480402564890018\"\nexpiry = \"2913\"\n"
        "holder = \"A/B\"\npin = \"1\"\n");
    REQUIRE_FALSE(bad_expiry.has_value());
    CHECK(bad_expiry.error().context == "x.expiry is not YYMM");
    CHECK_FALSE(with("protocol", "\"t2\"").has_value());
    CHECK_FALSE(with("elder", "\"yes\"").has_value());
    auto bad_kind = CardLibrary::parse("[[card]]\nname = \"x\"\nkind = \"magnetic\"\n");
    REQUIRE_FALSE(bad_kind.has_value());
    CHECK(bad_kind.error().code == CardLibraryError::invalid_field);
}

TEST_CASE("Two cards with the same name are rejected") {
    auto library = CardLibrary::parse(
        "[[card]]\nname = \"m\"\nkind = \"mute\"\n[[card]]\nname = \"m\"\nkind = \"no-app\"\n");
    REQUIRE_FALSE(library.has_value());
    CHECK(library.error().code == CardLibraryError::duplicate_name);
}

TEST_CASE("The demo library holds the Visa card, the clones and the refused cards") {
    const CardLibrary library = demo_library();
    CHECK(library.find("visa")->scheme == CardScheme::visa);
    CHECK(library.find("zhang-wei")->scheme == CardScheme::unionpay);
    CHECK(library.find("zhang-wei")->cryptogram == CardCryptogram::genuine);
    CHECK(library.find("clone")->cryptogram == CardCryptogram::wrong_key);
    CHECK(library.find("clone")->pan == library.find("zhang-wei")->pan);
    CHECK(library.find("clone-pan-only")->cryptogram == CardCryptogram::none);
    CHECK(library.find("expired")->expiry == "2301");
    CHECK(library.find("blocked")->kind == CardKind::blocked);
    CHECK(library.find("app-blocked")->kind == CardKind::application_blocked);
    const CardProfile* mismatch = library.find("track2-mismatch");
    REQUIRE(mismatch != nullptr);
    CHECK_FALSE(mismatch->track2_pan.empty());
    CHECK(mismatch->track2_pan != mismatch->pan);
    // The clones have no account of their own: the bank knows only the genuine card's.
    CHECK(library.find("clone")->balance.empty());
    CHECK(library.find("clone-pan-only")->balance.empty());
}

TEST_CASE("Bad scheme, cryptogram and track 2 fields are named") {
    const auto card_with = [](const std::string& field, const std::string& value) {
        return CardLibrary::parse(
            "[[card]]\nname = \"x\"\nkind = \"emv\"\npan = \"6228480402564890018\"\n"
            "expiry = \"2912\"\nholder = \"A/B\"\nlanguage = \"zh\"\npin = \"1234\"\n" +
            field + " = " + value + "\n");
    };
    CHECK(card_with("scheme", "\"visa\"").has_value());
    CHECK(card_with("cryptogram", "\"wrong-key\"").has_value());
    CHECK(card_with("track2_pan", "\"6217001234567890122\"").has_value());
    auto scheme = card_with("scheme", "\"amex\"");
    REQUIRE_FALSE(scheme.has_value());
    CHECK(scheme.error().code == CardLibraryError::invalid_field);
    CHECK(scheme.error().context == "x.scheme must be \"unionpay\" or \"visa\"");
    auto cryptogram = card_with("cryptogram", "\"weak\"");
    REQUIRE_FALSE(cryptogram.has_value());
    CHECK(cryptogram.error().context ==
          "x.cryptogram must be \"genuine\", \"wrong-key\" or \"none\"");
    auto track2 = card_with("track2_pan", "\"6217001234567890123\"");  // fails Luhn
    REQUIRE_FALSE(track2.has_value());
    CHECK(track2.error().context == "x.track2_pan is not a 12..19 digit Luhn-valid number");
    CHECK(card_with("track2_pan", "\"62170012\"").error().code == CardLibraryError::invalid_field);
    CHECK(card_with("scheme", "7").error().code == CardLibraryError::invalid_field);
    auto blocked = CardLibrary::parse("[[card]]\nname = \"b\"\nkind = \"blocked\"\n");
    REQUIRE(blocked.has_value());
    CHECK(blocked->find("b")->kind == CardKind::blocked);
}

TEST_CASE("The slow, small-buffer and Hong Kong cards carry their chip's fields") {
    const CardLibrary library = demo_library();
    const CardProfile* slow = library.find("slow-chip");
    REQUIRE(slow != nullptr);
    CHECK(slow->block_waiting_integer == 1);
    CHECK(slow->read_record_time > std::chrono::milliseconds(0));
    CHECK(slow->generate_ac_time > slow->read_record_time);
    const CardProfile* small = library.find("small-ifsc");
    REQUIRE(small != nullptr);
    CHECK(small->information_field_size == 0x20);
    const CardProfile* chan = library.find("chan-mei");
    REQUIRE(chan != nullptr);
    CHECK(chan->issuer_country == "344");
    CHECK(chan->language == "zh");
    // The bank keeps an account for the Hong Kong customer only (its tests count the five).
    for (const CardProfile* card : {slow, small}) {
        CHECK(card->balance.empty());
    }
    CHECK(chan->balance == "8888.00");
    // The older cards keep what they had: China, IFSC 254, BWI 4, answers at once.
    const CardProfile* zhang = library.find("zhang-wei");
    CHECK(zhang->issuer_country == "156");
    CHECK(zhang->information_field_size == 254);
    CHECK(zhang->block_waiting_integer == 4);
    CHECK(zhang->generate_ac_time == std::chrono::milliseconds(0));
}

TEST_CASE("Bad country, IFSC, BWI and chip times are named") {
    const auto card_with = [](const std::string& field, const std::string& value) {
        return CardLibrary::parse(
            "[[card]]\nname = \"x\"\nkind = \"emv\"\npan = \"6228480402564890018\"\n"
            "expiry = \"2912\"\nholder = \"A/B\"\nlanguage = \"zh\"\npin = \"1234\"\n" +
            field + " = " + value + "\n");
    };
    CHECK(card_with("issuer_country", "\"344\"")->cards()[0].issuer_country == "344");
    CHECK(card_with("ifsc", "16")->cards()[0].information_field_size == 16);
    CHECK(card_with("bwi", "0")->cards()[0].block_waiting_integer == 0);
    CHECK(card_with("generate_ac_ms", "700")->cards()[0].generate_ac_time ==
          std::chrono::milliseconds(700));
    for (const auto& [field, value] :
         std::vector<std::pair<std::string, std::string>>{{"issuer_country", "\"34\""},
                                                          {"issuer_country", "\"3A4\""},
                                                          {"issuer_country", "344"},
                                                          {"ifsc", "0"},
                                                          {"ifsc", "255"},
                                                          {"ifsc", "\"32\""},
                                                          {"ifsc", "32.5"},
                                                          {"bwi", "5"},
                                                          {"bwi", "-1"},
                                                          {"read_record_ms", "-1"},
                                                          {"generate_ac_ms", "10001"}}) {
        INFO(field << " = " << value);
        auto library = card_with(field, value);
        REQUIRE_FALSE(library.has_value());
        CHECK(library.error().code == CardLibraryError::invalid_field);
        CHECK(library.error().context.starts_with("x." + field));
    }
}
