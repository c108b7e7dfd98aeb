#include "drivers/emv/unpredictable_number.h"

#include <sys/random.h>

#include <cerrno>

namespace drivers::emv {

std::expected<std::array<std::uint8_t, k_unpredictable_number_length>, RandomError>
unpredictable_number() {
    std::array<std::uint8_t, k_unpredictable_number_length> number{};
    std::size_t filled = 0;
    while (filled < number.size()) {
        // getrandom(2): from the kernel's CSPRNG; requests of up to 256 bytes are not split
        // once the pool is initialised, but an interrupting signal may still cut one short.
        const ssize_t got = getrandom(number.data() + filled, number.size() - filled, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::unexpected(RandomError::unavailable);
        }
        filled += static_cast<std::size_t>(got);
    }
    return number;
}

}  // namespace drivers::emv
