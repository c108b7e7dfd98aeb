#include "kiosk/app/export_worker.h"

#include <chrono>
#include <utility>

namespace kiosk::app {

core::ExportResult export_result(
    const std::expected<ExportSummary, base::Error<ExportError>>& done) {
    core::ExportResult result;
    if (!done) {
        result.outcome = done.error().code == ExportError::destination_missing
                             ? core::ExportOutcome::no_stick
                             : core::ExportOutcome::failed;
        result.problem = std::string(to_string(done.error().code));
        return result;
    }
    result.outcome = core::ExportOutcome::exported;
    result.records = done->records;
    result.chain_intact = done->chain.intact;
    result.redactions = done->journal.redactions + (done->log ? done->log->redactions : 0);
    return result;
}

ExportWorker::ExportWorker(ExportPlaces places, Post post)
    : m_places(std::move(places)),
      m_post(std::move(post)),
      m_worker([this](core::ExportRecords& request) { export_now(request); }) {}

void ExportWorker::export_now(const core::ExportRecords& request) const {
    const auto done = app::export_records(RecordExport{.journal_file = m_places.journal_file,
                                                       .log_file = m_places.log_file,
                                                       .terminal_id = m_places.terminal_id,
                                                       .destination = m_places.destination,
                                                       .at = std::chrono::system_clock::now()});
    m_post(core::RecordsExported{.call_id = request.call_id, .result = export_result(done)});
}

}  // namespace kiosk::app
