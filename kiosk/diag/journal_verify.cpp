// kiosk-diag journal verify FILE: checks an electronic journal's hash chain
// (kiosk/store/README.md, "The hash chain").

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "base/bytes.h"
#include "kiosk/diag/command.h"
#include "kiosk/store/journal.h"

namespace kiosk::diag {

namespace {

int verify(std::span<const std::string_view> arguments) {
    const std::filesystem::path file(arguments[0]);
    const store::VerificationReport report = store::verify_journal(file);
    // Ordered, so that "valid" and "records" come first for a reader.
    nlohmann::ordered_json output;
    output["valid"] = report.valid();
    output["records"] = report.records;
    if (report.first_bad_sequence) {
        output["first_bad_sequence"] = *report.first_bad_sequence;
    }
    if (report.error) {
        output["error"] = base::to_string(*report.error);
    } else {
        // Removing records from the end leaves a valid chain: the count and the last hash are
        // what an auditor compares with the kiosk's own (kiosk/store/README.md, "The tail").
        output["last_sequence"] = report.tail.sequence;
        output["last_hash"] = base::to_hex(report.tail.hash);
    }
    std::puts(output.dump().c_str());
    std::error_code ignored;
    return std::filesystem::exists(file, ignored) ? k_exit_decoded : k_exit_unusable;
}

}  // namespace

const Command k_journal_verify{
    .words = "journal verify",
    .arguments = "FILE",
    .argument_count = 1,
    .summary = "check an electronic journal's hash chain",
    .run = verify,
};

}  // namespace kiosk::diag
