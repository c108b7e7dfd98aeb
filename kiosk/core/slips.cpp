#include "kiosk/core/slips.h"

#include <string>
#include <vector>

#include "kiosk/core/wording.h"

namespace kiosk::core {

namespace {

PrintText line(std::string text, PrintSize size = PrintSize::normal,
               PrintAlignment alignment = PrintAlignment::left, bool bold = false) {
    return PrintText{std::move(text), size, alignment, bold};
}

// The slip's part in one language.
void add_language(std::vector<PrintBlock>& blocks, const Catalog& catalog, std::string_view locale,
                  const Ticket& ticket, const Business& business) {
    blocks.emplace_back(
        line(business.name.in(locale), PrintSize::large, PrintAlignment::centre, true));
    if (ticket.priority == Priority::green_channel) {
        blocks.emplace_back(line(catalog.text("slip.green_channel"), PrintSize::normal,
                                 PrintAlignment::centre, true));
    }
    blocks.emplace_back(
        line(ticket.people_ahead == 0
                 ? catalog.text("slip.nobody_ahead")
                 : catalog.format("slip.ahead",
                                  {{"people", std::to_string(ticket.people_ahead)},
                                   {"minutes", std::to_string(ticket.estimated_wait_minutes)}})));
    if (!business.materials.empty()) {
        std::string materials;
        for (const LocalizedText& material : business.materials) {
            if (!materials.empty()) {
                materials += catalog.text("business_guidance.separator");
            }
            materials += material.in(locale);
        }
        blocks.emplace_back(line(catalog.format("slip.bring", {{"materials", materials}})));
    }
    blocks.emplace_back(line(catalog.text("slip.listen")));
}

}  // namespace

PrintDocument ticket_slip(const Resources& resources, const Ticket& ticket,
                          const Business& business, std::string_view locale) {
    std::string chinese =
        is_chinese_locale(locale) ? std::string(locale) : resources.default_locale;
    if (!is_chinese_locale(chinese) || !resources.has_locale(chinese)) {
        chinese = "zh-CN";
    }
    PrintDocument slip;
    std::vector<PrintBlock>& blocks = slip.blocks;
    const bool has_chinese = resources.has_locale(chinese);
    const bool has_english = resources.has_locale("en");
    const Catalog& heading = resources.catalog(has_chinese ? chinese : std::string("en"));
    blocks.emplace_back(
        line(heading.text("slip.bank"), PrintSize::large, PrintAlignment::centre, true));
    if (has_chinese && has_english) {
        blocks.emplace_back(line(resources.catalog("en").text("slip.bank"), PrintSize::normal,
                                 PrintAlignment::centre));
    }
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(line(ticket.number, PrintSize::huge, PrintAlignment::centre, true));
    blocks.emplace_back(PrintRule{});
    if (has_chinese) {
        add_language(blocks, resources.catalog(chinese), chinese, ticket, business);
    }
    if (has_chinese && has_english) {
        blocks.emplace_back(PrintRule{});
    }
    if (has_english) {
        add_language(blocks, resources.catalog("en"), "en", ticket, business);
    }
    blocks.emplace_back(PrintRule{});
    std::string code = "TICKET " + ticket.number + " " + ticket.id;
    if (code.size() > k_maximum_qr_bytes) {
        code.resize(k_maximum_qr_bytes);
    }
    blocks.emplace_back(PrintQrCode{std::move(code)});
    return slip;
}

PrintDocument test_slip(const Resources& resources, std::string_view engineer_id,
                        std::string_view locale) {
    const Catalog& catalog = resources.catalog(locale);
    PrintDocument slip;
    std::vector<PrintBlock>& blocks = slip.blocks;
    blocks.emplace_back(
        line(catalog.text("slip.bank"), PrintSize::large, PrintAlignment::centre, true));
    blocks.emplace_back(
        line(catalog.text("test_slip.title"), PrintSize::normal, PrintAlignment::centre, true));
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(
        line(catalog.text("test_slip.huge"), PrintSize::huge, PrintAlignment::centre, true));
    blocks.emplace_back(line(catalog.text("test_slip.large"), PrintSize::large));
    blocks.emplace_back(line(catalog.text("test_slip.normal")));
    blocks.emplace_back(
        line(catalog.text("test_slip.bold"), PrintSize::normal, PrintAlignment::left, true));
    blocks.emplace_back(
        line(catalog.text("test_slip.centred"), PrintSize::normal, PrintAlignment::centre));
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(line(catalog.text("test_slip.scripts")));
    blocks.emplace_back(line(catalog.text("test_slip.wrapped")));
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(
        line(catalog.format("test_slip.engineer", {{"id", std::string(engineer_id)}})));
    blocks.emplace_back(line(catalog.text("test_slip.check")));
    blocks.emplace_back(PrintQrCode{"TEST SLIP"});
    return slip;
}

PrintDocument enrolment_slip(const Resources& resources, std::string_view engineer_id,
                             EngineerRole role, std::string_view locale) {
    const Catalog& catalog = resources.catalog(locale);
    PrintDocument slip;
    std::vector<PrintBlock>& blocks = slip.blocks;
    blocks.emplace_back(
        line(catalog.text("slip.bank"), PrintSize::large, PrintAlignment::centre, true));
    blocks.emplace_back(line(catalog.text("enrolment_slip.title"), PrintSize::normal,
                             PrintAlignment::centre, true));
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(line(
        catalog.format("enrolment_slip.account",
                       {{"id", std::string(engineer_id)},
                        {"role", catalog.text("engineer_role." + std::string(to_string(role)))}})));
    blocks.emplace_back(line(catalog.text("enrolment_slip.scan")));
    blocks.emplace_back(PrintEnrolmentSecret{EnrolmentSecretPart::otpauth_qr});
    blocks.emplace_back(line(catalog.text("enrolment_slip.or_type")));
    blocks.emplace_back(PrintEnrolmentSecret{EnrolmentSecretPart::key_text});
    blocks.emplace_back(PrintRule{});
    blocks.emplace_back(
        line(catalog.text("enrolment_slip.shred"), PrintSize::normal, PrintAlignment::left, true));
    return slip;
}

}  // namespace kiosk::core
