#pragma once
// Keeps the kiosk's memory, where a card number lives while a customer is served, out of
// reach of everything but the kiosk itself: no core dump, no other process of the same user
// reading it (ptrace, /proc/PID/mem), and, when the configuration asks, no page of it written
// to swap. The one file of kiosk/ that calls the system for this (docs/architecture.md,
// "Rings").

#include <expected>
#include <string_view>

#include "base/error.h"

namespace kiosk::app {

// What could not be protected. Errors carry it as base::Error<ProtectionError>, whose context
// is the system's reason.
enum class ProtectionError {
    still_dumpable,     // prctl(PR_SET_DUMPABLE, 0) refused
    core_dumps_on,      // the core file size limit could not be set to 0
    memory_not_locked,  // mlockall refused (no CAP_IPC_LOCK and too small an RLIMIT_MEMLOCK)
};

std::string_view to_string(ProtectionError error);

// Makes the process non-dumpable (no core file, and its memory, /proc/PID/mem, /proc/PID/maps
// and ptrace only for root or CAP_SYS_PTRACE) and sets its core file size limit to 0, so that
// neither a crash nor a tool running as the kiosk's user can copy out a card number. main()
// calls it before anything else. Errors: still_dumpable, core_dumps_on.
std::expected<void, base::Error<ProtectionError>> forbid_dumps();

// Locks every page of the process in memory, those mapped now and those mapped later, each as
// it is first touched, so that none is ever written to swap. It needs CAP_IPC_LOCK or an
// unlimited RLIMIT_MEMLOCK, and refuses without: under a finite limit a later allocation
// would fail once the kiosk had grown. Errors: memory_not_locked, whose context says why.
std::expected<void, base::Error<ProtectionError>> lock_memory();

}  // namespace kiosk::app
