// libFuzzer harness: the card's answer to a PPS request (drivers/iso7816/pps.h, ISO/IEC
// 7816-3:2006 §9), and the Fi/Di tables of §7.1. The first byte is the request's protocol T
// (low nibble) and whether it proposes PPS1 (bit 4); the second is the PPS1 proposed; the rest
// is the card's answer.
// Properties: an accepted answer leaves in force either the proposed Fi Di or the default
// (§9.3); an answer that echoes the request exactly is accepted with the proposed factors;
// the tables give a speed only for codes they define.

#include <cstddef>
#include <cstdint>

#include "drivers/iso7816/pps.h"
#include "tests/fuzz/fuzz_input.h"

using tests::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace iso7816 = drivers::iso7816;
    tests::fuzz::FuzzInput input(data, size);
    const std::uint8_t selector = input.take_byte();
    const std::uint8_t fi_di = input.take_byte();
    iso7816::PpsRequest request;
    request.protocol = static_cast<std::uint8_t>((selector & 0x0F) % 15);
    if ((selector & 0x10) != 0) {
        request.fi_di = fi_di;
    }

    const auto in_force = iso7816::check_pps_response(request, input.rest());
    if (in_force) {
        require(*in_force == request.fi_di.value_or(iso7816::k_default_fi_di) ||
                *in_force == iso7816::k_default_fi_di);
    } else {
        require(!iso7816::to_string(in_force.error()).empty());
    }

    const base::Bytes echo = request.encode();
    const auto echoed = iso7816::check_pps_response(request, echo);
    require(echoed.has_value());
    require(*echoed == request.fi_di.value_or(iso7816::k_default_fi_di));

    const auto speed = iso7816::bits_per_second(fi_di, 4'000);
    require(speed.has_value() == (iso7816::clock_rate_conversion(fi_di).has_value() &&
                                  iso7816::baud_rate_adjustment(fi_di).has_value()));
    static_cast<void>(iso7816::max_clock_khz(fi_di));
    return 0;
}
