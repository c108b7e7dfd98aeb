// The branch's flows (kiosk/core/README.md, "The branch"), judged by what the customer would
// notice: what is shown and said, what is asked of the queue service and the printer, and what
// is never promised.

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kiosk/core/screens.h"
#include "tests/kiosk/core/flow_driver.h"

using namespace kiosk::core;
using namespace kiosk::core::testing;

namespace {

// Welcome → 6 → the businesses listed (call 1) → the first business: its guidance.
void reach_guidance(FlowDriver& kiosk) {
    kiosk.send_all({Started{}, KeyPressed{k_welcome_ticket_key}});
    kiosk.send(BusinessesListed{1, QueueStatus::ok, sample_businesses()});
    kiosk.send(KeyPressed{base::Key::digit_1});
    REQUIRE(kiosk.session().state == State::business_guidance);
}

}  // namespace

TEST_CASE("What to bring and how long it takes are said before any ticket is asked for") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}});
    const auto& asked = kiosk.send(KeyPressed{k_welcome_ticket_key});
    REQUIRE(effects_of<ListBusinesses>(asked).size() == 1);
    CHECK(last_screen(asked)->id == "fetching_businesses");

    const auto& listed = kiosk.send(BusinessesListed{1, QueueStatus::ok, sample_businesses()});
    // The closed business is not offered; the most common come first.
    const auto screen = last_screen(listed);
    REQUIRE(screen);
    std::vector<std::string> choices;
    for (const Element& element : screen->elements) {
        if (element.role == Role::choice) {
            choices.push_back(element.text);
        }
    }
    CHECK(choices == std::vector<std::string>{"存款取款", "银行卡业务", "转账汇款", "开户", "理财",
                                              "个人贷款"});

    const auto& guidance = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK_FALSE(has_effect<TakeTicket>(guidance));
    CHECK(mentions(guidance, "请带好：身份证、银行卡。"));
    CHECK(mentions(guidance, "柜台办理一般要十分钟。现在三人等候，约等十五分钟。"));
}

TEST_CASE("The green channel is offered with its reasons and never assumed") {
    FlowDriver kiosk;
    reach_guidance(kiosk);
    // Elder mode or not, "take a number" asks for the normal queue.
    const auto taken = effects_of<TakeTicket>(kiosk.send(KeyPressed{k_guidance_take_key}));
    REQUIRE(taken.size() == 1);
    CHECK(taken.front().request.priority == Priority::normal);
    CHECK_FALSE(taken.front().request.reason);

    FlowDriver green;
    reach_guidance(green);
    const auto& offered = green.send(KeyPressed{k_guidance_green_key});
    CHECK(last_screen(offered)->id == "green_channel");
    CHECK(mentions(offered, "六十五岁以上的老年人、残障人士和孕妇"));
    const auto asked = effects_of<TakeTicket>(green.send(KeyPressed{k_green_disability_key}));
    REQUIRE(asked.size() == 1);
    CHECK(asked.front().request ==
          TicketRequest{"deposits", Priority::green_channel, PriorityReason::disability, "zh-CN"});
}

TEST_CASE("The ticket is printed first, then shown and said once with the number digit by digit") {
    FlowDriver kiosk;
    reach_guidance(kiosk);
    kiosk.send(KeyPressed{k_guidance_take_key});
    const auto& issued = kiosk.send(TicketIssued{2, QueueStatus::ok, sample_ticket()});
    const auto prints = effects_of<Print>(issued);
    REQUIRE(prints.size() == 1);
    CHECK_FALSE(has_effect<Show>(issued));
    // The slip: the number large, the business and what to bring in Chinese and English, and
    // a QR code of the ticket.
    const PrintDocument& slip = prints.front().document;
    const auto huge = std::ranges::find_if(slip.blocks, [](const PrintBlock& block) {
        const auto* text = std::get_if<PrintText>(&block);
        return text != nullptr && text->size == PrintSize::huge;
    });
    REQUIRE(huge != slip.blocks.end());
    CHECK(std::get<PrintText>(*huge).text == "A023");
    std::string all_text;
    for (const PrintBlock& block : slip.blocks) {
        if (const auto* text = std::get_if<PrintText>(&block)) {
            all_text += text->text + "\n";
        }
    }
    CHECK(all_text.find("存款取款") != std::string::npos);
    CHECK(all_text.find("Deposits and withdrawals") != std::string::npos);
    CHECK(all_text.find("请带好：身份证、银行卡") != std::string::npos);
    CHECK(all_text.find("Please bring: Identity card, Bank card") != std::string::npos);
    CHECK(std::ranges::any_of(slip.blocks, [](const PrintBlock& block) {
        const auto* code = std::get_if<PrintQrCode>(&block);
        return code != nullptr && code->data == "TICKET A023 " + sample_ticket().id;
    }));

    const auto& shown = kiosk.send(PrintFinished{prints.front().print_id, PrintResult::printed});
    CHECK(last_screen(shown)->id == "ticket");
    // The "please wait" gives way to the ticket at once.
    CHECK(has_effect<StopSpeech>(shown));
    CHECK(mentions(shown, "您的号码是A，零二三。"));
    CHECK(mentions(shown, "您前面还有三人，大约要等十五分钟。"));
    CHECK(mentions(shown, "请取走号票，留意叫号。"));
}

TEST_CASE("Without paper the ticket is shown and said with the advice to remember it") {
    FlowDriver kiosk;
    kiosk.send(PaperChanged{PaperLevel::out});
    CHECK(has_effect<NotifyStaff>(kiosk.last()));
    reach_guidance(kiosk);
    kiosk.send(KeyPressed{k_guidance_take_key});
    const auto& shown = kiosk.send(TicketIssued{2, QueueStatus::ok, sample_ticket()});
    CHECK_FALSE(has_effect<Print>(shown));
    CHECK(last_screen(shown)->id == "ticket");
    CHECK(mentions(shown, "请记住号码，或用手机拍下这个画面"));
}

TEST_CASE("A ticket the service keeps is dropped once the customer has waited too long") {
    FlowDriver kiosk;
    reach_guidance(kiosk);
    kiosk.send(KeyPressed{k_guidance_take_key});
    const auto& kept = kiosk.send(TicketIssued{2, QueueStatus::kept, std::nullopt});
    CHECK_FALSE(has_effect<Show>(kept));
    CHECK(kiosk.session().state == State::issuing_ticket);
    const auto& gave_up = kiosk.fire(TimerId::queue_call);
    const auto cancels = effects_of<CancelCall>(gave_up);
    REQUIRE(cancels.size() == 1);
    CHECK(cancels.front().call_id == 2);
    CHECK(last_screen(gave_up)->id == "queue_unavailable");
    CHECK(mentions(gave_up, "请到柜台，或者找大堂经理"));
    // The service is down: calling staff through it is not offered.
    CHECK(std::ranges::none_of(last_screen(gave_up)->elements, [](const Element& element) {
        return element.key == k_unavailable_call_staff_key;
    }));
}

TEST_CASE("Staff screens say only what the queue service reported, and a failed call is honest") {
    FlowDriver kiosk;
    kiosk.send_all({Started{}});
    const auto& calling = kiosk.send(KeyPressed{k_welcome_call_staff_key});
    const auto calls = effects_of<CallStaff>(calling);
    REQUIRE(calls.size() == 1);
    CHECK(last_screen(calling)->id == "calling_staff");
    CHECK_FALSE(mentions(calling, "已通知"));

    const auto& kept = kiosk.send(StaffCallChanged{calls.front().call_id, QueueStatus::kept, {}});
    CHECK(last_screen(kept)->id == "staff_call_kept");
    CHECK(mentions(kept, "这台机器会继续尝试"));

    const auto& failed =
        kiosk.send(StaffCallChanged{calls.front().call_id, QueueStatus::unavailable, {}});
    CHECK(last_screen(failed)->id == "staff_call_failed");
    CHECK(mentions(failed, "请到柜台"));
    // The next press of Help tries again.
    const auto again = effects_of<CallStaff>(kiosk.send(KeyPressed{base::Key::help}));
    CHECK(again.size() == 1);
}

TEST_CASE("Not satisfied: a complaint chosen with keys, its purpose stated, consent asked") {
    FlowDriver kiosk;
    reach_guidance(kiosk);
    kiosk.send_all({KeyPressed{k_guidance_take_key},
                    TicketIssued{2, QueueStatus::ok, sample_ticket()},
                    PrintFinished{3, PrintResult::printed}, KeyPressed{k_ticket_done_key}});
    REQUIRE(kiosk.session().state == State::survey);
    const auto answers =
        effects_of<AnswerSurvey>(kiosk.send(KeyPressed{k_survey_not_satisfied_key}));
    REQUIRE(answers.size() == 1);
    CHECK(answers.front().answer ==
          SurveyAnswer{ServiceKind::ticket, Rating::not_satisfied, "zh-CN"});
    kiosk.send(KeyPressed{k_not_satisfied_complaint_key});
    const auto& consent = kiosk.send(KeyPressed{base::Key::digit_1});
    CHECK(last_screen(consent)->id == "complaint_consent");
    CHECK(mentions(consent, "投诉类别：等候时间太长。"));
    CHECK(mentions(consent, "不发送您的姓名，也不发送您的卡片信息"));
    const auto filed = effects_of<FileComplaint>(kiosk.send(KeyPressed{k_consent_contact_key}));
    REQUIRE(filed.size() == 1);
    CHECK(filed.front().complaint == Complaint{ComplaintCategory::waiting_time, "zh-CN", true});
    CHECK(filed.front().visit == answers.front().visit);
    const auto& reference =
        kiosk.send(ComplaintFiled{filed.front().call_id, QueueStatus::ok, "C-20261202-0007"});
    CHECK(mentions(reference, "您的投诉编号是C，二零二六一二零二，零零零七。"));
}

TEST_CASE("Elder mode lists the four most common businesses first and the rest under more") {
    FlowDriver kiosk;
    kiosk.send_all(
        {Started{}, KeyPressed{k_welcome_elder_mode_key}, KeyPressed{k_welcome_ticket_key}});
    const auto& listed = kiosk.send(BusinessesListed{1, QueueStatus::ok, sample_businesses()});
    const auto keys_of = [](const ScreenModel& screen) {
        std::vector<std::string> keys;
        for (const Element& element : screen.elements) {
            if (element.role == Role::choice) {
                keys.push_back(element.text + "=" + std::string(base::to_string(*element.key)));
            }
        }
        return keys;
    };
    CHECK(keys_of(*last_screen(listed)) == std::vector<std::string>{"存款取款=1", "银行卡业务=2",
                                                                    "转账汇款=3", "开户=4",
                                                                    "更多业务=9"});
    const auto& more = kiosk.send(KeyPressed{k_list_more_key});
    CHECK(keys_of(*last_screen(more)) ==
          std::vector<std::string>{"理财=1", "个人贷款=2", "更多业务=9"});
    kiosk.send(KeyPressed{base::Key::digit_2});
    REQUIRE(kiosk.session().business);
    CHECK(kiosk.session().business->id == "loans");
}

TEST_CASE("A card inserted while a ticket is issued calls the ticket off and reads the card") {
    FlowDriver kiosk;
    reach_guidance(kiosk);
    kiosk.send(KeyPressed{k_guidance_take_key});
    const auto& inserted = kiosk.send(CardInserted{});
    const auto cancels = effects_of<CancelCall>(inserted);
    REQUIRE(cancels.size() == 1);
    CHECK(cancels.front().call_id == 2);
    CHECK(kiosk.session().state == State::reading_card);
    CHECK_FALSE(kiosk.session().pending_queue_call);
    // The ticket's late answer is stale.
    kiosk.send(TicketIssued{2, QueueStatus::ok, sample_ticket()});
    CHECK(kiosk.session().state == State::reading_card);
}
