#include "kiosk/app/process_protection.h"

#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace kiosk::app {

namespace {

base::Error<ProtectionError> system_error(ProtectionError code, std::string_view call) {
    return base::error(code, std::string(call) + ": " + std::strerror(errno));
}

// Whether the process may lock memory beyond RLIMIT_MEMLOCK (capget(2); the C library has no
// wrapper, and libcap is not worth a dependency for one bit).
bool may_lock_without_limit() {
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capget, &header, data) != 0) {
        return false;
    }
    constexpr unsigned k_word = CAP_IPC_LOCK / 32;
    constexpr std::uint32_t k_bit = std::uint32_t{1} << (CAP_IPC_LOCK % 32);
    return (data[k_word].effective & k_bit) != 0;
}

}  // namespace

std::string_view to_string(ProtectionError error) {
    switch (error) {
        case ProtectionError::still_dumpable:
            return "cannot make the kiosk's memory non-dumpable";
        case ProtectionError::core_dumps_on:
            return "cannot turn core dumps off";
        case ProtectionError::memory_not_locked:
            return "cannot lock the kiosk's memory, so it may be written to swap";
    }
    return "unknown protection error";
}

std::expected<void, base::Error<ProtectionError>> forbid_dumps() {
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return std::unexpected(system_error(ProtectionError::still_dumpable, "prctl"));
    }
    // Non-dumpable already writes no core file; a zero limit keeps it so even if a later
    // change of credentials made the process dumpable again.
    const rlimit no_core{.rlim_cur = 0, .rlim_max = 0};
    if (::setrlimit(RLIMIT_CORE, &no_core) != 0) {
        return std::unexpected(system_error(ProtectionError::core_dumps_on, "setrlimit"));
    }
    return {};
}

std::expected<void, base::Error<ProtectionError>> lock_memory() {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer answers mlockall with success and locks nothing
    // (docs/platform-facts.md, "Memory of a running process"): say so rather than pretend.
    return std::unexpected(base::error(ProtectionError::memory_not_locked,
                                       "AddressSanitizer ignores mlockall in this build"));
#endif
    // Without CAP_IPC_LOCK, locked memory must stay under RLIMIT_MEMLOCK, and MCL_FUTURE makes
    // every later mapping count: once the kiosk grew past the limit, an allocation in the
    // middle of a customer's session would fail. So it locks only what no limit will cut
    // short, raising its own limit as far as it may first.
    rlimit limit{};
    if (::getrlimit(RLIMIT_MEMLOCK, &limit) != 0) {
        return std::unexpected(system_error(ProtectionError::memory_not_locked, "getrlimit"));
    }
    if (limit.rlim_cur != limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)::setrlimit(RLIMIT_MEMLOCK, &limit);
    }
    if (limit.rlim_cur != RLIM_INFINITY && !may_lock_without_limit()) {
        return std::unexpected(base::error(
            ProtectionError::memory_not_locked,
            "RLIMIT_MEMLOCK is " + std::to_string(limit.rlim_cur / 1024) +
                " KiB and the kiosk lacks CAP_IPC_LOCK, so every later allocation would have to "
                "fit under that limit"));
    }
    // MCL_ONFAULT locks each page when it is first touched instead of at once: without it,
    // MCL_FUTURE would make every later mapping wholly resident the moment it is made (each
    // thread's stack, a library's reservations), which costs memory and can fail outright.
    // A page that was never touched holds nothing to protect.
    if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
        return std::unexpected(system_error(ProtectionError::memory_not_locked, "mlockall"));
    }
    return {};
}

}  // namespace kiosk::app
