// Sessions and money at the simulated account service (docs/api/account.yaml, "Sessions" and
// "Money that moves"): what a customer's account shows after each request, and that a repeat,
// a crash or a race can never debit twice or create money.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "bank_fixture.h"

using namespace bank_test;
using nlohmann::json;
using simulator::bank::Fault;

namespace {

constexpr std::string_view k_terminal = "lobby-01";
constexpr std::string_view k_reference = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c5d";
constexpr std::string_view k_other_reference = "4c2e1f0a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";

json money(std::int64_t minor_units) {
    return json{{"minor_units", minor_units}, {"currency", "CNY"}};
}

struct Reply {
    int status = 0;
    json body;
};

// A terminal talking to the running bank, one request at a time.
class Terminal {
  public:
    explicit Terminal(const RunningBank& bank, std::string_view id = k_terminal)
        : m_client(bank.client()), m_id(id) {}

    Reply post(const std::string& path, json body) {
        body["terminal_id"] = m_id;
        return reply_of(m_client.Post(path, body.dump(), "application/json"));
    }
    Reply put(const std::string& path, json body) {
        body["terminal_id"] = m_id;
        return reply_of(m_client.Put(path, body.dump(), "application/json"));
    }
    Reply get(const std::string& path) {
        return reply_of(m_client.Get(path + "?terminal_id=" + m_id));
    }

    // A session for a correct PIN; fails the test otherwise.
    std::string sign_on(std::string_view pan, std::string_view pin) {
        const Reply reply = sign_on_reply(pan, pin);
        REQUIRE(reply.status == 200);
        return reply.body["session"].get<std::string>();
    }
    Reply sign_on_reply(std::string_view pan, std::string_view pin) {
        return post("/v1/sessions", {{"pan", pan},
                                     {"pin_block", pin_block_hex(pin, pan)},
                                     {"pin_block_format", "iso9564-0"}});
    }
    Reply quote(const std::string& session, std::string_view kind, std::int64_t amount,
                std::string_view payee = {}) {
        json body = {{"session", session}, {"kind", kind}, {"amount", money(amount)}};
        if (!payee.empty()) {
            body["payee_account"] = payee;
        }
        return post("/v1/quotes", body);
    }
    std::string quote_id(const std::string& session, std::string_view kind, std::int64_t amount,
                         std::string_view payee = {}) {
        const Reply reply = quote(session, kind, amount, payee);
        INFO(reply.body.dump());
        REQUIRE(reply.status == 200);
        return reply.body["quote"]["id"].get<std::string>();
    }
    Reply authorise(std::string_view reference, const std::string& session,
                    const std::string& quote) {
        return put("/v1/withdrawals/" + std::string(reference),
                   {{"session", session}, {"quote", quote}});
    }
    Reply confirm(std::string_view reference, std::int64_t dispensed) {
        return post("/v1/withdrawals/" + std::string(reference) + "/confirm",
                    {{"dispensed", money(dispensed)}});
    }
    Reply reverse(std::string_view reference, std::string_view reason = "cash_not_taken") {
        return post("/v1/withdrawals/" + std::string(reference) + "/reverse", {{"reason", reason}});
    }
    Reply transfer(std::string_view reference, const std::string& session,
                   const std::string& quote) {
        return put("/v1/transfers/" + std::string(reference),
                   {{"session", session}, {"quote", quote}});
    }
    // The balance as a fresh sign-on reports it.
    std::int64_t balance(std::string_view pan, std::string_view pin) {
        const Reply reply = sign_on_reply(pan, pin);
        REQUIRE(reply.status == 200);
        return reply.body["balance"]["minor_units"].get<std::int64_t>();
    }

  private:
    static Reply reply_of(const httplib::Result& result) {
        REQUIRE(result);
        const json document = json::parse(result->body, nullptr, false);
        REQUIRE_FALSE(document.is_discarded());
        return Reply{result->status, document};
    }

    httplib::Client m_client;
    std::string m_id;
};

constexpr std::int64_t k_zhang_wei_balance = 1'234'567;  // 12,345.67 yuan, a card of this bank
constexpr std::int64_t k_li_na_balance = 100'205;        // 1,002.05 yuan, another bank's card

}  // namespace

TEST_CASE("a sign-on opens a session with the balance and what is left of today's limits") {
    RunningBank bank;
    Terminal terminal(bank);
    const Reply reply = terminal.sign_on_reply(k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(reply.status == 200);
    CHECK(reply.body["balance"] == money(k_zhang_wei_balance));
    CHECK(reply.body["masked_pan"] == "**** **** **** 0018");
    CHECK(reply.body["session"].get<std::string>().size() == 64);
    CHECK(reply.body["limits"]["withdrawal_per_transaction"] == money(300'000));
    CHECK(reply.body["limits"]["withdrawal_left_today"] == money(2'000'000));
    CHECK(reply.body["limits"]["transfer_left_today"] == money(5'000'000));
    CHECK(terminal.sign_on_reply(k_zhang_wei_pan, "9999").status == 401);
}

TEST_CASE("a withdrawal is held when authorised and debited with its fee only when confirmed") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_li_na_pan, k_li_na_pin);
    const Reply quote = terminal.quote(session, "withdrawal", 50'000);
    REQUIRE(quote.status == 200);
    CHECK(quote.body["quote"]["fee"] == money(200));  // another bank's card pays 2 yuan
    CHECK(quote.body["quote"]["total"] == money(50'200));

    const Reply held = terminal.authorise(k_reference, session, quote.body["quote"]["id"]);
    REQUIRE(held.status == 201);
    CHECK(held.body["withdrawal"]["state"] == "authorised");
    CHECK(terminal.balance(k_li_na_pan, k_li_na_pin) == k_li_na_balance);
    // The hold counts: 1,002.05 - 502 leaves 500.05, so 500 more and its fee do not fit.
    CHECK(terminal.quote(session, "withdrawal", 50'000).body["result"] == "insufficient_funds");

    const Reply confirmed = terminal.confirm(k_reference, 50'000);
    REQUIRE(confirmed.status == 200);
    CHECK(confirmed.body["withdrawal"]["state"] == "confirmed");
    CHECK(confirmed.body["withdrawal"]["dispensed"] == money(50'000));
    CHECK(terminal.balance(k_li_na_pan, k_li_na_pin) == k_li_na_balance - 50'200);

    const Reply statement = terminal.post("/v1/statement", {{"session", session}});
    REQUIRE(statement.status == 200);
    const json& entries = statement.body["entries"];
    REQUIRE(entries.size() == 3);  // newest first: the fee, the withdrawal, the opening deposit
    CHECK(entries[0]["kind"] == "fee");
    CHECK(entries[0]["amount"] == money(200));
    CHECK(entries[0]["balance_after"] == money(k_li_na_balance - 50'200));
    CHECK(entries[1]["kind"] == "withdrawal");
    CHECK(entries[1]["direction"] == "debit");
    CHECK(entries[2]["kind"] == "deposit");
}

TEST_CASE(
    "the same authorisation again holds nothing more, and another request under its "
    "reference is a conflict") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string quote = terminal.quote_id(session, "withdrawal", 100'000);
    REQUIRE(terminal.authorise(k_reference, session, quote).status == 201);
    const Reply again = terminal.authorise(k_reference, session, quote);
    CHECK(again.status == 200);
    CHECK(again.body["withdrawal"]["state"] == "authorised");
    const std::string other = terminal.quote_id(session, "withdrawal", 20'000);
    const Reply conflict = terminal.authorise(k_reference, session, other);
    CHECK(conflict.status == 409);
    CHECK(conflict.body["withdrawal"]["amount"] == money(100'000));
    // One hold only: 1,000 yuan held leaves 11,345.67 available, enough for a transfer of
    // 11,000 yuan and its 5 yuan fee, which a second hold would not leave.
    CHECK(terminal.quote(session, "transfer", 1'100'000, k_alice_pan).body["result"] == "ok");
    REQUIRE(terminal.confirm(k_reference, 100'000).status == 200);
    REQUIRE(terminal.confirm(k_reference, 100'000).status == 200);  // a repeat, not a debit
    CHECK(terminal.confirm(k_reference, 50'000).status == 409);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance - 100'000);
}

TEST_CASE("a withdrawal dispensed in part debits only the notes that left and releases the rest") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(
        terminal.authorise(k_reference, session, terminal.quote_id(session, "withdrawal", 150'000))
            .status == 201);
    const Reply confirmed = terminal.confirm(k_reference, 100'000);
    REQUIRE(confirmed.status == 200);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance - 100'000);
    CHECK(terminal.confirm(k_other_reference, 100).status == 404);
    CHECK(terminal.confirm(k_reference, 0).status == 400);
}

TEST_CASE(
    "a reversal gives back a confirmed withdrawal and its fee, and reversing again changes "
    "nothing") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_li_na_pan, k_li_na_pin);
    REQUIRE(
        terminal.authorise(k_reference, session, terminal.quote_id(session, "withdrawal", 30'000))
            .status == 201);
    REQUIRE(terminal.confirm(k_reference, 30'000).status == 200);
    const Reply reversed = terminal.reverse(k_reference);
    REQUIRE(reversed.status == 200);
    CHECK(reversed.body["withdrawal"]["state"] == "reversed");
    CHECK(terminal.balance(k_li_na_pan, k_li_na_pin) == k_li_na_balance);
    CHECK(terminal.reverse(k_reference).status == 200);
    CHECK(terminal.balance(k_li_na_pan, k_li_na_pin) == k_li_na_balance);
    CHECK(terminal.confirm(k_reference, 30'000).status == 409);
    CHECK(terminal.get("/v1/withdrawals/" + std::string(k_reference)).body["withdrawal"]["state"] ==
          "reversed");
}

TEST_CASE("reversing a reference never authorised voids it, so a late authorisation is refused") {
    RunningBank bank;
    Terminal terminal(bank);
    const Reply voided = terminal.reverse(k_reference, "outcome_unknown");
    REQUIRE(voided.status == 200);
    CHECK(voided.body["withdrawal"]["state"] == "void");
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const Reply late =
        terminal.authorise(k_reference, session, terminal.quote_id(session, "withdrawal", 10'000));
    CHECK(late.status == 409);
    CHECK(late.body["withdrawal"]["state"] == "void");
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance);
    CHECK(terminal.get("/v1/withdrawals/" + std::string(k_other_reference)).status == 404);
}

TEST_CASE("another terminal can neither see, confirm nor reverse a terminal's withdrawal") {
    RunningBank bank;
    Terminal terminal(bank);
    Terminal stranger(bank, "lobby-02");
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string quote = terminal.quote_id(session, "withdrawal", 10'000);
    CHECK(stranger.authorise(k_reference, session, quote).status == 401);
    REQUIRE(terminal.authorise(k_reference, session, quote).status == 201);
    CHECK(stranger.get("/v1/withdrawals/" + std::string(k_reference)).status == 404);
    CHECK(stranger.confirm(k_reference, 10'000).status == 404);
    CHECK(stranger.reverse(k_reference).status == 409);
    CHECK(terminal.get("/v1/withdrawals/" + std::string(k_reference)).body["withdrawal"]["state"] ==
          "authorised");
}

TEST_CASE("quotes refuse what the bank will not move, saying why") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_alice_pan, k_alice_pin);
    CHECK(terminal.quote(session, "withdrawal", 0).body["result"] == "amount_not_allowed");
    CHECK(terminal.quote(session, "withdrawal", 10'050).body["result"] == "amount_not_allowed");
    CHECK(terminal.quote(session, "withdrawal", 300'100).body["result"] == "amount_not_allowed");
    CHECK(terminal.quote(session, "transfer", 100, "6222020200112233445").body["result"] ==
          "payee_unknown");
    CHECK(terminal.quote(session, "transfer", 100, k_alice_pan).body["result"] ==
          "payee_not_allowed");
    const Reply over = terminal.quote(session, "transfer", 5'000'100, k_zhang_wei_pan);
    CHECK(over.status == 422);
    CHECK(over.body["result"] == "over_limit");
    CHECK(over.body["limit_left"] == money(5'000'000));

    Terminal poor(bank);
    const std::string li_na = poor.sign_on(k_li_na_pan, k_li_na_pin);
    CHECK(poor.quote(li_na, "withdrawal", 110'000).body["result"] == "insufficient_funds");
    CHECK(poor.quote(li_na, "withdrawal", 100'000).body["result"] == "ok");
}

TEST_CASE("a day's withdrawals count against the daily limit") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_alice_pan, k_alice_pin);
    const std::vector<std::string> references = {
        "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004",
        "00000000-0000-4000-8000-000000000005", "00000000-0000-4000-8000-000000000006",
        "00000000-0000-4000-8000-000000000007"};
    for (const std::string& reference : references) {
        // Six of 3,000 and then 2,000 make the day's 20,000.
        const std::int64_t amount = reference.back() == '7' ? 200'000 : 300'000;
        REQUIRE(
            terminal.authorise(reference, session, terminal.quote_id(session, "withdrawal", amount))
                .status == 201);
        REQUIRE(terminal.confirm(reference, amount).status == 200);
    }
    const Reply over = terminal.quote(session, "withdrawal", 10'000);
    CHECK(over.body["result"] == "over_limit");
    CHECK(over.body["limit_left"] == money(0));
    CHECK(
        terminal.sign_on_reply(k_alice_pan, k_alice_pin).body["limits"]["withdrawal_left_today"] ==
        money(0));
}

TEST_CASE("a quote is used once, by its own session, for its own kind") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string other_session = terminal.sign_on(k_alice_pan, k_alice_pin);
    const std::string quote = terminal.quote_id(session, "withdrawal", 10'000);
    CHECK(terminal.authorise(k_reference, other_session, quote).status == 410);
    CHECK(terminal.transfer(k_reference, session, quote).status == 410);
    REQUIRE(terminal.authorise(k_reference, session, quote).status == 201);
    CHECK(terminal.authorise(k_other_reference, session, quote).status == 410);
}

TEST_CASE("a transfer moves the amount to the payee once, with its fee, whatever is repeated") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_alice_pan, k_alice_pin);
    const Reply quote = terminal.quote(session, "transfer", 100'000, k_zhang_wei_pan);
    REQUIRE(quote.status == 200);
    CHECK(quote.body["quote"]["payee_masked"] == "**** 0018");
    CHECK(quote.body["quote"]["fee"] == money(200));
    const std::string id = quote.body["quote"]["id"];
    const Reply done = terminal.transfer(k_reference, session, id);
    REQUIRE(done.status == 201);
    CHECK(done.body["transfer"]["state"] == "executed");
    CHECK(terminal.transfer(k_reference, session, id).status == 200);
    CHECK(terminal.get("/v1/transfers/" + std::string(k_reference)).status == 200);
    CHECK(terminal.get("/v1/transfers/" + std::string(k_other_reference)).status == 404);
    CHECK(terminal.balance(k_alice_pan, k_alice_pin) == 25'000'000 - 100'200);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance + 100'000);
    const Reply large = terminal.quote(session, "transfer", 1'000'100, k_zhang_wei_pan);
    CHECK(large.body["quote"]["fee"] == money(500));
}

TEST_CASE("a transfer asked after and found missing can never land afterwards") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_alice_pan, k_alice_pin);
    const Reply quote = terminal.quote(session, "transfer", 100'000, k_zhang_wei_pan);
    REQUIRE(quote.status == 200);
    // The terminal lost its request's answer and asks: the bank has none by that reference.
    CHECK(terminal.get("/v1/transfers/" + std::string(k_reference)).status == 404);
    // The request arrives late: refused, and nothing moved.
    const Reply late = terminal.transfer(k_reference, session, quote.body["quote"]["id"]);
    CHECK(late.status == 409);
    CHECK(late.body["result"] == "conflict");
    CHECK(terminal.get("/v1/transfers/" + std::string(k_reference)).status == 404);
    CHECK(terminal.balance(k_alice_pan, k_alice_pin) == 25'000'000);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance);
}

TEST_CASE("an ended session is refused everywhere, and so is another terminal's") {
    RunningBank bank;
    Terminal terminal(bank);
    Terminal stranger(bank, "lobby-02");
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    CHECK(stranger.post("/v1/statement", {{"session", session}}).status == 401);
    CHECK(terminal.post("/v1/statement", {{"session", session}}).status == 200);
    CHECK(terminal.post("/v1/sessions/end", {{"session", session}}).status == 200);
    const Reply refused = terminal.post("/v1/statement", {{"session", session}});
    CHECK(refused.status == 401);
    CHECK(refused.body["result"] == "session_refused");
    CHECK(terminal.quote(session, "withdrawal", 10'000).status == 401);
    CHECK(terminal.post("/v1/sessions/end", {{"session", session}}).status == 200);
}

TEST_CASE("a card lock ends the session and refuses the card at sign-on without using a PIN try") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const Reply locked = terminal.post("/v1/card-lock", {{"session", session}});
    REQUIRE(locked.status == 200);
    CHECK(locked.body["reference"].get<std::string>().starts_with("L-"));
    CHECK(terminal.post("/v1/statement", {{"session", session}}).status == 401);
    for (int attempt = 0; attempt < 4; ++attempt) {
        const Reply refused = terminal.sign_on_reply(k_zhang_wei_pan, "9999");
        CHECK(refused.status == 403);
        CHECK(refused.body["result"] == "card_blocked");
    }
    CHECK(terminal.sign_on_reply(k_li_na_pan, k_li_na_pin).status == 200);
}

TEST_CASE("a PIN change puts the new PIN in force and refuses one that is easy to guess") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    auto change = [&](std::string_view pin, std::string_view pan) {
        return terminal.post("/v1/pin-change", {{"session", session},
                                                {"pan", pan},
                                                {"pin_block", pin_block_hex(pin, pan)},
                                                {"pin_block_format", "iso9564-0"}});
    };
    for (const std::string_view guessable : {std::string_view("1111"), std::string_view("123456"),
                                             std::string_view("9876"), k_zhang_wei_pin}) {
        const Reply refused = change(guessable, k_zhang_wei_pan);
        CHECK(refused.status == 422);
        CHECK(refused.body["result"] == "pin_not_allowed");
    }
    CHECK(change("7391", k_li_na_pan).status == 400);
    REQUIRE(change("7391", k_zhang_wei_pan).status == 200);
    CHECK(terminal.sign_on_reply(k_zhang_wei_pan, k_zhang_wei_pin).status == 401);
    CHECK(terminal.sign_on_reply(k_zhang_wei_pan, "7391").status == 200);
}

TEST_CASE("malformed money requests are refused and move nothing") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string quote = terminal.quote_id(session, "withdrawal", 10'000);
    CHECK(terminal.authorise("0B6F8E2C-3D4A-4F5B-8C9D-0E1F2A3B4C5D", session, quote).status == 400);
    CHECK(terminal.authorise("not-a-reference", session, quote).status == 400);
    CHECK(terminal
              .post("/v1/quotes", {{"session", session},
                                   {"kind", "withdrawal"},
                                   {"amount", {{"minor_units", -100}, {"currency", "CNY"}}}})
              .status == 400);
    CHECK(terminal
              .post("/v1/quotes", {{"session", session},
                                   {"kind", "withdrawal"},
                                   {"amount", {{"minor_units", 1.5}, {"currency", "CNY"}}}})
              .status == 400);
    CHECK(terminal
              .post("/v1/quotes", {{"session", session},
                                   {"kind", "withdrawal"},
                                   {"amount", money(10'000)},
                                   {"payee_account", std::string(k_alice_pan)}})
              .status == 400);
    CHECK(terminal
              .post("/v1/quotes",
                    {{"session", session}, {"kind", "transfer"}, {"amount", money(10'000)}})
              .status == 400);
    CHECK(
        terminal.post("/v1/quotes", {{"session", session}, {"kind", "loan"}, {"amount", money(1)}})
            .status == 400);
    CHECK(terminal.quote(session, "withdrawal", 10'000).status == 200);
    CHECK(terminal.reverse(k_reference, "changed_my_mind").status == 400);
    CHECK(terminal
              .put("/v1/withdrawals/" + std::string(k_reference),
                   {{"session", session}, {"quote", quote}, {"amount", money(1)}})
              .status == 400);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance);
}

TEST_CASE("two withdrawals racing for the same money cannot both be authorised") {
    RunningBank bank;
    Terminal setup(bank);
    const std::string session = setup.sign_on(k_li_na_pan, k_li_na_pin);
    // Two quotes for 800 yuan each fit the balance alone; together they do not.
    const std::string first = setup.quote_id(session, "withdrawal", 80'000);
    const std::string second = setup.quote_id(session, "withdrawal", 80'000);
    std::atomic<int> authorised{0};
    auto attempt = [&](std::string_view reference, const std::string& quote) {
        Terminal terminal(bank);
        if (terminal.authorise(reference, session, quote).status == 201) {
            ++authorised;
        }
    };
    std::thread one(attempt, k_reference, first);
    std::thread two(attempt, k_other_reference, second);
    one.join();
    two.join();
    CHECK(authorised.load() == 1);
}

TEST_CASE("the audit names the transaction and the masked card, never the session or the payee") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_alice_pan, k_alice_pin);
    const std::string quote = terminal.quote_id(session, "transfer", 10'000, k_zhang_wei_pan);
    REQUIRE(terminal.transfer(k_reference, session, quote).status == 201);
    auto entries = bank.service.audit_entries();
    REQUIRE(entries.has_value());
    bool found = false;
    for (const auto& entry : *entries) {
        CHECK(entry.masked_pan.find(k_zhang_wei_pan.substr(0, 12)) == std::string::npos);
        if (entry.call == "transfer") {
            found = true;
            CHECK(entry.transaction == k_reference);
            CHECK(entry.masked_pan == "**** **** **** 2223");
            CHECK(entry.http_status == 201);
        }
    }
    CHECK(found);
    // Nothing in the database files (the database and its write-ahead log) holds the session
    // token or either full card number.
    std::string bytes;
    for (const char* name : {"bank.sqlite", "bank.sqlite-wal"}) {
        std::ifstream file(bank.directory.path() / name, std::ios::binary);
        bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    REQUIRE_FALSE(bytes.empty());
    CHECK(bytes.find(session) == std::string::npos);
    CHECK(bytes.find(k_alice_pan) == std::string::npos);
    CHECK(bytes.find(k_zhang_wei_pan) == std::string::npos);
}

TEST_CASE("a reply dropped after the commit leaves the debit booked until the kiosk reverses it") {
    RunningBank bank;
    Terminal terminal(bank);
    const std::string session = terminal.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    const std::string quote = terminal.quote_id(session, "withdrawal", 50'000);
    REQUIRE(terminal.authorise(k_reference, session, quote).status == 201);
    REQUIRE(bank.service.set_fault(Fault::drop_after_commit, "withdrawal_confirm"));
    // The confirmation is booked, but the terminal never gets its answer.
    auto client = bank.client();
    const json confirm = {{"terminal_id", k_terminal}, {"dispensed", money(50'000)}};
    CHECK_FALSE(client.Post("/v1/withdrawals/" + std::string(k_reference) + "/confirm",
                            confirm.dump(), "application/json"));
    auto ledger = bank.service.cash_ledger(k_terminal);
    REQUIRE(ledger.has_value());
    CHECK(ledger->debited == 50'000);
    CHECK(ledger->held == 0);
    // Only that call meets the fault: the sign-on and the reversal are answered.
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance - 50'000);
    CHECK(terminal.reverse(k_reference, "outcome_unknown").status == 200);
    ledger = bank.service.cash_ledger(k_terminal);
    REQUIRE(ledger.has_value());
    CHECK(ledger->debited == 0);
    CHECK(ledger->withdrawals == 0);
    CHECK(terminal.balance(k_zhang_wei_pan, k_zhang_wei_pin) == k_zhang_wei_balance);
    // The audit says the confirmation was done and its answer lost.
    auto entries = bank.service.audit_entries();
    REQUIRE(entries.has_value());
    const auto dropped = std::ranges::find_if(
        *entries, [](const auto& entry) { return entry.call == "withdrawal_confirm"; });
    REQUIRE(dropped != entries->end());
    CHECK(dropped->result == "fault_drop-after-commit: ok");
    CHECK(dropped->http_status == 200);
}

TEST_CASE("the cash ledger counts one terminal's withdrawals since a time") {
    RunningBank bank;
    Terminal lobby(bank);
    Terminal other(bank, "lobby-02");
    const std::string session = lobby.sign_on(k_zhang_wei_pan, k_zhang_wei_pin);
    REQUIRE(lobby.authorise(k_reference, session, lobby.quote_id(session, "withdrawal", 20'000))
                .status == 201);
    REQUIRE(lobby.confirm(k_reference, 20'000).status == 200);
    const std::string elsewhere = other.sign_on(k_alice_pan, k_alice_pin);
    REQUIRE(other
                .authorise(k_other_reference, elsewhere,
                           other.quote_id(elsewhere, "withdrawal", 30'000))
                .status == 201);
    const auto mine = bank.service.cash_ledger(k_terminal);
    REQUIRE(mine.has_value());
    CHECK(mine->debited == 20'000);
    CHECK(mine->held == 0);
    const auto everyone = bank.service.cash_ledger();
    REQUIRE(everyone.has_value());
    CHECK(everyone->held == 30'000);
    const auto later = bank.service.cash_ledger(
        k_terminal, std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                            .count() +
                        60'000);
    REQUIRE(later.has_value());
    CHECK(later->debited == 0);
}
