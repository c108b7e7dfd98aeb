#pragma once

// kiosk/access's work for the service menu, off the event loop's thread (docs/architecture.md,
// "Threads": nothing blocks the loop), one request at a time in the order asked:
// - each CheckSignIn is handed to the sign-in desk, which takes one PBKDF2 run (about a second;
//   kiosk_access_bench), and its verdict comes back as core::SignInChecked;
// - an administrator's ListAccounts and RemoveAccount read and write the accounts file, and come
//   back as core::AccountsAnswered with the accounts the file then holds.
// One thread touches the accounts file, so a removal and a sign-in never race.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <variant>

#include "kiosk/access/sign_in_desk.h"
#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"

namespace kiosk::app {

class AccessWorker {
  public:
    using Post = std::function<void(core::Event)>;
    using UnixClock = std::function<std::int64_t()>;
    using Request = std::variant<core::CheckSignIn, core::ListAccounts, core::RemoveAccount>;

    // The desk reads `engineers_file` at each check and keeps its lock and used codes in
    // `state_file`; `post` hands each answer to the event loop.
    AccessWorker(std::filesystem::path engineers_file, std::filesystem::path state_file, Post post,
                 UnixClock clock);

    // Queues the request; a sign-in's password and code are wiped once it is checked.
    void push(Request request) { m_worker.push(std::move(request)); }

  private:
    // On the worker.
    void handle(Request& request);
    void check(core::CheckSignIn& request);
    void list(const core::ListAccounts& request);
    void remove(const core::RemoveAccount& request);

    std::filesystem::path m_engineers_file;
    std::filesystem::path m_state_file;
    Post m_post;
    UnixClock m_clock;
    // Made on the worker at the first check: its constructor reads the state file and, for an
    // unknown id's equal cost, hashes a dummy password once.
    std::optional<access::SignInDesk> m_desk;
    WorkerThread<Request> m_worker;  // last: it stops before the rest goes
};

}  // namespace kiosk::app
