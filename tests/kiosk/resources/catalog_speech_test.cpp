// The real catalogs, run through the real speech script, read by the real eSpeak NG: a Chinese
// utterance that makes eSpeak switch language ("(en)" in its phoneme output) on its Chinese is a
// defect (docs/platform-facts.md). Latin letters (USB, a serial's) are said by their English
// names, which the Cantonese voice does by switching: they are left out of the check.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "kiosk/core/speech_script.h"
#include "kiosk/resources/load_resources.h"

using namespace kiosk;

namespace {

// The voices the speech adapter uses per locale (docs/platform-facts.md: cmn-latn-pinyin for
// Mandarin, yue for Cantonese).
std::string voice_for(std::string_view locale) {
    return locale == "zh-HK" ? "yue" : "cmn-latn-pinyin";
}

// eSpeak's phoneme mnemonics for the text, read from a file so no shell quoting is involved.
// `scratch` names the input file, so that test cases running in parallel do not share one.
std::string espeak_phonemes(const std::string& text, const std::string& voice,
                            std::string_view scratch) {
    const auto path = std::filesystem::path(KIOSK_BINARY_DIR) / "tests" / "resources" /
                      ("espeak-input-" + std::string(scratch) + ".txt");
    std::filesystem::create_directories(path.parent_path());
    {
        std::ofstream stream(path, std::ios::binary);
        stream << text;
    }
    const std::string command = "espeak-ng -q -x -v " + voice + " -f '" + path.string() + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    REQUIRE(pipe != nullptr);
    std::string output;
    std::array<char, 4096> buffer{};
    while (const std::size_t count = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
        output.append(buffer.data(), count);
    }
    return output;
}

std::vector<core::Utterance> chinese_utterances(const core::Resources& resources,
                                                std::string_view locale) {
    core::Session session = core::new_session(resources);
    session.locale = std::string(locale);
    session.card =
        core::CardData{core::CardNumber::parse("6228480402564890018").value(), "2912", "zh"};
    session.balance = core::Money{100'205, "CNY"};
    session.pin_tries_left = 2;
    session.pin_digit_count = 4;
    // The service menu's device page: a printer's words the catalog words, and its model,
    // version, serial and USB id, which are said by the English voice.
    core::DeviceSnapshot printer;
    printer.device = core::DeviceKind::printer;
    printer.connected = true;
    printer.model = "Receipt Printer";
    printer.firmware = "1.20";
    printer.serial = "VPRN-0001";
    printer.add(core::FactName::usb_id, "1209:0003");
    printer.add(core::FactName::paper, "low");
    session.service = core::ServiceVisit{};
    session.service->devices = {printer};
    std::vector<core::Utterance> all;
    const core::SpeechContext context{resources, core::Channel::headphones, false};
    for (const core::ScreenId id : core::k_all_screen_ids) {
        for (core::Utterance& utterance :
             core::speech_script(core::build_screen(id, resources, session), context)) {
            if (utterance.locale == locale) {
                all.push_back(std::move(utterance));
            }
        }
    }
    const core::Catalog& catalog = resources.catalog(locale);
    for (const char* key :
         {"audio.on", "audio.off", "audio.orientation", "take_card.reminder", "calling_staff.title",
          "pin_entry.cleared", "speech.private_on_screen"}) {
        all.push_back(core::phrase_utterance(catalog.text(key), locale, context));
    }
    return all;
}

// The utterance's text without its Latin letters: the part eSpeak must read as Chinese.
std::string without_latin_letters(const std::string& text) {
    std::string kept;
    for (const char character : text) {
        const bool letter =
            (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z');
        kept += letter ? ' ' : character;
    }
    return kept;
}

}  // namespace

TEST_CASE("eSpeak reads every Mandarin and Cantonese utterance without switching language") {
    const auto loaded =
        resources::load_resources(std::filesystem::path(KIOSK_SOURCE_DIR) / "locales");
    REQUIRE(loaded.has_value());
    REQUIRE(std::system("espeak-ng --version > /dev/null 2>&1") == 0);
    for (const std::string_view locale : {"zh-CN", "zh-HK"}) {
        const auto utterances = chinese_utterances(*loaded, locale);
        REQUIRE(utterances.size() > 60);
        // One eSpeak run reads them all, a line each (a process per utterance cost some 1,300
        // process starts and most of this test's time); only when it switches language somewhere
        // is each utterance read alone, to name the one that does.
        std::string all;
        for (const core::Utterance& utterance : utterances) {
            CHECK_FALSE(utterance.text.empty());
            all += without_latin_letters(utterance.text) + "\n";
        }
        const std::string phonemes = espeak_phonemes(all, voice_for(locale), "utterances");
        CHECK_FALSE(phonemes.empty());
        if (phonemes.find("(en)") == std::string::npos) {
            continue;
        }
        for (const core::Utterance& utterance : utterances) {
            const std::string alone = espeak_phonemes(without_latin_letters(utterance.text),
                                                      voice_for(locale), "utterance");
            INFO(locale << ": " << utterance.text << "\n" << alone);
            CHECK(alone.find("(en)") == std::string::npos);
        }
    }
}

TEST_CASE("eSpeak reads the lexicon's pinyin as the intended syllables") {
    const auto loaded =
        resources::load_resources(std::filesystem::path(KIOSK_SOURCE_DIR) / "locales");
    REQUIRE(loaded.has_value());
    // 银行 alone comes out as xing2 (S;'i35N); through the lexicon it must be hang2 (X'a35N).
    const std::string plain = espeak_phonemes("银行", "cmn-latn-pinyin", "lexicon-plain");
    const std::string fixed =
        espeak_phonemes(loaded->lexicon("zh-CN").apply("银行"), "cmn-latn-pinyin", "lexicon-fixed");
    CHECK(plain.find("S;'i35N") != std::string::npos);
    CHECK(fixed.find("X'a35N") != std::string::npos);
    CHECK(fixed.find("(en)") == std::string::npos);
}
