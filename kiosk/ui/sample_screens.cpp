#include "kiosk/ui/sample_screens.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kiosk/core/screens.h"
#include "kiosk/core/session.h"

namespace kiosk::ui {

namespace {

// A card number of the longest kind (19 digits, ISO/IEC 7812-1) and a balance in the tens of
// millions: the widest the screen shows. Neither belongs to anyone.
constexpr std::string_view k_sample_card_number = "6200000000000000018";
constexpr std::int64_t k_sample_balance_minor_units = 1'234'567'890;
constexpr int k_sample_pin_tries_left = 2;
constexpr int k_sample_pin_digits = 4;

}  // namespace

std::string look_name(const ScreenLook& look) {
    std::string name = look.elder ? "elder" : "standard";
    if (look.high_contrast) {
        name += "-high-contrast";
    }
    name += '-';
    name += core::to_string(look.text_size);
    return name;
}

namespace {

// The key ceremony's screens, each at its longest: the second custodian's sign-in after an
// engineer tried to be the second; component 2 being typed under component 1's check value; the
// check values awaiting the second custodian with the bank's keys here; the result with
// one working key loaded and one not. Check values are made up.
core::Session with_sample_ceremony(const core::Session& session, core::ScreenId id) {
    core::Session shown = session;
    core::ServiceVisit& visit = *shown.service;
    core::KeyCeremony ceremony;
    ceremony.partner_id = "20020002";
    ceremony.digits_typed = 31;
    ceremony.component1_check_value = "8F1C2D3E4A";
    ceremony.component2_check_value = "51B0C9D8E7";
    ceremony.combined_check_value = "3C5A7E9B1D";
    ceremony.master_check_value = "3C5A7E9B1D";
    ceremony.confirmations = 1;
    switch (id) {
        case core::ScreenId::service_partner_sign_in:
            visit.step = core::ServiceStep::partner_sign_in;
            visit.partner_not_custodian = true;
            break;
        case core::ScreenId::service_ceremony:
            ceremony.step = core::CeremonyStep::component2;
            break;
        case core::ScreenId::service_ceremony_check:
            ceremony.step = core::CeremonyStep::confirming;
            ceremony.keys_outcome = core::WorkingKeysOutcome::ok;
            break;
        case core::ScreenId::service_ceremony_result:
            ceremony.step = core::CeremonyStep::done;
            ceremony.end = core::CeremonyEnd::keys_not_loaded;
            ceremony.loaded = {
                {.slot = "authentication", .check_value = "AB12CD34EF", .matches = true},
                {.slot = "pin_tdes", .check_value = {}, .matches = false}};
            break;
        default:
            return shown;
    }
    visit.ceremony = ceremony;
    if (id != core::ScreenId::service_partner_sign_in) {
        visit.step = core::ServiceStep::key_ceremony;
    }
    return shown;
}

}  // namespace

std::vector<core::ScreenModel> sample_screens(const core::Resources& resources,
                                              std::string_view locale, const ScreenLook& look) {
    core::Session session = core::new_session(resources);
    session.locale = std::string(locale);
    session.elder_mode = look.elder;
    session.high_contrast = look.high_contrast;
    session.text_size = look.text_size;
    if (auto number = core::CardNumber::parse(k_sample_card_number)) {
        session.card = core::CardData{.pan = std::move(*number),
                                      .expiry = "2912",
                                      .language_preference = std::string(locale.substr(0, 2))};
    }
    session.balance = core::Money{k_sample_balance_minor_units, "CNY"};
    session.pin_tries_left = k_sample_pin_tries_left;
    session.pin_digit_count = k_sample_pin_digits;
    // The goodbye screen then also says why the session ended, and the menu offers to forget a
    // remembered elder mode: their longest forms.
    session.end_reason = core::EndReason::card_removed;
    session.elder_mode_remembered = true;
    session.preferences_grant = base::SecretText("sample grant");
    // The branch: a page of businesses with long names, one chosen with its materials, a
    // green-channel ticket with people ahead, a complaint's reference, a member of staff on the
    // way. None of it is anyone's.
    const auto business = [](std::string id, core::LocalizedText name, int rank) {
        core::Business made;
        made.id = std::move(id);
        made.ticket_prefix = "A";
        made.name = std::move(name);
        made.materials = {{"身份证", "身份證", "Identity card"},
                          {"银行卡或存折", "銀行卡或存摺", "Bank card or passbook"},
                          {"户口本", "住址證明", "Proof of address"}};
        made.typical_duration_minutes = 15;
        made.open_counters = 3;
        made.people_waiting = 12;
        made.estimated_wait_minutes = 45;
        made.popularity_rank = rank;
        made.open_now = true;
        return made;
    };
    session.businesses = {
        business("deposits", {"存款取款", "存款提款", "Deposits and withdrawals"}, 1),
        business("cards", {"银行卡挂失补办", "銀行卡掛失補領", "Lost or replacement cards"}, 2),
        business("transfers", {"转账汇款", "轉賬匯款", "Transfers and remittances"}, 3),
        business("accounts", {"开户销户", "開戶及銷戶", "Opening or closing an account"}, 4),
        business("wealth", {"理财咨询", "理財諮詢", "Wealth management advice"}, 5),
    };
    session.business = session.businesses.front();
    session.ticket =
        core::Ticket{"sample", "A123", "deposits", core::Priority::green_channel, 12, 45};
    session.print_result = core::PrintResult::paper_out;
    session.complaint_category = core::ComplaintCategory::machine_fault;
    session.complaint_status = core::QueueStatus::ok;
    session.complaint_reference = "C-20261202-0007";
    session.staff_call_status = core::QueueStatus::ok;
    session.staff_call_news = core::AssistanceCall{
        "sample", core::CallState::acknowledged,
        core::StaffMember{core::StaffRole::lobby_manager, "王经理", "A-17"}, 180};
    // Cash: signed on with the simulated bank's limits, a dispenser of 100- and 50-yuan notes,
    // another amount typed, quoted with a fee, and refused for want of funds.
    const auto yuan = [](std::int64_t units) { return core::Money{units * 100, "CNY"}; };
    session.account = core::AccountSession{base::SecretText("sample token"),
                                           core::Limits{.withdrawal_per_transaction = yuan(3'000),
                                                        .withdrawal_left_today = yuan(20'000),
                                                        .transfer_left_today = yuan(50'000)}};
    session.cassettes = {core::Cassette{1, yuan(100), 2'000, core::CassetteState::ok},
                         core::Cassette{2, yuan(50), 1'000, core::CassetteState::ok}};
    session.amount_digits = "2500";
    session.quote = core::Quote{.id = "sample",
                                .kind = core::MoneyKind::withdrawal,
                                .amount = yuan(2'500),
                                .fee = core::Money{250, "CNY"},
                                .total = core::Money{250'250, "CNY"},
                                .payee_masked = ""};
    session.refusal = core::MoneyStatus::insufficient_funds;
    // Card services: a full statement (more entries than any screen shows, the longest amounts
    // and kinds), a lock's reference, and a new PIN the bank found too easy.
    using Kind = core::StatementEntryKind;
    const auto entry = [&](std::string date, Kind kind, bool credit, std::int64_t units) {
        return core::StatementEntry{std::move(date), kind, credit, yuan(units), yuan(1'234'567)};
    };
    session.statement = {entry("2026-12-31", Kind::transfer_out, false, 1'000'000),
                         entry("2026-12-30", Kind::transfer_in, true, 88'888),
                         entry("2026-11-28", Kind::withdrawal, false, 3'000),
                         entry("2026-09-01", Kind::reversal, true, 3'000),
                         entry("2026-08-15", Kind::interest, true, 12),
                         entry("2026-07-07", Kind::fee, false, 2),
                         entry("2026-01-01", Kind::deposit, true, 500'000)};
    session.card_lock_reference = "L-6A6247B4";
    session.pin_change = core::PinChangeOutcome::not_allowed;
    // The service menu: an engineer signed in, the kiosk out of service for its cash, a lock
    // of five minutes on the screen that shows one.
    session.service = core::ServiceVisit{};
    session.service->engineer_id = "1001";
    session.service->role = core::EngineerRole::engineer;
    session.service->lock_seconds = core::policy::k_sign_in_lock_seconds;
    session.out_of_service = core::OutOfServiceReason::cash;
    // The devices: one of each, the PIN pad refused for its keys and shown, its first page the
    // longest lines a pad reports. Model names, serials and check values are made up.
    const auto device = [](core::DeviceKind kind, bool connected, std::string model) {
        core::DeviceSnapshot snapshot;
        snapshot.device = kind;
        snapshot.connected = connected;
        snapshot.model = std::move(model);
        return snapshot;
    };
    core::DeviceSnapshot pad =
        device(core::DeviceKind::pin_pad, false, "Encrypting PIN Pad EPP-3000");
    pad.refusal = "pad PIN key differs from configuration";
    pad.firmware = "5.12";
    pad.serial = "EPP-2026-000123";
    pad.add(core::FactName::key_slot_pin_aes, "aes128 kcv 7AD386C376");
    pad.add(core::FactName::key_slot_pin_dukpt, "initial key id 1234567890123456");
    pad.add(core::FactName::usb_id, "1209:0002");
    pad.add(core::FactName::tampered, "no");
    session.service->devices = {device(core::DeviceKind::card_reader, true, "CCID Reader"), pad,
                                device(core::DeviceKind::printer, true, "Receipt Printer"),
                                device(core::DeviceKind::dispenser, false, ""),
                                device(core::DeviceKind::cabinet, true, "Cabinet Board")};
    session.service->device_shown = 1;
    // The self-tests, each with its longest result: a slip not printed, a key test with keys
    // not pressed, and the key test under way.
    session.service->slip_result = core::PrintResult::failed;
    session.service->key_test_run = true;
    session.service->keys_tested = {base::Key::digit_1, base::Key::enter, base::Key::star};
    session.service->last_key_tested = base::Key::star;
    // The network check: the account service answering with a certificate near its end, the
    // queue service not answering.
    core::NetworkCheck account;
    account.service = core::NetworkService::account;
    account.healthy = true;
    account.round_trip_ms = 1'234;
    account.certificate_expiry = "2026-12-20";
    account.certificate_days_left = 16;
    core::NetworkCheck queue;
    queue.service = core::NetworkService::queue;
    queue.problem = "connect_failed";
    session.service->network = {account, queue};
    // The records' export at its longest: a broken chain and digits blanked out.
    session.service->export_result = core::ExportResult{.outcome = core::ExportOutcome::exported,
                                                        .records = 1'234'567,
                                                        .chain_intact = false,
                                                        .redactions = 12,
                                                        .problem = {}};
    // The configuration: more settings than a page shows, the longest first (a list of approved
    // readers, a path); the stick's file changing as many.
    const std::vector<core::ConfigSetting> settings{
        {"card_reader.allowed", false, "[ '072F:90CC', '076B:3021', '08E6:3437', '04E6:5116' ]"},
        {"service.sign_in_state_file", false, "'/var/lib/kiosk/branch-0421/sign-in.toml'"},
        {"service.out_of_service_file", false, "'/var/lib/kiosk/branch-0421/out-of-service.toml'"},
        {"pin_pad.authentication_key_file", true, {}},
        {"display.font_regular", false, "'/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'"},
        {"display.font_bold", false, "'/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc'"},
        {"account.url", false, "'https://accounts.branch-0421.bank.example:8443'"},
        {"queue.url", false, "'https://queue.branch-0421.bank.example:8443'"}};
    session.service->configuration = settings;
    core::ConfigReview review{.outcome = core::ConfigReviewOutcome::reviewed};
    for (const core::ConfigSetting& setting : settings) {
        review.changes.push_back(core::SettingChange{setting.setting, setting.concealed,
                                                     setting.concealed ? "" : setting.value,
                                                     setting.concealed ? "" : setting.value});
    }
    session.service->review = review;
    // The card reader's test at its longest: a card read well that made no cryptogram, to take.
    session.service->card_test = core::CardTest{.stage = core::CardTestStage::take,
                                                .done = true,
                                                .fault = std::nullopt,
                                                .cryptogram = false};
    // The counters at their longest: the longest names first, with large counts.
    for (const auto& [name, advice] :
         std::vector<std::pair<core::CounterName, std::optional<core::FaultAdvice>>>{
             {core::CounterName::withdrawals_held, std::nullopt},
             {core::CounterName::faults, core::FaultAdvice::money},
             {core::CounterName::transfers_unknown, std::nullopt},
             {core::CounterName::faults, std::nullopt},
             {core::CounterName::withdrawals_reversed, std::nullopt},
             {core::CounterName::withdrawals_completed, std::nullopt},
             {core::CounterName::sign_in_refused, std::nullopt}}) {
        session.service->counters.push_back(
            core::CounterLine{.name = name, .advice = advice, .today = 1'234, .in_all = 123'456});
    }
    // The staff accounts at their longest: more than a page of 8-digit staff numbers with the
    // longest roles, the engineer's own among them; a removal refused above them, and the same
    // 8-digit number typed and refused on the removal's screen.
    session.service->accounts = {{"1001", core::EngineerRole::key_custodian}};
    for (const char* id :
         {"12345678", "23456789", "34567890", "45678901", "56789012", "67890123", "78901234"}) {
        session.service->accounts.push_back({id, core::EngineerRole::administrator});
        session.service->accounts.push_back({id, core::EngineerRole::key_custodian});
    }
    session.service->account_id = "12345678";
    session.service->account_changed = "12345678";
    session.service->account_outcome = core::AccountsOutcome::unknown_id;
    // An enrolment at its longest on each of its screens: two passwords that differed, a slip
    // without paper, a wrong code, and 16 digits typed.
    session.service->enrolment = core::Enrolment{.role = core::EngineerRole::key_custodian,
                                                 .password = base::SecretText("1234567890123456"),
                                                 .password_again = {},
                                                 .again = false,
                                                 .passwords_differ = true,
                                                 .pending_print = std::nullopt,
                                                 .slip_result = core::PrintResult::paper_out,
                                                 .code = base::SecretText("12345678"),
                                                 .wrong_codes = 1};
    // The dispenser's test at its longest: four cassettes' notes secured, with their worth.
    session.dispense_test =
        core::DispenseTest{.transaction = "7d1c2b3a-4e5f-4a6b-9c8d-7e6f5a4b3c2d",
                           .step = core::DispenseTestStep::notes_secured,
                           .notes = {1, 1, 1, 1},
                           .amount = core::Money{18'000, "CNY"},
                           .picked = {1, 1, 1, 1},
                           .picked_amount = core::Money{18'000, "CNY"},
                           .rejected = 4};
    // The recent faults: a full page of the longest reasons the flows give.
    session.service->journal_records = 1'234'567;
    for (const char* reason :
         {"transfer outcome unknown: the session ended before the bank answered",
          "electronic journal cannot be written: database or disk is full",
          "cash dispenser could not present: transport_jammed",
          "withdrawal not undone: unavailable"}) {
        session.service->faults.push_back(
            core::RecentFault{.month = 12, .day = 28, .hour = 23, .minute = 59, .reason = reason});
    }
    std::vector<core::ScreenModel> screens;
    screens.reserve(core::k_all_screen_ids.size());
    for (const core::ScreenId id : core::k_all_screen_ids) {
        screens.push_back(core::build_screen(id, resources, with_sample_ceremony(session, id)));
    }
    return screens;
}

}  // namespace kiosk::ui
