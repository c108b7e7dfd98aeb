#include "simulator/usb/uevent.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace simulator::usb {
namespace {

// libudev's monitor message header (systemd, src/libsystemd/sd-device/device-monitor.c,
// struct monitor_netlink_header): the prefix tells a udev message from a kernel one, the magic
// in network order guards the format.
struct MonitorHeader {
    std::array<char, 8> prefix{'l', 'i', 'b', 'u', 'd', 'e', 'v', '\0'};
    std::uint32_t magic = 0;
    std::uint32_t header_size = 0;
    std::uint32_t properties_offset = 0;
    std::uint32_t properties_length = 0;
    std::uint32_t filter_subsystem_hash = 0;
    std::uint32_t filter_devtype_hash = 0;
    std::uint32_t filter_tag_bloom_high = 0;
    std::uint32_t filter_tag_bloom_low = 0;
};

constexpr std::uint32_t k_monitor_magic = 0xfeedcafe;

// The sequence numbers of the bus's uevents, counted from where umockdev's own are unlikely to
// reach, so none repeats one of them.
std::atomic<unsigned long long> g_sequence{1'000'000};

void append_property(std::string& properties, std::string_view name, std::string_view value) {
    properties += name;
    properties += '=';
    properties += value;
    properties += '\0';
}

}  // namespace

unsigned int udev_string_hash(const std::string& text) {
    // MurmurHash2 by Austin Appleby, 32 bits, seed 0: the length is the starting value.
    constexpr std::uint32_t k_multiplier = 0x5bd1e995;
    constexpr int k_shift = 24;
    auto length = static_cast<std::uint32_t>(text.size());
    std::uint32_t hash = length;
    const auto* data = reinterpret_cast<const unsigned char*>(text.data());
    while (length >= 4) {
        std::uint32_t block = 0;
        std::memcpy(&block, data, sizeof block);
        block *= k_multiplier;
        block ^= block >> k_shift;
        block *= k_multiplier;
        hash *= k_multiplier;
        hash ^= block;
        data += 4;
        length -= 4;
    }
    if (length == 3) {
        hash ^= static_cast<std::uint32_t>(data[2]) << 16;
    }
    if (length >= 2) {
        hash ^= static_cast<std::uint32_t>(data[1]) << 8;
    }
    if (length >= 1) {
        hash ^= data[0];
        hash *= k_multiplier;
    }
    hash ^= hash >> 13;
    hash *= k_multiplier;
    hash ^= hash >> 15;
    return hash;
}

int send_uevent(const std::string& root_directory, const Uevent& event) {
    std::string properties;
    append_property(properties, "ACTION", event.action);
    append_property(properties, "DEVPATH", event.devpath);
    append_property(properties, "SUBSYSTEM", event.subsystem);
    append_property(properties, "SEQNUM", std::to_string(g_sequence++));
    append_property(properties, "DEVNAME", event.devname);
    append_property(properties, "DEVTYPE", event.devtype);

    MonitorHeader header;
    header.magic = htonl(k_monitor_magic);
    header.header_size = sizeof header;
    header.properties_offset = sizeof header;
    header.properties_length = static_cast<std::uint32_t>(properties.size());
    header.filter_subsystem_hash = htonl(udev_string_hash(event.subsystem));
    header.filter_devtype_hash = htonl(udev_string_hash(event.devtype));

    int reached = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(root_directory, error)) {
        const std::string name = entry.path().filename().string();
        // The preload names each monitor socket "event" and the descriptor number.
        if (!name.starts_with("event") || name.size() == 5 ||
            name.find_first_not_of("0123456789", 5) != std::string::npos) {
            continue;
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string path = entry.path().string();
        if (path.size() >= sizeof address.sun_path) {
            continue;
        }
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        const int socket = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (socket < 0) {
            continue;
        }
        std::array<iovec, 2> parts{
            {{&header, sizeof header}, {properties.data(), properties.size()}}};
        msghdr message{};
        message.msg_name = &address;
        message.msg_namelen = sizeof address;
        message.msg_iov = parts.data();
        message.msg_iovlen = parts.size();
        // A listener whose process has ended refuses the message: it hears nothing more.
        if (::sendmsg(socket, &message, 0) >= 0) {
            ++reached;
        }
        ::close(socket);
    }
    return reached;
}

}  // namespace simulator::usb
