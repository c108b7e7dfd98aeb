// The voice's health at run time (docs/accessibility.md, "When a device or the voice is
// missing"): synthesis that fails is reported, nothing waits for speech that cannot come, and
// the app hears when the voice works again. The fault is injected with
// Speaker::simulate_synthesis_fault, which makes the worker take the path of an error returned
// by eSpeak NG.

#include <catch2/catch.hpp>

#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::Options;
using kiosk::speech::Speaker;
using kiosk::speech::SpeechError;

namespace {}  // namespace

TEST_CASE(
    "When synthesis fails, each utterance is reported not played, the voice as not "
    "working, and the speaker as idle") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    CHECK(speaker->voice_working());
    speaker->simulate_synthesis_fault(true);
    speaker->speak({utterance("Welcome"), utterance("Please insert your card")});

    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.events() ==
          std::vector<std::string>{"error synthesis_failed", "interrupted Welcome", "voice off",
                                   "interrupted Please insert your card", "idle"});
    for (const auto& notice : listener.speech()) {
        CHECK(notice.audio_duration == 0ms);
        CHECK(notice.voice == "en-us");
    }
    CHECK(listener.errors().at(0).context.find("en-us") != std::string::npos);
    CHECK_FALSE(speaker->voice_working());
    CHECK(speech_samples(*speaker) == 0);
}

TEST_CASE("Queued speech behind failing speech is reported too, so nothing waits for ever") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->simulate_synthesis_fault(true);
    speaker->speak({utterance("We are sorry")});
    speaker->queue({utterance("Please take your card")});

    // The first batch may fail and fall silent before the second is queued (one idle notice
    // each) or not (one for both): the two speech notices and two errors come either way.
    REQUIRE(listener.wait_for_speech(2));
    REQUIRE(listener.wait_for_errors(2));
    REQUIRE(listener.wait_for_idle(1));
    const auto notices = listener.speech();
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].interrupted);
    CHECK(notices[1].text == "Please take your card");
    CHECK(notices[1].interrupted);
    // Each batch tried the voice once and said why it could not be heard.
    CHECK(listener.errors().size() == 2);
    CHECK(eventually([&] { return speaker->silent(); }));
}

TEST_CASE("The voice is reported working again once an utterance plays after the fault clears") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->simulate_synthesis_fault(true);
    speaker->speak({utterance("One")});
    REQUIRE(listener.wait_for_idle(1));
    speaker->speak({utterance("Two")});
    REQUIRE(listener.wait_for_idle(2));
    // Reported on changes only: two failures, one notice.
    CHECK(listener.voice() == std::vector<bool>{false});

    speaker->simulate_synthesis_fault(false);
    speaker->speak({utterance("Three")});
    REQUIRE(listener.wait_for_idle(3));
    CHECK(listener.voice() == std::vector<bool>{false, true});
    CHECK(speaker->voice_working());
    const auto notices = listener.speech();
    REQUIRE(notices.size() == 3);
    CHECK_FALSE(notices[2].interrupted);
    CHECK(notices[2].audio_duration > 200ms);
    CHECK(speech_samples(*speaker) > 0);
}

TEST_CASE("A working voice sends no voice notice at all") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->speak({utterance("Welcome")});
    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.voice().empty());
    CHECK(listener.errors().empty());
}

TEST_CASE("A synthesis fault that begins mid-batch stops the rest of the batch, reported") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->speak({utterance(k_apology_text), utterance("Goodbye")});
    REQUIRE(wait_until_playing(*speaker));
    speaker->simulate_synthesis_fault(true);

    REQUIRE(listener.wait_for_idle(1, 30s));
    const auto notices = listener.speech();
    REQUIRE(notices.size() == 2);
    // The first was synthesised before the fault and plays to its end; the second fails.
    CHECK_FALSE(notices[0].interrupted);
    CHECK(notices[1].interrupted);
    CHECK(notices[1].audio_duration == 0ms);
    REQUIRE(listener.errors().size() == 1);
    CHECK(listener.errors()[0].code == SpeechError::synthesis_failed);
    CHECK(listener.voice() == std::vector<bool>{false});
}
