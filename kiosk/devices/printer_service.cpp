#include "kiosk/devices/printer_service.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "base/bytes.h"
#include "kiosk/devices/device_timing.h"

namespace kiosk::devices {
namespace {

namespace escpos = drivers::escpos;
using Clock = std::chrono::steady_clock;

// Lines fed below a slip's last line before the cut's own feed (which only brings that line
// past the cutter): a margin to take the slip by that leaves the last words and the QR
// code's quiet zone clear of fingers and of the torn edge.
constexpr std::uint8_t k_slip_end_feed_lines = 3;
// What a rule across the paper is drawn with: a character every printer's font has.
constexpr char k_rule_character = '-';

escpos::CharacterSize size_of(core::PrintSize size) {
    switch (size) {
        case core::PrintSize::normal:
            return escpos::k_normal_size;
        case core::PrintSize::large:
            return escpos::k_large_size;
        case core::PrintSize::huge:
            return escpos::k_huge_size;
    }
    return escpos::k_normal_size;
}

escpos::Justification justification_of(core::PrintAlignment alignment) {
    switch (alignment) {
        case core::PrintAlignment::left:
            return escpos::Justification::left;
        case core::PrintAlignment::centre:
            return escpos::Justification::centre;
    }
    return escpos::Justification::left;
}

// Every block sets the modes it needs (justification, emphasis, size), so that none depends
// on what the block before it left selected.
std::expected<void, escpos::Error> append_block(base::Bytes& job, const core::PrintText& text) {
    escpos::select_justification(job, justification_of(text.alignment));
    escpos::select_emphasis(job, text.bold);
    const escpos::CharacterSize size = size_of(text.size);
    if (auto selected = escpos::select_size(job, size); !selected) {
        return selected;
    }
    // The printer does not wrap words (docs/protocols/escpos.md, "Paper and columns").
    return escpos::wrapped_text(job, text.text, size);
}

std::expected<void, escpos::Error> append_block(base::Bytes& job, const core::PrintRule&) {
    escpos::select_justification(job, escpos::Justification::left);
    escpos::select_emphasis(job, false);
    if (auto selected = escpos::select_size(job, escpos::k_normal_size); !selected) {
        return selected;
    }
    const std::string rule(
        static_cast<std::size_t>(escpos::columns_per_line(escpos::k_normal_size)),
        k_rule_character);
    return escpos::wrapped_text(job, rule, escpos::k_normal_size);
}

std::expected<void, escpos::Error> append_block(base::Bytes& job, const core::PrintQrCode& code) {
    // core/print_document.h: a slip's QR code is centred.
    escpos::select_justification(job, escpos::Justification::centre);
    return escpos::qr_code(job, code.data);
}

// A secret the shell did not put in place is never printed as a blank: the slip is refused.
std::expected<void, escpos::Error> append_block(base::Bytes&, const core::PrintEnrolmentSecret&) {
    return std::unexpected(
        base::error(escpos::EscposError::bad_parameter, "an enrolment secret not put in place"));
}

// The whole slip as one ESC/POS job: initialised and in UTF-8 whatever the last job left
// (docs/protocols/escpos.md, "Commands"), the blocks top to bottom, a margin, and a partial
// cut that leaves the slip hanging by a point instead of falling.
std::expected<base::Bytes, escpos::Error> encode_slip(const core::PrintDocument& document) {
    base::Bytes job;
    escpos::begin_job(job);
    for (const core::PrintBlock& block : document.blocks) {
        const auto appended =
            std::visit([&](const auto& part) { return append_block(job, part); }, block);
        if (!appended) {
            return std::unexpected(appended.error());
        }
    }
    escpos::feed_lines(job, k_slip_end_feed_lines);
    escpos::cut(job, escpos::CutShape::partial, escpos::k_cut_feed_dots);
    return job;
}

// The paper level as the core can act on it: an open cover stops every slip as an empty roll
// does (docs/protocols/escpos.md, "What the kiosk does with each status").
core::PaperLevel level_of(const escpos::PrinterCondition& condition) {
    if (condition.cover_open || condition.paper == escpos::PaperState::out) {
        return core::PaperLevel::out;
    }
    return condition.paper == escpos::PaperState::low ? core::PaperLevel::low
                                                      : core::PaperLevel::ok;
}

// Why a printer that cannot print cannot: no paper (or an open cover, which the customer
// and staff meet the same way) or anything else that took it off-line.
core::PrintResult blocked_result(const escpos::PrinterCondition& condition) {
    return level_of(condition) == core::PaperLevel::out ? core::PrintResult::paper_out
                                                        : core::PrintResult::failed;
}

std::string_view blocked_notice(const escpos::PrinterCondition& condition) {
    if (condition.cover_open) {
        return "slip not printed: cover open";
    }
    if (condition.paper == escpos::PaperState::out) {
        return "slip not printed: paper out";
    }
    return "slip not printed: printer off-line";
}

std::string paper_notice(core::PaperLevel level) {
    return "paper " + std::string(core::to_string(level));
}

}  // namespace

std::string_view to_string(PrinterState state) {
    switch (state) {
        case PrinterState::printer_missing:
            return "printer missing";
        case PrinterState::ready:
            return "ready";
        case PrinterState::printing:
            return "printing";
    }
    return "unknown";
}

struct PrinterService::Connection {
    std::unique_ptr<drivers::usb::UsbTransport> transport;
    std::unique_ptr<escpos::EscposClient> client;
    // The printer has answered a condition request since it was opened: it works.
    bool answered = false;
    // Condition requests that failed in a row without the printer going away.
    int failures = 0;
};

PrinterService::PrinterService(PrinterOptions options)
    : m_options(std::move(options)), m_link(m_options.name) {}

PrinterService::~PrinterService() {
    stop();
}

void PrinterService::start(EventSink events, DeviceNotice notice) {
    // Slips asked for before the start are kept: each is answered once the model runs.
    m_link.stop();
    m_paper_heard = core::PaperLevel::ok;
    m_last_condition.reset();
    m_unfinished.reset();
    m_link.start(std::move(events), std::move(notice), [this] { run(); });
}

void PrinterService::stop() {
    m_link.stop();
    std::lock_guard lock(m_jobs_mutex);
    m_jobs.clear();
}

void PrinterService::print(std::uint64_t print_id, core::PrintDocument document) {
    {
        std::lock_guard lock(m_jobs_mutex);
        m_jobs.push_back(Job{print_id, std::move(document)});
    }
    m_link.wake();
}

std::optional<PrinterService::Job> PrinterService::next_job() {
    std::lock_guard lock(m_jobs_mutex);
    if (m_jobs.empty()) {
        return std::nullopt;
    }
    Job job = std::move(m_jobs.front());
    m_jobs.pop_front();
    return job;
}

void PrinterService::run() {
    // A slip that was being printed when a fault escaped the model's code is not printed
    // later: the shell hears that it failed, as after an unplug.
    if (m_unfinished) {
        finish(*m_unfinished, core::PrintResult::failed, "slip not printed: fault");
    }
    m_link.run<Connection>({
        .device = core::Device::printer,
        .missing_notice = "printer missing",
        .disconnected_notice = "printer disconnected",
        .connect = [this](const drivers::usb::UsbContext& context) { return connect(context); },
        .serve = [this](Connection& connection) { serve(connection); },
        .mark_missing =
            [this] {
                set_state(PrinterState::printer_missing);
                m_printer_usb.reset();
                m_snapshot.clear();
            },
        .while_missing = [this] { refuse_jobs_while_missing(); },
    });
}

void PrinterService::refuse_jobs_while_missing() {
    while (auto job = next_job()) {
        m_unfinished = job->print_id;
        finish(job->print_id, core::PrintResult::failed, "slip not printed: printer missing");
    }
}

std::optional<PrinterService::Connection> PrinterService::connect(
    const drivers::usb::UsbContext& context) {
    auto transport = drivers::usb::UsbTransport::open(context, m_options.match);
    if (!transport) {
        return std::nullopt;
    }
    Connection connection;
    connection.transport = std::move(*transport);
    connection.client =
        std::make_unique<escpos::EscposClient>(*connection.transport, m_options.escpos);
    return connection;
}

void PrinterService::serve(Connection& connection) {
    DeviceSnapshot usb;
    add_usb_identity(usb, *connection.transport);
    m_printer_usb = std::move(usb);
    auto next_look = Clock::now();  // learn the printer's condition at once
    while (!m_link.stop_requested()) {
        if (auto job = next_job()) {
            if (carry_out(connection, *job) == Outcome::printer_gone) {
                return;
            }
            // A slip looks at the printer twice; the next look between slips can wait.
            next_look = Clock::now() + k_printer_status_poll;
            continue;
        }
        if (Clock::now() >= next_look) {
            const auto condition = look(connection);
            if (!condition) {
                if (condition.error().code == escpos::EscposError::device_gone ||
                    connection.failures >= k_failures_before_reopen) {
                    return;
                }
                next_look = Clock::now() + k_error_backoff;
                continue;
            }
            next_look = Clock::now() + k_printer_status_poll;
            continue;
        }
        // The printer has no interrupt endpoint to wait on: the model sleeps until its next
        // look, and print() or stop() wake it at once.
        m_link.sleep_for(
            std::max(std::chrono::ceil<std::chrono::milliseconds>(next_look - Clock::now()),
                     std::chrono::milliseconds(1)));
    }
}

std::expected<escpos::PrinterCondition, escpos::Error> PrinterService::look(
    Connection& connection) {
    auto condition = connection.client->condition();
    if (!condition) {
        if (condition.error().code != escpos::EscposError::device_gone) {
            ++connection.failures;
            tell("printer status unreadable");
        }
        return condition;
    }
    connection.failures = 0;
    if (!connection.answered) {
        connection.answered = true;
        tell("printer connected");
        if (state() == PrinterState::printer_missing) {
            set_state(PrinterState::ready);  // a slip being printed keeps its state
        }
        m_link.connected();
    }
    follow(*condition);
    return condition;
}

void PrinterService::follow(const escpos::PrinterCondition& condition) {
    const escpos::PrinterCondition before = m_last_condition.value_or(escpos::PrinterCondition{});
    m_last_condition = condition;
    if (condition.cover_open != before.cover_open) {
        tell(condition.cover_open ? "cover open" : "cover closed");
    }
    // Off-line for a cause other than the paper or the cover, which are told on their own.
    const auto off_line_otherwise = [](const escpos::PrinterCondition& seen) {
        return !seen.online && !seen.cover_open && seen.paper != escpos::PaperState::out;
    };
    if (off_line_otherwise(condition) != off_line_otherwise(before)) {
        tell(off_line_otherwise(condition) ? "printer off-line" : "printer on-line");
    }
    if (m_printer_usb) {
        // docs/protocols/escpos.md: the paper sensors (DLE EOT 4), the printer's on-line state
        // (DLE EOT 1) and, off-line, the cover (DLE EOT 2), as this look found them.
        DeviceSnapshot snapshot = *m_printer_usb;
        snapshot.connected = true;
        snapshot.add(FactName::paper, std::string(escpos::to_string(condition.paper)));
        snapshot.add(FactName::cover, condition.cover_open ? "open" : "closed");
        snapshot.add(FactName::online, std::string(yes_no(condition.online)));
        m_snapshot.set(std::move(snapshot));
    }
    const core::PaperLevel level = level_of(condition);
    if (level != m_paper_heard) {
        m_paper_heard = level;
        tell(paper_notice(level));
        post(core::PaperChanged{level});
    }
}

PrinterService::Outcome PrinterService::carry_out(Connection& connection, const Job& job) {
    m_unfinished = job.print_id;
    auto slip = encode_slip(job.document);
    if (!slip) {
        // Only the error's kind: its context may quote the slip.
        finish(job.print_id, core::PrintResult::failed,
               "slip not printed: " + std::string(escpos::to_string(slip.error().code)));
        return Outcome::keep_going;
    }

    set_state(PrinterState::printing);
    const auto gone_or_failed = [&](const escpos::Error& error, std::string_view when) {
        set_state(connection.answered ? PrinterState::ready : PrinterState::printer_missing);
        if (error.code == escpos::EscposError::device_gone) {
            finish(job.print_id, core::PrintResult::failed, "slip not printed: printer gone");
            return Outcome::printer_gone;
        }
        finish(job.print_id, core::PrintResult::failed,
               std::string(when) + std::string(escpos::to_string(error.code)));
        return Outcome::keep_going;
    };

    // docs/protocols/escpos.md, "What the kiosk does with each status": a slip the printer
    // cannot print now is not sent, because it would not be printed later either.
    const auto before = look(connection);
    if (!before) {
        return gone_or_failed(before.error(), "slip not sent: ");
    }
    if (!before->can_print()) {
        set_state(PrinterState::ready);
        finish(job.print_id, blocked_result(*before), blocked_notice(*before));
        return Outcome::keep_going;
    }

    if (auto sent = connection.client->print(*slip); !sent) {
        return gone_or_failed(sent.error(), "slip not printed: ");
    }

    // The paper may have run out or the cover been opened while the slip printed: then it may
    // be torn or missing, and counts as not printed.
    const auto after = look(connection);
    if (!after) {
        return gone_or_failed(after.error(), "slip status unknown: ");
    }
    set_state(PrinterState::ready);
    if (!after->can_print()) {
        finish(job.print_id, blocked_result(*after), blocked_notice(*after));
        return Outcome::keep_going;
    }
    finish(job.print_id, core::PrintResult::printed, "slip printed");
    return Outcome::keep_going;
}

void PrinterService::finish(std::uint64_t print_id, core::PrintResult result,
                            std::string_view notice) {
    m_unfinished.reset();
    // A slip stopped by the paper or the cover always follows a look that found the level
    // `out` and said so (PaperChanged), which is what the core takes from paper_out as well;
    // the next look that finds paper tells the core that slips print again.
    tell(notice);
    post(core::PrintFinished{print_id, result});
}

}  // namespace kiosk::devices
