#pragma once

// The service menu's sign-in checks, off the event loop's thread (docs/architecture.md,
// "Threads": nothing blocks the loop). Each CheckSignIn is handed to kiosk/access's desk on this
// worker, which takes one PBKDF2 run (about a second; kiosk_access_bench), and its verdict comes
// back to the loop as core::SignInChecked.

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

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
    ~SignInWorker();
    SignInWorker(const SignInWorker&) = delete;
    SignInWorker& operator=(const SignInWorker&) = delete;

    // Queues the check; the password and code are wiped once it is done.
    void check(core::CheckSignIn request);

  private:
    void run();

    std::filesystem::path m_engineers_file;
    std::filesystem::path m_state_file;
    Post m_post;
    UnixClock m_clock;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<core::CheckSignIn> m_requests;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace kiosk::app
