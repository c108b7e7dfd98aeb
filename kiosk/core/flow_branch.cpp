// The branch (kiosk/core/README.md, "The branch"): taking a ticket with guidance before it,
// the green channel, the printed slip, the question after a service, complaints, and the
// visit's call for staff. None of it needs a card; everything the customer is told comes from
// what the queue service and the printer reported.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "kiosk/core/flow_steps.h"
#include "kiosk/core/slips.h"

namespace kiosk::core::flow_steps {

namespace {

std::optional<std::size_t> page_choice(base::Key key, std::size_t items, const Session& session) {
    const std::optional<int> digit = base::digit_value(key);
    const ListPage page = list_page(items, session);
    if (!digit || *digit < 1 || static_cast<std::size_t>(*digit) > page.count) {
        return std::nullopt;
    }
    return page.first + static_cast<std::size_t>(*digit - 1);
}

}  // namespace

bool Flow::branch_key(base::Key key) {
    switch (m_session.state) {
        case State::choose_language:
            choose_language_key(key);
            return true;
        case State::choose_business:
            choose_business_key(key);
            return true;
        case State::business_guidance:
            guidance_key(key);
            return true;
        case State::green_channel:
            green_channel_key(key);
            return true;
        case State::survey:
            survey_key(key);
            return true;
        case State::not_satisfied:
            not_satisfied_key(key);
            return true;
        case State::complaint_category:
            complaint_category_key(key);
            return true;
        case State::complaint_consent:
            complaint_consent_key(key);
            return true;
        case State::ticket:
            if (key == k_ticket_done_key || key == base::Key::enter) {
                accept_key();
                begin_survey();
            } else if (key == base::Key::cancel) {
                accept_key();
                say_goodbye();
            } else {
                reject_key();
            }
            return true;
        case State::queue_unavailable:
            if (key == k_unavailable_call_staff_key && m_session.queue_refused) {
                accept_key();
                call_staff_screen();
            } else if (key == k_unavailable_done_key || key == base::Key::cancel) {
                accept_key();
                say_goodbye();
            } else {
                reject_key();
            }
            return true;
        case State::complaint_filed:
            if (key == k_complaint_done_key || key == base::Key::cancel ||
                key == base::Key::enter) {
                accept_key();
                say_goodbye();
            } else {
                reject_key();
            }
            return true;
        case State::fetching_businesses:
        case State::issuing_ticket:
        case State::filing_complaint:
            // The customer waits for the queue service or the printer: they hear again what is
            // happening. The safety net (TimerId::queue_call) guarantees an end.
            reject_key();
            speak_screen_again();
            return true;
        default:
            return false;
    }
}

void Flow::open_languages() {
    m_session.state = State::choose_language;
    show(ScreenId::choose_language);
    start_timer(TimerId::inactivity);
}

void Flow::choose_language_key(base::Key key) {
    if (const auto locale = welcome_locale_for_key(key, m_resources)) {
        accept_key();
        leave_to_welcome();
        choose_locale(*locale);
    } else if (key == k_language_back_key) {
        accept_key();
        leave_to_welcome();
        show(ScreenId::welcome);
    } else {
        reject_key();
    }
}

void Flow::leave_to_welcome() {
    cancel_timer(TimerId::inactivity);
    m_session.state = State::welcome;
}

void Flow::start_queue_call(std::uint64_t call_id) {
    m_session.pending_queue_call = call_id;
    start_timer(TimerId::queue_call);
}

void Flow::end_queue_call() {
    m_session.pending_queue_call.reset();
    cancel_timer(TimerId::queue_call);
}

void Flow::start_ticket() {
    cancel_timer(TimerId::inactivity);
    m_session.customer_present = true;
    const std::uint64_t call_id = m_session.next_call_id++;
    emit(ListBusinesses{call_id});
    start_queue_call(call_id);
    m_session.state = State::fetching_businesses;
    show(ScreenId::fetching_businesses);
    journal("businesses_requested", "call " + std::to_string(call_id));
}

void Flow::handle(const BusinessesListed& event) {
    end_queue_call();
    journal("businesses_listed", std::string(to_string(event.status)));
    if (event.status != QueueStatus::ok) {
        fail_queue(event.status);
        return;
    }
    m_session.businesses.clear();
    std::ranges::copy_if(event.businesses, std::back_inserter(m_session.businesses),
                         [](const Business& business) { return business.open_now; });
    std::ranges::stable_sort(m_session.businesses, {}, &Business::popularity_rank);
    if (m_session.businesses.empty()) {
        // Nothing is open: said as the service's refusal, which it is.
        fail_queue(QueueStatus::refused);
        return;
    }
    m_session.list_page = 0;
    enter_interactive(State::choose_business);
}

void Flow::next_list_page(ScreenId id) {
    ++m_session.list_page;
    refresh(id);
    say(speech_script(m_session.screen, speech_context()));
}

void Flow::choose_business_key(base::Key key) {
    const std::size_t items = m_session.businesses.size();
    if (const auto index = page_choice(key, items, m_session)) {
        accept_key();
        m_session.business = m_session.businesses[*index];
        journal("business_chosen", m_session.business->id);
        enter_interactive(State::business_guidance);
    } else if (key == k_list_more_key && list_page(items, m_session).has_more) {
        accept_key();
        next_list_page(ScreenId::choose_business);
    } else if (key == base::Key::cancel) {
        accept_key();
        leave_to_welcome();
        show(ScreenId::welcome);
    } else {
        reject_key();
    }
}

void Flow::guidance_key(base::Key key) {
    if (key == k_guidance_take_key) {
        accept_key();
        request_ticket(Priority::normal, std::nullopt);
    } else if (key == k_guidance_green_key) {
        // Offered, never assumed: the customer says it is for them, and why.
        accept_key();
        enter_interactive(State::green_channel);
    } else if (key == k_guidance_other_key) {
        accept_key();
        enter_interactive(State::choose_business);
    } else if (key == base::Key::cancel) {
        accept_key();
        leave_to_welcome();
        show(ScreenId::welcome);
    } else {
        reject_key();
    }
}

void Flow::green_channel_key(base::Key key) {
    const auto reason = [key]() -> std::optional<PriorityReason> {
        if (key == k_green_older_key) {
            return PriorityReason::older_customer;
        }
        if (key == k_green_disability_key) {
            return PriorityReason::disability;
        }
        if (key == k_green_pregnancy_key) {
            return PriorityReason::pregnancy;
        }
        return std::nullopt;
    }();
    if (reason) {
        accept_key();
        request_ticket(Priority::green_channel, reason);
    } else if (key == k_green_back_key || key == base::Key::cancel) {
        accept_key();
        enter_interactive(State::business_guidance);
    } else {
        reject_key();
    }
}

void Flow::request_ticket(Priority priority, std::optional<PriorityReason> reason) {
    if (!m_session.business) {
        fail_queue(QueueStatus::bad_reply);
        return;
    }
    cancel_timer(TimerId::inactivity);
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.priority_reason = reason;
    emit(TakeTicket{call_id,
                    TicketRequest{m_session.business->id, priority, reason, m_session.locale}});
    start_queue_call(call_id);
    m_session.state = State::issuing_ticket;
    show(ScreenId::issuing_ticket);
    journal("ticket_requested", "call " + std::to_string(call_id) + ", " + m_session.business->id +
                                    ", " + std::string(to_string(priority)));
}

void Flow::handle(const TicketIssued& event) {
    journal("ticket_reply", std::string(to_string(event.status)));
    if (event.status == QueueStatus::kept) {
        // Not delivered yet: the client sends it again and answers once more. The safety net
        // still runs, so the customer is not kept waiting for long.
        return;
    }
    end_queue_call();
    if (event.status != QueueStatus::ok || !event.ticket) {
        fail_queue(event.status == QueueStatus::ok ? QueueStatus::bad_reply : event.status);
        return;
    }
    m_session.ticket = event.ticket;
    m_session.service_given = ServiceKind::ticket;
    journal("ticket_issued", event.ticket->number);
    if (!can_print(m_session) || !m_session.business) {
        show_ticket(std::nullopt);
        return;
    }
    // The ticket is shown and said once, when the slip is in the slot (or could not be
    // printed): the customer hears one complete message, not a number and then an apology.
    const std::uint64_t print_id = m_session.next_call_id++;
    m_session.pending_print = print_id;
    emit(Print{print_id,
               ticket_slip(m_resources, *m_session.ticket, *m_session.business, m_session.locale)});
    start_timer(TimerId::queue_call);
}

void Flow::handle(const PrintFinished& event) {
    if (m_session.state == State::service) {
        const std::optional<Enrolment>& enrolment = m_session.service->enrolment;
        if (enrolment && enrolment->pending_print == event.print_id) {
            enrolment_slip_printed(event);
        } else {
            test_slip_printed(event);
        }
        return;
    }
    m_session.pending_print.reset();
    cancel_timer(TimerId::queue_call);
    journal("ticket_printed", std::string(to_string(event.result)));
    if (event.result == PrintResult::paper_out) {
        m_session.paper = PaperLevel::out;
    }
    show_ticket(event.result);
}

void Flow::show_ticket(std::optional<PrintResult> printed) {
    m_session.pending_print.reset();
    m_session.print_result = printed;
    enter_interactive(State::ticket);
}

void Flow::fail_queue(QueueStatus status) {
    end_queue_call();
    m_session.queue_refused = status == QueueStatus::refused;
    if (!m_session.queue_refused) {
        notify_staff("queue service " + std::string(to_string(status)));
    }
    enter_interactive(State::queue_unavailable);
}

void Flow::handle(const PaperChanged& event) {
    m_session.paper = event.level;
    journal("paper", std::string(to_string(event.level)));
    if (event.level != PaperLevel::ok) {
        notify_staff(event.level == PaperLevel::out ? "receipt printer out of paper"
                                                    : "receipt printer paper low");
    }
}

// --- the question after a service -------------------------------------------------------------

void Flow::begin_survey() {
    m_session.state = State::survey;
    show(ScreenId::survey);
    start_timer(TimerId::inactivity);
}

void Flow::answer_survey(Rating rating) {
    emit(AnswerSurvey{m_session.visit,
                      SurveyAnswer{m_session.service_given.value_or(ServiceKind::ticket), rating,
                                   m_session.locale}});
    journal("survey_answered", std::string(to_string(rating)));
}

void Flow::survey_key(base::Key key) {
    if (key == k_survey_satisfied_key || key == k_survey_neutral_key) {
        accept_key();
        answer_survey(key == k_survey_satisfied_key ? Rating::satisfied : Rating::neutral);
        say_goodbye();
    } else if (key == k_survey_not_satisfied_key) {
        accept_key();
        answer_survey(Rating::not_satisfied);
        enter_interactive(State::not_satisfied);
    } else if (key == base::Key::cancel) {
        accept_key();
        say_goodbye();
    } else {
        reject_key();
    }
}

void Flow::not_satisfied_key(base::Key key) {
    if (key == k_not_satisfied_staff_key) {
        accept_key();
        call_staff_screen(AssistanceReason::not_satisfied);
    } else if (key == k_not_satisfied_complaint_key) {
        accept_key();
        m_session.list_page = 0;
        enter_interactive(State::complaint_category);
    } else if (key == k_not_satisfied_done_key || key == base::Key::cancel) {
        accept_key();
        say_goodbye();
    } else {
        reject_key();
    }
}

void Flow::complaint_category_key(base::Key key) {
    if (const auto index = page_choice(key, k_complaint_categories.size(), m_session)) {
        accept_key();
        m_session.complaint_category = k_complaint_categories[*index];
        enter_interactive(State::complaint_consent);
    } else if (key == k_list_more_key &&
               list_page(k_complaint_categories.size(), m_session).has_more) {
        accept_key();
        next_list_page(ScreenId::complaint_category);
    } else if (key == base::Key::cancel) {
        accept_key();
        say_goodbye();
    } else {
        reject_key();
    }
}

void Flow::complaint_consent_key(base::Key key) {
    if (key == k_consent_contact_key || key == k_consent_no_contact_key) {
        accept_key();
        file_complaint(key == k_consent_contact_key);
    } else if (key == base::Key::cancel) {
        accept_key();
        m_session.list_page = 0;
        enter_interactive(State::complaint_category);
    } else {
        reject_key();
    }
}

void Flow::file_complaint(bool contact_consent) {
    cancel_timer(TimerId::inactivity);
    const std::uint64_t call_id = m_session.next_call_id++;
    emit(FileComplaint{call_id, m_session.visit,
                       Complaint{m_session.complaint_category.value_or(ComplaintCategory::other),
                                 m_session.locale, contact_consent}});
    start_queue_call(call_id);
    m_session.state = State::filing_complaint;
    show(ScreenId::filing_complaint);
    journal("complaint_requested", "call " + std::to_string(call_id) + ", " +
                                       std::string(to_string(m_session.complaint_category.value_or(
                                           ComplaintCategory::other))));
}

void Flow::handle(const ComplaintFiled& event) {
    end_queue_call();
    journal("complaint_reply", std::string(to_string(event.status)));
    m_session.complaint_status = event.status;
    m_session.complaint_reference = event.status == QueueStatus::ok ? event.reference : "";
    enter_interactive(State::complaint_filed);
}

// --- the visit's call for staff ----------------------------------------------------------------

void Flow::place_staff_call(AssistanceReason reason) {
    journal("help_requested", m_session.screen.id);
    if (m_session.staff_call) {
        return;  // one call a visit: the staff already know, or will as soon as it is sent
    }
    const std::uint64_t call_id = m_session.next_call_id++;
    m_session.staff_call = call_id;
    m_session.staff_call_status.reset();
    m_session.staff_call_news.reset();
    emit(CallStaff{call_id, AssistanceRequest{reason, m_session.locale, in_audio_mode(m_session),
                                              m_session.elder_mode}});
    journal("staff_call_placed",
            "call " + std::to_string(call_id) + ", " + std::string(to_string(reason)));
}

void Flow::forget_staff_call() {
    if (m_session.staff_call) {
        emit(CancelCall{*m_session.staff_call});
        m_session.staff_call.reset();
    }
}

void Flow::handle(const StaffCallChanged& event) {
    m_session.staff_call_status = event.status;
    std::string detail(to_string(event.status));
    if (event.call) {
        detail += ", " + std::string(to_string(event.call->state));
    }
    journal("staff_call_news", detail);
    const bool failed = event.status != QueueStatus::ok && event.status != QueueStatus::kept;
    if (event.status == QueueStatus::ok) {
        if (!event.call) {
            m_session.staff_call_status = QueueStatus::bad_reply;
        } else {
            m_session.staff_call_news = event.call;
        }
    }
    if (failed || m_session.staff_call_status == QueueStatus::bad_reply) {
        // Not placed: the next press of Help tries again.
        m_session.staff_call.reset();
        notify_staff("staff call not placed: " + std::string(to_string(event.status)));
    } else if (event.call && event.call->state == CallState::closed) {
        // A member of staff came and closed the call: nothing more to say of it.
        m_session.staff_call.reset();
        m_session.staff_call_news.reset();
        if (m_session.state == State::staff_called) {
            resume();
        }
        return;
    }
    hear_staff_news();
}

void Flow::hear_staff_news() {
    if (m_session.state == State::staff_called) {
        show(screen_for(m_session));
        return;
    }
    // Elsewhere (a screen that waits for a device, the card on its way out) the news is said
    // after whatever is being said.
    Session as_staff_screen = m_session;
    as_staff_screen.state = State::staff_called;
    speak_phrase(std::string(to_string(screen_for(as_staff_screen))) + ".title");
}

}  // namespace kiosk::core::flow_steps
