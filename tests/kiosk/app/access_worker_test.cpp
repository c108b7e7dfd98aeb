// The shell's access worker (kiosk/app/access_worker.h) on a real accounts file: an
// administrator's list and removals come back to the event loop as AccountsAnswered, in the order
// asked, with the accounts the file holds after each; kiosk/access's refusals arrive as their
// outcomes, and a file that cannot be read as unreadable with no accounts.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include <catch2/catch.hpp>

#include "drivers/otp/otp.h"
#include "kiosk/app/access_worker.h"
#include "tests/kiosk/access/access_test_support.h"

namespace access_testing = kiosk::access::testing;
using kiosk::core::AccountsAnswered;
using kiosk::core::AccountsOutcome;
using kiosk::core::AccountSummary;
using kiosk::core::EngineerRole;

namespace {

// The worker's answers as the event loop would take them, waited for one by one.
class Answers {
  public:
    kiosk::app::AccessWorker::Post post() {
        return [this](kiosk::core::Event event) {
            const std::lock_guard lock(m_mutex);
            m_answers.push_back(std::get<AccountsAnswered>(std::move(event)));
            m_arrived.notify_all();
        };
    }

    AccountsAnswered next() {
        std::unique_lock lock(m_mutex);
        REQUIRE(m_arrived.wait_for(lock, std::chrono::seconds(30),
                                   [this] { return m_answers.size() > m_taken; }));
        return m_answers.at(m_taken++);
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_arrived;
    std::vector<AccountsAnswered> m_answers;
    std::size_t m_taken = 0;
};

}  // namespace

TEST_CASE("The access worker lists and removes accounts, answering with the file's accounts") {
    access_testing::TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    REQUIRE(kiosk::access::add_account(
        accounts, access_testing::quick_request("1001", "11223344", EngineerRole::administrator)));
    REQUIRE(kiosk::access::add_account(
        accounts, access_testing::quick_request("2002", "11223344", EngineerRole::key_custodian)));
    Answers answers;
    kiosk::app::AccessWorker worker(accounts, folder.path() / "sign-in.toml", answers.post(),
                                    [] { return std::int64_t{0}; });

    worker.push(kiosk::core::ListAccounts{1});
    worker.push(kiosk::core::RemoveAccount{2, "2002"});
    worker.push(kiosk::core::RemoveAccount{3, "2002"});
    worker.push(kiosk::core::RemoveAccount{4, "1001"});

    const AccountsAnswered listed = answers.next();
    CHECK(listed.call_id == 1);
    CHECK(listed.outcome == AccountsOutcome::done);
    CHECK(listed.accounts == std::vector<AccountSummary>{{"1001", EngineerRole::administrator},
                                                         {"2002", EngineerRole::key_custodian}});
    const AccountsAnswered removed = answers.next();
    CHECK(removed.call_id == 2);
    CHECK(removed.outcome == AccountsOutcome::done);
    CHECK(removed.accounts == std::vector<AccountSummary>{{"1001", EngineerRole::administrator}});
    const AccountsAnswered gone = answers.next();
    CHECK(gone.call_id == 3);
    CHECK(gone.outcome == AccountsOutcome::unknown_id);
    CHECK(gone.accounts == removed.accounts);
    const AccountsAnswered last = answers.next();
    CHECK(last.call_id == 4);
    CHECK(last.outcome == AccountsOutcome::last_administrator);
    CHECK(last.accounts == removed.accounts);
}

TEST_CASE("A damaged accounts file is unreadable to the access worker, and nothing is removed") {
    access_testing::TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    access_testing::write_private(accounts, "[[engineer]]\nid = \"1001\"\nrole = \"wizard\"\n");
    Answers answers;
    kiosk::app::AccessWorker worker(accounts, folder.path() / "sign-in.toml", answers.post(),
                                    [] { return std::int64_t{0}; });
    worker.push(kiosk::core::ListAccounts{1});
    worker.push(kiosk::core::RemoveAccount{2, "1001"});
    const AccountsAnswered listed = answers.next();
    CHECK(listed.outcome == AccountsOutcome::unreadable);
    CHECK(listed.accounts.empty());
    const AccountsAnswered removal = answers.next();
    CHECK(removal.outcome == AccountsOutcome::unreadable);
    CHECK(access_testing::read_text(accounts) ==
          "[[engineer]]\nid = \"1001\"\nrole = \"wizard\"\n");
}

namespace {

// The code an authenticator app shows at `unix_time` for the Base32 key printed on a slip.
base::SecretText code_from_key(const std::string& printed_key, std::int64_t unix_time) {
    std::string key = printed_key;
    std::erase(key, ' ');
    const auto secret = drivers::otp::from_base32(key);
    REQUIRE(secret.has_value());
    const drivers::otp::TotpParameters parameters;
    return base::SecretText(
        drivers::otp::hotp(*secret, *drivers::otp::time_step(unix_time, parameters), 6).value());
}

// The set-up slip's secret blocks as the access worker fills them.
struct FilledSlip {
    std::string qr;
    std::string key;
};

FilledSlip filled(const kiosk::app::AccessWorker& worker) {
    const kiosk::core::PrintDocument slip{
        {kiosk::core::PrintText{.text = "Set-up"},
         kiosk::core::PrintEnrolmentSecret{kiosk::core::EnrolmentSecretPart::otpauth_qr},
         kiosk::core::PrintEnrolmentSecret{kiosk::core::EnrolmentSecretPart::key_text}}};
    const kiosk::core::PrintDocument document = worker.with_enrolment_secret(slip);
    REQUIRE(document.blocks.size() == 3);
    const auto* qr = std::get_if<kiosk::core::PrintQrCode>(&document.blocks[1]);
    const auto* key = std::get_if<kiosk::core::PrintText>(&document.blocks[2]);
    if (qr == nullptr || key == nullptr) {
        return {};
    }
    return {qr->data, key->text};
}

}  // namespace

TEST_CASE("An enrolment is made ready, put on the slip, and added only with the app's code") {
    access_testing::TemporaryFolder folder;
    const auto accounts = folder.path() / "engineers.toml";
    REQUIRE(kiosk::access::add_account(
        accounts, access_testing::quick_request("1001", "11223344", EngineerRole::administrator)));
    constexpr std::int64_t k_now = 1'764'900'000;
    Answers answers;
    kiosk::app::AccessWorker worker(accounts, folder.path() / "sign-in.toml", answers.post(),
                                    [] { return k_now; });
    // Before anything is ready, the slip keeps its places, and the printer refuses it.
    CHECK(filled(worker).qr.empty());

    worker.push(kiosk::core::EnrolAccount{1, "5005", EngineerRole::key_custodian,
                                          base::SecretText("24681357")});
    CHECK(answers.next().outcome == AccountsOutcome::done);
    const FilledSlip slip = filled(worker);
    CHECK(slip.qr.starts_with("otpauth://totp/Kiosk:5005?secret="));
    CHECK(slip.qr.size() <= kiosk::core::k_maximum_qr_bytes);
    CHECK(slip.key.size() == 39);  // 32 Base32 characters in groups of four
    // Not in the file until the code is right.
    CHECK(kiosk::access::list_accounts(accounts)->size() == 1);

    worker.push(kiosk::core::ConfirmEnrolment{2, base::SecretText("000000")});
    CHECK(answers.next().outcome == AccountsOutcome::wrong_code);
    CHECK(kiosk::access::list_accounts(accounts)->size() == 1);
    worker.push(kiosk::core::ConfirmEnrolment{3, code_from_key(slip.key, k_now)});
    const AccountsAnswered added = answers.next();
    CHECK(added.outcome == AccountsOutcome::done);
    CHECK(added.accounts == std::vector<AccountSummary>{{"1001", EngineerRole::administrator},
                                                        {"5005", EngineerRole::key_custodian}});
    // The enrolment is over: its secret is gone from the worker.
    CHECK(filled(worker).qr.empty());

    // A number taken is refused before any hash; a discarded enrolment cannot be confirmed.
    worker.push(
        kiosk::core::EnrolAccount{4, "5005", EngineerRole::engineer, base::SecretText("13572468")});
    CHECK(answers.next().outcome == AccountsOutcome::duplicate_id);
    worker.push(
        kiosk::core::EnrolAccount{5, "6006", EngineerRole::engineer, base::SecretText("13572468")});
    CHECK(answers.next().outcome == AccountsOutcome::done);
    const FilledSlip discarded = filled(worker);
    worker.push(kiosk::core::DiscardEnrolment{});
    worker.push(kiosk::core::ConfirmEnrolment{6, code_from_key(discarded.key, k_now)});
    CHECK(answers.next().outcome == AccountsOutcome::unwritable);
    CHECK(kiosk::access::list_accounts(accounts)->size() == 2);
}
