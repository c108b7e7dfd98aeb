// The branch's screens (kiosk/core/README.md, "The branch"): the languages behind elder mode's
// welcome, the businesses, the guidance before a ticket, the green channel, the ticket, the
// survey, complaints and the calls for staff. Each says only what the queue service reported.

#include <string>
#include <utility>

#include "kiosk/core/screen_builder.h"
#include "kiosk/core/wording.h"

namespace kiosk::core::screen_parts {

namespace {

std::string_view role_name(StaffRole role) {
    switch (role) {
        case StaffRole::lobby_manager:
            return "staff.lobby_manager";
        case StaffRole::customer_service_officer:
            return "staff.customer_service_officer";
        case StaffRole::security_guard:
            return "staff.security_guard";
    }
    return "staff.lobby_manager";
}

std::string_view category_name(ComplaintCategory category) {
    switch (category) {
        case ComplaintCategory::waiting_time:
            return "complaint_category.waiting_time";
        case ComplaintCategory::staff_attitude:
            return "complaint_category.staff_attitude";
        case ComplaintCategory::machine_fault:
            return "complaint_category.machine_fault";
        case ComplaintCategory::fees:
            return "complaint_category.fees";
        case ComplaintCategory::privacy:
            return "complaint_category.privacy";
        case ComplaintCategory::other:
            return "complaint_category.other";
    }
    return "complaint_category.other";
}

// A count and its spoken words, for a message with one {placeholder}.
Element counted(const ScreenBuilder& builder, Role role, std::string_view name,
                std::string_view placeholder, int value, const Session& session) {
    return make_element(
        role, builder.format(name, {{placeholder, std::to_string(value)}}),
        builder.format(name, {{placeholder, word_count(count_of(value), session.locale)}}));
}

// The page of a list, numbered from 1, and "more" on 9 when it has more than one page.
template <typename Label>
void add_page(ScreenBuilder& builder, std::size_t items, const Session& session,
              const Label& label_of) {
    const ListPage page = list_page(items, session);
    for (std::size_t offset = 0; offset < page.count; ++offset) {
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(offset) + 1);
        if (key) {
            builder.add(make_choice(label_of(page.first + offset), *key));
        }
    }
    if (page.has_more) {
        builder.add_choice("more", k_list_more_key);
    }
}

ScreenModel choose_business_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::choose_business, resources, session);
    builder.add(Role::title, "title");
    add_page(builder, session.businesses.size(), session,
             [&](std::size_t index) { return session.businesses[index].name.in(session.locale); });
    return std::move(builder).build();
}

// What to bring and how long it takes, heard before the ticket is issued
// (docs/service-standards.md, "Guidance before service (业务引导 / 资料准备)").
ScreenModel guidance_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::business_guidance, resources, session);
    if (!session.business) {
        return std::move(builder).build();
    }
    const Business& business = *session.business;
    builder.add(make_element(Role::title, business.name.in(session.locale)));
    if (!business.materials.empty()) {
        std::string materials;
        for (const LocalizedText& material : business.materials) {
            if (!materials.empty()) {
                materials += builder.text("separator");
            }
            materials += material.in(session.locale);
        }
        builder.add(
            make_element(Role::text, builder.format("materials", {{"materials", materials}})));
    }
    // How long it takes and how many wait, in one line so that the screen stays short.
    const std::string_view waiting = business.people_waiting == 0 ? "nobody_waiting" : "waiting";
    builder.add(make_element(
        Role::text,
        builder.format(waiting, {{"duration", std::to_string(business.typical_duration_minutes)},
                                 {"people", std::to_string(business.people_waiting)},
                                 {"minutes", std::to_string(business.estimated_wait_minutes)}}),
        builder.format(
            waiting,
            {{"duration", word_count(count_of(business.typical_duration_minutes), session.locale)},
             {"people", word_count(count_of(business.people_waiting), session.locale)},
             {"minutes", word_count(count_of(business.estimated_wait_minutes), session.locale)}})));
    builder.add_choice("take", k_guidance_take_key)
        .add_choice("green_channel", k_guidance_green_key)
        .add_choice("other", k_guidance_other_key);
    return std::move(builder).build();
}

ScreenModel ticket_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::ticket, resources, session);
    builder.add(Role::title, "title");
    if (!session.ticket) {
        return std::move(builder).build();
    }
    const Ticket& ticket = *session.ticket;
    builder.add(make_element(
        Role::amount, ticket.number,
        builder.format("number_speech", {{"number", word_code(ticket.number, session.locale)}})));
    // The business was said just before and is on the slip: the screen keeps to what the
    // customer must remember, so that it fits at the largest text.
    if (ticket.priority == Priority::green_channel) {
        builder.add(Role::text, "green_channel");
    }
    if (ticket.people_ahead == 0) {
        builder.add(Role::text, "nobody_ahead");
    } else {
        builder.add(make_element(
            Role::text,
            builder.format("ahead", {{"people", std::to_string(ticket.people_ahead)},
                                     {"minutes", std::to_string(ticket.estimated_wait_minutes)}}),
            builder.format(
                "ahead", {{"people", word_count(count_of(ticket.people_ahead), session.locale)},
                          {"minutes",
                           word_count(count_of(ticket.estimated_wait_minutes), session.locale)}})));
    }
    // What became of the slip: it is in the slot, or there is none and the number must be
    // remembered (the degraded mode: "printer out").
    builder.add(Role::notice,
                session.print_result == PrintResult::printed ? "take_slip" : "no_slip");
    builder.add_choice("done", k_ticket_done_key);
    return std::move(builder).build();
}

ScreenModel complaint_filed_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::complaint_filed, resources, session);
    switch (session.complaint_status.value_or(QueueStatus::bad_reply)) {
        case QueueStatus::ok:
            builder.add(Role::title, "title");
            if (!session.complaint_reference.empty()) {
                builder.add(make_element(
                    Role::text,
                    builder.format("reference", {{"reference", session.complaint_reference}}),
                    builder.format(
                        "reference",
                        {{"reference", word_code(session.complaint_reference, session.locale)}})));
            }
            builder.add(Role::text, "thanks");
            break;
        case QueueStatus::kept:
            builder.add(Role::title, "kept_title").add(Role::text, "kept");
            break;
        default:
            builder.add(Role::title, "failed_title").add(Role::text, "failed");
            break;
    }
    builder.add_choice("done", k_complaint_done_key);
    return std::move(builder).build();
}

// The staff screens: the card is safe meanwhile, and any key goes back.
ScreenModel staff_screen_model(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title");
    if (id == ScreenId::staff_on_the_way && session.staff_call_news &&
        session.staff_call_news->acknowledged_by) {
        const StaffMember& who = *session.staff_call_news->acknowledged_by;
        const std::string role = builder.catalog().text(role_name(who.role));
        builder.add(make_element(
            Role::text, who.display_name.empty()
                            ? builder.format("who_role", {{"role", role}})
                            : builder.format("who", {{"name", who.display_name}, {"role", role}})));
        if (session.staff_call_news->eta_seconds) {
            const int minutes = std::max(1, (*session.staff_call_news->eta_seconds + 59) / 60);
            builder.add(counted(builder, Role::text, "eta", "minutes", minutes, session));
        }
    }
    builder.add(Role::text, "text");
    if (session.card) {
        builder.add(make_element(Role::text, builder.catalog().text("staff_called.card_safe")));
    }
    builder.add(make_element(Role::notice, builder.catalog().text("staff_called.return")));
    return std::move(builder).build();
}

}  // namespace

ScreenModel branch_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    switch (id) {
        case ScreenId::choose_language:
            builder.add(Role::title, "title");
            add_language_choices(builder, resources, session);
            builder.add_choice("back", k_language_back_key);
            return std::move(builder).build();
        case ScreenId::choose_business:
            return choose_business_screen(resources, session);
        case ScreenId::business_guidance:
            return guidance_screen(resources, session);
        case ScreenId::green_channel:
            builder.add(Role::title, "title")
                .add(Role::text, "text")
                .add_choice("older", k_green_older_key)
                .add_choice("disability", k_green_disability_key)
                .add_choice("pregnancy", k_green_pregnancy_key)
                .add_choice("back", k_green_back_key);
            return std::move(builder).build();
        case ScreenId::ticket:
            return ticket_screen(resources, session);
        case ScreenId::queue_unavailable:
            if (session.queue_refused) {
                builder.add(Role::title, "closed_title").add(Role::text, "closed");
            } else {
                builder.add(Role::title, "title").add(Role::text, "text");
            }
            builder.add(Role::text, "next");
            // A member of staff is called through the queue service: offered only when it
            // answers.
            if (session.queue_refused) {
                builder.add_choice("call_staff", k_unavailable_call_staff_key);
            }
            builder.add_choice("done", k_unavailable_done_key);
            return std::move(builder).build();
        case ScreenId::survey:
            builder.add(Role::title, "title")
                .add_choice("satisfied", k_survey_satisfied_key)
                .add_choice("neutral", k_survey_neutral_key)
                .add_choice("not_satisfied", k_survey_not_satisfied_key)
                .add(Role::notice, "anonymous");
            return std::move(builder).build();
        case ScreenId::not_satisfied:
            builder.add(Role::title, "title")
                .add(Role::text, "text")
                .add_choice("staff", k_not_satisfied_staff_key)
                .add_choice("complaint", k_not_satisfied_complaint_key)
                .add_choice("done", k_not_satisfied_done_key);
            return std::move(builder).build();
        case ScreenId::complaint_category:
            builder.add(Role::title, "title");
            add_page(builder, k_complaint_categories.size(), session, [&](std::size_t index) {
                return builder.catalog().text(category_name(k_complaint_categories[index]));
            });
            return std::move(builder).build();
        case ScreenId::complaint_consent:
            // The purpose and what is sent, before the question (docs/accessibility.md).
            builder.add(Role::title, "title");
            if (session.complaint_category) {
                builder.add(make_element(
                    Role::text,
                    builder.format("subject", {{"subject", builder.catalog().text(category_name(
                                                               *session.complaint_category))}})));
            }
            builder.add(Role::text, "purpose")
                .add(Role::text, "data")
                .add_choice("contact", k_consent_contact_key)
                .add_choice("no_contact", k_consent_no_contact_key);
            return std::move(builder).build();
        case ScreenId::complaint_filed:
            return complaint_filed_screen(resources, session);
        case ScreenId::calling_staff:
        case ScreenId::staff_called:
        case ScreenId::staff_on_the_way:
        case ScreenId::staff_call_kept:
        case ScreenId::staff_call_failed:
            return staff_screen_model(id, resources, session);
        default:
            // The waits: fetching the businesses, issuing the ticket, filing the complaint.
            builder.add(Role::title, "title").add(Role::text, "text");
            return std::move(builder).build();
    }
}

}  // namespace kiosk::core::screen_parts
