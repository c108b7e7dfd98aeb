// The speech queue rule (docs/accessibility.md, "Speech that is not cut short"): only the
// customer interrupts. speak() is the customer's speech and cuts; queue() is the kiosk's and
// waits for what is playing, waiting or paused. Also the idle notice that ends each stretch of
// speech, and pause() with queued speech. Real eSpeak NG audio on SDL's dummy driver.

#include <catch2/catch.hpp>

#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::Options;
using kiosk::speech::read_wav;
using kiosk::speech::Speaker;

namespace {

// The samples an utterance played, from its recording.
std::size_t played_samples(const kiosk::speech::SpeechNotice& notice) {
    REQUIRE(notice.recording.has_value());
    const auto audio = read_wav(*notice.recording);
    REQUIRE(audio.has_value());
    return audio->samples.size();
}

// eSpeak NG renders the same text a little differently from one time to the next (measured:
// up to 1% longer or shorter), so "the whole utterance" is its solo length within 3%; an
// utterance cut short, or started late, falls far outside that.
bool same_length(std::size_t played, std::size_t alone) {
    const double ratio = static_cast<double>(played) / static_cast<double>(alone);
    return ratio > 0.97 && ratio < 1.03;
}

constexpr const char* k_reminder_text = "Please take your card";

}  // namespace

TEST_CASE(
    "Kiosk speech queued behind a long utterance waits: both play in full, one after the "
    "other") {
    Listener listener;
    const ScratchFolder folder{"queue-behind"};
    auto speaker = recording_speaker(listener, folder);
    // Each alone first, uncut: how long each is when played in full.
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(listener.wait_for_speech(1, 30s));
    speaker->speak({utterance(k_reminder_text)});
    REQUIRE(listener.wait_for_speech(2));
    const std::size_t apology_alone = played_samples(listener.speech()[0]);
    const std::size_t reminder_alone = played_samples(listener.speech()[1]);
    REQUIRE(apology_alone > 22050 * 4);  // the apology lasts seconds: room for a reminder

    // The defect: the first "please take your card" reminder arrives while the apology plays.
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->queue({utterance(k_reminder_text)});

    REQUIRE(listener.wait_for_speech(4, 30s));
    const auto notices = listener.speech();
    CHECK(notices[2].text == k_apology_text);
    CHECK_FALSE(notices[2].interrupted);
    CHECK(same_length(played_samples(notices[2]), apology_alone));
    CHECK(notices[3].text == k_reminder_text);
    CHECK_FALSE(notices[3].interrupted);
    CHECK(same_length(played_samples(notices[3]), reminder_alone));
    // The reminder's synthesis began only once the apology had been played to its end.
    CHECK(notices[3].started >= notices[2].ended);
}

TEST_CASE("Batches queued one after another play in the order they were queued") {
    Listener listener;
    const ScratchFolder folder{"queue-order"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("One")});
    speaker->queue({utterance("Two")});
    speaker->queue({utterance("Three"), utterance("Four")});

    REQUIRE(listener.wait_for_speech(4));
    const auto notices = listener.speech();
    const std::vector<std::string> texts{notices[0].text, notices[1].text, notices[2].text,
                                         notices[3].text};
    CHECK(texts == std::vector<std::string>{"One", "Two", "Three", "Four"});
    for (std::size_t index = 0; index < notices.size(); ++index) {
        INFO(index);
        CHECK_FALSE(notices[index].interrupted);
        if (index > 0) {
            CHECK(notices[index].started >= notices[index - 1].ended);
        }
    }
}

TEST_CASE("Queued speech with nothing ahead of it plays at once") {
    Listener listener;
    const ScratchFolder folder{"queue-alone"};
    auto speaker = recording_speaker(listener, folder);
    speaker->queue({utterance(k_reminder_text)});

    REQUIRE(listener.wait_for_speech(1));
    CHECK_FALSE(listener.speech().at(0).interrupted);
    REQUIRE(speaker->statistics().queue_to_first_chunk.has_value());
    // A generous bound: the bench prints the real figure (about a millisecond).
    CHECK(*speaker->statistics().queue_to_first_chunk < 2s);
}

TEST_CASE(
    "Customer speech cuts queued speech: what plays and what waits are reported "
    "interrupted in order") {
    Listener listener;
    const ScratchFolder folder{"speak-cuts-queue"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    speaker->queue({utterance("Queued first")});
    speaker->queue({utterance("Queued second"), utterance("Queued third")});
    REQUIRE(wait_until_playing(*speaker));
    speaker->speak({utterance("Enter.")});

    REQUIRE(listener.wait_for_speech(5));
    const auto notices = listener.speech();
    CHECK(notices[0].text == k_apology_text);
    CHECK(notices[0].interrupted);
    CHECK(notices[0].audio_duration > 0ms);
    const char* const dropped[] = {"Queued first", "Queued second", "Queued third"};
    for (std::size_t index = 1; index <= 3; ++index) {
        INFO(index);
        CHECK(notices[index].text == dropped[index - 1]);
        CHECK(notices[index].interrupted);
        CHECK(notices[index].audio_duration == 0ms);
        CHECK_FALSE(notices[index].recording.has_value());
    }
    CHECK(notices[4].text == "Enter.");
    CHECK_FALSE(notices[4].interrupted);
}

TEST_CASE("stop() cuts queued batches too and lifts a pause") {
    Listener listener;
    const ScratchFolder folder{"stop-queue"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    speaker->queue({utterance("Never said")});
    REQUIRE(wait_until_playing(*speaker));
    speaker->pause();
    speaker->stop();

    REQUIRE(listener.wait_for_speech(2));
    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.events() ==
          std::vector<std::string>{std::string{"interrupted "} + k_apology_text,
                                   "interrupted Never said", "idle"});
    // No pause is left behind: speech queued now plays.
    speaker->queue({utterance(k_reminder_text)});
    REQUIRE(listener.wait_for_speech(3));
    CHECK_FALSE(listener.speech().at(2).interrupted);
}

TEST_CASE("Queued speech behind paused speech waits for resume(), then both play in full") {
    Listener listener;
    const ScratchFolder folder{"queue-paused"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->pause();
    speaker->queue({utterance(k_reminder_text)});
    // The mixer's count settles within a period of the pause; then nothing more plays.
    std::this_thread::sleep_for(100ms);
    const std::uint64_t held = speech_samples(*speaker);
    std::this_thread::sleep_for(1s);
    CHECK(speech_samples(*speaker) == held);
    CHECK(listener.speech().empty());
    CHECK(listener.idle_count() == 0);
    CHECK_FALSE(speaker->silent());

    speaker->resume();
    REQUIRE(listener.wait_for_speech(2, 30s));
    REQUIRE(listener.wait_for_idle(1));
    const auto notices = listener.speech();
    CHECK(notices[0].text == k_apology_text);
    CHECK_FALSE(notices[0].interrupted);
    CHECK(notices[1].text == k_reminder_text);
    CHECK_FALSE(notices[1].interrupted);
    CHECK(notices[1].started >= notices[0].ended);
}

TEST_CASE("Speech queued while the speaker is paused with nothing playing waits for resume()") {
    Listener listener;
    const ScratchFolder folder{"queue-paused-idle"};
    auto speaker = recording_speaker(listener, folder);
    speaker->pause();
    speaker->queue({utterance(k_reminder_text)});
    std::this_thread::sleep_for(1s);
    CHECK(speech_samples(*speaker) == 0);
    CHECK(listener.speech().empty());

    speaker->resume();
    REQUIRE(listener.wait_for_speech(1));
    CHECK_FALSE(listener.speech().at(0).interrupted);
    CHECK(played_samples(listener.speech().at(0)) > 22050 / 2);
}

TEST_CASE("speak() lifts a pause: customer speech is never held") {
    Listener listener;
    const ScratchFolder folder{"speak-unpauses"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->pause();
    speaker->speak({utterance("Help.")});

    REQUIRE(listener.wait_for_speech(2));
    CHECK(listener.speech().at(0).interrupted);
    CHECK(listener.speech().at(1).text == "Help.");
    CHECK_FALSE(listener.speech().at(1).interrupted);
}

TEST_CASE("The idle notice comes once, after the last notice of what was said") {
    Listener listener;
    const ScratchFolder folder{"idle-after-speech"};
    auto speaker = recording_speaker(listener, folder);
    CHECK(speaker->silent());
    speaker->speak({utterance("One"), utterance("Two")});
    speaker->queue({utterance("Three")});
    CHECK_FALSE(speaker->silent());

    REQUIRE(listener.wait_for_idle(1));
    CHECK(speaker->silent());
    CHECK(listener.events() ==
          std::vector<std::string>{"speech One", "speech Two", "speech Three", "idle"});
    // Nothing more follows on its own.
    std::this_thread::sleep_for(300ms);
    CHECK(listener.idle_count() == 1);
}

TEST_CASE("stop() is followed by one idle notice, even when nothing was playing") {
    Listener listener;
    const ScratchFolder folder{"idle-after-stop"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->stop();
    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.events() ==
          std::vector<std::string>{std::string{"interrupted "} + k_apology_text, "idle"});

    speaker->stop();
    REQUIRE(listener.wait_for_idle(2));
    std::this_thread::sleep_for(300ms);
    CHECK(listener.idle_count() == 2);
    CHECK(listener.speech().size() == 1);
}

TEST_CASE("No idle notice while paused speech is held, only once the speech has ended") {
    Listener listener;
    const ScratchFolder folder{"idle-paused"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->pause();
    std::this_thread::sleep_for(100ms);
    const std::uint64_t held = speech_samples(*speaker);
    std::this_thread::sleep_for(2s);
    CHECK(speech_samples(*speaker) == held);  // held, not merely slow to finish
    CHECK(listener.idle_count() == 0);
    CHECK(listener.speech().empty());

    speaker->resume();
    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.events() ==
          std::vector<std::string>{std::string{"speech "} + k_apology_text, "idle"});
}

TEST_CASE("Customer speech replacing other speech gives one idle notice, at the end") {
    Listener listener;
    const ScratchFolder folder{"idle-replaced"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(wait_until_playing(*speaker));
    speaker->speak({utterance("Enter.")});

    REQUIRE(listener.wait_for_idle(1));
    std::this_thread::sleep_for(300ms);
    CHECK(listener.events() ==
          std::vector<std::string>{std::string{"interrupted "} + k_apology_text, "speech Enter.",
                                   "idle"});
}

TEST_CASE("repeat_last() says the utterance playing again in full, cutting it") {
    Listener listener;
    const ScratchFolder folder{"repeat-playing"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    REQUIRE(listener.wait_for_speech(1, 30s));
    const std::size_t apology_alone = played_samples(listener.speech()[0]);

    speaker->speak({utterance(k_reminder_text), utterance(k_apology_text)});
    REQUIRE(listener.wait_for_speech(2));
    REQUIRE(wait_until_playing(*speaker));  // the apology has begun
    REQUIRE(speaker->repeat_last());

    REQUIRE(listener.wait_for_speech(4, 30s));
    const auto notices = listener.speech();
    CHECK(notices[2].text == k_apology_text);
    CHECK(notices[2].interrupted);
    CHECK(notices[3].text == k_apology_text);
    CHECK_FALSE(notices[3].interrupted);
    // From its start to its end.
    CHECK(same_length(played_samples(notices[3]), apology_alone));
}

TEST_CASE("repeat_last() says a finished utterance again, the latest that began") {
    Listener listener;
    const ScratchFolder folder{"repeat-finished"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("One"), utterance(k_reminder_text)});
    REQUIRE(listener.wait_for_idle(1));
    REQUIRE(speaker->repeat_last());

    REQUIRE(listener.wait_for_speech(3));
    const auto notices = listener.speech();
    CHECK(notices[2].text == k_reminder_text);
    CHECK_FALSE(notices[2].interrupted);
    CHECK(same_length(played_samples(notices[2]), played_samples(notices[1])));
}

TEST_CASE("repeat_last() with nothing said yet does nothing") {
    Listener listener;
    const ScratchFolder folder{"repeat-nothing"};
    auto speaker = recording_speaker(listener, folder);
    CHECK_FALSE(speaker->repeat_last());
    // A refused utterance never began, so it is not one to repeat either.
    speaker->speak({utterance("Your balance", "en", Channel::speaker, 175, true)});
    REQUIRE(listener.wait_for_errors(1));
    REQUIRE(listener.wait_for_idle(1));
    CHECK_FALSE(speaker->repeat_last());
    speaker.reset();  // delivers whatever is pending
    CHECK(listener.speech().empty());
}

TEST_CASE("repeat_last() cuts queued speech as any customer speech does") {
    Listener listener;
    const ScratchFolder folder{"repeat-cuts-queue"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_apology_text)});
    speaker->queue({utterance("Queued")});
    REQUIRE(wait_until_playing(*speaker));
    REQUIRE(speaker->repeat_last());

    REQUIRE(listener.wait_for_speech(3, 30s));
    const auto notices = listener.speech();
    CHECK(notices[0].interrupted);
    CHECK(notices[1].text == "Queued");
    CHECK(notices[1].interrupted);
    CHECK(notices[2].text == k_apology_text);
    CHECK_FALSE(notices[2].interrupted);
}
