// What every device model's thread promises: whatever escapes the model's own code is caught
// at the top of the thread, reported, and followed by a fresh start, never std::terminate.

#include "kiosk/devices/device_link.h"

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/kiosk/devices/event_recorder.h"

using namespace kiosk;
using namespace kiosk::devices;
using namespace kiosk::devices::test;

TEST_CASE("a fault that escapes a model's code is reported and the model starts again") {
    EventRecorder recorder;
    DeviceLink link("test device");
    std::atomic<int> runs = 0;
    link.start(recorder.sink(), recorder.notice(), [&] {
        if (++runs == 1) {
            throw std::runtime_error("the device sent something the model did not expect");
        }
        while (link.sleep_for(10ms)) {
        }
    });
    const auto failed = recorder.skip_to<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->device == "test device");
    CHECK(failed->reason == "the device sent something the model did not expect");
    CHECK(recorder.wait_for_notice("fault"));
    CHECK(eventually([&] { return runs.load() == 2; }));
    link.stop();
    CHECK(runs.load() == 2);
}

TEST_CASE("a model that runs out of memory is reported and starts again") {
    EventRecorder recorder;
    DeviceLink link("card reader");
    std::atomic<int> runs = 0;
    link.start(recorder.sink(), recorder.notice(), [&] {
        if (++runs == 1) {
            throw std::bad_alloc();
        }
        while (link.sleep_for(10ms)) {
        }
    });
    const auto failed = recorder.skip_to<core::DeviceFailed>();
    REQUIRE(failed);
    CHECK(failed->device == "card reader");
    CHECK(eventually([&] { return runs.load() == 2; }));
}

TEST_CASE("a stop during the pause after a fault ends the thread at once") {
    EventRecorder recorder;
    DeviceLink link("pin pad");
    std::atomic<int> runs = 0;
    link.start(recorder.sink(), recorder.notice(), [&] {
        ++runs;
        throw std::runtime_error("always");
    });
    REQUIRE(recorder.skip_to<core::DeviceFailed>());
    const auto started = std::chrono::steady_clock::now();
    link.stop();
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
    CHECK(runs.load() == 1);
}

TEST_CASE("a device is reported missing once, returned once, and missing once again when lost") {
    EventRecorder recorder;
    DeviceLink link("test device");
    std::atomic<bool> present = false;
    std::atomic<bool> lost = false;
    link.start(recorder.sink(), recorder.notice(), [&] {
        link.run<int>({
            .device = core::Device::pin_pad,
            .missing_notice = "missing",
            .disconnected_notice = "disconnected",
            .connect = [&](const drivers::usb::UsbContext&) -> std::optional<int> {
                return present ? std::optional<int>(1) : std::nullopt;
            },
            .serve =
                [&](int&) {
                    link.connected();
                    while (!lost && link.sleep_for(10ms)) {
                    }
                },
            .mark_missing = [] {},
        });
    });
    const auto missing = recorder.expect<core::DeviceMissing>();
    REQUIRE(missing);
    CHECK(missing->device == core::Device::pin_pad);
    // Looked for again every k_reopen_interval, reported once.
    CHECK(recorder.stays_quiet(k_reopen_interval * 3));

    present = true;
    const auto returned = recorder.expect<core::DeviceReturned>();
    REQUIRE(returned);
    CHECK(returned->device == core::Device::pin_pad);

    present = false;
    lost = true;
    CHECK(recorder.expect<core::DeviceMissing>());
    CHECK(recorder.stays_quiet(k_reopen_interval * 2));
    link.stop();
}

TEST_CASE("wake() ends the link thread's sleep at once") {
    EventRecorder recorder;
    DeviceLink link("test device");
    std::atomic<int> woken = 0;
    link.start(recorder.sink(), recorder.notice(), [&] {
        while (link.sleep_for(10s)) {
            ++woken;
        }
    });
    std::this_thread::sleep_for(50ms);
    link.wake();
    CHECK(eventually([&] { return woken.load() == 1; }, 1s));
    const auto started = std::chrono::steady_clock::now();
    link.stop();
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
}
