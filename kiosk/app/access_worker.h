#pragma once

// kiosk/access's work for the service menu, off the event loop's thread (docs/architecture.md,
// "Threads": nothing blocks the loop), one request at a time in the order asked:
// - each CheckSignIn is handed to the sign-in desk, which takes one PBKDF2 run (about a second;
//   kiosk_access_bench), and its verdict comes back as core::SignInChecked;
// - an administrator's ListAccounts and RemoveAccount read and write the accounts file, and come
//   back as core::AccountsAnswered with the accounts the file then holds;
// - an enrolment: EnrolAccount makes the new account ready (a PBKDF2 run and a new secret) and
//   keeps it here, ConfirmEnrolment adds it to the file once the new engineer's code is right,
//   DiscardEnrolment forgets it. Its secret never goes to the event loop as an event: the loop
//   asks for it only to put it on the set-up slip (with_enrolment_secret) just before printing.
// One thread touches the accounts file, so a removal, an enrolment and a sign-in never race.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <variant>

#include "kiosk/access/accounts.h"
#include "kiosk/access/sign_in_desk.h"
#include "kiosk/app/worker_thread.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/events.h"
#include "kiosk/core/print_document.h"

namespace kiosk::app {

class AccessWorker {
  public:
    using Post = std::function<void(core::Event)>;
    using UnixClock = std::function<std::int64_t()>;
    using Request =
        std::variant<core::CheckSignIn, core::ListAccounts, core::RemoveAccount, core::EnrolAccount,
                     core::ConfirmEnrolment, core::DiscardEnrolment>;

    // The desk reads `engineers_file` at each check and keeps its lock and used codes in
    // `state_file`; `post` hands each answer to the event loop.
    AccessWorker(std::filesystem::path engineers_file, std::filesystem::path state_file, Post post,
                 UnixClock clock);

    // Queues the request; a password or code is wiped once it is used.
    void push(Request request) { m_worker.push(std::move(request)); }

    // `document` with each of its PrintEnrolmentSecret blocks replaced by the secret of the
    // enrolment made ready: a QR code of its otpauth:// URI, or its Base32 key in groups of four.
    // With no enrolment ready they stay, and the printer's model refuses the slip. Any thread.
    core::PrintDocument with_enrolment_secret(core::PrintDocument document) const;

  private:
    // On the worker.
    void handle(Request& request);
    void check(core::CheckSignIn& request);
    void list(const core::ListAccounts& request);
    void remove(const core::RemoveAccount& request);
    void enrol(core::EnrolAccount& request);
    void confirm(core::ConfirmEnrolment& request);
    void post_accounts(std::uint64_t call_id, core::AccountsOutcome outcome);

    std::filesystem::path m_engineers_file;
    std::filesystem::path m_state_file;
    Post m_post;
    UnixClock m_clock;
    // Made on the worker at the first check: its constructor reads the state file and, for an
    // unknown id's equal cost, hashes a dummy password once.
    std::optional<access::SignInDesk> m_desk;
    // The enrolment made ready and not yet added or discarded: written on the worker, read by
    // with_enrolment_secret from the event loop.
    mutable std::mutex m_enrolment_mutex;
    std::optional<access::PreparedAccount> m_enrolment;
    WorkerThread<Request> m_worker;  // last: it stops before the rest goes
};

}  // namespace kiosk::app
