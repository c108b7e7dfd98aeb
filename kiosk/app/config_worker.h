#pragma once

// The service menu's view and change of the configuration, off the event loop's thread
// (docs/architecture.md, "Threads": a USB stick can take seconds to answer). Each request reads
// or writes the files through config_update.h, and its answer comes back to the loop as one
// core event.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"

namespace kiosk::app {

struct ConfigPlaces {
    std::optional<std::filesystem::path> config_file;  // the file in use (Config::config_file)
    std::filesystem::path usb_stick;                   // the stick's mount point
    std::vector<std::string> arguments;                // the kiosk's command line
};

class ConfigWorker {
  public:
    using Post = std::function<void(core::Event)>;
    using Request = std::variant<core::ReadConfiguration, core::ReviewConfiguration,
                                 core::InstallConfiguration>;

    ConfigWorker(ConfigPlaces places, Post post);

    void push(Request request) { m_worker.push(std::move(request)); }

  private:
    // Each request's answer, on the worker.
    core::ConfigurationRead answer(const core::ReadConfiguration& request) const;
    core::ConfigurationReviewed answer(const core::ReviewConfiguration& request) const;
    core::ConfigurationInstalled answer(const core::InstallConfiguration& request) const;

    ConfigPlaces m_places;
    Post m_post;
    WorkerThread<Request> m_worker;  // last: it stops before the rest goes
};

}  // namespace kiosk::app
