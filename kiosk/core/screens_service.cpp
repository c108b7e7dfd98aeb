// The service menu's screens (kiosk/core/README.md, "The service menu") and the screen its
// customers see while the kiosk is out of service. Nothing about any customer is on them: the
// engineer's own number and role are the only person named.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
        case ServiceStep::devices:
            return ScreenId::service_devices;
        case ServiceStep::device:
            return ScreenId::service_device;
        case ServiceStep::network:
            return ScreenId::service_network;
        case ServiceStep::faults:
            return ScreenId::service_faults;
        case ServiceStep::self_tests:
            return ScreenId::service_tests;
        case ServiceStep::key_test:
            return ScreenId::service_key_test;
        case ServiceStep::partner_sign_in:
            return ScreenId::service_partner_sign_in;
        case ServiceStep::checking_partner:
            return ScreenId::service_checking;
        case ServiceStep::export_records:
            return ScreenId::service_export;
        case ServiceStep::configuration:
            return ScreenId::service_configuration;
        case ServiceStep::configuration_change:
            return ScreenId::service_configuration_change;
        case ServiceStep::card_test:
            return ScreenId::service_card_test;
        case ServiceStep::dispense_test:
            return ScreenId::service_dispense_test;
        case ServiceStep::counters:
            return ScreenId::service_counters;
        case ServiceStep::accounts:
            return ScreenId::service_accounts;
        case ServiceStep::account_remove:
            return ScreenId::service_account_remove;
        case ServiceStep::account_remove_confirm:
            return ScreenId::service_account_remove_confirm;
        case ServiceStep::account_add:
            return ScreenId::service_account_add;
        case ServiceStep::account_role:
            return ScreenId::service_account_role;
        case ServiceStep::account_password:
            return ScreenId::service_account_password;
        case ServiceStep::account_enrolling:
            return ScreenId::service_account_enrolling;
        case ServiceStep::account_code:
            return ScreenId::service_account_code;
        case ServiceStep::key_ceremony:
            break;
    }
    switch (session.service->ceremony.value_or(KeyCeremony{}).step) {
        case CeremonyStep::starting:
        case CeremonyStep::component1:
        case CeremonyStep::component2:
            return ScreenId::service_ceremony;
        case CeremonyStep::confirming:
        case CeremonyStep::committing:
            return ScreenId::service_ceremony_check;
        case CeremonyStep::done:
        case CeremonyStep::ended:
            return ScreenId::service_ceremony_result;
    }
    return ScreenId::service_sign_in;
}

namespace screen_parts {

namespace {

std::string reason_text(const Catalog& catalog, OutOfServiceReason reason) {
    return catalog.text("out_of_service_reason." + std::string(to_string(reason)));
}

// A secret being typed: dots in groups of four, which are counted at a glance and keep a
// password of 16 digits on one line of the largest elder text; said as how many digits are typed
// (the screen's "empty" and "digits_typed").
Element typed_digits_element(const ScreenBuilder& builder, std::size_t typed,
                             const Session& session) {
    if (typed == 0) {
        return make_element(Role::input, builder.text("empty"));
    }
    constexpr std::size_t k_group = 4;
    std::string dots;
    for (std::size_t index = 0; index < typed; ++index) {
        dots += index > 0 && index % k_group == 0 ? " ●" : "●";
    }
    const int count = static_cast<int>(typed);
    return make_element(
        Role::input, dots,
        builder.format("digits_typed", {{"count", word_count(count_of(count), session.locale)}}));
}

// The field being typed: the engineer's number as typed (it is no secret, and is read back
// digit by digit), the password and the code as dots, said as how many digits are typed.
Element sign_in_field(const ScreenBuilder& builder, const ServiceVisit& visit,
                      const Session& session) {
    std::size_t typed = 0;
    switch (visit.field) {
        case SignInField::id: {
            const std::string& id = typed_engineer_id(visit);
            if (id.empty()) {
                break;
            }
            return make_element(
                Role::input, builder.format("id_typed", {{"id", id}}),
                builder.format("id_typed", {{"id", word_digits(id, session.locale)}}));
        }
        case SignInField::password:
            typed = visit.password.size();
            break;
        case SignInField::code:
            typed = visit.code.size();
            break;
    }
    return typed_digits_element(builder, typed, session);
}

// The engineer's sign-in (service_sign_in), or the key ceremony's second custodian's
// (service_partner_sign_in), which names the first custodian and goes back to the menu.
ScreenModel sign_in_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const bool partner = id == ScreenId::service_partner_sign_in;
    builder.add(Role::title, "title");
    // The second custodian's screen names the first; after a refusal, what was wrong instead
    // (the largest elder text holds one or the other).
    if (partner && visit.partner_not_custodian) {
        builder.add(Role::notice, "not_custodian");
    } else if (partner && !visit.refused) {
        builder.add(make_element(
            Role::text, builder.format("first", {{"id", visit.engineer_id}}),
            builder.format("first", {{"id", word_digits(visit.engineer_id, session.locale)}})));
    } else if (!partner) {
        builder.add(Role::text, visit.entry == ServiceEntry::keys ? "staff_only" : "closed");
    }
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
    // Back a field; from the first, back to the customers' screen, which the switch keeps shut,
    // or for the second custodian back to the menu.
    if (visit.field != SignInField::id) {
        builder.add_choice("back", k_sign_in_back_key);
    } else if (partner || !session.service_switch_on) {
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
    if (session.service && session.service->role && may_run_diagnostics(*session.service->role)) {
        builder.add_choice("devices", k_service_devices_key);
        builder.add_choice("self_tests", k_service_self_tests_key);
        builder.add_choice("network", k_service_network_key);
        builder.add_choice("faults", k_service_faults_key);
        builder.add_choice("counters", k_service_counters_key);
    }
    if (session.service && session.service->role && may_load_keys(*session.service->role)) {
        builder.add_choice("key_ceremony", k_service_key_ceremony_key);
    }
    if (session.service && session.service->role && may_export_records(*session.service->role)) {
        builder.add_choice("export", k_service_export_key);
    }
    if (session.service && session.service->role &&
        may_change_configuration(*session.service->role)) {
        builder.add_choice("configuration", k_service_configuration_key);
    }
    if (session.service && session.service->role && may_manage_accounts(*session.service->role)) {
        builder.add_choice("accounts", k_service_accounts_key);
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

// The language of the devices' own words: model names, versions, codes, reasons.
constexpr std::string_view k_device_words_locale = "en";

std::string device_name(const Catalog& catalog, DeviceKind device) {
    return catalog.text("device_name." + std::string(to_string(device)));
}

// Whether a word of a device's is a code (a key check value, a serial, a USB id: letters and
// digits mixed), said a character at a time.
bool is_code(std::string_view word) {
    const bool digit = std::ranges::any_of(word, [](char c) { return c >= '0' && c <= '9'; });
    const bool letter = std::ranges::any_of(word, [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ':' || c == '-';
    });
    return digit && letter && word.find('.') == std::string_view::npos;
}

// A device's words as said: each code a character at a time (word_code), any other word as it
// is.
std::string spoken_device_words(std::string_view text, std::string_view locale) {
    std::string spoken;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(' ', start), text.size());
        const std::string_view word = text.substr(start, end - start);
        spoken += start == 0 ? "" : " ";
        spoken += is_code(word) ? word_code(word, locale) : std::string(word);
        start = end + 1;
    }
    return spoken;
}

// An element that shows `pattern` filled with `words`, as a device gave them, under the
// placeholder `name`. The devices report in English: in Chinese the rest is said, then the
// device's words by the English voice (the Chinese voices misread Latin words and Arabic
// numerals, docs/platform-facts.md).
Element device_words_element(Role role, const ScreenBuilder& builder, std::string_view pattern,
                             std::initializer_list<Placeholder> others, std::string_view name,
                             const std::string& words, std::string_view locale) {
    const auto filled = [&](std::string value) {
        std::vector<Placeholder> values(others);
        values.push_back(Placeholder{name, std::move(value)});
        return fill_placeholders(builder.text(pattern), values);
    };
    Element element = make_element(role, filled(words));
    if (is_chinese_locale(locale)) {
        element.speech = filled("");
        element.speech_after.push_back(SpeechPart{spoken_device_words(words, k_device_words_locale),
                                                  std::string(k_device_words_locale)});
    } else if (std::string spoken = spoken_device_words(words, locale); spoken != words) {
        element.speech = filled(std::move(spoken));
    }
    return element;
}

// One line of a device's facts: its label, and its value as the catalog words it ("yes",
// "open", "low": section device_value) or else as the device gave it.
Element device_line(const ScreenBuilder& builder, const DeviceLine& line, std::string_view locale) {
    const Catalog& catalog = builder.catalog();
    const std::string label = catalog.text("device_fact." + line.label);
    std::string key = "device_value." + line.value;
    std::ranges::replace(key, ' ', '_');
    if (catalog.contains(key)) {
        return make_element(
            Role::text, builder.format("line", {{"label", label}, {"value", catalog.text(key)}}));
    }
    return device_words_element(Role::text, builder, "line", {{"label", label}}, "value",
                                line.value, locale);
}

// Every device the models reported: whether the kiosk uses it, each chosen by its number.
ScreenModel devices_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_devices, resources, session);
    const Catalog& catalog = builder.catalog();
    builder.add(Role::title, "title").add(Role::text, "text");
    const std::vector<DeviceSnapshot> none;
    const std::vector<DeviceSnapshot>& devices = session.service ? session.service->devices : none;
    for (std::size_t index = 0; index < devices.size(); ++index) {
        const DeviceSnapshot& device = devices[index];
        const std::string name = device_name(catalog, device.device);
        std::string line;
        if (device.connected) {
            line = builder.format("working", {{"device", name}});
        } else if (device.refusal.empty()) {
            line = builder.format("missing", {{"device", name}});
        } else {
            line = builder.format("refused", {{"device", name}});
        }
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(index) + 1);
        builder.add(make_choice(std::move(line), key.value_or(base::Key::digit_1)));
    }
    // Five devices are as many choices as the largest text holds: Enter, which reads them
    // again, and Cancel, which goes back, are said in the text rather than offered.
    return std::move(builder).build();
}

// One device: whether the kiosk uses it, then a page of its identity and facts.
ScreenModel device_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_device, resources, session);
    const Catalog& catalog = builder.catalog();
    if (!session.service || session.service->device_shown >= session.service->devices.size()) {
        builder.add(Role::title, "none");
        builder.add_choice("back", k_devices_back_key);
        return std::move(builder).build();
    }
    const ServiceVisit& visit = *session.service;
    const DeviceSnapshot& device = visit.devices[visit.device_shown];
    const std::string name = device_name(catalog, device.device);
    const std::size_t per_page = device_lines_per_page(session.text_size, session.elder_mode);
    const std::size_t pages = device_pages(device, per_page);
    const std::size_t page = std::min(visit.device_page, pages - 1);
    if (pages > 1) {
        builder.add(numbered_element(builder, Role::title, "title_page",
                                     {{"page", page + 1}, {"pages", pages}}, session,
                                     {{"device", name}}));
    } else {
        builder.add(make_element(Role::title, name));
    }
    if (device.connected) {
        builder.add(Role::text, "working");
    } else if (device.refusal.empty()) {
        builder.add(Role::notice, "missing");
    } else {
        builder.add(device_words_element(Role::notice, builder, "refused", {}, "reason",
                                         device.refusal, session.locale));
    }
    const std::vector<DeviceLine> lines = device_lines(device);
    for (std::size_t index = page * per_page; index < std::min(lines.size(), (page + 1) * per_page);
         ++index) {
        builder.add(device_line(builder, lines[index], session.locale));
    }
    if (pages > 1) {
        builder.add_choice("more", k_device_more_key);
    }
    builder.add_choice("again", k_devices_again_key).add_choice("back", k_devices_back_key);
    return std::move(builder).build();
}

// A certificate's last day and the days left until then, shown with digits and said in words
// (the Chinese voices misread Arabic numerals; a year is said digit by digit).
Element certificate_line(const ScreenBuilder& builder, const NetworkCheck& check,
                         std::string_view locale) {
    const int days = check.certificate_days_left.value_or(0);
    const std::string_view key = days < 0                             ? "certificate_expired"
                                 : days <= k_certificate_warning_days ? "certificate_soon"
                                                                      : "certificate_valid";
    const std::string_view date = check.certificate_expiry;  // YYYY-MM-DD
    const auto number = [&date](std::size_t at, std::size_t length) {
        int value = 0;
        if (date.size() == 10) {
            std::from_chars(date.data() + at, date.data() + at + length, value);
        }
        return value;
    };
    const std::string year = std::to_string(number(0, 4));
    const int month = number(5, 2);
    const int day = number(8, 2);
    // The months' names are the statement's.
    const std::string month_name =
        month >= 1 && month <= 12
            ? builder.catalog().text("statement.month_" + std::to_string(month))
            : std::string();
    const int count = std::abs(days);
    return make_element(days > k_certificate_warning_days ? Role::text : Role::notice,
                        builder.format(key, {{"year", year},
                                             {"month", month_name},
                                             {"day", std::to_string(day)},
                                             {"days", std::to_string(count)}}),
                        builder.format(key, {{"year", word_digits(year, locale)},
                                             {"month", month_name},
                                             {"day", word_count(count_of(day), locale)},
                                             {"days", word_count(count_of(count), locale)}}));
}

// Each service: whether it answered and how fast, and its certificate's expiry.
ScreenModel network_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_network, resources, session);
    const Catalog& catalog = builder.catalog();
    builder.add(Role::title, "title");
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    if (visit.pending_network) {
        builder.add(Role::text, "checking");
    }
    for (const NetworkCheck& check : visit.network) {
        const std::string name =
            catalog.text("network_service." + std::string(to_string(check.service)));
        if (!check.configured) {
            builder.add(
                make_element(Role::text, builder.format("not_configured", {{"service", name}})));
            continue;
        }
        if (check.healthy) {
            builder.add(make_element(
                Role::text,
                builder.format("answers",
                               {{"service", name}, {"ms", std::to_string(check.round_trip_ms)}}),
                builder.format("answers", {{"service", name},
                                           {"ms", word_count(count_of(check.round_trip_ms),
                                                             session.locale)}})));
        } else if (const std::string problem = "network_problem." + check.problem;
                   catalog.contains(problem)) {
            builder.add(make_element(
                Role::notice, builder.format("no_answer", {{"service", name},
                                                           {"problem", catalog.text(problem)}})));
        } else {
            // An HTTP status or a failure without words of its own: as the client named it.
            builder.add(device_words_element(Role::notice, builder, "no_answer",
                                             {{"service", name}}, "problem", check.problem,
                                             session.locale));
        }
        if (check.certificate_days_left) {
            builder.add(certificate_line(builder, check, session.locale));
        }
    }
    if (!visit.pending_network) {
        builder.add_choice("again", k_network_again_key);
    }
    builder.add_choice("back", k_network_back_key);
    return std::move(builder).build();
}

// The latest faults, newest first, a page at a time: when, the reason as journaled, and what
// to do about it.
ScreenModel faults_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_faults, resources, session);
    const Catalog& catalog = builder.catalog();
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const std::size_t per_page = faults_per_page(session.text_size, session.elder_mode);
    const std::size_t pages =
        faults_pages(visit.faults.size(), session.text_size, session.elder_mode);
    const std::size_t page = std::min(visit.faults_page, pages - 1);
    const auto numbered = [&](Role role, std::string_view key) {
        return numbered_element(
            builder, role, key,
            {{"page", page + 1}, {"pages", pages}, {"records", count_of(visit.journal_records)}},
            session);
    };
    builder.add(numbered(Role::title, pages > 1 ? "title_page" : "title"));
    if (!visit.faults_readable) {
        builder.add(Role::notice, "unreadable");
    } else {
        builder.add(numbered(Role::text, visit.faults.empty() ? "none" : "records"));
    }
    for (std::size_t index = page * per_page;
         index < std::min(visit.faults.size(), (page + 1) * per_page); ++index) {
        const RecentFault& fault = visit.faults[index];
        // The months' names are the statement's.
        const std::string month_name =
            fault.month >= 1 && fault.month <= 12
                ? catalog.text("statement.month_" + std::to_string(fault.month))
                : std::string();
        const auto when = [&](std::string_view key, const auto& number) {
            return builder.format(key, {{"month", month_name},
                                        {"day", number(fault.day)},
                                        {"hour", number(fault.hour)},
                                        {"minute", number(fault.minute)}});
        };
        const auto padded = [](int value) {
            return (value < 10 ? "0" : "") + std::to_string(value);
        };
        const std::string shown_when = when("when", padded);
        // Said as a time is said: the Chinese voices need the numbers in words (点, 分).
        const std::string said_when =
            is_chinese_locale(session.locale)
                ? when("when_said",
                       [&](int value) { return word_count(count_of(value), session.locale); })
                : when("when_said", padded);
        // The reason is the flow's English: in Chinese, said after the time by the English voice.
        Element line =
            make_element(Role::notice,
                         builder.format("fault", {{"when", shown_when}, {"reason", fault.reason}}));
        if (is_chinese_locale(session.locale)) {
            line.speech = builder.format("fault", {{"when", said_when}, {"reason", ""}});
            line.speech_after.push_back(
                SpeechPart{fault.reason, std::string(k_device_words_locale)});
        } else {
            line.speech = builder.format("fault", {{"when", said_when}, {"reason", fault.reason}});
        }
        builder.add(std::move(line));
        builder.add(make_element(
            Role::text,
            builder.format(
                "advice",
                {{"advice", catalog.text("fault_advice." +
                                         std::string(to_string(fault_advice(fault.reason))))}})));
    }
    if (pages > 1) {
        builder.add_choice("more", k_faults_more_key);
    }
    builder.add_choice("back", k_faults_back_key);
    return std::move(builder).build();
}

// Keys by their catalog names, in order: "4, Help" / "4、帮助键".
std::string key_names(const Catalog& catalog, const std::vector<base::Key>& keys) {
    std::string names;
    for (const base::Key key : keys) {
        if (!names.empty()) {
            names += catalog.text("service_tests.separator");
        }
        names += catalog.text("key." + std::string(base::to_string(key)));
    }
    return names;
}

// The self-tests, each with its last result this visit.
ScreenModel tests_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_tests, resources, session);
    // The title says that Cancel goes back: a line of text more would not fit the largest
    // elder text with both results and the three tests.
    builder.add(Role::title, "title");
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    if (visit.pending_slip) {
        builder.add(Role::text, "slip_printing");
    } else if (visit.slip_result) {
        builder.add(visit.slip_result == PrintResult::printed ? Role::text : Role::notice,
                    "slip_" + std::string(to_string(*visit.slip_result)));
    }
    if (visit.key_test_run) {
        const std::vector<base::Key> missing = keys_not_tested(visit);
        if (missing.empty()) {
            builder.add(Role::text, "keys_all");
        } else {
            builder.add(make_element(
                Role::notice,
                builder.format("keys_missing", {{"keys", key_names(builder.catalog(), missing)}})));
        }
    }
    builder.add_choice("print_slip", k_test_slip_key)
        .add_choice("key_test", k_key_test_key)
        .add_choice("tone", k_tone_test_key)
        .add_choice("card_test", k_card_test_key)
        .add_choice("dispense_test", k_dispense_test_key);
    return std::move(builder).build();
}

// The card reader's test: what to do, then how the test card read. The title says Cancel.
ScreenModel card_test_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_card_test, resources, session);
    builder.add(Role::title, "title");
    const CardTest test =
        session.service ? session.service->card_test.value_or(CardTest{}) : CardTest{};
    if (test.stage == CardTestStage::reading) {
        builder.add(Role::text, "reading");
        return std::move(builder).build();
    }
    if (test.done && !test.fault) {
        builder.add(Role::text, "read")
            .add(Role::text, test.cryptogram ? "cryptogram" : "no_cryptogram");
    } else if (test.done) {
        builder.add(Role::notice, "fault_" + std::string(to_string(*test.fault)));
    }
    builder.add(test.stage == CardTestStage::take ? Role::notice : Role::text,
                test.stage == CardTestStage::take ? "take" : (test.done ? "again" : "insert"));
    return std::move(builder).build();
}

// The counters, a page at a time: each with its count today and in all, shown as figures and
// said in words.
ScreenModel counters_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_counters, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const std::size_t per_page = counters_per_page(session.text_size, session.elder_mode);
    const std::size_t pages = pages_of(visit.counters.size(), per_page);
    const std::size_t page = std::min(visit.counters_page, pages - 1);
    builder.add(numbered_element(builder, Role::title, pages > 1 ? "title_page" : "title",
                                 {{"page", page + 1}, {"pages", pages}}, session));
    if (!visit.counters_readable) {
        builder.add(Role::notice, "unreadable");
    } else {
        builder.add(Role::text, "text");
    }
    for (std::size_t index = page * per_page;
         index < std::min(visit.counters.size(), (page + 1) * per_page); ++index) {
        const CounterLine& line = visit.counters[index];
        const std::string what = line.advice
                                     ? builder.text("fault_" + std::string(to_string(*line.advice)))
                                     : builder.text(to_string(line.name));
        builder.add(
            numbered_element(builder, Role::text, "line",
                             {{"today", count_of(line.today)}, {"all", count_of(line.in_all)}},
                             session, {{"what", what}}));
    }
    if (pages > 1) {
        builder.add_choice("more", k_counters_more_key);
    }
    builder.add_choice("back", k_counters_back_key);
    return std::move(builder).build();
}

// An account's staff number and role, as shown ("{id}", "{role}") and as said (the number digit
// by digit).
Element account_element(const ScreenBuilder& builder, Role role, std::string_view name,
                        const AccountSummary& account, const Session& session) {
    const std::string role_name =
        builder.catalog().text("engineer_role." + std::string(to_string(account.role)));
    return make_element(role, builder.format(name, {{"id", account.id}, {"role", role_name}}),
                        builder.format(name, {{"id", word_digits(account.id, session.locale)},
                                              {"role", role_name}}));
}

// The keys of a screen a staff number or a secret is typed on: Enter goes on (`next`), Clear
// starts the field again, Cancel goes back (`back`).
void add_typing_choices(ScreenBuilder& builder, std::string_view next = "next",
                        std::string_view back = "back") {
    builder.add_choice(next, k_account_id_next_key)
        .add_choice("clear", k_account_id_clear_key)
        .add_choice(back, k_accounts_back_key);
}

// The accounts screen's words for how the last removal or enrolment went.
std::string account_notice(AccountChange change, AccountsOutcome outcome) {
    const std::string verb = change == AccountChange::removal ? "removed" : "added";
    switch (outcome) {
        case AccountsOutcome::done:
            return verb;
        case AccountsOutcome::unreadable:
        case AccountsOutcome::unknown_id:
        case AccountsOutcome::last_administrator:
        case AccountsOutcome::duplicate_id:
        case AccountsOutcome::wrong_code:
            return "not_" + verb + "_" + std::string(to_string(outcome));
        case AccountsOutcome::unwritable:
            break;
    }
    return "not_" + verb + "_unwritable";
}

// The engineers' accounts, a page at a time, the administrator's own marked; above them, how the
// last removal went.
ScreenModel accounts_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_accounts, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const std::size_t per_page = accounts_per_page(session.text_size, session.elder_mode);
    const std::size_t pages = pages_of(visit.accounts.size(), per_page);
    const std::size_t page = std::min(visit.accounts_page, pages - 1);
    builder.add(numbered_element(builder, Role::title, pages > 1 ? "title_page" : "title",
                                 {{"page", page + 1}, {"pages", pages}}, session));
    if (visit.account_outcome) {
        builder.add(account_element(builder, Role::notice,
                                    account_notice(visit.account_change, *visit.account_outcome),
                                    {.id = visit.account_changed}, session));
    } else if (!visit.accounts_readable) {
        builder.add(Role::notice, "unreadable");
    } else if (visit.accounts.empty()) {
        builder.add(Role::notice, "none");
    }
    for (std::size_t index = page * per_page;
         index < std::min(visit.accounts.size(), (page + 1) * per_page); ++index) {
        const AccountSummary& account = visit.accounts[index];
        builder.add(account_element(builder, Role::text,
                                    account.id == visit.engineer_id ? "line_own" : "line", account,
                                    session));
    }
    if (visit.accounts_readable) {
        builder.add_choice("add", k_accounts_add_key);
    }
    if (visit.accounts_readable && !visit.accounts.empty()) {
        builder.add_choice("remove", k_accounts_remove_key);
    }
    if (pages > 1) {
        builder.add_choice("more", k_accounts_more_key);
    }
    builder.add_choice("back", k_accounts_back_key);
    return std::move(builder).build();
}

// The staff number of the account to remove or add, read back as typed; after Enter, why it
// cannot be.
ScreenModel account_id_screen(ScreenId id, const Resources& resources, const Session& session) {
    ScreenBuilder builder(id, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    builder.add(Role::title, "title");
    if (visit.own_account) {
        builder.add(Role::notice, "own_account");
    } else if (visit.account_outcome == AccountsOutcome::unknown_id ||
               visit.account_outcome == AccountsOutcome::duplicate_id) {
        builder.add(account_element(builder, Role::notice, to_string(*visit.account_outcome),
                                    {.id = visit.account_id}, session));
    } else {
        builder.add(Role::text, "text");
    }
    if (visit.account_id.empty()) {
        builder.add(make_element(Role::input, builder.text("empty")));
    } else {
        builder.add(
            account_element(builder, Role::input, "typed", {.id = visit.account_id}, session));
    }
    add_typing_choices(builder);
    return std::move(builder).build();
}

// The account about to be removed, named, with what removing it means.
ScreenModel account_remove_confirm_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_account_remove_confirm, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const auto found = std::ranges::find(visit.accounts, visit.account_id, &AccountSummary::id);
    builder.add(Role::title, "title");
    builder.add(account_element(
        builder, Role::text, "account",
        found == visit.accounts.end() ? AccountSummary{.id = visit.account_id} : *found, session));
    builder.add(Role::text, "text");
    builder.add_choice("remove", k_account_remove_key).add_choice("keep", k_accounts_back_key);
    return std::move(builder).build();
}

// What the new account may do, each role with what it allows.
ScreenModel account_role_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_account_role, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    builder.add(account_element(builder, Role::title, "title", {.id = visit.account_id}, session));
    for (std::size_t index = 0; index < k_engineer_roles.size(); ++index) {
        const std::optional<base::Key> key = base::digit_key(static_cast<int>(index) + 1);
        builder.add_choice(to_string(k_engineer_roles.at(index)), key.value_or(base::Key::digit_1));
    }
    builder.add_choice("back", k_accounts_back_key);
    return std::move(builder).build();
}

// The new engineer's password, first and again, as dots said as how many digits are typed.
ScreenModel account_password_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_account_password, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const Enrolment enrolment = visit.enrolment.value_or(Enrolment{});
    builder.add(account_element(builder, Role::title, "title",
                                {.id = visit.account_id, .role = enrolment.role}, session));
    if (enrolment.passwords_differ) {
        builder.add(Role::notice, "differ");
    } else if (!enrolment.again) {
        builder.add(Role::text, "hand_over");
    }
    builder.add(Role::text, enrolment.again ? "type_again" : "type");
    builder.add(typed_digits_element(
        builder, (enrolment.again ? enrolment.password_again : enrolment.password).size(),
        session));
    add_typing_choices(builder);
    return std::move(builder).build();
}

// The account made ready, then its slip printing; or why the slip did not print.
ScreenModel account_enrolling_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_account_enrolling, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const Enrolment enrolment = visit.enrolment.value_or(Enrolment{});
    builder.add(account_element(builder, Role::title, "title",
                                {.id = visit.account_id, .role = enrolment.role}, session));
    if (enrolment.slip_result && *enrolment.slip_result != PrintResult::printed) {
        builder.add(Role::notice, "slip_" + std::string(to_string(*enrolment.slip_result)));
        builder.add(Role::text, "not_added");
        builder.add_choice("back", k_accounts_back_key);
    } else {
        builder.add(Role::text, enrolment.pending_print ? "printing" : "preparing");
    }
    return std::move(builder).build();
}

// The code the new engineer's app shows once it has scanned the slip; after a wrong one, what to
// check.
ScreenModel account_code_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_account_code, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const Enrolment enrolment = visit.enrolment.value_or(Enrolment{});
    builder.add(account_element(builder, Role::title, "title",
                                {.id = visit.account_id, .role = enrolment.role}, session));
    if (enrolment.wrong_codes > 0) {
        builder.add(
            account_element(builder, Role::notice, "wrong", {.id = visit.account_id}, session));
    } else {
        builder.add(Role::text, "scan");
    }
    builder.add(Role::text, "type");
    builder.add(typed_digits_element(builder, enrolment.code.size(), session));
    add_typing_choices(builder, "add", "stop");
    return std::move(builder).build();
}

// The dispenser's test: the notes on their way, then what became of them; or why it did not
// start. No key leads away while the notes move. The title says Cancel.
ScreenModel dispense_test_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_dispense_test, resources, session);
    builder.add(Role::title, "title");
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const DispenseTest test = session.dispense_test.value_or(DispenseTest{});
    if (visit.dispense_test_refusal) {
        builder.add(Role::notice,
                    "refused_" + std::string(to_string(*visit.dispense_test_refusal)));
    } else if (!is_final(test.step)) {
        builder.add(Role::text,
                    test.step == DispenseTestStep::dispense_ordered ? "picking" : "rejecting");
        return std::move(builder).build();
    } else if (test.step == DispenseTestStep::notes_secured) {
        builder
            .add(numbered_element(builder, Role::text, "secured",
                                  {{"notes", count_of(test.rejected)}}, session))
            // The kiosk's own cash, not a customer's: said on the speaker too.
            .add(amount_element(builder, Role::text, "worth", test.picked_amount, session, false));
    } else if (test.step == DispenseTestStep::not_picked) {
        const bool explained = test.fault == CashFault::not_enough_notes ||
                               test.fault == CashFault::out_of_service ||
                               test.fault == CashFault::refused;
        builder.add(Role::notice, explained ? "not_picked_" + std::string(to_string(test.fault))
                                            : std::string("not_picked"));
    } else {
        builder.add(Role::notice, "held");
    }
    builder.add_choice("again", k_dispense_test_again_key);
    return std::move(builder).build();
}

// The key test: the last key, and the keys still to press.
ScreenModel key_test_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_key_test, resources, session);
    const Catalog& catalog = builder.catalog();
    builder.add(Role::title, "title").add(Role::text, "text");
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    if (visit.last_key_tested) {
        builder.add(make_element(
            Role::notice,
            builder.format("last",
                           {{"key", catalog.text("key." + std::string(base::to_string(
                                                              *visit.last_key_tested)))}})));
    }
    const std::vector<base::Key> missing = keys_not_tested(visit);
    if (missing.empty()) {
        builder.add(Role::text, "all");
    } else {
        builder.add(make_element(
            Role::text, builder.format("missing", {{"keys", key_names(catalog, missing)}})));
    }
    return std::move(builder).build();
}

// A key check value as the forms print it, shown in groups of two and said a character at a
// time: "{label}: A1 B2 C3 D4 E5".
Element check_value_line(const ScreenBuilder& builder, const Session& session, Role role,
                         std::string_view key, std::string_view check_value) {
    return make_element(
        role, builder.format(key, {{"kcv", check_value_groups(check_value)}}),
        builder.format(key, {{"kcv", word_check_value(check_value, session.locale)}}));
}

// A custodian named by number: "{id}" shown as typed, said digit by digit.
Element custodian_line(const ScreenBuilder& builder, const Session& session, Role role,
                       std::string_view key, std::string_view id) {
    return make_element(role, builder.format(key, {{"id", std::string(id)}}),
                        builder.format(key, {{"id", word_digits(id, session.locale)}}));
}

// Starting, then each component being typed on the pad: whose turn, how to type hexadecimal on a
// digit keypad, and how many of the 32 digits are in. Component 1's KCV stays on the screen
// while component 2 is typed, for its custodian to compare.
ScreenModel ceremony_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_ceremony, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const KeyCeremony ceremony = visit.ceremony.value_or(KeyCeremony{});
    builder.add(Role::title, "title");
    if (ceremony.step == CeremonyStep::starting) {
        builder.add(Role::text, "starting");
        return std::move(builder).build();
    }
    const bool second = ceremony.step == CeremonyStep::component2;
    if (second) {
        builder.add(check_value_line(builder, session, Role::notice, "component1_kcv",
                                     ceremony.component1_check_value));
    }
    builder.add(custodian_line(builder, session, Role::text,
                               second ? "type_component2" : "type_component1",
                               second ? ceremony.partner_id : visit.engineer_id));
    builder.add(Role::text, "how");
    const int typed = ceremony.digits_typed;
    builder.add(make_element(
        Role::input,
        builder.format("typed", {{"count", std::to_string(typed)},
                                 {"of", std::to_string(k_component_digits)}}),
        builder.format("typed",
                       {{"count", word_count(count_of(typed), session.locale)},
                        {"of", word_count(count_of(k_component_digits), session.locale)}})));
    return std::move(builder).build();
}

// The three KCVs for comparison with the forms, the bank's keys, and whose confirmation is
// awaited; then, once both confirmed, that the pad is loading.
ScreenModel ceremony_check_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_ceremony_check, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const KeyCeremony ceremony = visit.ceremony.value_or(KeyCeremony{});
    builder.add(Role::title, "title");
    builder.add(check_value_line(builder, session, Role::text, "component1_kcv",
                                 ceremony.component1_check_value));
    builder.add(check_value_line(builder, session, Role::text, "component2_kcv",
                                 ceremony.component2_check_value));
    builder.add(check_value_line(builder, session, Role::text, "master_kcv",
                                 ceremony.combined_check_value));
    if (ceremony.step == CeremonyStep::committing) {
        builder.add(Role::notice, "loading");
        return std::move(builder).build();
    }
    // The bank's keys come while the custodians compare: their arrival is shown, not said.
    if (ceremony.keys_outcome) {
        builder.add(Role::text, "bank_ready");
    }
    if (ceremony.confirmations >= k_custodians) {
        builder.add(Role::notice, "waiting_for_bank");
    } else {
        builder.add(
            custodian_line(builder, session, Role::notice, "confirm",
                           ceremony.confirmations == 0 ? visit.engineer_id : ceremony.partner_id));
    }
    return std::move(builder).build();
}

// How it ended: the new master key's KCV and each working key's, or why nothing changed.
ScreenModel ceremony_result_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_ceremony_result, resources, session);
    const Catalog& catalog = builder.catalog();
    const KeyCeremony ceremony =
        session.service.value_or(ServiceVisit{}).ceremony.value_or(KeyCeremony{});
    if (ceremony.step == CeremonyStep::done) {
        builder.add(Role::title, ceremony.end ? "title_incomplete" : "title_done");
        builder.add(check_value_line(builder, session, Role::text, "master_kcv",
                                     ceremony.master_check_value));
        for (const LoadedKey& key : ceremony.loaded) {
            const std::string slot = catalog.text("device_fact.key_slot_" + key.slot);
            if (key.matches) {
                builder.add(make_element(
                    Role::text,
                    builder.format("key_loaded",
                                   {{"slot", slot}, {"kcv", check_value_groups(key.check_value)}}),
                    builder.format("key_loaded",
                                   {{"slot", slot},
                                    {"kcv", word_check_value(key.check_value, session.locale)}})));
            } else {
                builder.add(
                    make_element(Role::notice, builder.format("key_failed", {{"slot", slot}})));
            }
        }
        if (ceremony.end) {
            builder.add(Role::notice, "keypad_out_of_service");
        }
    } else {
        builder.add(Role::title, "title_ended");
        builder.add(Role::notice,
                    "end_" + std::string(to_string(ceremony.end.value_or(CeremonyEnd::by_kiosk))));
        // The check values the pad reported, for the custodians to find which component differs
        // from its form.
        for (const auto& [key, value] :
             {std::pair{"component1_kcv", &ceremony.component1_check_value},
              std::pair{"component2_kcv", &ceremony.component2_check_value},
              std::pair{"combined_kcv", &ceremony.combined_check_value}}) {
            if (!value->empty()) {
                builder.add(check_value_line(builder, session, Role::text, key, *value));
            }
        }
    }
    builder.add_choice("back", k_ceremony_confirm_key);
    return std::move(builder).build();
}

// The records' export: writing, or how it came out. The title says Enter and Cancel.
ScreenModel export_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_export, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    builder.add(Role::title, "title");
    if (visit.pending_export || !visit.export_result) {
        builder.add(Role::text, "writing");
        return std::move(builder).build();
    }
    const ExportResult& result = *visit.export_result;
    switch (result.outcome) {
        case ExportOutcome::exported:
            builder.add(numbered_element(builder, Role::text, "exported",
                                         {{"records", static_cast<std::uint64_t>(result.records)}},
                                         session));
            builder.add(result.chain_intact ? Role::text : Role::notice,
                        result.chain_intact ? "chain_intact" : "chain_broken");
            if (result.redactions > 0) {
                builder.add(numbered_element(builder, Role::text, "redacted",
                                             {{"count", result.redactions}}, session));
            }
            break;
        case ExportOutcome::no_stick:
            builder.add(Role::notice, "no_stick");
            break;
        case ExportOutcome::failed:
            builder.add(make_element(Role::notice,
                                     builder.format("failed", {{"problem", result.problem}})));
            break;
    }
    return std::move(builder).build();
}

// A line in the configuration's own words, English TOML: shown as written, and said by the
// English voice in every language (the Chinese voices misread Latin words), with the settings'
// dots and underscores said as spaces.
Element configuration_line(Role role, std::string text, std::string spoken) {
    Element element = make_element(role, std::move(text), std::move(spoken));
    element.locale = std::string(k_device_words_locale);
    return element;
}

// The settings of the configuration in use, a page at a time; 1 reviews the stick's file.
ScreenModel configuration_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_configuration, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const std::size_t per_page = settings_per_page(session.text_size, session.elder_mode);
    const std::size_t pages = pages_of(visit.configuration.size(), per_page);
    const std::size_t page = std::min(visit.configuration_page, pages - 1);
    builder.add(pages > 1 ? numbered_element(builder, Role::title, "title_page",
                                             {{"page", page + 1}, {"pages", pages}}, session)
                          : make_element(Role::title, builder.text("title")));
    if (visit.pending_configuration) {
        builder.add(Role::text, "reading");
        return std::move(builder).build();
    }
    if (!visit.configuration_problem.empty()) {
        builder.add(Role::notice, "unreadable");
        builder.add(configuration_line(Role::notice, visit.configuration_problem, {}));
        builder.add_choice("back", k_configuration_back_key);
        return std::move(builder).build();
    }
    for (std::size_t index = page * per_page;
         index < std::min(visit.configuration.size(), (page + 1) * per_page); ++index) {
        const ConfigSetting& setting = visit.configuration[index];
        builder.add(configuration_line(
            Role::text, to_text(setting),
            spoken_setting(setting.setting) + " " +
                (setting.concealed ? std::string(k_concealed_value) : setting.value)));
    }
    if (pages > 1) {
        builder.add_choice("more", k_configuration_more_key);
    }
    builder.add_choice("change", k_configuration_change_key)
        .add_choice("back", k_configuration_back_key);
    return std::move(builder).build();
}

// The stick's file reviewed: what it changes, a page at a time, to be installed on Enter; or why
// there is nothing to install; then the installation and the restart.
ScreenModel configuration_change_screen(const Resources& resources, const Session& session) {
    ScreenBuilder builder(ScreenId::service_configuration_change, resources, session);
    const ServiceVisit visit = session.service.value_or(ServiceVisit{});
    const std::size_t per_page = changes_per_page(session.text_size, session.elder_mode);
    const bool installable = visit.review &&
                             visit.review->outcome == ConfigReviewOutcome::reviewed &&
                             !visit.review->changes.empty();
    const std::size_t pages = installable ? pages_of(visit.review->changes.size(), per_page) : 1;
    const std::size_t page = std::min(visit.review_page, pages - 1);
    if (installable) {
        // The count of changes in the title, so that a page holds as many as it can.
        builder.add(numbered_element(
            builder, Role::title, pages > 1 ? "title_changes_page" : "title_changes",
            {{"count", visit.review->changes.size()}, {"page", page + 1}, {"pages", pages}},
            session));
    } else {
        builder.add(Role::title, "title");
    }
    if (session.restarting) {
        builder.add(Role::text, "installed").add(Role::text, "restarting");
        return std::move(builder).build();
    }
    if (session.pending_install) {
        builder.add(Role::text, "installing");
        return std::move(builder).build();
    }
    if (visit.pending_review || (!visit.review && !visit.install_failure)) {
        builder.add(Role::text, "reading");
        return std::move(builder).build();
    }
    const ConfigReview review = visit.review.value_or(ConfigReview{});
    switch (visit.review ? review.outcome : ConfigReviewOutcome::reviewed) {
        case ConfigReviewOutcome::reviewed:
            if (!visit.review) {
                break;  // spent by a failed installation, which the notice below names
            }
            if (review.changes.empty()) {
                builder.add(Role::text, "same");
            }
            break;
        case ConfigReviewOutcome::no_stick:
            builder.add(Role::notice, "no_stick");
            break;
        case ConfigReviewOutcome::no_file:
            builder.add(make_element(
                Role::notice,
                builder.format("no_file", {{"file", std::string(k_stick_config_name)}})));
            break;
        case ConfigReviewOutcome::invalid:
        case ConfigReviewOutcome::unreadable:
            builder.add(Role::notice, to_string(review.outcome));
            builder.add(configuration_line(Role::notice, review.problem, {}));
            break;
    }
    if (visit.install_failure) {
        builder.add(Role::notice, visit.install_failure == ConfigInstallOutcome::changed
                                      ? "changed_since_review"
                                      : "install_failed");
        if (!visit.install_problem.empty()) {
            builder.add(configuration_line(Role::notice, visit.install_problem, {}));
        }
    }
    if (installable) {
        for (std::size_t index = page * per_page;
             index < std::min(review.changes.size(), (page + 1) * per_page); ++index) {
            const SettingChange& change = review.changes[index];
            builder.add(configuration_line(
                Role::text, to_text(change),
                spoken_setting(change.setting) + " " +
                    (change.concealed ? std::string(k_concealed_change)
                                      : change.old_value + " to " + change.new_value)));
        }
        if (pages > 1) {
            builder.add_choice("more", k_configuration_more_key);
        }
        builder.add_choice("install", k_configuration_install_key);
    } else {
        builder.add_choice("again", k_configuration_install_key);
    }
    builder.add_choice("back", k_configuration_back_key);
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
        case ScreenId::service_partner_sign_in:
            return sign_in_screen(id, resources, session);
        case ScreenId::service_ceremony:
            return ceremony_screen(resources, session);
        case ScreenId::service_ceremony_check:
            return ceremony_check_screen(resources, session);
        case ScreenId::service_ceremony_result:
            return ceremony_result_screen(resources, session);
        case ScreenId::service_export:
            return export_screen(resources, session);
        case ScreenId::service_configuration:
            return configuration_screen(resources, session);
        case ScreenId::service_configuration_change:
            return configuration_change_screen(resources, session);
        case ScreenId::service_card_test:
            return card_test_screen(resources, session);
        case ScreenId::service_dispense_test:
            return dispense_test_screen(resources, session);
        case ScreenId::service_counters:
            return counters_screen(resources, session);
        case ScreenId::service_accounts:
            return accounts_screen(resources, session);
        case ScreenId::service_account_remove:
        case ScreenId::service_account_add:
            return account_id_screen(id, resources, session);
        case ScreenId::service_account_remove_confirm:
            return account_remove_confirm_screen(resources, session);
        case ScreenId::service_account_role:
            return account_role_screen(resources, session);
        case ScreenId::service_account_password:
            return account_password_screen(resources, session);
        case ScreenId::service_account_enrolling:
            return account_enrolling_screen(resources, session);
        case ScreenId::service_account_code:
            return account_code_screen(resources, session);
        case ScreenId::service_locked:
            return locked_screen(resources, session);
        case ScreenId::service_menu:
            return menu_screen(resources, session);
        case ScreenId::service_reason:
            return reason_screen(resources, session);
        case ScreenId::service_devices:
            return devices_screen(resources, session);
        case ScreenId::service_device:
            return device_screen(resources, session);
        case ScreenId::service_network:
            return network_screen(resources, session);
        case ScreenId::service_faults:
            return faults_screen(resources, session);
        case ScreenId::service_tests:
            return tests_screen(resources, session);
        case ScreenId::service_key_test:
            return key_test_screen(resources, session);
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
