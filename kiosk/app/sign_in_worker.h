#pragma once

// The service menu's sign-in checks, off the event loop's thread (docs/architecture.md,
// "Threads": nothing blocks the loop). Each CheckSignIn is handed to kiosk/access's desk on this
// worker, which takes one PBKDF2 run (about a second; kiosk_access_bench), and its verdict comes
// back to the loop as core::SignInChecked.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

#include "kiosk/access/sign_in_desk.h"
#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"

namespace kiosk::app {

class SignInWorker {
  public:
    using Post = std::function<void(core::Event)>;
    using UnixClock = std::function<std::int64_t()>;

    // The desk reads `engineers_file` at each check and keeps its lock and used codes in
    // `state_file`; `post` hands each verdict to the event loop.
    SignInWorker(std::filesystem::path engineers_file, std::filesystem::path state_file, Post post,
                 UnixClock clock);

    // Queues the check; the password and code are wiped once it is done.
    void check(core::CheckSignIn request) { m_worker.push(std::move(request)); }

  private:
    void check_now(core::CheckSignIn& request);  // on the worker

    std::filesystem::path m_engineers_file;
    std::filesystem::path m_state_file;
    Post m_post;
    UnixClock m_clock;
    // Made on the worker at the first check: its constructor reads the state file and, for an
    // unknown id's equal cost, hashes a dummy password once.
    std::optional<access::SignInDesk> m_desk;
    WorkerThread<core::CheckSignIn> m_worker;  // last: it stops before the rest goes
};

}  // namespace kiosk::app
