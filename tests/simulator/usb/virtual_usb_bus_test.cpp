// The virtual bus exercised with plain libusb calls, in this process (the test binary runs
// under the umockdev preload) and from a child process.

#include "simulator/usb/virtual_usb_bus.h"
#include "base/bytes.h"

#include <fcntl.h>
#include <libusb.h>
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "simulator/usb/uevent.h"
#include "tests/simulator/usb/loopback_device.h"

using namespace simulator::usb;
using namespace simulator::usb::test;
using namespace std::chrono_literals;

extern char** environ;

namespace {

// Bounds for waits that should end much sooner; reaching one is a failure, not a timing.
constexpr auto k_patience = 5s;
constexpr unsigned int k_transfer_timeout_ms = 2000;

// Collects bus notices from umockdev's worker thread.
class NoticeLog {
  public:
    BusNoticeListener listener() {
        return [this](const BusNotice& notice) {
            std::lock_guard lock(m_mutex);
            m_notices.push_back(notice);
            m_changed.notify_all();
        };
    }
    bool wait_for(BusNoticeKind kind) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, k_patience, [&] {
            return std::ranges::any_of(
                m_notices, [&](const BusNotice& notice) { return notice.kind == kind; });
        });
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<BusNotice> m_notices;
};

class Libusb {
  public:
    Libusb() { REQUIRE(libusb_init(&m_context) == LIBUSB_SUCCESS); }
    ~Libusb() { libusb_exit(m_context); }
    Libusb(const Libusb&) = delete;
    Libusb& operator=(const Libusb&) = delete;
    libusb_context* context() const { return m_context; }

  private:
    libusb_context* m_context = nullptr;
};

class OpenDevice {
  public:
    explicit OpenDevice(libusb_context* context) {
        m_handle = libusb_open_device_with_vid_pid(context, k_loopback_vendor, k_loopback_product);
        REQUIRE(m_handle != nullptr);
    }
    ~OpenDevice() {
        if (m_claimed) {
            libusb_release_interface(m_handle, 0);
        }
        libusb_close(m_handle);
    }
    OpenDevice(const OpenDevice&) = delete;
    OpenDevice& operator=(const OpenDevice&) = delete;
    void claim() {
        REQUIRE(libusb_claim_interface(m_handle, 0) == LIBUSB_SUCCESS);
        m_claimed = true;
    }
    libusb_device_handle* get() const { return m_handle; }

  private:
    libusb_device_handle* m_handle = nullptr;
    bool m_claimed = false;
};

base::Bytes bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

// Reads one bulk IN transfer; returns the libusb result and fills `data`.
int bulk_read(libusb_device_handle* handle, base::Bytes& data, std::size_t capacity,
              unsigned int timeout_ms) {
    data.assign(capacity, 0);
    int transferred = 0;
    const int result = libusb_bulk_transfer(handle, k_bulk_in, data.data(),
                                            static_cast<int>(capacity), &transferred, timeout_ms);
    data.resize(static_cast<std::size_t>(std::max(transferred, 0)));
    return result;
}

int bulk_write(libusb_device_handle* handle, base::Bytes data) {
    int transferred = 0;
    const int result =
        libusb_bulk_transfer(handle, k_bulk_out, data.data(), static_cast<int>(data.size()),
                             &transferred, k_transfer_timeout_ms);
    return result == LIBUSB_SUCCESS && std::cmp_not_equal(transferred, data.size())
               ? LIBUSB_ERROR_IO
               : result;
}

// State an async transfer's callback writes and the test waits for.
struct TransferOutcome {
    std::atomic<bool> done{false};
    libusb_transfer_status status = LIBUSB_TRANSFER_ERROR;
};

void LIBUSB_CALL record_outcome(libusb_transfer* transfer) {
    auto* outcome = static_cast<TransferOutcome*>(transfer->user_data);
    outcome->status = transfer->status;
    outcome->done = true;
}

// Runs libusb's event loop until `finished` holds or patience runs out.
template <typename Predicate>
bool handle_events_until(libusb_context* context, Predicate finished) {
    const auto deadline = std::chrono::steady_clock::now() + k_patience;
    while (!finished()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        timeval step{.tv_sec = 0, .tv_usec = 50'000};
        libusb_handle_events_timeout_completed(context, &step, nullptr);
    }
    return true;
}

// Polls `condition` until it holds or patience runs out; for state no callback reports.
template <typename Predicate>
bool eventually(Predicate condition) {
    const auto deadline = std::chrono::steady_clock::now() + k_patience;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace

TEST_CASE("libusb enumerates a plugged device with its vendor, product and strings") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    const auto handle = bus.plug(device);
    REQUIRE(handle);
    Libusb usb;

    libusb_device** list = nullptr;
    const auto count = libusb_get_device_list(usb.context(), &list);
    REQUIRE(count == 1);
    libusb_device_descriptor descriptor{};
    REQUIRE(libusb_get_device_descriptor(list[0], &descriptor) == LIBUSB_SUCCESS);
    CHECK(descriptor.idVendor == k_loopback_vendor);
    CHECK(descriptor.idProduct == k_loopback_product);
    CHECK(descriptor.bcdDevice == 0x1234);
    CHECK(libusb_get_bus_number(list[0]) == handle->address.bus_number);
    CHECK(libusb_get_device_address(list[0]) == handle->address.device_number);
    libusb_config_descriptor* configuration = nullptr;
    REQUIRE(libusb_get_active_config_descriptor(list[0], &configuration) == LIBUSB_SUCCESS);
    CHECK(configuration->interface[0].altsetting[0].bNumEndpoints == 3);
    CHECK(configuration->interface[0].altsetting[0].endpoint[2].bEndpointAddress == k_interrupt_in);
    libusb_free_config_descriptor(configuration);

    libusb_device_handle* opened = nullptr;
    REQUIRE(libusb_open(list[0], &opened) == LIBUSB_SUCCESS);
    std::array<unsigned char, 128> text{};
    const auto read_string = [&](std::uint8_t index) {
        const int length = libusb_get_string_descriptor_ascii(opened, index, text.data(),
                                                              static_cast<int>(text.size()));
        REQUIRE(length > 0);
        return std::string(reinterpret_cast<const char*>(text.data()),
                           static_cast<std::size_t>(length));
    };
    CHECK(read_string(descriptor.iManufacturer) == "Kiosk Test Works");
    CHECK(read_string(descriptor.iProduct) == "Loopback ??");  // libusb's ASCII folding
    CHECK(read_string(descriptor.iSerialNumber) == "LB-0001");
    CHECK(libusb_kernel_driver_active(opened, 0) == 0);
    libusb_close(opened);
    libusb_free_device_list(list, 1);
}

TEST_CASE("a claimed interface is busy for a second handle") {
    VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<LoopbackDevice>()));
    Libusb usb;
    OpenDevice first(usb.context());
    OpenDevice second(usb.context());
    first.claim();
    CHECK(libusb_claim_interface(second.get(), 0) == LIBUSB_ERROR_BUSY);
    CHECK(libusb_claim_interface(second.get(), 5) == LIBUSB_ERROR_NOT_FOUND);
}

TEST_CASE("bulk data written to the loopback device comes back on its IN endpoint") {
    VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<LoopbackDevice>()));
    Libusb usb;
    OpenDevice device(usb.context());
    device.claim();

    REQUIRE(bulk_write(device.get(), bytes("hello, kiosk")) == LIBUSB_SUCCESS);
    base::Bytes echoed;
    REQUIRE(bulk_read(device.get(), echoed, 512, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(echoed == bytes("hello, kiosk"));

    // Larger than one packet, and a zero-length transfer, both survive the trip.
    base::Bytes large(1000);
    for (std::size_t index = 0; index < large.size(); ++index) {
        large[index] = static_cast<std::uint8_t>(index * 7);
    }
    REQUIRE(bulk_write(device.get(), large) == LIBUSB_SUCCESS);
    REQUIRE(bulk_read(device.get(), echoed, 1024, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(echoed == large);
}

TEST_CASE("an IN transfer completes when the device produces data later") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    const auto started = std::chrono::steady_clock::now();
    std::jthread producer([device] {
        std::this_thread::sleep_for(200ms);
        device->produce(k_bulk_in, bytes("late answer"));
    });
    base::Bytes answer;
    REQUIRE(bulk_read(opened.get(), answer, 64, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(answer == bytes("late answer"));
    CHECK(waited >= 150ms);
}

TEST_CASE("an IN transfer the device never answers times out and leaves no stale request") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    base::Bytes answer;
    const auto started = std::chrono::steady_clock::now();
    CHECK(bulk_read(opened.get(), answer, 64, 100) == LIBUSB_ERROR_TIMEOUT);
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(answer.empty());

    // Had the timed-out request stayed at the bus, it would swallow this data.
    device->produce(k_bulk_in, bytes("after the timeout"));
    REQUIRE(bulk_read(opened.get(), answer, 64, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(answer == bytes("after the timeout"));
}

TEST_CASE("waiting for a silent device does not spin the processor") {
    VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<LoopbackDevice>()));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    base::Bytes answer;
    const std::clock_t processor_before = std::clock();
    const auto wall_before = std::chrono::steady_clock::now();
    CHECK(bulk_read(opened.get(), answer, 64, 600) == LIBUSB_ERROR_TIMEOUT);
    const double processor_seconds =
        static_cast<double>(std::clock() - processor_before) / CLOCKS_PER_SEC;
    const double wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
    // A busy poll loop burns one core in libusb plus one in umockdev's worker (about 2.0);
    // holding each reap for 10 ms took about 0.05. The node now polls like a kernel one, so
    // libusb sleeps in poll() until its timeout.
    CHECK(processor_seconds < 0.02 * wall_seconds);
}

TEST_CASE("the device node polls writable exactly while a URB waits to be reaped") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    const auto handle = bus.plug(device);
    REQUIRE(handle);
    const auto node = bus.root_directory() + handle->device_node;
    REQUIRE(std::filesystem::is_fifo(node));
    const int watcher = ::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(watcher >= 0);
    const auto writable = [&] {
        pollfd entry{.fd = watcher, .events = POLLOUT, .revents = 0};
        return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLOUT) != 0;
    };

    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();
    CHECK_FALSE(writable());  // open and idle: nothing to reap

    std::array<unsigned char, 64> buffer{};
    TransferOutcome outcome;
    libusb_transfer* transfer = libusb_alloc_transfer(0);
    libusb_fill_bulk_transfer(transfer, opened.get(), k_bulk_in, buffer.data(),
                              static_cast<int>(buffer.size()), &record_outcome, &outcome, 0);
    REQUIRE(libusb_submit_transfer(transfer) == LIBUSB_SUCCESS);
    CHECK_FALSE(writable());  // submitted, still waiting for the device

    device->produce(k_bulk_in, bytes("now"));
    CHECK(eventually([&] { return writable(); }));  // completed: libusb's poll wakes
    CHECK(handle_events_until(usb.context(), [&] { return outcome.done.load(); }));
    CHECK(outcome.status == LIBUSB_TRANSFER_COMPLETED);
    CHECK_FALSE(writable());  // reaped: libusb's poll sleeps again
    libusb_free_transfer(transfer);
    ::close(watcher);
}

TEST_CASE("an interrupt transfer delivers the event the device raised") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    device->produce(k_interrupt_in, {0x50, 0x03});
    std::array<unsigned char, 8> event{};
    int transferred = 0;
    REQUIRE(libusb_interrupt_transfer(opened.get(), k_interrupt_in, event.data(),
                                      static_cast<int>(event.size()), &transferred,
                                      k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    REQUIRE(transferred == 2);
    CHECK(event[0] == 0x50);
    CHECK(event[1] == 0x03);
    // Nothing else was raised, so the next read has to wait and time out.
    CHECK(libusb_interrupt_transfer(opened.get(), k_interrupt_in, event.data(),
                                    static_cast<int>(event.size()), &transferred,
                                    50) == LIBUSB_ERROR_TIMEOUT);
}

TEST_CASE("hotplug callbacks report a device arriving and leaving") {
    VirtualUsbBus bus;
    Libusb usb;
    REQUIRE(libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG));
    struct Seen {
        std::atomic<int> arrived{0};
        std::atomic<int> left{0};
    } seen;
    const auto on_hotplug = [](libusb_context*, libusb_device*, libusb_hotplug_event event,
                               void* data) -> int {
        auto* record = static_cast<Seen*>(data);
        if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
            ++record->arrived;
        } else if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT) {
            ++record->left;
        }
        return 0;
    };
    libusb_hotplug_callback_handle callback = 0;
    REQUIRE(libusb_hotplug_register_callback(
                usb.context(),
                LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                LIBUSB_HOTPLUG_NO_FLAGS, k_loopback_vendor, k_loopback_product,
                LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, &seen, &callback) == LIBUSB_SUCCESS);

    const auto handle = bus.plug(std::make_shared<LoopbackDevice>());
    REQUIRE(handle);
    CHECK(handle_events_until(usb.context(), [&] { return seen.arrived == 1; }));
    CHECK(seen.left == 0);

    REQUIRE(bus.unplug(*handle));
    CHECK(handle_events_until(usb.context(), [&] { return seen.left == 1; }));
    CHECK(seen.arrived == 1);
    libusb_hotplug_deregister_callback(usb.context(), callback);
}

TEST_CASE("the bus's own uevents reach libusb's udev monitor") {
    // The bus sends its hotplug news itself, because umockdev's reach listeners only from a
    // process under its preload (kiosk-sim is not). Sent on their own here, they must be read
    // as the kernel's: a "remove" makes libusb drop the device, an "add" brings it back.
    VirtualUsbBus bus;
    Libusb usb;
    REQUIRE(libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG));
    struct Seen {
        std::atomic<int> arrived{0};
        std::atomic<int> left{0};
    } seen;
    const auto on_hotplug = [](libusb_context*, libusb_device*, libusb_hotplug_event event,
                               void* data) -> int {
        auto* record = static_cast<Seen*>(data);
        if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
            ++record->arrived;
        } else if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT) {
            ++record->left;
        }
        return 0;
    };
    const auto handle = bus.plug(std::make_shared<LoopbackDevice>());
    REQUIRE(handle);
    libusb_hotplug_callback_handle callback = 0;
    REQUIRE(libusb_hotplug_register_callback(
                usb.context(),
                LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                LIBUSB_HOTPLUG_NO_FLAGS, k_loopback_vendor, k_loopback_product,
                LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, &seen, &callback) == LIBUSB_SUCCESS);

    Uevent event{.action = "remove",
                 .devpath = handle->sysfs_path.substr(4),
                 .subsystem = "usb",
                 .devtype = "usb_device",
                 .devname = handle->device_node};
    CHECK(send_uevent(bus.root_directory(), event) >= 1);
    CHECK(handle_events_until(usb.context(), [&] { return seen.left == 1; }));
    event.action = "add";
    CHECK(send_uevent(bus.root_directory(), event) >= 1);
    CHECK(handle_events_until(usb.context(), [&] { return seen.arrived == 1; }));
    libusb_hotplug_deregister_callback(usb.context(), callback);
}

TEST_CASE("an unplugged device is told it lost its power, and works again when replugged") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    auto handle = bus.plug(device);
    REQUIRE(handle);
    device->produce(k_bulk_in, {0x01, 0x02});  // never read: lost with the power
    CHECK(device->unplugs() == 0);
    REQUIRE(bus.unplug(*handle));
    CHECK(device->unplugs() == 1);

    handle = bus.plug(device);
    REQUIRE(handle);
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();
    base::Bytes answer;
    CHECK(bulk_read(opened.get(), answer, 64, 100) == LIBUSB_ERROR_TIMEOUT);
    device->produce(k_bulk_in, {0x03});
    REQUIRE(bulk_read(opened.get(), answer, 64, 1000) == LIBUSB_SUCCESS);
    CHECK(answer == base::Bytes{0x03});
}

TEST_CASE("a transfer in flight ends with no-device when the device is unplugged") {
    VirtualUsbBus bus;
    const auto handle = bus.plug(std::make_shared<LoopbackDevice>());
    REQUIRE(handle);
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    std::array<unsigned char, 64> buffer{};
    TransferOutcome outcome;
    libusb_transfer* transfer = libusb_alloc_transfer(0);
    libusb_fill_bulk_transfer(transfer, opened.get(), k_bulk_in, buffer.data(),
                              static_cast<int>(buffer.size()), &record_outcome, &outcome, 0);
    REQUIRE(libusb_submit_transfer(transfer) == LIBUSB_SUCCESS);

    REQUIRE(bus.unplug(*handle));
    CHECK(handle_events_until(usb.context(), [&] { return outcome.done.load(); }));
    CHECK(outcome.status == LIBUSB_TRANSFER_NO_DEVICE);
    libusb_free_transfer(transfer);

    // The handle stays usable enough to be closed, and new transfers are refused.
    base::Bytes answer;
    const int result = bulk_read(opened.get(), answer, 64, 100);
    CHECK((result == LIBUSB_ERROR_NO_DEVICE || result == LIBUSB_ERROR_IO));
    CHECK(libusb_open_device_with_vid_pid(usb.context(), k_loopback_vendor, k_loopback_product) ==
          nullptr);
    CHECK_FALSE(std::filesystem::exists(bus.root_directory() + handle->device_node));
    CHECK_FALSE(std::filesystem::exists(bus.root_directory() + handle->sysfs_path));
}

TEST_CASE("plugging and unplugging another device does not disturb transfers in flight") {
    VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<LoopbackDevice>()));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    class OtherDevice : public LoopbackDevice {
      public:
        base::Bytes descriptors() const override {
            auto descriptors = loopback_descriptors();
            descriptors[10] = 0x0F;  // another product id
            return descriptors;
        }
    };
    std::atomic<int> cycles{0};
    std::atomic<bool> plugging_failed{false};
    std::jthread churn([&](std::stop_token stop) {
        auto other = std::make_shared<OtherDevice>();
        while (!stop.stop_requested() && cycles < 200) {
            const auto handle = bus.plug(other);
            if (!handle || !bus.unplug(*handle)) {
                plugging_failed = true;
                return;
            }
            ++cycles;
        }
    });
    int round_trips = 0;
    for (int trip = 0; trip < 40; ++trip) {
        const auto message = bytes("trip " + std::to_string(trip));
        if (bulk_write(opened.get(), message) != LIBUSB_SUCCESS) {
            break;
        }
        base::Bytes echoed;
        if (bulk_read(opened.get(), echoed, 64, k_transfer_timeout_ms) != LIBUSB_SUCCESS ||
            echoed != message) {
            break;
        }
        ++round_trips;
    }
    churn.request_stop();
    churn.join();
    CHECK(round_trips == 40);
    CHECK_FALSE(plugging_failed);
    CHECK(cycles > 0);
    CHECK(bus.devices().size() == 1);
}

TEST_CASE("a client opening a device while it is being unplugged gets an error, not killed") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    Libusb usb;
    std::atomic<bool> done{false};
    std::atomic<int> opened{0};
    // The preload library aborts a process whose ioctl socket resets; surviving this loop
    // is the test.
    std::jthread opener([&] {
        while (!done) {
            libusb_device_handle* handle = libusb_open_device_with_vid_pid(
                usb.context(), k_loopback_vendor, k_loopback_product);
            if (handle != nullptr) {
                if (libusb_claim_interface(handle, 0) == LIBUSB_SUCCESS) {
                    ++opened;
                    libusb_release_interface(handle, 0);
                }
                libusb_close(handle);
            }
        }
    });
    for (int cycle = 0; cycle < 30; ++cycle) {
        const auto handle = bus.plug(device);
        REQUIRE(handle);
        if (cycle == 0) {
            // Once, wait for the opener to get through, so the check below cannot fail on
            // a slow machine; later cycles unplug while it is busy, which is the point.
            const auto deadline = std::chrono::steady_clock::now() + 5s;
            while (opened == 0 && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(1ms);
            }
        } else {
            std::this_thread::sleep_for(5ms);  // lets the opener reach the device
        }
        REQUIRE(bus.unplug(*handle));
    }
    done = true;
    opener.join();
    CHECK(opened > 0);
}

TEST_CASE("a device that offers more data than requested cannot write past the host's buffer") {
    NoticeLog notices;
    VirtualUsbBus bus(notices.listener());
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    // 16 bytes of buffer followed by guard bytes that must survive.
    std::array<unsigned char, 16 + 48> memory{};
    memory.fill(0xEE);
    device->produce(k_bulk_in, base::Bytes(60, 0x11));
    int transferred = 0;
    const int result = libusb_bulk_transfer(opened.get(), k_bulk_in, memory.data(), 16,
                                            &transferred, k_transfer_timeout_ms);
    CHECK(result == LIBUSB_ERROR_OVERFLOW);
    CHECK(transferred <= 16);
    for (std::size_t index = 16; index < memory.size(); ++index) {
        INFO("guard byte " << index);
        CHECK(memory[index] == 0xEE);
    }
    CHECK(notices.wait_for(BusNoticeKind::overflow));
}

TEST_CASE("data longer than a request of whole packets arrives over several reads") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();

    base::Bytes sent(150);
    for (std::size_t index = 0; index < sent.size(); ++index) {
        sent[index] = static_cast<std::uint8_t>(index);
    }
    device->produce(k_bulk_in, sent);
    base::Bytes received;
    base::Bytes piece;
    REQUIRE(bulk_read(opened.get(), piece, k_bulk_packet, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(piece.size() == k_bulk_packet);
    received.insert(received.end(), piece.begin(), piece.end());
    REQUIRE(bulk_read(opened.get(), piece, 2 * k_bulk_packet, k_transfer_timeout_ms) ==
            LIBUSB_SUCCESS);
    received.insert(received.end(), piece.begin(), piece.end());
    CHECK(received == sent);
}

TEST_CASE("vendor control requests reach the device and unknown ones stall") {
    VirtualUsbBus bus;
    REQUIRE(bus.plug(std::make_shared<LoopbackDevice>()));
    Libusb usb;
    OpenDevice opened(usb.context());

    std::array<unsigned char, 5> written{'p', 'i', 'n', 'g', '!'};
    CHECK(libusb_control_transfer(opened.get(), 0x40, k_vendor_write, 0, 0, written.data(),
                                  static_cast<std::uint16_t>(written.size()),
                                  k_transfer_timeout_ms) == 5);
    std::array<unsigned char, 16> read{};
    REQUIRE(libusb_control_transfer(opened.get(), 0xC0, k_vendor_read, 0, 0, read.data(),
                                    static_cast<std::uint16_t>(read.size()),
                                    k_transfer_timeout_ms) == 5);
    CHECK(std::memcmp(read.data(), written.data(), written.size()) == 0);
    CHECK(libusb_control_transfer(opened.get(), 0xC0, 0x77, 0, 0, read.data(),
                                  static_cast<std::uint16_t>(read.size()),
                                  k_transfer_timeout_ms) == LIBUSB_ERROR_PIPE);
    int configuration = -1;
    CHECK(libusb_get_configuration(opened.get(), &configuration) == LIBUSB_SUCCESS);
    CHECK(configuration == 1);
}

TEST_CASE("a replugged device gets a new address and works again") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    const auto first = bus.plug(device);
    REQUIRE(first);
    REQUIRE(bus.unplug(*first));
    CHECK(bus.devices().empty());
    const auto second = bus.plug(device);
    REQUIRE(second);
    CHECK(second->address.device_number != first->address.device_number);
    CHECK(second->id != first->id);

    Libusb usb;
    OpenDevice opened(usb.context());
    opened.claim();
    REQUIRE(bulk_write(opened.get(), bytes("again")) == LIBUSB_SUCCESS);
    base::Bytes echoed;
    REQUIRE(bulk_read(opened.get(), echoed, 64, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(echoed == bytes("again"));
}

TEST_CASE("the bus refuses a second plug of one device, an unknown unplug and bad descriptors") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    const auto handle = bus.plug(device);
    REQUIRE(handle);
    CHECK(bus.plug(device).error() == BusError::already_plugged);
    REQUIRE(bus.unplug(*handle));
    CHECK(bus.unplug(*handle).error() == BusError::unknown_device);

    class BrokenDevice : public LoopbackDevice {
      public:
        base::Bytes descriptors() const override { return {18, 1, 0}; }
    };
    CHECK(bus.plug(std::make_shared<BrokenDevice>()).error() == BusError::invalid_descriptors);
    CHECK(bus.devices().empty());
}

TEST_CASE("a usbdevfs request the bus does not emulate is refused and reported") {
    NoticeLog notices;
    VirtualUsbBus bus(notices.listener());
    const auto handle = bus.plug(std::make_shared<LoopbackDevice>());
    REQUIRE(handle);
    const int descriptor = ::open(handle->device_node.c_str(), O_RDWR);
    REQUIRE(descriptor >= 0);
    usbdevfs_hub_portinfo ports{};
    errno = 0;
    CHECK(::ioctl(descriptor, USBDEVFS_HUB_PORTINFO, &ports) == -1);
    CHECK(errno == ENOTTY);
    ::close(descriptor);
    CHECK(notices.wait_for(BusNoticeKind::unsupported_ioctl));
}

TEST_CASE("the environment names the testbed and the preload library") {
    VirtualUsbBus bus;
    const auto environment = bus.environment();
    REQUIRE(environment.size() == 2);
    CHECK(environment[0].name == "UMOCKDEV_DIR");
    CHECK(environment[0].value == bus.root_directory());
    CHECK(std::filesystem::is_directory(bus.root_directory()));
    CHECK(environment[1].name == "LD_PRELOAD");
    CHECK(environment[1].value.find("libumockdev-preload.so") != std::string::npos);
}

namespace {

// A usb_echo_client started with the bus's environment, its standard output on a pipe.
class ChildClient {
  public:
    ChildClient(const VirtualUsbBus& bus, std::string argument) {
        for (char** entry = environ; *entry != nullptr; ++entry) {
            const std::string_view variable = *entry;
            if (!variable.starts_with("UMOCKDEV_DIR=") && !variable.starts_with("LD_PRELOAD=")) {
                m_variables.emplace_back(variable);
            }
        }
        for (const auto& [name, value] : bus.environment()) {
            m_variables.push_back(name + "=" + value);
        }
        std::vector<char*> environment;
        for (auto& variable : m_variables) {
            environment.push_back(variable.data());
        }
        environment.push_back(nullptr);
        std::string program = USB_ECHO_CLIENT;
        std::array<char*, 3> arguments{program.data(), argument.data(), nullptr};
        int output[2];
        REQUIRE(::pipe(output) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, output[0]);
        REQUIRE(posix_spawn(&m_pid, program.c_str(), &actions, nullptr, arguments.data(),
                            environment.data()) == 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(output[1]);
        m_output = output[0];
    }
    ~ChildClient() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
        ::close(m_output);
    }
    ChildClient(const ChildClient&) = delete;
    ChildClient& operator=(const ChildClient&) = delete;

    // What the child printed, up to and including its first line (or all of it, when
    // `first_line_only` is false, until it closes its output).
    std::string read_output(bool first_line_only) {
        std::string printed;
        std::array<char, 256> chunk{};
        for (ssize_t count = 0; (count = ::read(m_output, chunk.data(), chunk.size())) > 0;) {
            printed.append(chunk.data(), static_cast<std::size_t>(count));
            if (first_line_only && printed.find('\n') != std::string::npos) {
                break;
            }
        }
        return printed;
    }
    // Waits for the child to end and returns its wait status.
    int wait() {
        int status = 0;
        REQUIRE(::waitpid(m_pid, &status, 0) == m_pid);
        m_pid = -1;
        return status;
    }
    void kill() { REQUIRE(::kill(m_pid, SIGKILL) == 0); }

  private:
    std::vector<std::string> m_variables;
    pid_t m_pid = -1;
    int m_output = -1;
};

}  // namespace

TEST_CASE("a child process talks to a device on the bus through the environment") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));

    ChildClient child(bus, "from the child");
    const std::string printed = child.read_output(false);
    const int status = child.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(printed == "echo: from the child\n");
    CHECK(device->out_count() == 1);
}

TEST_CASE("after a killed client is forgotten, the next one claims the device and gets its data") {
    VirtualUsbBus bus;
    auto device = std::make_shared<LoopbackDevice>();
    REQUIRE(bus.plug(device));
    {
        // It claims the interface and leaves a read waiting, then dies without closing.
        ChildClient child(bus, "--hold");
        REQUIRE(child.read_output(true) == "holding\n");
        child.kill();
        child.wait();
    }
    bus.forget_clients();

    Libusb libusb;
    OpenDevice opened(libusb.context());
    opened.claim();
    REQUIRE(bulk_write(opened.get(), bytes("after the crash")) == LIBUSB_SUCCESS);
    base::Bytes echoed;
    CHECK(bulk_read(opened.get(), echoed, k_bulk_packet, k_transfer_timeout_ms) == LIBUSB_SUCCESS);
    CHECK(echoed == bytes("after the crash"));
}
