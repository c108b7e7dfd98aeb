#include "kiosk/core/speech_script.h"

#include <algorithm>
#include <string>

namespace kiosk::core {

namespace {

// The words spoken for what an element says; for a choice, with the key that selects it.
std::string element_words(const Element& element, const Catalog& catalog) {
    const std::string& words = element.speech.empty() ? element.text : element.speech;
    if (element.role != Role::choice || !element.key) {
        return words;
    }
    std::string key_name = "key.";
    key_name += base::to_string(*element.key);
    return catalog.format("speech.choice", {{"label", words}, {"key", catalog.text(key_name)}});
}

}  // namespace

int speech_rate_wpm(const Resources& resources, bool elder_mode, int rate_step) {
    const int base =
        elder_mode ? resources.policy.elder_rate_wpm : resources.policy.standard_rate_wpm;
    return std::clamp(base + rate_step * policy::k_rate_step_wpm, policy::k_slowest_rate_wpm,
                      policy::k_fastest_rate_wpm);
}

Utterance phrase_utterance(std::string_view text, std::string_view locale,
                           const SpeechContext& context) {
    return Utterance{
        .text = std::string(text),
        .phonetic = context.resources.lexicon(locale).apply(text),
        .locale = std::string(locale),
        .channel = context.channel,
        .rate_wpm = speech_rate_wpm(context.resources, context.elder_mode, context.rate_step),
        .is_private = false,
    };
}

std::vector<Utterance> speech_script(const ScreenModel& screen, const SpeechContext& context) {
    std::vector<Utterance> utterances;
    bool privacy_phrase_said = false;
    for (const Element& element : screen.elements) {
        const std::string_view locale = element.locale.empty() ? std::string_view(screen.locale)
                                                               : std::string_view(element.locale);
        // The customer's choice covers personal details, never a PIN field's count.
        const bool aloud = context.speaker_chosen && element.role != Role::input;
        if (element.is_private && context.channel != Channel::headphones && !aloud) {
            if (!privacy_phrase_said) {
                const std::string phrase =
                    context.resources.catalog(screen.locale).text("speech.private_on_screen");
                utterances.push_back(phrase_utterance(phrase, screen.locale, context));
                privacy_phrase_said = true;
            }
            continue;
        }
        const std::string words = element_words(element, context.resources.catalog(locale));
        if (words.empty()) {
            continue;
        }
        Utterance utterance = phrase_utterance(words, locale, context);
        utterance.is_private = element.is_private;
        utterance.speaker_chosen = element.is_private && context.channel == Channel::speaker;
        utterances.push_back(std::move(utterance));
        for (const SpeechPart& part : element.speech_after) {
            Utterance after = phrase_utterance(part.text, part.locale, context);
            after.is_private = element.is_private;
            after.speaker_chosen = utterances.back().speaker_chosen;
            utterances.push_back(std::move(after));
        }
    }
    return utterances;
}

}  // namespace kiosk::core
