// An administrator's view and change of the configuration (kiosk/core/README.md, "The
// configuration"): the settings in use, a page at a time; the new file on the USB stick reviewed
// against them, setting by setting; installed on Enter, the replaced file kept; and the kiosk
// restarted by its supervisor once the restart has been announced. The files are the shell's
// (kiosk/app/config_update.h); the flow sees settings' names and values, never a concealed one's,
// and journals names only.

#include <string>

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

void Flow::read_configuration() {
    ServiceVisit& visit = *m_session.service;
    visit.step = ServiceStep::configuration;
    visit.configuration_page = 0;
    visit.pending_configuration = m_session.next_call_id++;
    emit(ReadConfiguration{*visit.pending_configuration});
    show(ScreenId::service_configuration);
}

void Flow::handle(const ConfigurationRead& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_configuration.reset();
    visit.configuration = event.settings;
    visit.configuration_problem = event.problem;
    visit.configuration_page = 0;
    audit("configuration_viewed", event.problem.empty()
                                      ? std::to_string(event.settings.size()) + " settings"
                                      : "unreadable: " + event.problem);
    if (!event.problem.empty()) {
        emit(Tone{ToneKind::error});
    }
    if (visit.step == ServiceStep::configuration) {
        show_answer(ScreenId::service_configuration);
    }
}

void Flow::configuration_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    const std::size_t pages = pages_of(
        visit.configuration.size(), settings_per_page(m_session.text_size, m_session.elder_mode));
    if (key == k_configuration_more_key && !visit.pending_configuration && pages > 1) {
        accept_key();
        visit.configuration_page = (visit.configuration_page + 1) % pages;
        show(ScreenId::service_configuration);
    } else if (key == k_configuration_change_key && !visit.pending_configuration &&
               visit.configuration_problem.empty()) {
        accept_key();
        review_configuration();
    } else if (key == k_configuration_back_key) {
        accept_key();
        visit.pending_configuration.reset();
        show_service_menu();
    } else {
        reject_key();
    }
}

// The stick's file against the one in use: the screen says it is reading until the answer.
void Flow::review_configuration() {
    ServiceVisit& visit = *m_session.service;
    visit.step = ServiceStep::configuration_change;
    visit.review.reset();
    visit.review_page = 0;
    visit.install_failure.reset();
    visit.install_problem.clear();
    visit.pending_review = m_session.next_call_id++;
    emit(ReviewConfiguration{*visit.pending_review});
    show(ScreenId::service_configuration_change);
}

void Flow::handle(const ConfigurationReviewed& event) {
    ServiceVisit& visit = *m_session.service;
    visit.pending_review.reset();
    visit.review = event.review;
    visit.review_page = 0;
    const ConfigReview& review = event.review;
    audit("configuration_reviewed", std::string(to_string(review.outcome)) +
                                        (review.outcome == ConfigReviewOutcome::reviewed
                                             ? ": " + std::to_string(review.changes.size()) +
                                                   " changed " + setting_names(review.changes)
                                             : ""));
    if (review.outcome != ConfigReviewOutcome::reviewed) {
        emit(Tone{ToneKind::error});
    }
    show_answer(ScreenId::service_configuration_change);
}

void Flow::configuration_change_key(base::Key key) {
    ServiceVisit& visit = *m_session.service;
    // The installation under way, or done: nothing else now. A review under way may be let go
    // (a stick that does not answer does not hold the administrator), its answer then fitting
    // nothing.
    if (m_session.pending_install || m_session.restarting ||
        (visit.pending_review && key != k_configuration_back_key)) {
        reject_key();
        speak_screen_again();
        return;
    }
    const bool installable = visit.review &&
                             visit.review->outcome == ConfigReviewOutcome::reviewed &&
                             !visit.review->changes.empty();
    const std::size_t pages =
        installable ? pages_of(visit.review->changes.size(),
                               changes_per_page(m_session.text_size, m_session.elder_mode))
                    : 1;
    if (key == k_configuration_more_key && pages > 1) {
        accept_key();
        visit.review_page = (visit.review_page + 1) % pages;
        show(ScreenId::service_configuration_change);
    } else if (key == k_configuration_install_key && installable) {
        accept_key();
        visit.install_failure.reset();
        visit.install_problem.clear();
        m_session.pending_install = m_session.next_call_id++;
        audit("configuration_install",
              visit.engineer_id + " " + setting_names(visit.review->changes));
        emit(InstallConfiguration{*m_session.pending_install, visit.review->changes});
        show(ScreenId::service_configuration_change);
    } else if (key == k_configuration_install_key) {
        // Nothing to install (no stick, no file, a file refused, or the same file): the stick
        // is read again, for the one just plugged in or corrected.
        accept_key();
        review_configuration();
    } else if (key == k_configuration_back_key) {
        accept_key();
        visit.pending_review.reset();
        visit.step = ServiceStep::configuration;
        show(ScreenId::service_configuration);
    } else {
        reject_key();
    }
}

// Installed: the kiosk says that it restarts, and does once that is said (after_speech) or the
// safety net runs out. An engineer who left meanwhile left for the welcome screen, which
// restarts at once (enter_welcome); a customer who came meanwhile finishes first.
void Flow::handle(const ConfigurationInstalled& event) {
    m_session.pending_install.reset();
    ServiceVisit* visit = m_session.service ? &*m_session.service : nullptr;
    if (event.outcome != ConfigInstallOutcome::installed) {
        audit("configuration_install", std::string(to_string(event.outcome)) +
                                           (event.problem.empty() ? "" : ": " + event.problem));
        if (visit != nullptr && visit->step == ServiceStep::configuration_change) {
            // The review is spent: Enter reads the stick again before anything is installed.
            visit->review.reset();
            visit->install_failure = event.outcome;
            visit->install_problem = event.problem;
            emit(Tone{ToneKind::error});
            show_answer(ScreenId::service_configuration_change);
        }
        return;
    }
    audit("configuration_install", "installed; the replaced file is kept");
    m_session.restarting = true;
    if (m_session.state == State::service && visit != nullptr) {
        visit->step = ServiceStep::configuration_change;
        show_answer(ScreenId::service_configuration_change);
        start_timer(TimerId::restart);
    } else if (m_session.state == State::welcome) {
        restart_kiosk();
    }
}

void Flow::restart_kiosk() {
    cancel_timer(TimerId::restart);
    audit("restart", "new configuration");
    emit(RestartKiosk{});
}

}  // namespace kiosk::core::flow_steps
