// AccountClient against the real simulated account service on loopback, and against a small
// fake server for replies the real service never gives.

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "drivers/dukpt/derivation.h"
#include "drivers/dukpt/originating_device.h"
#include "drivers/emv/application_cryptogram.h"
#include "drivers/iso9564/pin_block.h"
#include "kiosk/net/account_client.h"
#include "simulator/bank/account_service.h"

using namespace std::chrono_literals;
using kiosk::core::ServiceStatus;
using kiosk::net::AccountClient;
using kiosk::net::AccountClientOptions;
using simulator::bank::Fault;

namespace {

// Long enough for a loaded CI machine, short enough that a hang fails quickly.
constexpr auto k_reply_wait = 10s;
constexpr std::string_view k_zhang_wei_pan = "6228480402564890018";
constexpr std::string_view k_stranger_pan = "6214830000999900001";

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "kiosk-net-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    const std::filesystem::path& path() const { return m_path; }

  private:
    std::filesystem::path m_path;
};

// Collects what the client posts, and lets a test wait for it with a bound.
class Recorder {
  public:
    kiosk::net::EventSink events() {
        return [this](kiosk::core::Event event) {
            std::lock_guard lock(m_mutex);
            if (auto* reply = std::get_if<kiosk::core::ReplyReceived>(&event)) {
                m_replies.push_back(*reply);
            } else if (auto* saved = std::get_if<kiosk::core::PreferencesSaved>(&event)) {
                m_saved.push_back(*saved);
            } else if (auto* money = std::get_if<kiosk::core::MoneyReplyReceived>(&event)) {
                m_money.push_back(*money);
            } else {
                m_other_events += 1;
            }
            m_changed.notify_all();
        };
    }
    kiosk::net::NoticeSink notices() {
        return [this](const kiosk::net::ServiceNotice& notice) {
            std::lock_guard lock(m_mutex);
            m_notices.push_back(notice);
            m_changed.notify_all();
        };
    }
    bool wait_for_replies(std::size_t count, std::chrono::milliseconds limit = k_reply_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] { return m_replies.size() >= count; });
    }
    bool wait_for_saved(std::size_t count, std::chrono::milliseconds limit = k_reply_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] { return m_saved.size() >= count; });
    }
    bool wait_for_notices(std::size_t count, std::chrono::milliseconds limit = k_reply_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] { return m_notices.size() >= count; });
    }
    std::vector<kiosk::core::ReplyReceived> replies() {
        std::lock_guard lock(m_mutex);
        return m_replies;
    }
    std::vector<kiosk::core::PreferencesSaved> saved() {
        std::lock_guard lock(m_mutex);
        return m_saved;
    }
    bool wait_for_money(std::size_t count, std::chrono::milliseconds limit = k_reply_wait) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, limit, [&] { return m_money.size() >= count; });
    }
    std::vector<kiosk::core::MoneyReplyReceived> money() {
        std::lock_guard lock(m_mutex);
        return m_money;
    }
    std::vector<kiosk::net::ServiceNotice> notices_seen() {
        std::lock_guard lock(m_mutex);
        return m_notices;
    }
    int other_events() {
        std::lock_guard lock(m_mutex);
        return m_other_events;
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<kiosk::core::ReplyReceived> m_replies;
    std::vector<kiosk::core::PreferencesSaved> m_saved;
    std::vector<kiosk::core::MoneyReplyReceived> m_money;
    std::vector<kiosk::net::ServiceNotice> m_notices;
    int m_other_events = 0;
};

kiosk::core::CardNumber card(std::string_view pan) {
    auto number = kiosk::core::CardNumber::parse(pan);
    REQUIRE(number.has_value());
    return *number;
}

// The block the PIN pad would hand over, built with the same key the simulated bank holds.
kiosk::core::EncryptedPinBlock pin_block(std::string_view pin, std::string_view pan) {
    auto bytes = drivers::iso9564::format0_encrypted(pin, pan, simulator::bank::k_demo_pin_key);
    REQUIRE(bytes.has_value());
    auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes);
    REQUIRE(block.has_value());
    return *block;
}

// A TLS identity for loopback, made once per process: the service's certificate is also the one
// certificate authority the client is configured to trust.
const simulator::bank::TlsFiles& loopback_identity() {
    static TemporaryDirectory directory;
    static const simulator::bank::TlsFiles k_files = [] {
        auto made = simulator::bank::create_loopback_certificate(directory.path());
        REQUIRE(made.has_value());
        return *made;
    }();
    return k_files;
}

struct Bank {
    Bank()
        : service({directory.path() / "bank.sqlite",
                   std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/cards/demo-cards.toml",
                   simulator::bank::k_demo_pin_key, loopback_identity()}) {
        REQUIRE(service.start().has_value());
    }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(service.port()); }
    TemporaryDirectory directory;
    simulator::bank::AccountService service;
};

struct AccountClientUnderTest {
    explicit AccountClientUnderTest(std::string url, std::chrono::milliseconds total = 5s,
                                    std::filesystem::path ca_file = loopback_identity().certificate)
        : client(AccountClientOptions{.base_url = std::move(url),
                                      .terminal_id = "lobby-01",
                                      .ca_file = std::move(ca_file),
                                      .connect_timeout = 2s,
                                      .total_timeout = total}) {
        client.start(recorder.events(), recorder.notices());
    }
    kiosk::core::ReplyReceived ask(std::uint64_t call_id, std::string_view pan,
                                   std::string_view pin) {
        const std::size_t before = recorder.replies().size();
        client.sign_on(call_id, kiosk::core::BalanceRequest{card(pan), pin_block(pin, pan)});
        REQUIRE(recorder.wait_for_replies(before + 1));
        return recorder.replies().back();
    }
    kiosk::core::PreferencesSaved save(std::uint64_t call_id, const base::SecretText& grant,
                                       bool elder_mode) {
        const std::size_t before = recorder.saved().size();
        client.save_preferences(call_id, grant, elder_mode);
        REQUIRE(recorder.wait_for_saved(before + 1));
        return recorder.saved().back();
    }
    // One of the signed-on customer's requests, and its answer.
    kiosk::core::MoneyReply money(std::uint64_t call_id, kiosk::core::AccountRequest request,
                                  const base::SecretText& session) {
        const std::size_t before = recorder.money().size();
        client.request(call_id, std::move(request), session);
        REQUIRE(recorder.wait_for_money(before + 1));
        const auto answer = recorder.money().back();
        CHECK(answer.call_id == call_id);
        return answer.reply;
    }
    // The grant of a correct PIN's balance reply.
    base::SecretText grant(std::uint64_t call_id, std::string_view pan, std::string_view pin) {
        const auto received = ask(call_id, pan, pin);
        REQUIRE(received.reply.status == ServiceStatus::ok);
        REQUIRE(received.reply.preferences.has_value());
        return received.reply.preferences->grant;
    }
    Recorder recorder;
    AccountClient client;
};

// A server that answers every balance call with a fixed status and body, and keeps the last
// request body it received. It speaks HTTPS with the given identity, or plain HTTP without one.
class FakeServer {
  public:
    FakeServer(int status, std::string body,
               std::optional<simulator::bank::TlsFiles> identity = loopback_identity())
        : m_secure(identity.has_value()),
          m_server(identity ? std::make_unique<httplib::SSLServer>(identity->certificate.c_str(),
                                                                   identity->private_key.c_str())
                            : std::make_unique<httplib::Server>()) {
        const auto answer = [this, status, body](const httplib::Request& request,
                                                 httplib::Response& response) {
            {
                std::lock_guard lock(m_mutex);
                m_last_request = request.body;
                ++m_requests;
                m_last_content_type = request.get_header_value("Content-Type");
                m_last_method = request.method;
                m_last_path = request.path;
            }
            response.status = status;
            response.set_content(body, "application/json");
        };
        m_server->Post("/v1/sessions", answer);
        m_server->Put("/v1/preferences", answer);
        m_port = m_server->bind_to_any_port("127.0.0.1");
        REQUIRE(m_port > 0);
        m_thread = std::thread([this] { m_server->listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!m_server->is_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        REQUIRE(m_server->is_running());
    }
    ~FakeServer() {
        m_server->stop();
        m_thread.join();
    }
    std::string url() const {
        return (m_secure ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(m_port);
    }
    int requests() {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::string last_request() {
        std::lock_guard lock(m_mutex);
        return m_last_request;
    }
    std::string last_content_type() {
        std::lock_guard lock(m_mutex);
        return m_last_content_type;
    }
    std::string last_method() {
        std::lock_guard lock(m_mutex);
        return m_last_method;
    }
    std::string last_path() {
        std::lock_guard lock(m_mutex);
        return m_last_path;
    }

  private:
    bool m_secure;
    std::unique_ptr<httplib::Server> m_server;
    int m_requests = 0;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    std::string m_last_request;
    std::string m_last_content_type;
    std::string m_last_method;
    std::string m_last_path;
};

// A loopback port with nothing listening: the kernel picks a free port for a socket that is
// bound but never listens, and the socket is closed again.
int closed_port() {
    const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(socket >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    ::close(socket);
    return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("a correct PIN brings back the balance as ReplyReceived with the call id") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const auto received = under_test.ask(41, k_zhang_wei_pan, "1234");
    CHECK(received.call_id == 41);
    CHECK(received.reply.status == ServiceStatus::ok);
    REQUIRE(received.reply.balance.has_value());
    CHECK(received.reply.balance->balance.minor_units == 1234567);
    CHECK(received.reply.balance->balance.currency == "CNY");
}

TEST_CASE("every call is reported as a service notice with its HTTP status and duration") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    under_test.ask(1, k_zhang_wei_pan, "1234");
    REQUIRE(under_test.recorder.wait_for_notices(1));
    const auto notice = under_test.recorder.notices_seen().front();
    CHECK(notice.service == "account");
    CHECK(notice.call == "sign_on");
    CHECK(notice.status == "200");
    CHECK(notice.milliseconds >= 0);
    CHECK(notice.milliseconds < 10'000);
}

TEST_CASE("a wrong PIN maps to wrong_pin with the tries left") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const auto received = under_test.ask(2, k_zhang_wei_pan, "9999");
    CHECK(received.reply.status == ServiceStatus::wrong_pin);
    CHECK(received.reply.tries_left == 2);
    CHECK_FALSE(received.reply.balance.has_value());
}

TEST_CASE("the third wrong PIN maps to pin_locked") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(1, k_zhang_wei_pan, "9999").reply.tries_left == 2);
    CHECK(under_test.ask(2, k_zhang_wei_pan, "9999").reply.tries_left == 1);
    CHECK(under_test.ask(3, k_zhang_wei_pan, "9999").reply.status == ServiceStatus::pin_locked);
    CHECK(under_test.ask(4, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::pin_locked);
}

TEST_CASE("a card the bank does not know maps to card_unknown") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(5, k_stranger_pan, "0000").reply.status == ServiceStatus::card_unknown);
}

TEST_CASE("a 503 from the service maps to unavailable") {
    Bank bank;
    bank.service.set_fault(Fault::unavailable);
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(6, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "503");
}

TEST_CASE("a reply slower than the total timeout maps to timeout") {
    Bank bank;
    bank.service.set_fault(Fault::slow);
    AccountClientUnderTest under_test(bank.url(), 400ms);
    const auto started = std::chrono::steady_clock::now();
    CHECK(under_test.ask(7, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::timeout);
    CHECK(std::chrono::steady_clock::now() - started >= 350ms);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "timeout");
}

TEST_CASE("a body that is not JSON maps to bad_reply") {
    Bank bank;
    bank.service.set_fault(Fault::garbage);
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(8, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::bad_reply);
}

TEST_CASE("a connection dropped mid-reply maps to unavailable") {
    Bank bank;
    bank.service.set_fault(Fault::drop);
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(9, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "connection_lost");
}

TEST_CASE("nothing listening maps to unavailable") {
    AccountClientUnderTest under_test("https://127.0.0.1:" + std::to_string(closed_port()));
    CHECK(under_test.ask(10, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "connect_failed");
}

TEST_CASE("the service recovering after a fault is answered normally") {
    Bank bank;
    bank.service.set_fault(Fault::unavailable);
    AccountClientUnderTest under_test(bank.url());
    CHECK(under_test.ask(1, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    bank.service.set_fault(Fault::none);
    CHECK(under_test.ask(2, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::ok);
}

TEST_CASE("calls are answered in order, each with its own call id") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    under_test.client.sign_on(100, kiosk::core::BalanceRequest{card(k_zhang_wei_pan),
                                                               pin_block("1234", k_zhang_wei_pan)});
    under_test.client.sign_on(
        101, kiosk::core::BalanceRequest{card(k_stranger_pan), pin_block("0000", k_stranger_pan)});
    under_test.client.sign_on(102, kiosk::core::BalanceRequest{card(k_zhang_wei_pan),
                                                               pin_block("9999", k_zhang_wei_pan)});
    REQUIRE(under_test.recorder.wait_for_replies(3));
    const auto replies = under_test.recorder.replies();
    CHECK(replies[0].call_id == 100);
    CHECK(replies[0].reply.status == ServiceStatus::ok);
    CHECK(replies[1].call_id == 101);
    CHECK(replies[1].reply.status == ServiceStatus::card_unknown);
    CHECK(replies[2].call_id == 102);
    CHECK(replies[2].reply.status == ServiceStatus::wrong_pin);
}

TEST_CASE("a cancelled call in flight posts no reply and the next call still works") {
    Bank bank;
    bank.service.set_fault(Fault::slow);
    AccountClientUnderTest under_test(bank.url());
    under_test.client.sign_on(
        20, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    // The call is in flight once the service holds it; the client's total timeout is 5 s, so
    // nothing can come back for it within this wait.
    REQUIRE_FALSE(under_test.recorder.wait_for_replies(1, 300ms));
    under_test.client.cancel(20);
    REQUIRE(under_test.recorder.wait_for_notices(1, 2s));
    CHECK(under_test.recorder.notices_seen().front().status == "cancelled");
    bank.service.set_fault(Fault::none);
    const auto next = under_test.ask(21, k_zhang_wei_pan, "1234");
    CHECK(next.call_id == 21);
    CHECK(next.reply.status == ServiceStatus::ok);
    CHECK(under_test.recorder.replies().size() == 1);
}

TEST_CASE("a cancelled call still in the queue is never sent") {
    Bank bank;
    bank.service.set_fault(Fault::slow);
    bank.service.set_slow_reply_delay(500ms);
    AccountClientUnderTest under_test(bank.url());
    under_test.client.sign_on(
        30, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    under_test.client.sign_on(
        31, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("9999", k_zhang_wei_pan)});
    under_test.client.cancel(31);
    REQUIRE(under_test.recorder.wait_for_replies(1));
    // Give a wrongly sent second call every chance to arrive before looking.
    CHECK_FALSE(under_test.recorder.wait_for_replies(2, 1500ms));
    CHECK(under_test.recorder.replies().front().call_id == 30);
    auto audit = bank.service.audit_entries();
    REQUIRE(audit.has_value());
    CHECK(audit->size() == 1);
}

TEST_CASE("stop while a call is in flight returns promptly and posts no reply") {
    Bank bank;
    bank.service.set_fault(Fault::slow);
    AccountClientUnderTest under_test(bank.url());
    under_test.client.sign_on(
        40, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    REQUIRE_FALSE(under_test.recorder.wait_for_replies(1, 300ms));
    const auto started = std::chrono::steady_clock::now();
    under_test.client.stop();
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(under_test.recorder.replies().empty());
}

TEST_CASE("destroying the client with a call in flight joins promptly") {
    Bank bank;
    bank.service.set_fault(Fault::slow);
    Recorder recorder;
    std::chrono::steady_clock::duration took{};
    {
        AccountClient client(AccountClientOptions{.base_url = bank.url(),
                                                  .terminal_id = "t1",
                                                  .ca_file = loopback_identity().certificate});
        client.start(recorder.events(), recorder.notices());
        client.sign_on(50, kiosk::core::BalanceRequest{card(k_zhang_wei_pan),
                                                       pin_block("1234", k_zhang_wei_pan)});
        REQUIRE_FALSE(recorder.wait_for_replies(1, 300ms));
        const auto started = std::chrono::steady_clock::now();
        // The destructor runs at the end of this block.
        took = -started.time_since_epoch();
    }
    took += std::chrono::steady_clock::now().time_since_epoch();
    CHECK(took < 1s);
    CHECK(recorder.replies().empty());
}

TEST_CASE("a request after stop is ignored") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    under_test.client.stop();
    under_test.client.sign_on(
        60, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    CHECK_FALSE(under_test.recorder.wait_for_replies(1, 300ms));
    auto audit = bank.service.audit_entries();
    REQUIRE(audit.has_value());
    CHECK(audit->empty());
}

TEST_CASE("the request body follows the contract: terminal, PAN digits, hex block, format 0") {
    FakeServer server(404, R"({"result":"card_unknown"})");
    AccountClientUnderTest under_test(server.url() + "/");
    const auto received = under_test.ask(70, k_zhang_wei_pan, "1234");
    CHECK(received.reply.status == ServiceStatus::card_unknown);
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body.size() == 4);
    CHECK(body["terminal_id"] == "lobby-01");
    CHECK(body["pan"] == k_zhang_wei_pan);
    const auto expected = drivers::iso9564::format0_encrypted("1234", k_zhang_wei_pan,
                                                              simulator::bank::k_demo_pin_key);
    REQUIRE(expected.has_value());
    std::string expected_hex;
    for (std::uint8_t byte : *expected) {
        static constexpr char k_digits[] = "0123456789ABCDEF";
        expected_hex += k_digits[byte >> 4];
        expected_hex += k_digits[byte & 0x0F];
    }
    CHECK(body["pin_block"] == expected_hex);
    CHECK(body["pin_block_format"] == "iso9564-0");
    CHECK(server.last_content_type() == "application/json");
}

TEST_CASE(
    "a format 4 block from the PIN pad goes as iso9564-4 and the bank signs the customer "
    "on with it") {
    // docs/protocols/epp.md §4.4: the pad's 16-byte AES block, under the bank's AES PIN key.
    auto bytes = drivers::iso9564::format4_encrypted("1234", k_zhang_wei_pan,
                                                     simulator::bank::k_demo_pin_aes_key);
    REQUIRE(bytes.has_value());
    auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes);
    REQUIRE(block.has_value());
    CHECK(block->format() == kiosk::core::PinBlockFormat::iso9564_format4);

    FakeServer server(404, R"({"result":"card_unknown"})");
    AccountClientUnderTest to_fake(server.url());
    to_fake.client.sign_on(71, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), *block});
    REQUIRE(to_fake.recorder.wait_for_replies(1));
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body["pin_block_format"] == "iso9564-4");
    CHECK(body["pin_block"] == base::to_hex(*bytes));

    Bank bank;
    AccountClientUnderTest to_bank(bank.url());
    to_bank.client.sign_on(72, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), *block});
    REQUIRE(to_bank.recorder.wait_for_replies(1));
    CHECK(to_bank.recorder.replies().back().reply.status == ServiceStatus::ok);
}

TEST_CASE("a DUKPT block goes with its KSN as pin_block_ksn; the bank signs on with it once") {
    // docs/api/account.yaml 1.4, docs/protocols/epp.md §8.7: the pad's block under the key of
    // its counter, from an initial key of the bank's demo BDK.
    const drivers::dukpt::InitialKeyId id = simulator::bank::k_demo_dukpt_initial_key_id;
    auto initial_key =
        drivers::dukpt::derive_initial_key(simulator::bank::k_demo_dukpt_base_key, id);
    REQUIRE(initial_key.has_value());
    auto pad = drivers::dukpt::OriginatingDevice::load_initial_key(*initial_key, id);
    REQUIRE(pad.has_value());
    auto transaction = pad->next_pin_encryption_key();
    REQUIRE(transaction.has_value());
    auto bytes =
        drivers::iso9564::format4_encrypted("1234", k_zhang_wei_pan, transaction->key.bytes);
    REQUIRE(bytes.has_value());
    auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes, transaction->ksn);
    REQUIRE(block.has_value());
    // A KSN belongs beside a 16-byte block only, and is 12 bytes.
    CHECK(kiosk::core::EncryptedPinBlock::from_bytes(std::span(*bytes).first(8), transaction->ksn)
              .error() == kiosk::core::EncryptedPinBlockError::wrong_ksn);
    CHECK(kiosk::core::EncryptedPinBlock::from_bytes(*bytes, std::span(transaction->ksn).first(11))
              .error() == kiosk::core::EncryptedPinBlockError::wrong_ksn);
    const kiosk::core::BalanceRequest request{card(k_zhang_wei_pan), *block};

    FakeServer server(404, R"({"result":"card_unknown"})");
    AccountClientUnderTest to_fake(server.url());
    to_fake.client.sign_on(73, request);
    REQUIRE(to_fake.recorder.wait_for_replies(1));
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body["pin_block_format"] == "iso9564-4");
    CHECK(body["pin_block"] == base::to_hex(*bytes));
    CHECK(body["pin_block_ksn"] == base::to_hex(transaction->ksn));

    Bank bank;
    AccountClientUnderTest to_bank(bank.url());
    to_bank.client.sign_on(74, request);
    REQUIRE(to_bank.recorder.wait_for_replies(1));
    CHECK(to_bank.recorder.replies().back().reply.status == ServiceStatus::ok);
    // The same block again, as a recording would replay it: a wrong PIN.
    to_bank.client.sign_on(75, request);
    REQUIRE(to_bank.recorder.wait_for_replies(2));
    CHECK(to_bank.recorder.replies().back().reply.status == ServiceStatus::wrong_pin);
}

TEST_CASE("a terminal id with quotes is escaped, not spliced into the JSON") {
    FakeServer server(404, R"({"result":"card_unknown"})");
    Recorder recorder;
    AccountClient client(AccountClientOptions{.base_url = server.url(),
                                              .terminal_id = R"(a","pan":"1)",
                                              .ca_file = loopback_identity().certificate});
    client.start(recorder.events(), recorder.notices());
    client.sign_on(
        71, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    REQUIRE(recorder.wait_for_replies(1));
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body["terminal_id"] == R"(a","pan":"1)");
    CHECK(body["pan"] == k_zhang_wei_pan);
}

TEST_CASE("a reply body over the size limit maps to bad_reply") {
    const std::string huge =
        R"({"result":"ok","pad":")" + std::string(kiosk::net::k_maximum_reply_bytes, 'x') + R"("})";
    FakeServer server(200, huge);
    AccountClientUnderTest under_test(server.url());
    CHECK(under_test.ask(80, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::bad_reply);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "reply_too_large");
}

TEST_CASE("a 500 from a broken gateway maps to unavailable") {
    FakeServer server(500, "<html>Internal Server Error</html>");
    AccountClientUnderTest under_test(server.url());
    CHECK(under_test.ask(81, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
}

TEST_CASE("an unreachable URL scheme is refused as unavailable") {
    AccountClientUnderTest under_test("ftp://127.0.0.1:1");
    CHECK(under_test.ask(83, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
}

TEST_CASE("over HTTPS, a client that trusts the service's certificate gets the balance") {
    TemporaryDirectory directory;
    auto tls = simulator::bank::create_loopback_certificate(directory.path());
    REQUIRE(tls.has_value());
    simulator::bank::AccountService service(
        {directory.path() / "bank.sqlite",
         std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/cards/demo-cards.toml",
         simulator::bank::k_demo_pin_key, *tls});
    REQUIRE(service.start().has_value());
    Recorder recorder;
    AccountClient client(
        AccountClientOptions{.base_url = "https://127.0.0.1:" + std::to_string(service.port()),
                             .terminal_id = "lobby-01",
                             .ca_file = tls->certificate});
    client.start(recorder.events(), recorder.notices());
    client.sign_on(
        90, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    REQUIRE(recorder.wait_for_replies(1));
    const auto received = recorder.replies().front();
    CHECK(received.reply.status == ServiceStatus::ok);
    REQUIRE(received.reply.balance.has_value());
    CHECK(received.reply.balance->balance.minor_units == 1234567);
}

TEST_CASE("over HTTPS, a certificate the client does not trust maps to unavailable") {
    TemporaryDirectory directory;
    auto tls = simulator::bank::create_loopback_certificate(directory.path());
    REQUIRE(tls.has_value());
    simulator::bank::AccountService service(
        {directory.path() / "bank.sqlite",
         std::filesystem::path(KIOSK_SOURCE_DIR) / "simulator/cards/demo-cards.toml",
         simulator::bank::k_demo_pin_key, *tls});
    REQUIRE(service.start().has_value());
    AccountClientUnderTest under_test("https://127.0.0.1:" + std::to_string(service.port()));
    CHECK(under_test.ask(91, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "tls_failure");
    auto audit = service.audit_entries();
    REQUIRE(audit.has_value());
    CHECK(audit->empty());
}

namespace {

// Runs a shell command and returns what it printed on its standard output.
std::string output_of(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        output += buffer;
    }
    ::pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
        output.pop_back();
    }
    return output;
}

// A system trust store that holds one authority, as OpenSSL looks it up: by subject hash
// (CURLOPT_CAPATH) and in the bundle file (the default CURLOPT_CAINFO).
void write_system_store(const std::filesystem::path& directory,
                        const std::filesystem::path& certificate) {
    std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(certificate.c_str(), "r"),
                                                   &BIO_free);
    REQUIRE(file);
    std::unique_ptr<X509, decltype(&X509_free)> parsed(
        PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
    REQUIRE(parsed);
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(parsed.get()));
    std::filesystem::copy_file(certificate, directory / name);
    std::filesystem::copy_file(certificate, directory / "ca-certificates.crt");
}

}  // namespace

TEST_CASE("the client calls nothing over plain HTTP, whatever it is given") {
    FakeServer server(200, R"({"result":"ok","balance":{"amount":"1.00","currency":"CNY"}})",
                      std::nullopt);
    AccountClientUnderTest under_test(server.url());
    CHECK(under_test.ask(60, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "insecure_configuration");
    CHECK(server.requests() == 0);
}

TEST_CASE("a client without a configured certificate authority makes no call") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url(), 5s, std::filesystem::path{});
    CHECK(under_test.ask(61, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::unavailable);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "insecure_configuration");
    auto audit = bank.service.audit_entries();
    REQUIRE(audit.has_value());
    CHECK(audit->empty());
}

// The hole this closes: with only CURLOPT_CAINFO set, libcurl still trusts every authority in
// the system's store (its built-in CURLOPT_CAPATH, /etc/ssl/certs on Debian), so any public or
// locally installed CA could vouch for a false account service. The call runs in a mount
// namespace whose /etc/ssl/certs holds a rogue authority that signed the server's certificate.
TEST_CASE("an authority in the system's trust store is not trusted for the account service") {
    TemporaryDirectory rogue_directory;
    // A rival authority of another name: OpenSSL looks an issuer up by name, and a configured
    // authority of the same name would be found first and merely fail the signature check.
    auto rogue =
        simulator::bank::create_loopback_certificate(rogue_directory.path(), "rogue authority");
    REQUIRE(rogue.has_value());
    const std::filesystem::path store = rogue_directory.path() / "system-store";
    std::filesystem::create_directory(store);
    write_system_store(store, rogue->certificate);
    FakeServer server(200, R"({"result":"ok","balance":{"amount":"1.00","currency":"CNY"}})",
                      *rogue);

    const auto in_the_arranged_world = [&](const std::string& trust) {
        return output_of("unshare --user --map-root-user --mount sh -c 'mount --bind \"" +
                         store.string() + "\" /etc/ssl/certs && exec \"" TRUST_PROBE "\" \"" +
                         server.url() + "\" \"" + trust + "\"' 2>&1");
    };
    // The arranged world is what it claims: libcurl with its defaults trusts the rogue.
    REQUIRE(in_the_arranged_world("--system") == "200");
    // The kiosk's client, configured with the bank's own authority, refuses the rogue server.
    CHECK(in_the_arranged_world(loopback_identity().certificate.string()) == "tls_failure");
    // And it does reach a server its configured authority vouches for.
    CHECK(in_the_arranged_world(rogue->certificate.string()) == "200");
    // Two calls reached it (plain libcurl's and the trusted one); the refused one never did.
    CHECK(server.requests() == 2);
}

// Card preferences (docs/api/account.yaml, "Card preferences"): the grant of a balance reply and
// save_preferences, against the simulated service and the fake server.

namespace {

constexpr std::string_view k_li_na_pan = "6217001234567890122";
// A grant of the contract's form that no service issued.
constexpr std::string_view k_forged_grant =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

bool mentions(const kiosk::net::ServiceNotice& notice, std::string_view text) {
    return notice.service.find(text) != std::string::npos ||
           notice.call.find(text) != std::string::npos ||
           notice.status.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("a correct PIN's reply carries the card's preferences and a grant") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const auto received = under_test.ask(1, k_zhang_wei_pan, "1234");
    REQUIRE(received.reply.preferences.has_value());
    CHECK_FALSE(received.reply.preferences->elder_mode);
    CHECK(received.reply.preferences->grant.size() == 64);
    CHECK_FALSE(under_test.ask(2, k_zhang_wei_pan, "9999").reply.preferences.has_value());
}

TEST_CASE("a grant saves elder mode, and the card's next reply brings it back") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    const auto saved = under_test.save(2, grant, true);
    CHECK(saved.call_id == 2);
    CHECK(saved.saved);
    const auto next = under_test.ask(3, k_zhang_wei_pan, "1234");
    REQUIRE(next.reply.preferences.has_value());
    CHECK(next.reply.preferences->elder_mode);
    // Another card is untouched.
    const auto other = under_test.ask(4, k_li_na_pan, "2468");
    REQUIRE(other.reply.preferences.has_value());
    CHECK_FALSE(other.reply.preferences->elder_mode);

    REQUIRE(under_test.recorder.wait_for_notices(4));
    const auto notices = under_test.recorder.notices_seen();
    CHECK(notices[1].service == "account");
    CHECK(notices[1].call == "preferences");
    CHECK(notices[1].status == "200");
    CHECK(notices[1].milliseconds >= 0);
    for (const auto& notice : notices) {
        CHECK_FALSE(mentions(notice, grant.view()));
    }
}

TEST_CASE("a grant saves once: used again it is not saved, and the notice says 403") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    CHECK(under_test.save(2, grant, true).saved);
    const auto again = under_test.save(3, grant, false);
    CHECK(again.call_id == 3);
    CHECK_FALSE(again.saved);
    REQUIRE(under_test.recorder.wait_for_notices(3));
    CHECK(under_test.recorder.notices_seen()[2].status == "403");
    CHECK(under_test.ask(4, k_zhang_wei_pan, "1234").reply.preferences->elder_mode);
}

TEST_CASE("a grant the service never issued is not saved") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    CHECK_FALSE(under_test.save(1, base::SecretText(k_forged_grant), true).saved);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "403");
    CHECK_FALSE(under_test.ask(2, k_zhang_wei_pan, "1234").reply.preferences->elder_mode);
}

TEST_CASE("a grant outside the contract's form is never sent") {
    FakeServer server(200, R"({"result":"ok"})");
    AccountClientUnderTest under_test(server.url());
    for (std::string_view grant :
         {std::string_view{}, std::string_view{"short"}, std::string_view{"abcdefgh\"ijklmnop"},
          std::string_view{"abcdefgh ijklmnop"}}) {
        INFO(grant);
        CHECK_FALSE(under_test.save(1, base::SecretText(grant), true).saved);
    }
    REQUIRE(under_test.recorder.wait_for_notices(4));
    for (const auto& notice : under_test.recorder.notices_seen()) {
        CHECK(notice.call == "preferences");
        CHECK(notice.status == "bad_grant");
    }
    CHECK(server.requests() == 0);
}

TEST_CASE("the preferences request follows the contract: PUT, terminal, grant, flag") {
    FakeServer server(200, R"({"result":"ok"})");
    AccountClientUnderTest under_test(server.url() + "/");
    CHECK(under_test.save(5, base::SecretText(k_forged_grant), true).saved);
    CHECK(server.last_method() == "PUT");
    CHECK(server.last_path() == "/v1/preferences");
    CHECK(server.last_content_type() == "application/json");
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body == nlohmann::json{{"terminal_id", "lobby-01"},
                                 {"grant", k_forged_grant},
                                 {"elder_mode", true}});
    CHECK(under_test.save(6, base::SecretText(k_forged_grant), false).saved);
    CHECK(nlohmann::json::parse(server.last_request())["elder_mode"] == false);
}

TEST_CASE("a preferences reply that is not exactly ok is not saved") {
    for (const auto& [status, body] :
         std::vector<std::pair<int, std::string>>{{200, R"({"result":"grant_refused"})"},
                                                  {200, "not json"},
                                                  {403, R"({"result":"grant_refused"})"},
                                                  {500, "<html>Internal Server Error</html>"}}) {
        INFO(status << " " << body);
        FakeServer server(status, body);
        AccountClientUnderTest under_test(server.url());
        CHECK_FALSE(under_test.save(7, base::SecretText(k_forged_grant), true).saved);
        REQUIRE(under_test.recorder.wait_for_notices(1));
        CHECK(under_test.recorder.notices_seen().front().status == std::to_string(status));
    }
}

TEST_CASE("a save the service cannot answer is not saved and leaves the grant unused") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    const std::vector<std::pair<Fault, std::string>> faults = {
        {Fault::unavailable, "503"},
        {Fault::garbage, "200"},
        {Fault::drop, "connection_lost"},
    };
    std::size_t notices = 1;
    for (const auto& [fault, status] : faults) {
        INFO(simulator::bank::to_string(fault));
        bank.service.set_fault(fault);
        CHECK_FALSE(under_test.save(2, grant, true).saved);
        notices += 1;
        REQUIRE(under_test.recorder.wait_for_notices(notices));
        CHECK(under_test.recorder.notices_seen().back().call == "preferences");
        CHECK(under_test.recorder.notices_seen().back().status == status);
    }
    bank.service.set_fault(Fault::none);
    CHECK(under_test.save(3, grant, true).saved);
}

TEST_CASE("a save slower than the total timeout is not saved") {
    Bank bank;
    AccountClientUnderTest asking(bank.url());
    const base::SecretText grant = asking.grant(1, k_zhang_wei_pan, "1234");
    bank.service.set_fault(Fault::slow);
    AccountClientUnderTest under_test(bank.url(), 400ms);
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(under_test.save(2, grant, true).saved);
    CHECK(std::chrono::steady_clock::now() - started >= 350ms);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "timeout");
}

TEST_CASE("nothing listening: a save is not saved") {
    AccountClientUnderTest under_test("https://127.0.0.1:" + std::to_string(closed_port()));
    CHECK_FALSE(under_test.save(1, base::SecretText(k_forged_grant), true).saved);
    REQUIRE(under_test.recorder.wait_for_notices(1));
    CHECK(under_test.recorder.notices_seen().front().status == "connect_failed");
}

TEST_CASE("a cancelled save in flight posts nothing and the next call still works") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    bank.service.set_fault(Fault::slow);
    under_test.client.save_preferences(2, grant, true);
    REQUIRE_FALSE(under_test.recorder.wait_for_saved(1, 300ms));
    under_test.client.cancel(2);
    REQUIRE(under_test.recorder.wait_for_notices(2, 2s));
    CHECK(under_test.recorder.notices_seen()[1].call == "preferences");
    CHECK(under_test.recorder.notices_seen()[1].status == "cancelled");
    bank.service.set_fault(Fault::none);
    CHECK(under_test.ask(3, k_zhang_wei_pan, "1234").call_id == 3);
    CHECK(under_test.recorder.saved().empty());
}

TEST_CASE("a cancelled save still in the queue is never sent") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    bank.service.set_fault(Fault::slow);
    bank.service.set_slow_reply_delay(500ms);
    under_test.client.sign_on(
        2, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    under_test.client.save_preferences(3, grant, true);
    under_test.client.cancel(3);
    REQUIRE(under_test.recorder.wait_for_replies(2));
    // Give a wrongly sent save every chance to arrive before looking.
    CHECK_FALSE(under_test.recorder.wait_for_saved(1, 1500ms));
    auto audit = bank.service.audit_entries();
    REQUIRE(audit.has_value());
    CHECK(audit->size() == 2);
    for (const auto& entry : *audit) {
        CHECK(entry.call == "sign_on");
    }
}

TEST_CASE("balance calls and saves are answered in order, each with its own call id") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    under_test.client.save_preferences(2, grant, true);
    under_test.client.sign_on(
        3, kiosk::core::BalanceRequest{card(k_zhang_wei_pan), pin_block("1234", k_zhang_wei_pan)});
    under_test.client.save_preferences(4, grant, false);
    REQUIRE(under_test.recorder.wait_for_replies(2));
    REQUIRE(under_test.recorder.wait_for_saved(2));
    const auto saved = under_test.recorder.saved();
    CHECK(saved[0].call_id == 2);
    CHECK(saved[0].saved);
    CHECK(saved[1].call_id == 4);
    CHECK_FALSE(saved[1].saved);  // the grant was used by call 2
    const auto reply = under_test.recorder.replies()[1];
    CHECK(reply.call_id == 3);
    REQUIRE(reply.reply.preferences.has_value());
    CHECK(reply.reply.preferences->elder_mode);
}

TEST_CASE("stop with a save in flight returns promptly and posts nothing") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText grant = under_test.grant(1, k_zhang_wei_pan, "1234");
    bank.service.set_fault(Fault::slow);
    under_test.client.save_preferences(2, grant, true);
    REQUIRE_FALSE(under_test.recorder.wait_for_saved(1, 300ms));
    const auto started = std::chrono::steady_clock::now();
    under_test.client.stop();
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(under_test.recorder.saved().empty());
}

TEST_CASE("a save is sent only over HTTPS to the configured authority") {
    FakeServer plain(200, R"({"result":"ok"})", std::nullopt);
    AccountClientUnderTest over_http(plain.url());
    CHECK_FALSE(over_http.save(1, base::SecretText(k_forged_grant), true).saved);
    REQUIRE(over_http.recorder.wait_for_notices(1));
    CHECK(over_http.recorder.notices_seen().front().status == "insecure_configuration");
    CHECK(plain.requests() == 0);

    FakeServer secure(200, R"({"result":"ok"})");
    AccountClientUnderTest without_authority(secure.url(), 5s, std::filesystem::path{});
    CHECK_FALSE(without_authority.save(2, base::SecretText(k_forged_grant), true).saved);
    REQUIRE(without_authority.recorder.wait_for_notices(1));
    CHECK(without_authority.recorder.notices_seen().front().status == "insecure_configuration");

    TemporaryDirectory directory;
    auto stranger = simulator::bank::create_loopback_certificate(directory.path(), "stranger");
    REQUIRE(stranger.has_value());
    FakeServer untrusted(200, R"({"result":"ok"})", *stranger);
    AccountClientUnderTest distrustful(untrusted.url());
    CHECK_FALSE(distrustful.save(3, base::SecretText(k_forged_grant), true).saved);
    REQUIRE(distrustful.recorder.wait_for_notices(1));
    CHECK(distrustful.recorder.notices_seen().front().status == "tls_failure");
    CHECK(secure.requests() == 0);
    CHECK(untrusted.requests() == 0);
}

// ---- The signed-on customer's requests (docs/api/account.yaml 1.2) ----

namespace {

using kiosk::core::MoneyStatus;

constexpr std::string_view k_alice_pan = "6234560000111122223";
const kiosk::core::Money k_five_hundred_yuan{50'000, "CNY"};

// The session of a correct PIN's sign-on.
base::SecretText session_of(AccountClientUnderTest& under_test, std::uint64_t call_id,
                            std::string_view pan, std::string_view pin) {
    const auto received = under_test.ask(call_id, pan, pin);
    REQUIRE(received.reply.status == ServiceStatus::ok);
    REQUIRE(received.reply.session.has_value());
    return received.reply.session->token;
}

}  // namespace

TEST_CASE("a sign-on gives the session and today's limits with the balance") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const auto received = under_test.ask(300, k_zhang_wei_pan, "1234");
    REQUIRE(received.reply.session.has_value());
    CHECK(received.reply.session->token.size() == 64);
    CHECK(received.reply.session->limits.withdrawal_per_transaction ==
          kiosk::core::Money{300'000, "CNY"});
    CHECK(received.reply.session->limits.withdrawal_left_today ==
          kiosk::core::Money{2'000'000, "CNY"});
}

TEST_CASE("a withdrawal is quoted, authorised, confirmed and found through the client") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 310, k_zhang_wei_pan, "1234");
    const auto quoted = under_test.money(
        311, kiosk::core::RequestQuote{kiosk::core::MoneyKind::withdrawal, k_five_hundred_yuan, {}},
        session);
    REQUIRE(quoted.status == MoneyStatus::ok);
    REQUIRE(quoted.quote.has_value());
    CHECK(quoted.quote->total == k_five_hundred_yuan);  // a card of this bank: no fee
    const std::string reference = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
    const auto held = under_test.money(
        312, kiosk::core::AuthoriseWithdrawal{reference, quoted.quote->id}, session);
    REQUIRE(held.status == MoneyStatus::ok);
    CHECK(held.withdrawal->state == kiosk::core::WithdrawalState::authorised);
    const auto again = under_test.money(
        313, kiosk::core::AuthoriseWithdrawal{reference, quoted.quote->id}, session);
    CHECK(again.status == MoneyStatus::ok);  // the same request: what is held, nothing more
    const auto confirmed = under_test.money(
        314, kiosk::core::ConfirmWithdrawal{reference, k_five_hundred_yuan}, base::SecretText{});
    REQUIRE(confirmed.status == MoneyStatus::ok);
    CHECK(confirmed.withdrawal->dispensed == k_five_hundred_yuan);
    const auto found =
        under_test.money(315, kiosk::core::FindWithdrawal{reference}, base::SecretText{});
    CHECK(found.withdrawal->state == kiosk::core::WithdrawalState::confirmed);
    const auto statement = under_test.money(316, kiosk::core::RequestStatement{}, session);
    REQUIRE(statement.status == MoneyStatus::ok);
    REQUIRE_FALSE(statement.entries.empty());
    CHECK(statement.entries.front().kind == kiosk::core::StatementEntryKind::withdrawal);
    CHECK(statement.entries.front().amount == k_five_hundred_yuan);
    CHECK(under_test
              .money(317, kiosk::core::FindWithdrawal{"00000000-0000-4000-8000-000000000000"},
                     base::SecretText{})
              .status == MoneyStatus::unknown_transaction);
}

TEST_CASE("refusals come back as the service gave them: limits, funds, payee, quote") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 320, k_li_na_pan, "2468");
    using kiosk::core::MoneyKind;
    using kiosk::core::RequestQuote;
    CHECK(under_test.money(321, RequestQuote{MoneyKind::withdrawal, {110'000, "CNY"}, {}}, session)
              .status == MoneyStatus::insufficient_funds);
    CHECK(under_test.money(322, RequestQuote{MoneyKind::withdrawal, {10'050, "CNY"}, {}}, session)
              .status == MoneyStatus::amount_not_allowed);
    CHECK(under_test
              .money(323, RequestQuote{MoneyKind::transfer, {100, "CNY"}, "6222020200112233445"},
                     session)
              .status == MoneyStatus::payee_unknown);
    CHECK(under_test
              .money(324,
                     kiosk::core::AuthoriseWithdrawal{"0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d",
                                                      "q-000000000000"},
                     session)
              .status == MoneyStatus::quote_expired);
}

TEST_CASE("a transfer reads back only the payee's last four digits, and ends with the session") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 330, k_alice_pan, "1111");
    const auto quoted =
        under_test.money(331,
                         kiosk::core::RequestQuote{kiosk::core::MoneyKind::transfer,
                                                   {10'000, "CNY"},
                                                   base::SecretText(std::string(k_zhang_wei_pan))},
                         session);
    REQUIRE(quoted.status == MoneyStatus::ok);
    CHECK(quoted.quote->payee_masked == "**** 0018");
    CHECK(quoted.quote->fee == kiosk::core::Money{200, "CNY"});
    const std::string reference = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";
    const auto done =
        under_test.money(332, kiosk::core::ExecuteTransfer{reference, quoted.quote->id}, session);
    REQUIRE(done.status == MoneyStatus::ok);
    CHECK(done.transfer->amount == kiosk::core::Money{10'000, "CNY"});
    CHECK(under_test.money(333, kiosk::core::FindTransfer{reference}, base::SecretText{}).status ==
          MoneyStatus::ok);
    CHECK(under_test.money(334, kiosk::core::EndSession{}, session).status == MoneyStatus::ok);
    CHECK(under_test.money(335, kiosk::core::RequestStatement{}, session).status ==
          MoneyStatus::session_refused);
    // No notice names the session, the payee or the card.
    for (const auto& notice : under_test.recorder.notices_seen()) {
        CHECK(notice.status.find(session.view()) == std::string::npos);
        CHECK(notice.call.find("6228") == std::string::npos);
    }
}

TEST_CASE("a card lock refuses the card at the next sign-on") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 340, k_zhang_wei_pan, "1234");
    const auto locked = under_test.money(341, kiosk::core::LockCard{}, session);
    REQUIRE(locked.status == MoneyStatus::ok);
    CHECK(locked.card_lock_reference.starts_with("L-"));
    CHECK(under_test.ask(342, k_zhang_wei_pan, "1234").reply.status == ServiceStatus::card_blocked);
}

TEST_CASE("a PIN change carries the PIN pad's block; an easy PIN is refused") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 350, k_zhang_wei_pan, "1234");
    CHECK(under_test
              .money(
                  351,
                  kiosk::core::ChangePin{card(k_zhang_wei_pan), pin_block("1111", k_zhang_wei_pan)},
                  session)
              .status == MoneyStatus::pin_not_allowed);
    CHECK(under_test
              .money(
                  352,
                  kiosk::core::ChangePin{card(k_zhang_wei_pan), pin_block("7391", k_zhang_wei_pan)},
                  session)
              .status == MoneyStatus::ok);
    CHECK(under_test.ask(353, k_zhang_wei_pan, "7391").reply.status == ServiceStatus::ok);
}

TEST_CASE("a PIN change may carry a DUKPT block; the same block again changes nothing") {
    // docs/api/account.yaml 1.4: the new PIN's block under its own DUKPT key, with its KSN.
    const drivers::dukpt::InitialKeyId id = simulator::bank::k_demo_dukpt_initial_key_id;
    auto initial_key =
        drivers::dukpt::derive_initial_key(simulator::bank::k_demo_dukpt_base_key, id);
    REQUIRE(initial_key.has_value());
    auto pad = drivers::dukpt::OriginatingDevice::load_initial_key(*initial_key, id);
    REQUIRE(pad.has_value());
    auto transaction = pad->next_pin_encryption_key();
    REQUIRE(transaction.has_value());
    auto bytes =
        drivers::iso9564::format4_encrypted("7391", k_zhang_wei_pan, transaction->key.bytes);
    REQUIRE(bytes.has_value());
    auto block = kiosk::core::EncryptedPinBlock::from_bytes(*bytes, transaction->ksn);
    REQUIRE(block.has_value());

    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 360, k_zhang_wei_pan, "1234");
    CHECK(under_test.money(361, kiosk::core::ChangePin{card(k_zhang_wei_pan), *block}, session)
              .status == MoneyStatus::ok);
    CHECK(under_test.ask(362, k_zhang_wei_pan, "7391").reply.status == ServiceStatus::ok);
    // Changed again under the fixed key, then the DUKPT block replayed: it does not decipher,
    // so the service refuses it (400) and the PIN stays the later one.
    const base::SecretText again = session_of(under_test, 363, k_zhang_wei_pan, "7391");
    CHECK(under_test
              .money(
                  364,
                  kiosk::core::ChangePin{card(k_zhang_wei_pan), pin_block("2580", k_zhang_wei_pan)},
                  again)
              .status == MoneyStatus::ok);
    CHECK(under_test.money(365, kiosk::core::ChangePin{card(k_zhang_wei_pan), *block}, again)
              .status == MoneyStatus::bad_reply);
    CHECK(under_test.ask(366, k_zhang_wei_pan, "2580").reply.status == ServiceStatus::ok);
}

TEST_CASE("a request that breaks the contract is never sent") {
    FakeServer server(200, R"({"result":"ok"})");
    AccountClientUnderTest under_test(server.url());
    const base::SecretText session(std::string(64, 'a'));
    CHECK(under_test
              .money(360, kiosk::core::AuthoriseWithdrawal{"not-a-uuid", "q-0123456789"}, session)
              .status == MoneyStatus::bad_reply);
    CHECK(under_test
              .money(361,
                     kiosk::core::RequestQuote{
                         kiosk::core::MoneyKind::transfer, {100, "CNY"}, base::SecretText("12ab")},
                     session)
              .status == MoneyStatus::bad_reply);
    CHECK(under_test.money(362, kiosk::core::RequestStatement{}, base::SecretText("x\"y")).status ==
          MoneyStatus::bad_reply);
    CHECK(server.requests() == 0);
}

TEST_CASE(
    "an authorisation the bank committed before the connection broke is an unknown outcome, "
    "never unavailable, and its reversal releases what the bank holds") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const base::SecretText session = session_of(under_test, 340, k_zhang_wei_pan, "1234");
    const auto quoted = under_test.money(
        341, kiosk::core::RequestQuote{kiosk::core::MoneyKind::withdrawal, k_five_hundred_yuan, {}},
        session);
    REQUIRE(quoted.status == MoneyStatus::ok);
    const std::string reference = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
    bank.service.set_fault(Fault::drop_after_commit);
    const auto lost = under_test.money(
        342, kiosk::core::AuthoriseWithdrawal{reference, quoted.quote->id}, session);
    // "Unavailable" would tell the flow nothing was held: the bank holds 500 yuan.
    CHECK(lost.status == MoneyStatus::timeout);
    bank.service.set_fault(Fault::none);
    const auto found =
        under_test.money(343, kiosk::core::FindWithdrawal{reference}, base::SecretText{});
    REQUIRE(found.status == MoneyStatus::ok);
    CHECK(found.withdrawal->state == kiosk::core::WithdrawalState::authorised);
    const auto reversed = under_test.money(
        344, kiosk::core::ReverseWithdrawal{reference, kiosk::core::ReverseReason::outcome_unknown},
        base::SecretText{});
    CHECK(reversed.status == MoneyStatus::ok);
}

namespace {

// What a demo card computes in GENERATE AC (EMV 4.3 Book 2 §8.1, Annex A1.3, A1.4 Option A)
// under keys derived from `issuer_master_key`, as the core carries it (upper-case hex).
kiosk::core::CardAuthentication arqc_of(std::span<const std::uint8_t> issuer_master_key,
                                        std::string_view pan, std::uint16_t counter) {
    drivers::emv::OnlineAuthentication authentication{
        .cryptogram = {},
        .cryptogram_information = 0x80,
        .transaction_counter = counter,
        .cdol1_data = base::Bytes(29, 0x00),
        .application_interchange_profile = {0x19, 0x80},
        .issuer_application_data = {0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00},
        .pan_sequence_number = std::nullopt,
    };
    auto master_key = drivers::emv::derive_icc_master_key(issuer_master_key, pan, std::nullopt);
    REQUIRE(master_key);
    auto session_key = drivers::emv::derive_session_key(
        *master_key, drivers::emv::cryptogram_diversification(counter));
    REQUIRE(session_key);
    auto input = drivers::emv::cryptogram_input(authentication);
    REQUIRE(input);
    auto cryptogram = drivers::emv::application_cryptogram(*session_key, *input);
    REQUIRE(cryptogram);
    return kiosk::core::CardAuthentication{
        .cryptogram = base::to_hex(*cryptogram),
        .cryptogram_information = "80",
        .transaction_counter = base::to_hex(std::array<std::uint8_t, 2>{
            static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)}),
        .cdol1_data = base::to_hex(authentication.cdol1_data),
        .application_interchange_profile = "1980",
        .issuer_application_data = "06010A03A00000",
        .pan_sequence_number = {}};
}

kiosk::core::ReplyReceived sign_on_with(AccountClientUnderTest& under_test, std::uint64_t call_id,
                                        std::optional<kiosk::core::CardAuthentication> arqc) {
    const std::size_t before = under_test.recorder.replies().size();
    under_test.client.sign_on(
        call_id, kiosk::core::BalanceRequest{card(k_zhang_wei_pan),
                                             pin_block("1234", k_zhang_wei_pan), std::move(arqc)});
    REQUIRE(under_test.recorder.wait_for_replies(before + 1));
    return under_test.recorder.replies().back();
}

}  // namespace

TEST_CASE("the card's ARQC goes with the sign-on as card_authentication, every field in hex") {
    FakeServer server(404, R"({"result":"card_unknown"})");
    AccountClientUnderTest under_test(server.url() + "/");
    const kiosk::core::CardAuthentication arqc{.cryptogram = "8E2A41C07D3F9B15",
                                               .cryptogram_information = "80",
                                               .transaction_counter = "002A",
                                               .cdol1_data = "0000000012340156",
                                               .application_interchange_profile = "1980",
                                               .issuer_application_data = "06010A03A00000",
                                               .pan_sequence_number = "01"};
    sign_on_with(under_test, 80, arqc);
    const auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE_FALSE(body.is_discarded());
    CHECK(body.size() == 5);
    CHECK(body["pan"] == k_zhang_wei_pan);
    const auto& sent = body["card_authentication"];
    CHECK(sent == nlohmann::json{{"arqc", "8E2A41C07D3F9B15"},
                                 {"cryptogram_information", "80"},
                                 {"atc", "002A"},
                                 {"cdol1_data", "0000000012340156"},
                                 {"aip", "1980"},
                                 {"issuer_application_data", "06010A03A00000"},
                                 {"pan_sequence_number", "01"}});
}

TEST_CASE("a card without a PAN sequence number sends none, and a card without an ARQC no object") {
    FakeServer server(404, R"({"result":"card_unknown"})");
    AccountClientUnderTest under_test(server.url() + "/");
    auto arqc = arqc_of(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 1);
    sign_on_with(under_test, 81, arqc);
    auto body = nlohmann::json::parse(server.last_request(), nullptr, false);
    REQUIRE(body.contains("card_authentication"));
    CHECK_FALSE(body["card_authentication"].contains("pan_sequence_number"));
    sign_on_with(under_test, 82, std::nullopt);
    body = nlohmann::json::parse(server.last_request(), nullptr, false);
    CHECK_FALSE(body.contains("card_authentication"));
}

TEST_CASE("the bank signs a genuine card on and refuses a clone's ARQC as card_unknown") {
    Bank bank;
    AccountClientUnderTest under_test(bank.url());
    const auto genuine = sign_on_with(
        under_test, 90, arqc_of(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 5));
    CHECK(genuine.reply.status == ServiceStatus::ok);
    constexpr std::array<std::uint8_t, 16> k_clone_key = {1, 2,  3,  4,  5,  6,  7,  8,
                                                          9, 10, 11, 12, 13, 14, 15, 16};
    const auto clone = sign_on_with(under_test, 91, arqc_of(k_clone_key, k_zhang_wei_pan, 6));
    CHECK(clone.reply.status == ServiceStatus::card_unknown);
    // The same genuine cryptogram again is a replay.
    const auto replayed = sign_on_with(
        under_test, 92, arqc_of(simulator::bank::k_demo_issuer_master_key, k_zhang_wei_pan, 5));
    CHECK(replayed.reply.status == ServiceStatus::card_unknown);
}
