// What every device model's thread promises: whatever escapes the model's own code is caught
// at the top of the thread, reported, and followed by a fresh start, never std::terminate.

#include "kiosk/devices/device_link.h"

#include <atomic>
#include <chrono>
#include <new>
#include <stdexcept>

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
