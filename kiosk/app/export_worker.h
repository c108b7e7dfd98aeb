#pragma once

// The service menu's export of the records, off the event loop's thread (docs/architecture.md,
// "Threads": a journal of years is megabytes to read and write). Each ExportRecords writes the
// electronic journal and the log, redacted, with their manifest, to the USB stick
// (record_export.h), and the outcome comes back to the loop as one core::RecordsExported.

#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "kiosk/app/record_export.h"
#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"

namespace kiosk::app {

struct ExportPlaces {
    std::filesystem::path journal_file;
    std::optional<std::filesystem::path> log_file;
    std::string terminal_id;
    std::filesystem::path destination;  // the USB stick's mount point
};

class ExportWorker {
  public:
    using Post = std::function<void(core::Event)>;

    ExportWorker(ExportPlaces places, Post post);

    void export_records(core::ExportRecords request) { m_worker.push(request); }

  private:
    void export_now(const core::ExportRecords& request) const;  // on the worker

    ExportPlaces m_places;
    Post m_post;
    WorkerThread<core::ExportRecords> m_worker;  // last: it stops before the rest goes
};

// How an export's result reads for the service menu: a missing destination is no USB stick; any
// other failure is named by the export's error, never by a path.
core::ExportResult export_result(
    const std::expected<ExportSummary, base::Error<ExportError>>& done);

}  // namespace kiosk::app
