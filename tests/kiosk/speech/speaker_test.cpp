#include <catch2/catch.hpp>

#include <thread>

#include "kiosk/speech/text.h"
#include "kiosk/speech/voices.h"
#include "speech_test_support.h"

using namespace speech_test;
using kiosk::speech::Options;
using kiosk::speech::read_wav;
using kiosk::speech::Speaker;
using kiosk::speech::ToneKind;
using Clock = std::chrono::steady_clock;

namespace {

kiosk::speech::WavAudio recording_of(const kiosk::speech::SpeechNotice& notice) {
    REQUIRE(notice.recording.has_value());
    auto audio = read_wav(*notice.recording);
    REQUIRE(audio.has_value());
    return std::move(*audio);
}

// The full length of `text` as the eSpeak NG command line renders it: an independent reference.
double reference_seconds(const std::string& text, const ScratchFolder& folder) {
    const auto path = folder.path() / "reference.wav";
    run_command("espeak-ng -v en-us -s 175 -w '" + path.string() + "' '" + text + "'");
    const auto audio = read_wav(path);
    REQUIRE(audio.has_value());
    return seconds(*audio);
}

}  // namespace

TEST_CASE("An English utterance is spoken by en-us and its recording holds audible speech") {
    Listener listener;
    const ScratchFolder folder{"english"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("Please insert your card")});

    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);
    CHECK(notice.voice == "en-us");
    CHECK(notice.channel == "speaker");
    CHECK(notice.text == "Please insert your card");
    CHECK_FALSE(notice.interrupted);
    CHECK_FALSE(notice.is_private);
    const auto audio = recording_of(notice);
    CHECK(audio.sample_rate == 22050);
    CHECK(audio.channels == 1);
    CHECK(notice.recording->filename() == "001-speaker.wav");
    // Four words at 175 words per minute, with the pauses around them.
    CHECK(seconds(audio) > 1.0);
    CHECK(seconds(audio) < 3.0);
    CHECK(rms(audio.samples) > 500.0);
    // The notice comes when the audio has been played, not when it was synthesised.
    CHECK(notice.ended - notice.started >= std::chrono::milliseconds{900});
    CHECK(notice.audio_duration.count() == Approx(seconds(audio) * 1000).margin(2));
}

TEST_CASE("A Mandarin utterance is spoken by cmn-latn-pinyin and produces audio") {
    Listener listener;
    const ScratchFolder folder{"mandarin"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("您好，欢迎光临", "zh-CN")});

    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);
    CHECK(notice.voice == "cmn-latn-pinyin");
    CHECK_FALSE(notice.interrupted);
    const auto audio = recording_of(notice);
    CHECK(seconds(audio) > 1.0);
    CHECK(rms(audio.samples) > 500.0);
}

TEST_CASE("The Mandarin voice reads the greeting as Chinese, with no switch to English") {
    const std::string voice{kiosk::speech::voice_for_locale("zh-CN").value_or("")};
    const std::string phonemes = run_command("espeak-ng -v " + voice + " -x -q '您好，欢迎光临'");
    INFO(phonemes);
    CHECK(phonemes.find("n'i35n") != std::string::npos);  // 您 nín, tone 2
    CHECK(phonemes.find("(en)") == std::string::npos);
    // The same check catches the defect it is there for: plain cmn switches to English.
    CHECK(run_command("espeak-ng -v cmn -x -q '您好'").find("(en)") != std::string::npos);
}

TEST_CASE("A Cantonese utterance is spoken by yue and produces audio") {
    Listener listener;
    const ScratchFolder folder{"cantonese"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("歡迎光臨", "zh-HK")});

    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);
    CHECK(notice.voice == "yue");
    CHECK(rms(recording_of(notice).samples) > 500.0);
}

TEST_CASE("stop() cuts a long utterance short within a fraction of a second") {
    Listener listener;
    const ScratchFolder folder{"barge-in"};
    auto speaker = recording_speaker(listener, folder);
    const double full_seconds = reference_seconds(k_long_english_text, folder);
    REQUIRE(full_seconds > 8.0);

    const auto spoken_at = Clock::now();
    speaker->speak({utterance(k_long_english_text)});
    std::this_thread::sleep_for(300ms);
    const auto stopped_at = Clock::now();
    speaker->stop();
    const auto stop_returned = Clock::now();
    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);

    const auto stop_to_notice =
        std::chrono::duration_cast<std::chrono::microseconds>(notice.ended - stopped_at);
    const auto stop_call =
        std::chrono::duration_cast<std::chrono::microseconds>(stop_returned - stopped_at);
    WARN("stop() took " << stop_call.count() << " us; stop() to end notice "
                        << stop_to_notice.count() << " us; full text " << full_seconds << " s");
    CHECK(notice.interrupted);
    // Generous bounds, so that a loaded CI machine does not fail them; the bench
    // (kiosk_speech_bench) prints the real numbers (tens of microseconds here).
    CHECK(stop_to_notice < 2s);
    const auto audio = recording_of(notice);
    const double seconds_before_stop =
        std::chrono::duration<double>(stopped_at - spoken_at).count();
    CHECK(seconds(audio) < seconds_before_stop + 0.5);
    CHECK(seconds(audio) < full_seconds / 5);
    // Measured when the mixer next runs, within one device period.
    std::this_thread::sleep_for(100ms);
    const auto cut = speaker->statistics().cut_to_silence;
    REQUIRE(cut.has_value());
    WARN("cut to the first period without the cut speech: " << cut->count() << " us");
    CHECK(*cut < 1s);
}

TEST_CASE("New speech replaces old: the first is cut, the second plays in full") {
    Listener listener;
    const ScratchFolder folder{"replace"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_long_english_text)});
    std::this_thread::sleep_for(300ms);
    speaker->speak({utterance("Thank you")});

    REQUIRE(listener.wait_for_speech(2));
    const auto notices = listener.speech();
    CHECK(notices[0].text == k_long_english_text);
    CHECK(notices[0].interrupted);
    CHECK(notices[1].text == "Thank you");
    CHECK_FALSE(notices[1].interrupted);
    CHECK(seconds(recording_of(notices[1])) > 0.4);
}

TEST_CASE("Utterances behind a cut one are reported as interrupted without being played") {
    Listener listener;
    const ScratchFolder folder{"dropped"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_long_english_text), utterance("Second"), utterance("Third")});
    std::this_thread::sleep_for(300ms);
    speaker->stop();

    REQUIRE(listener.wait_for_speech(3));
    const auto notices = listener.speech();
    CHECK(notices[0].interrupted);
    CHECK(notices[0].audio_duration > 0ms);
    for (std::size_t index : {1u, 2u}) {
        CHECK(notices[index].interrupted);
        CHECK(notices[index].audio_duration == 0ms);
        CHECK_FALSE(notices[index].recording.has_value());
        CHECK(notices[index].voice == "en-us");
    }
    CHECK(notices[1].text == "Second");
    CHECK(notices[2].text == "Third");
}

TEST_CASE("The utterances of one speak() play one after another in order") {
    Listener listener;
    const ScratchFolder folder{"order"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("One"), utterance("二", "zh-CN"), utterance("Three")});

    REQUIRE(listener.wait_for_speech(3));
    const auto notices = listener.speech();
    CHECK(notices[0].text == "One");
    CHECK(notices[1].text == "二");
    CHECK(notices[1].voice == "cmn-latn-pinyin");
    CHECK(notices[2].text == "Three");
    for (const auto& notice : notices) {
        CHECK_FALSE(notice.interrupted);
    }
    CHECK(notices[1].started >= notices[0].ended);
    CHECK(notices[2].started >= notices[1].ended);
    CHECK(notices[2].recording->filename() == "003-speaker.wav");
}

TEST_CASE("The same text at 130 words per minute lasts longer than at 175") {
    Listener listener;
    const ScratchFolder folder{"rate"};
    auto speaker = recording_speaker(listener, folder);
    const std::string text = "Please take your card and your receipt";
    speaker->speak({utterance(text, "en", Channel::speaker, 175),
                    utterance(text, "en", Channel::speaker, 130)});

    REQUIRE(listener.wait_for_speech(2));
    const auto notices = listener.speech();
    const double normal = seconds(recording_of(notices[0]));
    const double slow = seconds(recording_of(notices[1]));
    INFO("175 wpm: " << normal << " s, 130 wpm: " << slow << " s");
    CHECK(slow > normal * 1.15);
}

TEST_CASE("Each volume step makes the same speech louder") {
    Listener listener;
    const ScratchFolder folder{"volume"};
    auto speaker = recording_speaker(listener, folder);
    std::vector<double> loudness;
    for (int step : {1, 3, 5}) {
        REQUIRE(speaker->set_volume(step).has_value());
        CHECK(speaker->volume() == step);
        speaker->speak({utterance("Your card")});
        REQUIRE(listener.wait_for_speech(loudness.size() + 1));
        loudness.push_back(rms(recording_of(listener.speech().back()).samples));
    }
    INFO("RMS at steps 1, 3, 5: " << loudness[0] << ", " << loudness[1] << ", " << loudness[2]);
    // 10 dB between the steps compared: a factor of 3.16 in amplitude.
    CHECK(loudness[1] / loudness[0] == Approx(3.16).epsilon(0.1));
    CHECK(loudness[2] / loudness[1] == Approx(3.16).epsilon(0.1));
}

TEST_CASE("A volume step out of range is refused and the volume stays as it was") {
    Listener listener;
    const ScratchFolder folder{"volume-range"};
    auto speaker = recording_speaker(listener, folder);
    REQUIRE(speaker->set_volume(4).has_value());
    for (int step : {0, 6, -1}) {
        const auto result = speaker->set_volume(step);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().code == kiosk::speech::SpeechError::invalid_volume_step);
    }
    CHECK(speaker->volume() == 4);
}

TEST_CASE("A tone is played on the speaker and reported") {
    Listener listener;
    const ScratchFolder folder{"tone"};
    auto speaker = recording_speaker(listener, folder);
    speaker->tone(ToneKind::error);

    REQUIRE(listener.wait_for_tones(1));
    CHECK(listener.tones().at(0).kind == ToneKind::error);
    CHECK(listener.tones().at(0).channel == "speaker");
    std::this_thread::sleep_for(200ms);
    CHECK(speaker->statistics().tone_samples > 2000);
}

TEST_CASE("A tone during speech is mixed in and does not cut the speech") {
    Listener listener;
    const ScratchFolder folder{"tone-over-speech"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("Please enter your PIN")});
    std::this_thread::sleep_for(300ms);
    speaker->tone(ToneKind::digit);

    REQUIRE(listener.wait_for_speech(1));
    REQUIRE(listener.wait_for_tones(1));
    CHECK_FALSE(listener.speech().at(0).interrupted);
}

TEST_CASE("pause() holds speech where it is and resume() carries on to the end") {
    Listener listener;
    const ScratchFolder folder{"pause"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("Please insert your card")});
    std::this_thread::sleep_for(300ms);
    speaker->pause();
    // Let the mixer run a few periods so that the count has settled.
    std::this_thread::sleep_for(300ms);
    const auto held = speaker->statistics().speaker_speech_samples;
    std::this_thread::sleep_for(500ms);
    CHECK(speaker->statistics().speaker_speech_samples == held);
    CHECK(listener.speech().empty());
    speaker->resume();

    REQUIRE(listener.wait_for_speech(1));
    CHECK_FALSE(listener.speech().at(0).interrupted);
    CHECK(speaker->statistics().speaker_speech_samples > held);
}

TEST_CASE("Text with bytes that are not UTF-8 is cleaned and spoken") {
    Listener listener;
    const ScratchFolder folder{"odd-bytes"};
    auto speaker = recording_speaker(listener, folder);
    const std::string odd{"Card\xff\xfe read\x01 ok\xe6\x82", 17};
    speaker->speak({utterance(odd)});

    REQUIRE(listener.wait_for_speech(1));
    const auto notice = listener.speech().at(0);
    CHECK(notice.text == kiosk::speech::clean_for_synthesis(odd));
    CHECK(notice.text.find('\xff') == std::string::npos);
    CHECK_FALSE(notice.interrupted);
    CHECK(rms(recording_of(notice).samples) > 300.0);
}

TEST_CASE("An utterance in an unknown locale is an error notice and the next still plays") {
    Listener listener;
    const ScratchFolder folder{"unknown-locale"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance("Bonjour", "fr"), utterance("Hello")});

    REQUIRE(listener.wait_for_speech(1));
    REQUIRE(listener.wait_for_errors(1));
    CHECK(listener.errors().at(0).code == kiosk::speech::SpeechError::unknown_locale);
    CHECK(listener.errors().at(0).context.find("fr") != std::string::npos);
    CHECK(listener.speech().at(0).text == "Hello");
    CHECK_FALSE(listener.speech().at(0).interrupted);
}

TEST_CASE("Destroying a speaker in mid-utterance stops the worker promptly and reports the cut") {
    Listener listener;
    const ScratchFolder folder{"destroy"};
    auto speaker = recording_speaker(listener, folder);
    speaker->speak({utterance(k_long_english_text), utterance("Never said")});
    std::this_thread::sleep_for(300ms);
    const auto before = Clock::now();
    speaker.reset();
    const auto took = Clock::now() - before;

    const auto notices = listener.speech();
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].interrupted);
    CHECK(notices[1].interrupted);
    // The worker has stopped once the last notice is out; closing the SDL devices after that
    // is SDL's own wait for its audio thread (about two periods on the dummy driver).
    const auto worker_stop = notices[1].ended - before;
    WARN("worker stopped after "
         << std::chrono::duration_cast<std::chrono::microseconds>(worker_stop).count()
         << " us; destructor took "
         << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us");
    CHECK(worker_stop < 100ms);
    CHECK(took < 250ms);
}
