// The service menu's screens (kiosk/core/README.md, "The service menu") and the screen its
// customers see while the kiosk is out of service. Nothing about any customer is on them: the
// engineer's own number and role are the only person named.

#include <cstddef>
#include <string>

#include "kiosk/core/screen_builder.h"
#include "kiosk/core/screens.h"
#include "kiosk/core/wording.h"

namespace kiosk::core {

using screen_parts::make_element;
using screen_parts::ScreenBuilder;

ScreenId service_screen_for(const Session& session) {
    if (!session.service) {
        return ScreenId::service_sign_in;
    }
    switch (session.service->step) {
        case ServiceStep::sign_in:
            return ScreenId::service_sign_in;
        case ServiceStep::checking_sign_in:
            return ScreenId::service_checking;
        case ServiceStep::locked:
            return ScreenId::service_locked;
        case ServiceStep::menu:
            return ScreenId::service_menu;
        case ServiceStep::out_of_service_reason:
            return ScreenId::service_reason;
    }
    return ScreenId::service_sign_in;
}

namespace screen_parts {

namespace {

std::string reason_text(const Catalog& catalog, OutOfServiceReason reason) {
    return catalog.text("out_of_service_reason." + std::string(to_string(reason)));
}

// The field being typed: the engineer's number as typed (it is no secret, and is read back
// digit by digit), the password and the code as dots, said as how many digits are typed.
Element sign_in_field(const ScreenBuilder& builder, const ServiceVisit& visit,
                      const Session& session) {
    std::size_t typed = 0;
    switch (visit.field) {
        case SignInField::id:
            if (visit.engineer_id.empty()) {
                break;
            }
            return make_element(
                Role::input, builder.format("id_typed", {{"id", visit.engineer_id}}),
                builder.format("id_typed",
                               {{"id", word_digits(visit.engineer_id, session.locale)}}));
        case SignInField::password:
            typed = visit.password.size();
            break;
        case SignInField::code:
            typed = visit.code.size();
            break;
    }
    if (typed == 0) {
        return make_element(Role::input, builder.text("empty"));
    }
    const int count = static_cast<int>(typed);
    return make_element(
        Role::input, pin_dots(count),
        builder.format("digits_typed", {{"count", word_count(count_of(count), session.locale)}}));
}

ScreenModel sign_in_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_sign_in, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    builder.add(Role::title, "title");
    builder.add(Role::text, visit.entry == ServiceEntry::keys ? "staff_only" : "closed");
    if (visit.refused) {
        builder.add(Role::notice, "refused");
    }
    switch (visit.field) {
        case SignInField::id:
            builder.add(Role::text, "type_id");
            break;
        case SignInField::password:
            builder.add(Role::text, "type_password");
            break;
        case SignInField::code:
            builder.add(Role::text, "type_code");
            break;
    }
    builder.add(sign_in_field(builder, visit, session));
    builder.add_choice(visit.field == SignInField::code ? "sign_in" : "next", k_sign_in_next_key)
        .add_choice("clear", k_sign_in_clear_key);
    // Back a field; from the first, back to the customers' screen, which the switch keeps shut.
    if (visit.field != SignInField::id) {
        builder.add_choice("back", k_sign_in_back_key);
    } else if (!session.service_switch_on) {
        builder.add_choice("leave", k_sign_in_back_key);
    }
    return std::move(builder).build();
}

ScreenModel locked_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_locked, resources, session);
    const int seconds = session.service ? session.service->lock_seconds : 0;
    const int minutes = std::max(1, (seconds + 59) / 60);
    builder.add(Role::title, "title");
    builder.add(make_element(
        Role::text, builder.format("text", {{"minutes", std::to_string(minutes)}}),
        builder.format("text", {{"minutes", word_count(count_of(minutes), session.locale)}})));
    builder.add(Role::text, "recorded");
    if (!session.service_switch_on) {
        builder.add_choice("leave", k_sign_in_back_key);
    }
    return std::move(builder).build();
}

ScreenModel menu_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_menu, resources, session);
    const Catalog& catalog = builder.catalog();
    builder.add(Role::title, "title");
    if (session.service && session.service->role) {
        const std::string role =
            catalog.text("engineer_role." + std::string(to_string(*session.service->role)));
        const std::string& id = session.service->engineer_id;
        builder.add(make_element(
            Role::text, builder.format("signed_in", {{"id", id}, {"role", role}}),
            builder.format("signed_in",
                           {{"id", word_digits(id, session.locale)}, {"role", role}})));
    }
    if (session.out_of_service) {
        builder.add(make_element(
            Role::notice,
            builder.format("out_of_service",
                           {{"reason", reason_text(catalog, *session.out_of_service)}})));
    } else {
        builder.add(Role::text, "in_service");
    }
    if (session.service && session.service->role &&
        may_set_out_of_service(*session.service->role)) {
        builder.add_choice(session.out_of_service ? "back_in_service" : "take_out_of_service",
                           k_service_out_of_service_key);
    }
    builder.add_choice("sign_out", k_service_sign_out_key);
    return std::move(builder).build();
}

ScreenModel reason_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_reason, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    for (std::size_t index = 0; index < k_out_of_service_reasons.size(); ++index) {
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(index) + 1);
        builder.add_choice(to_string(k_out_of_service_reasons.at(index)),
                           key.value_or(base::Key::digit_1));
    }
    // Four reasons are as many choices as elder mode's screens hold (MIIT): Cancel, which goes
    // back, is said in the text rather than offered as a fifth.
    return std::move(builder).build();
}

// What customers see while the kiosk is out of service, in place of the welcome screen: why,
// where to go instead, and that Help brings a member of staff.
ScreenModel out_of_service_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::out_of_service, resources, session);
    builder.add(Role::title, "title");
    builder.add(make_element(
        Role::text, reason_text(builder.catalog(),
                                session.out_of_service.value_or(OutOfServiceReason::maintenance))));
    builder.add(Role::text, "next").add(Role::notice, "help");
    return std::move(builder).build();
}

}  // namespace

ScreenModel service_screen(ScreenId id, const Resources& resources, const Session& session) {
    switch (id) {
        case ScreenId::service_sign_in:
            return sign_in_screen(resources, session);
        case ScreenId::service_locked:
            return locked_screen(resources, session);
        case ScreenId::service_menu:
            return menu_screen(resources, session);
        case ScreenId::service_reason:
            return reason_screen(resources, session);
        case ScreenId::out_of_service:
            return out_of_service_screen(resources, session);
        default:
            break;
    }
    // service_checking: the wait.
    ScreenBuilder builder(id, resources, session);
    builder.add(Role::title, "title").add(Role::text, "text");
    return std::move(builder).build();
}

}  // namespace screen_parts

}  // namespace kiosk::core
