#include <catch2/catch.hpp>

#include <thread>

#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::Options;
using kiosk::speech::Speaker;
using kiosk::speech::SpeechError;

namespace {

constexpr const char* k_balance_text = "Your balance is twelve thousand yuan";

}  // namespace

TEST_CASE("A private utterance for the speaker is refused and never played") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->speak({utterance(k_balance_text, "en", Channel::speaker, 175, true),
                    utterance("Please take your card")});

    // Everything asked for has ended once the idle notice comes: no wall-clock guess.
    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.events() == std::vector<std::string>{"error private_on_speaker",
                                                        "speech Please take your card", "idle"});
    const auto error = listener.errors().at(0);
    CHECK(error.code == SpeechError::private_on_speaker);
    // The error names the situation, never the private words.
    CHECK(error.context.find("balance") == std::string::npos);
    const auto notices = listener.speech();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].text == "Please take your card");
    CHECK_FALSE(notices[0].interrupted);
    // Only the public sentence reached the speaker: about 1.5 s of audio, not the balance too.
    // Its notice says how much it played, so the count is held to that, to the millisecond.
    const auto statistics = speaker->statistics();
    CHECK(static_cast<std::int64_t>(statistics.speaker_speech_samples * 1000 / 22050) ==
          notices[0].audio_duration.count());
    CHECK(statistics.speaker_speech_samples < 22050 * 2);
    CHECK(statistics.headphones_speech_samples == 0);
}

TEST_CASE("A private utterance for the speaker is refused even with headphones plugged") {
    Listener listener;
    Options options;
    options.headphones_plugged = true;
    auto speaker = listening_speaker(listener, options);
    speaker->speak({utterance(k_balance_text, "en", Channel::speaker, 175, true)});

    REQUIRE(listener.wait_for_errors(1));
    CHECK(listener.errors().at(0).code == SpeechError::private_on_speaker);
    // Destroying the speaker finishes its work and delivers every notice still pending, so an
    // utterance that was wrongly played would show now.
    const auto statistics = speaker->statistics();
    speaker.reset();
    CHECK(listener.speech().empty());
    CHECK(statistics.headphones_speech_samples == 0);
}

TEST_CASE("A private utterance the customer chose to hear aloud plays on the speaker") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    auto aloud = utterance(k_balance_text, "en", Channel::speaker, 175, true);
    aloud.speaker_chosen = true;
    speaker->speak({aloud});

    REQUIRE(listener.wait_for_idle(1));
    CHECK(listener.errors().empty());
    const auto notices = listener.speech();
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].channel == "speaker");
    // Still personal data: the transcript redacts it.
    CHECK(notices[0].is_private);
    CHECK(speaker->statistics().speaker_speech_samples > 0);
}

TEST_CASE("A private utterance on the headphones plays when headphones are plugged") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->set_headphones_plugged(true);
    CHECK(speaker->headphones_plugged());
    speaker->speak({utterance(k_balance_text, "en", Channel::headphones, 175, true)});

    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);
    CHECK(notice.channel == "headphones");
    CHECK(notice.is_private);
    CHECK_FALSE(notice.interrupted);
    CHECK(listener.errors().empty());
    const auto statistics = speaker->statistics();
    CHECK(statistics.headphones_speech_samples > 22050);
    CHECK(statistics.speaker_speech_samples == 0);
}

TEST_CASE("A private utterance is refused while no headphones are plugged") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->speak({utterance(k_balance_text, "en", Channel::headphones, 175, true)});

    REQUIRE(listener.wait_for_errors(1));
    CHECK(listener.errors().at(0).code == SpeechError::private_without_headphones);
    const auto statistics = speaker->statistics();
    speaker.reset();  // delivers every notice still pending
    CHECK(listener.speech().empty());
    CHECK(statistics.headphones_speech_samples == 0);
    CHECK(statistics.speaker_speech_samples == 0);
}

TEST_CASE("With headphones plugged, speech for the speaker plays on the headphones only") {
    Listener listener;
    Options options;
    options.headphones_plugged = true;
    auto speaker = listening_speaker(listener, options);
    speaker->speak({utterance("Welcome", "en", Channel::speaker)});
    speaker->tone(kiosk::speech::ToneKind::key);

    REQUIRE(listener.wait_for_speech(1));
    CHECK(listener.speech().at(0).channel == "headphones");
    REQUIRE(listener.wait_for_tones(1));
    CHECK(listener.tones().at(0).channel == "headphones");
    const auto statistics = speaker->statistics();
    CHECK(statistics.speaker_speech_samples == 0);
    CHECK(statistics.headphones_speech_samples > 0);
}

TEST_CASE("Plugging in headphones cuts the speech playing on the speaker") {
    Listener listener;
    auto speaker = listening_speaker(listener);
    speaker->speak({utterance(k_long_english_text)});
    std::this_thread::sleep_for(300ms);
    speaker->set_headphones_plugged(true);

    REQUIRE(listener.wait_for_speech(1, 1s));
    CHECK(listener.speech().at(0).interrupted);
    CHECK(listener.speech().at(0).channel == "speaker");
}

TEST_CASE("Unplugging headphones cuts private speech at once") {
    Listener listener;
    Options options;
    options.headphones_plugged = true;
    auto speaker = listening_speaker(listener, options);
    speaker->speak({utterance(std::string{k_balance_text} + ". " + k_long_english_text, "en",
                              Channel::headphones, 175, true)});
    std::this_thread::sleep_for(300ms);
    speaker->set_headphones_plugged(false);

    REQUIRE(listener.wait_for_speech(1, 1s));
    CHECK(listener.speech().at(0).interrupted);
    CHECK(speaker->statistics().speaker_speech_samples == 0);
}

TEST_CASE("Private speech is played on the headphones but never written to a recording") {
    Listener listener;
    ScratchFolder folder("private-recording");
    Options options;
    options.record_directory = folder.path();
    auto speaker = listening_speaker(listener, options);
    speaker->set_headphones_plugged(true);
    speaker->speak({utterance(k_balance_text, "en", Channel::headphones, 175, true),
                    utterance("Please take your card", "en", Channel::headphones)});

    REQUIRE(listener.wait_for_speech(2));
    const auto notices = listener.speech();
    CHECK(notices[0].is_private);
    CHECK(notices[0].audio_duration.count() > 0);
    CHECK_FALSE(notices[0].recording.has_value());
    REQUIRE(notices[1].recording.has_value());
    // Exactly one file: the public sentence's.
    const auto files = std::distance(std::filesystem::directory_iterator(folder.path()),
                                     std::filesystem::directory_iterator());
    CHECK(files == 1);
}

TEST_CASE(
    "A private utterance is repeated on the headphones only, and forgotten once they are "
    "unplugged") {
    Listener listener;
    Options options;
    options.headphones_plugged = true;
    auto speaker = listening_speaker(listener, options);
    speaker->speak({utterance(k_balance_text, "en", Channel::headphones, 175, true)});
    REQUIRE(listener.wait_for_idle(1));
    REQUIRE(speaker->repeat_last());
    REQUIRE(listener.wait_for_idle(2));
    auto notices = listener.speech();
    REQUIRE(notices.size() == 2);
    CHECK(notices[1].is_private);
    CHECK(notices[1].channel == "headphones");
    CHECK_FALSE(notices[1].interrupted);

    // The customer leaves with their headphones; the next one asks for a repeat.
    speaker->set_headphones_plugged(false);
    CHECK_FALSE(speaker->repeat_last());
    speaker.reset();  // delivers whatever is pending
    CHECK(listener.speech().size() == 2);
    CHECK(listener.errors().empty());
}

TEST_CASE("Unplugging headphones cuts a private repeat at once and forgets it") {
    Listener listener;
    Options options;
    options.headphones_plugged = true;
    auto speaker = listening_speaker(listener, options);
    // Long enough to be playing when the repeat is asked for.
    speaker->speak({utterance(std::string{k_balance_text} + ". " + k_long_english_text, "en",
                              Channel::headphones, 175, true)});
    REQUIRE(wait_until_playing(*speaker));
    REQUIRE(speaker->repeat_last());
    REQUIRE(wait_until_playing(*speaker));
    // Unplugged while the repeat plays: the repeat is cut at once and forgotten.
    speaker->set_headphones_plugged(false);
    REQUIRE(listener.wait_for_speech(2));
    CHECK(listener.speech()[1].interrupted);
    CHECK_FALSE(speaker->repeat_last());
    CHECK(speaker->statistics().speaker_speech_samples == 0);
}
