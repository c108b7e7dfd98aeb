#include "kiosk/app/config_worker.h"

#include <system_error>
#include <utility>

#include "kiosk/app/config_update.h"

namespace kiosk::app {

namespace {

constexpr std::string_view k_no_config_file =
    "the machine was started without a configuration file";

}  // namespace

ConfigWorker::ConfigWorker(ConfigPlaces places, Post post)
    : m_places(std::move(places)), m_post(std::move(post)), m_worker([this](Request& request) {
          std::visit([this](const auto& asked) { m_post(core::Event{answer(asked)}); }, request);
      }) {}

core::ConfigurationRead ConfigWorker::answer(const core::ReadConfiguration& request) const {
    core::ConfigurationRead read{.call_id = request.call_id};
    if (!m_places.config_file) {
        read.problem = std::string(k_no_config_file);
        return read;
    }
    auto settings = settings_in_use(*m_places.config_file);
    if (!settings) {
        read.problem = base::to_string(settings.error());
    } else {
        read.settings = std::move(*settings);
    }
    return read;
}

core::ConfigurationReviewed ConfigWorker::answer(const core::ReviewConfiguration& request) const {
    core::ConfigurationReviewed reviewed{.call_id = request.call_id, .review = {}};
    core::ConfigReview& review = reviewed.review;
    if (!m_places.config_file) {
        review.outcome = core::ConfigReviewOutcome::unreadable;
        review.problem = std::string(k_no_config_file);
        return reviewed;
    }
    std::error_code status_error;
    if (!std::filesystem::is_directory(m_places.usb_stick, status_error)) {
        review.outcome = core::ConfigReviewOutcome::no_stick;
        return reviewed;
    }
    const auto candidate = m_places.usb_stick / core::k_stick_config_name;
    if (!std::filesystem::exists(candidate, status_error)) {
        review.outcome = core::ConfigReviewOutcome::no_file;
        return reviewed;
    }
    auto changes = review_config_update(*m_places.config_file, candidate, m_places.arguments);
    if (changes) {
        review.outcome = core::ConfigReviewOutcome::reviewed;
        review.changes = std::move(*changes);
        return reviewed;
    }
    // A file refused is named by the configuration's own message, which says what to mend.
    const bool invalid = changes.error().code == ConfigUpdateError::candidate_invalid;
    review.outcome =
        invalid ? core::ConfigReviewOutcome::invalid : core::ConfigReviewOutcome::unreadable;
    review.problem = invalid ? changes.error().context : base::to_string(changes.error());
    return reviewed;
}

core::ConfigurationInstalled ConfigWorker::answer(const core::InstallConfiguration& request) const {
    core::ConfigurationInstalled installed{.call_id = request.call_id};
    if (!m_places.config_file) {
        installed.problem = std::string(k_no_config_file);
        return installed;
    }
    const auto applied =
        apply_config_update(*m_places.config_file, m_places.usb_stick / core::k_stick_config_name,
                            request.reviewed, m_places.arguments);
    if (applied) {
        installed.outcome = core::ConfigInstallOutcome::installed;
    } else if (applied.error().code == ConfigUpdateError::candidate_changed) {
        installed.outcome = core::ConfigInstallOutcome::changed;
    } else {
        installed.problem = base::to_string(applied.error());
    }
    return installed;
}

}  // namespace kiosk::app
