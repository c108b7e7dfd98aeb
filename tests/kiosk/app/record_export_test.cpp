// The service menu's export of the records: what an engineer finds on the stick (the journal as
// JSON Lines, the log redacted, a manifest whose digests and chain check hold), and every
// refusal, which leaves the destination as it was.

#include <openssl/evp.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "base/bytes.h"
#include "kiosk/app/export_worker.h"
#include "kiosk/app/record_export.h"
#include "kiosk/store/journal.h"
#include "tests/kiosk/store/journal_test_support.h"

using kiosk::app::export_records;
using kiosk::app::ExportError;
using kiosk::app::ExportSummary;
using kiosk::app::RecordExport;
using kiosk::app::redact_digits;
using kiosk::app::sha256_hex;
using kiosk::store::Journal;
using kiosk::store::JournalEntry;
using kiosk::store::JournalRecord;
using kiosk::store::testing::tamper;
using kiosk::store::testing::TemporaryFolder;

namespace {

using namespace std::chrono_literals;

// 2026-12-04 14:38:52.250 UTC: the files are named to the second.
const std::chrono::system_clock::time_point k_export_time =
    std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 14h + 38min + 52s + 250ms;
constexpr std::string_view k_stamp = "KIOSK-7-20261204T143852Z";

const std::string k_transaction = "0b6f8e2c-3d4a-4f5b-8c9d-0e1f2a3b4c51";

// A record of no transaction.
JournalEntry plain_entry(std::string event, std::string detail) {
    JournalEntry entry;
    entry.event = std::move(event);
    entry.detail = std::move(detail);
    return entry;
}

// A journal as the kiosk writes it: a start, a service-menu action, and a withdrawal's step
// with every transaction field set.
std::vector<JournalRecord> write_kiosk_journal(const std::filesystem::path& file) {
    auto journal = Journal::open(file);
    REQUIRE(journal.has_value());
    const std::vector<JournalEntry> entries{
        plain_entry("kiosk started", "version 1"),
        plain_entry("service sign-in", "engineer 1001"),
        JournalEntry{.event = "dispense_requested",
                     .detail = "cassettes 1 and 2",
                     .transaction = k_transaction,
                     .step = "dispensing",
                     .amount_minor_units = 50'000,
                     .fee_minor_units = 500,
                     .currency = "HKD",
                     .notes = {2, 0, 1, 0}},
        plain_entry("service sign-out", ""),
    };
    std::int64_t at = 1'764'859'000'000;
    for (const auto& entry : entries) {
        REQUIRE((*journal)->append(entry, at).has_value());
        at += 1'500;
    }
    auto records = (*journal)->records();
    REQUIRE(records.has_value());
    return *records;
}

// A log that should never have held card numbers: a 16-digit and a 19-digit one (one written in
// groups), a 12-digit reference, and what must stay as it is.
const std::string k_log =
    "2026-12-04 14:00:01 card read 4111111111111111 by mistake\n"
    "2026-12-04 14:00:02 pan 6011 0009 9013 9424 123 echoed\n"
    "2026-12-04 14:00:03 reference 123456789012 and amount 1000 - 2000\n"
    "2026-12-04 14:00:04 payee **** **** **** 3445 and **** 1234, 11 digits 12345678901\n";
const std::string k_redacted_log =
    "2026-12-04 14:00:01 card read [digits] by mistake\n"
    "2026-12-04 14:00:02 pan [digits] echoed\n"
    "2026-12-04 14:00:03 reference [digits] and amount 1000 - 2000\n"
    "2026-12-04 14:00:04 payee **** **** **** 3445 and **** 1234, 11 digits 12345678901\n";

void write_export_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

std::string exported_text(const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// OpenSSL's SHA-256 of the bytes, in lower-case hex, to hold the export's own against.
std::string openssl_sha256(const std::string& bytes) {
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) ==
            1);
    std::string hex = base::to_hex(digest);
    for (char& character : hex) {
        character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    }
    return hex;
}

std::set<std::string> export_names_in(const std::filesystem::path& folder) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

// A kiosk's files and an empty destination folder.
struct ExportBench {
    TemporaryFolder kiosk;
    TemporaryFolder stick;
    std::filesystem::path journal_file = kiosk.path() / "journal.sqlite";
    std::filesystem::path log_file = kiosk.path() / "kiosk.log";
    std::vector<JournalRecord> records = write_kiosk_journal(journal_file);

    ExportBench() { write_export_text(log_file, k_log); }

    RecordExport request() const {
        return RecordExport{journal_file, log_file, "KIOSK-7", stick.path(), k_export_time};
    }
};

nlohmann::json manifest_of(const std::filesystem::path& folder) {
    return nlohmann::json::parse(
        exported_text(folder / ("manifest-" + std::string(k_stamp) + ".json")));
}

}  // namespace

TEST_CASE("An export writes every journal record, the log redacted, and a manifest of both") {
    ExportBench bench;
    const auto summary = export_records(bench.request());
    REQUIRE(summary.has_value());
    const std::string journal_name = "journal-" + std::string(k_stamp) + ".jsonl";
    const std::string log_name = "log-" + std::string(k_stamp) + ".txt";
    const std::string manifest_name = "manifest-" + std::string(k_stamp) + ".json";
    CHECK(export_names_in(bench.stick.path()) ==
          std::set<std::string>{journal_name, log_name, manifest_name});

    // The journal: one JSON object a line, every field of every record, the chain's hashes.
    std::istringstream lines(exported_text(bench.stick.path() / journal_name));
    std::vector<nlohmann::json> exported;
    for (std::string line; std::getline(lines, line);) {
        exported.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(exported.size() == bench.records.size());
    for (std::size_t index = 0; index < exported.size(); ++index) {
        const JournalRecord& record = bench.records[index];
        const nlohmann::json& line = exported[index];
        CHECK(line["sequence"] == record.sequence);
        CHECK(line["at_unix_ms"] == record.at_unix_ms);
        CHECK(line["event"] == record.entry.event);
        CHECK(line["detail"] == record.entry.detail);
        CHECK(line["hash"] == base::to_hex(record.hash));
        CHECK(line["previous_hash"] == base::to_hex(record.previous_hash));
    }
    const nlohmann::json& withdrawal = exported[2];
    CHECK(withdrawal["transaction"] == k_transaction);
    CHECK(withdrawal["step"] == "dispensing");
    CHECK(withdrawal["amount_minor_units"] == 50'000);
    CHECK(withdrawal["fee_minor_units"] == 500);
    CHECK(withdrawal["currency"] == "HKD");
    CHECK(withdrawal["notes"] == nlohmann::json::array({2, 0, 1, 0}));
    CHECK(exported[0]["at"] == "2025-12-04T14:36:40.000Z");

    // The log: the three long numbers gone, every other byte as it was.
    CHECK(exported_text(bench.stick.path() / log_name) == k_redacted_log);

    // The manifest: each file's size and digest as read back, the redactions, the chain intact.
    const nlohmann::json manifest = manifest_of(bench.stick.path());
    CHECK(manifest["terminal_id"] == "KIOSK-7");
    CHECK(manifest["records"] == 4);
    REQUIRE(manifest["files"].size() == 2);
    for (const auto& file : manifest["files"]) {
        const std::string bytes =
            exported_text(bench.stick.path() / file["name"].get<std::string>());
        CHECK(file["size"] == bytes.size());
        CHECK(file["sha256"] == openssl_sha256(bytes));
    }
    CHECK(manifest["files"][0]["name"] == journal_name);
    CHECK(manifest["files"][0]["redactions"] == 0);
    CHECK(manifest["files"][1]["name"] == log_name);
    CHECK(manifest["files"][1]["redactions"] == 3);
    CHECK(manifest["chain"]["intact"] == true);
    CHECK(manifest["chain"]["last_sequence"] == 4);
    CHECK(manifest["chain"]["last_hash"] == base::to_hex(bench.records.back().hash));

    CHECK(summary->records == 4);
    CHECK(summary->chain.intact);
    CHECK(summary->log->redactions == 3);
    CHECK(summary->manifest.sha256 ==
          openssl_sha256(exported_text(bench.stick.path() / manifest_name)));
}

TEST_CASE("A tampered journal is exported whole, with the sequence where its chain breaks") {
    ExportBench bench;
    tamper(bench.journal_file, "UPDATE journal SET detail = 'engineer 2001' WHERE sequence = 2;");
    RecordExport request = bench.request();
    request.log_file.reset();
    const auto summary = export_records(request);
    REQUIRE(summary.has_value());
    CHECK_FALSE(summary->chain.intact);
    CHECK(summary->chain.first_bad_sequence == 2);
    CHECK(summary->records == 4);
    CHECK_FALSE(summary->log.has_value());
    const nlohmann::json manifest = manifest_of(bench.stick.path());
    CHECK(manifest["chain"]["intact"] == false);
    CHECK(manifest["chain"]["first_bad_sequence"] == 2);
    CHECK(manifest["files"].size() == 1);
    // What the tamperer wrote is what is exported: the auditor sees the altered record.
    const std::string journal_text =
        exported_text(bench.stick.path() / ("journal-" + std::string(k_stamp) + ".jsonl"));
    CHECK(journal_text.find("engineer 2001") != std::string::npos);
}

TEST_CASE("Runs of twelve or more digits are redacted and counted, and nothing else changes") {
    std::size_t redactions = 0;
    CHECK(redact_digits("4111 1111 1111 1111", redactions) == "[digits]");
    CHECK(redact_digits("ref 123456789012.", redactions) == "ref [digits].");
    CHECK(redact_digits("card 4111-1111-1111-1111-003 end", redactions) == "card [digits] end");
    CHECK(redactions == 3);
    redactions = 0;
    for (const std::string_view kept :
         {"**** **** **** 3456", "**** 1234", "12345678901", "1000 - 2000", "1234  5678  9012",
          "2026-12-04 14:38:52", "", "no digits at all"}) {
        CHECK(redact_digits(kept, redactions) == kept);
    }
    CHECK(redactions == 0);
}

TEST_CASE("The manifest's SHA-256 gives the FIPS 180-4 example digests and OpenSSL's") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha256_hex(std::string(1'000'000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Every length around the padding's edges (55, 56, 63, 64 bytes and their multiples).
    std::string message;
    for (int length = 0; length <= 200; ++length) {
        INFO(length);
        CHECK(sha256_hex(message) == openssl_sha256(message));
        message.push_back(static_cast<char>('a' + length % 26));
    }
}

TEST_CASE("An export is refused to a destination that is missing, not a folder or read-only") {
    ExportBench bench;
    RecordExport request = bench.request();

    request.destination = bench.stick.path() / "not-mounted";
    auto result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::destination_missing);

    request.destination = bench.log_file;
    result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::destination_not_a_folder);

    // sysfs: a folder in which no user, root included, can create a file (a read-only mode bit
    // would not stop a test run as root).
    request.destination = "/sys";
    result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::destination_not_writable);
    CHECK_FALSE(std::filesystem::exists("/sys/journal-" + std::string(k_stamp) + ".jsonl.part"));

    CHECK(export_names_in(bench.stick.path()).empty());
}

TEST_CASE("An export never overwrites a file of its name") {
    ExportBench bench;
    const auto manifest = bench.stick.path() / ("manifest-" + std::string(k_stamp) + ".json");
    write_export_text(manifest, "an earlier export\n");
    const auto result = export_records(bench.request());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::name_exists);
    CHECK(exported_text(manifest) == "an earlier export\n");
    CHECK(export_names_in(bench.stick.path()) ==
          std::set<std::string>{manifest.filename().string()});
    // A second export in the same second finds the first one's files.
    TemporaryFolder other;
    RecordExport request = bench.request();
    request.destination = other.path();
    REQUIRE(export_records(request).has_value());
    const auto again = export_records(request);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == ExportError::name_exists);
    CHECK(export_names_in(other.path()).size() == 3);
}

TEST_CASE("An export that fails part way leaves no file of its own and no .part behind") {
    ExportBench bench;
    // The log's copy cannot be created (a folder stands where write_private_file makes its new
    // file), after the journal's file was written.
    const auto blocker = bench.stick.path() / ("log-" + std::string(k_stamp) + ".txt.part.new");
    std::filesystem::create_directory(blocker);
    const auto result = export_records(bench.request());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::destination_not_writable);
    CHECK(export_names_in(bench.stick.path()) ==
          std::set<std::string>{blocker.filename().string()});
}

TEST_CASE("An export is refused a terminal id that is no file name, and a missing journal or log") {
    ExportBench bench;
    RecordExport request = bench.request();
    request.terminal_id = "../../etc";
    auto result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::invalid_terminal_id);

    request = bench.request();
    request.journal_file = bench.kiosk.path() / "no-journal.sqlite";
    result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::journal_missing);
    // Not created by the attempt, as Journal::open would.
    CHECK_FALSE(std::filesystem::exists(request.journal_file));

    request = bench.request();
    request.log_file = bench.kiosk.path() / "no.log";
    result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::log_unreadable);

    request = bench.request();
    request.journal_file = bench.log_file;
    result = export_records(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ExportError::journal_unreadable);

    CHECK(export_names_in(bench.stick.path()).empty());
}

TEST_CASE(
    "The service menu hears of an export as its records, its chain and its redactions; a "
    "missing stick as no stick; any other failure by the export's words") {
    ExportBench bench;
    const kiosk::core::ExportResult done =
        kiosk::app::export_result(export_records(bench.request()));
    CHECK(done.outcome == kiosk::core::ExportOutcome::exported);
    CHECK(done.records == static_cast<std::int64_t>(bench.records.size()));
    CHECK(done.chain_intact);
    CHECK(done.redactions == 3);  // the log's three runs; the journal holds none
    RecordExport unplugged = bench.request();
    unplugged.destination = bench.stick.path() / "not-mounted";
    const kiosk::core::ExportResult no_stick = kiosk::app::export_result(export_records(unplugged));
    CHECK(no_stick.outcome == kiosk::core::ExportOutcome::no_stick);
    RecordExport no_journal = bench.request();
    no_journal.journal_file = bench.kiosk.path() / "none.sqlite";
    const kiosk::core::ExportResult failed = kiosk::app::export_result(export_records(no_journal));
    CHECK(failed.outcome == kiosk::core::ExportOutcome::failed);
    CHECK(failed.problem == to_string(ExportError::journal_missing));
    // No path reaches the screen.
    CHECK(failed.problem.find(bench.kiosk.path().string()) == std::string::npos);
}
