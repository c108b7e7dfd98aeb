#include "drivers/escpos/escpos_client.h"

#include <algorithm>
#include <array>

#include "base/bytes.h"

namespace drivers::escpos {

namespace {

// A printer that keeps talking after a time-out is broken; a few transfers are all that are
// dropped before the next request is sent anyway.
constexpr int k_max_late_transfers = 8;
// USB Printer Class 1.1, GET_DEVICE_ID: wValue is the configuration index, wIndex the
// interface number (high byte) and alternate setting (low byte); the kiosk's printers have one
// of each, numbered 0.
constexpr std::uint16_t k_configuration_index = 0;
constexpr std::uint16_t k_interface_and_alternate = 0;
constexpr std::size_t k_device_id_length_bytes = 2;

Error from_usb(usb::UsbError error, std::string context) {
    switch (error) {
        case usb::UsbError::timeout:
            return base::error(EscposError::timeout, std::move(context));
        case usb::UsbError::no_device:
            return base::error(EscposError::device_gone, std::move(context));
        default:
            return base::error(EscposError::transport_failed,
                               std::move(context) + ": " + std::string(usb::to_string(error)));
    }
}

std::string request_name(StatusKind kind) {
    return "DLE EOT " + std::to_string(static_cast<int>(kind));
}

}  // namespace

EscposClient::EscposClient(usb::Transport& transport, EscposOptions options)
    : m_transport(transport), m_options(options) {
    m_options.chunk_length = std::max<std::size_t>(m_options.chunk_length, 1);
}

std::expected<void, Error> EscposClient::print(std::span<const std::uint8_t> job) {
    std::size_t sent = 0;
    while (sent < job.size()) {
        const std::size_t length = std::min(m_options.chunk_length, job.size() - sent);
        const auto result =
            m_transport.bulk_out(job.subspan(sent, length), m_options.write_timeout);
        if (!result) {
            return std::unexpected(
                from_usb(result.error(), "job: " + std::to_string(sent) + " of " +
                                             std::to_string(job.size()) + " bytes taken"));
        }
        sent += length;
    }
    return {};
}

void EscposClient::drop_late_replies() {
    std::array<std::uint8_t, k_status_buffer_length> buffer{};
    for (int transfer = 0; transfer < k_max_late_transfers; ++transfer) {
        if (!m_transport.bulk_in(buffer, k_late_reply_wait)) {
            break;
        }
    }
    m_reply_may_be_late = false;
}

std::expected<std::uint8_t, Error> EscposClient::request_status(StatusKind kind) {
    if (m_reply_may_be_late) {
        drop_late_replies();
    }
    base::Bytes request;
    escpos::request_status(request, kind);
    if (const auto sent = m_transport.bulk_out(request, m_options.status_timeout); !sent) {
        return std::unexpected(from_usb(sent.error(), request_name(kind)));
    }
    std::array<std::uint8_t, k_status_buffer_length> buffer{};
    const auto deadline = std::chrono::steady_clock::now() + m_options.status_timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            m_reply_may_be_late = true;
            return std::unexpected(base::error(EscposError::timeout, request_name(kind)));
        }
        const auto received = m_transport.bulk_in(buffer, left);
        if (!received) {
            if (received.error() == usb::UsbError::timeout) {
                m_reply_may_be_late = true;
            }
            return std::unexpected(from_usb(received.error(), request_name(kind)));
        }
        if (*received == 0) {
            continue;  // a zero-length packet carries no reply
        }
        // One byte answers one request; should more arrive at once (a late reply in front of
        // this one), the last is the newest.
        const std::uint8_t reply = buffer[*received - 1];
        if (!is_status_reply(reply)) {
            return std::unexpected(base::error(
                EscposError::bad_status_reply,
                request_name(kind) + " answered " + base::to_hex(std::span(&reply, 1))));
        }
        return reply;
    }
}

std::expected<PrinterCondition, Error> EscposClient::condition() {
    PrinterCondition condition;
    const auto paper_reply = request_status(StatusKind::roll_paper);
    if (!paper_reply) {
        return std::unexpected(paper_reply.error());
    }
    condition.paper = paper_state_of(*decode_roll_paper_status(*paper_reply));
    const auto printer_reply = request_status(StatusKind::printer);
    if (!printer_reply) {
        return std::unexpected(printer_reply.error());
    }
    condition.online = !decode_printer_status(*printer_reply)->offline;
    if (!condition.online) {
        const auto cause_reply = request_status(StatusKind::offline_cause);
        if (!cause_reply) {
            return std::unexpected(cause_reply.error());
        }
        const OfflineCause cause = *decode_offline_cause(*cause_reply);
        condition.cover_open = cause.cover_open;
        if (cause.stopped_by_paper_end) {
            condition.paper = PaperState::out;
        }
    }
    return condition;
}

std::expected<std::string, Error> EscposClient::device_id() {
    const usb::ControlRequest request{k_request_type_class_interface_in, k_request_get_device_id,
                                      k_configuration_index, k_interface_and_alternate};
    const auto reply = m_transport.control_transfer(request, {}, k_largest_device_id_length,
                                                    m_options.status_timeout);
    if (!reply) {
        return std::unexpected(from_usb(reply.error(), "GET_DEVICE_ID"));
    }
    // USB Printer Class 1.1, GET_DEVICE_ID: the length is big-endian and counts itself.
    if (reply->size() < k_device_id_length_bytes) {
        return std::unexpected(base::error(EscposError::truncated, "GET_DEVICE_ID"));
    }
    const std::size_t length = (static_cast<std::size_t>((*reply)[0]) << 8) | (*reply)[1];
    if (length < k_device_id_length_bytes || length > reply->size()) {
        return std::unexpected(
            base::error(EscposError::bad_length, "GET_DEVICE_ID length " + std::to_string(length)));
    }
    return std::string(reply->begin() + k_device_id_length_bytes,
                       reply->begin() + static_cast<std::ptrdiff_t>(length));
}

}  // namespace drivers::escpos
