#include "simulator/devices/virtual_printer.h"

#include <algorithm>
#include <cerrno>
#include <utility>

#include "simulator/devices/usb_descriptors.h"

namespace simulator::devices {

namespace {

using namespace drivers::escpos;

// A printer holds a few dozen status replies the host has not read; beyond that the oldest go.
constexpr std::size_t k_max_queued_replies = 64;
// The stream errors kept for a look, the most recent ones.
constexpr std::size_t k_max_kept_errors = 64;
// USB Printer Class 1.1, GET_PORT_STATUS: bit 5 paper empty, bit 4 selected (on-line), bit 3
// not in error.
constexpr std::uint8_t k_port_paper_empty = 0x20;
constexpr std::uint8_t k_port_selected = 0x10;
constexpr std::uint8_t k_port_not_error = 0x08;
// USB 2.0 §9.6.6: bmAttributes of a bulk endpoint.
constexpr std::uint8_t k_bulk_attributes = 0x02;

}  // namespace

VirtualPrinter::VirtualPrinter() : VirtualPrinter(Identity{}) {}

VirtualPrinter::VirtualPrinter(Identity identity) : m_identity(std::move(identity)) {
    start_slip();
}

base::Bytes VirtualPrinter::descriptors() const {
    DeviceDescription description;
    description.product_id = k_printer_product_id;
    // USB Printer Class 1.1, "Printer Class Interface Descriptor": printer, bidirectional.
    description.interface_class = k_interface_class_printer;
    description.interface_subclass = k_interface_subclass_printer;
    description.interface_protocol = k_interface_protocol_bidirectional;
    description.endpoints = {
        {k_bulk_out, k_bulk_attributes, k_full_speed_packet, 0},
        {k_bulk_in, k_bulk_attributes, k_full_speed_packet, 0},
    };
    return build_descriptors(description);
}

bool VirtualPrinter::can_print() const {
    return m_paper != PaperState::out && !m_cover_open;
}

void VirtualPrinter::start_slip() {
    m_slip = PrintedSlip{};
    m_slip_begun = false;
    m_slip_spoiled = false;
    // A slip begins in the modes the last one left; spelled out, it can be read (and drawn)
    // on its own.
    const Modes defaults;
    if (m_modes.justification != defaults.justification) {
        m_slip.commands.emplace_back(SelectJustification{m_modes.justification});
    }
    if (m_modes.emphasised != defaults.emphasised) {
        m_slip.commands.emplace_back(SelectEmphasis{m_modes.emphasised});
    }
    if (m_modes.size != defaults.size) {
        m_slip.commands.emplace_back(SelectSize{m_modes.size});
    }
    if (m_modes.qr.model != defaults.qr.model) {
        m_slip.commands.emplace_back(QrSelectModel{m_modes.qr.model});
    }
    if (m_modes.qr.module_dots != defaults.qr.module_dots) {
        m_slip.commands.emplace_back(QrSetModuleSize{m_modes.qr.module_dots});
    }
    if (m_modes.qr.error_correction != defaults.qr.error_correction) {
        m_slip.commands.emplace_back(QrSelectErrorCorrection{m_modes.qr.error_correction});
    }
    if (m_modes.qr_data) {
        m_slip.commands.emplace_back(QrStore{*m_modes.qr_data});
    }
}

void VirtualPrinter::answer(StatusKind kind) {
    // ESC/POS "DLE EOT n": an empty roll or an open cover takes the printer off-line.
    std::uint8_t reply = 0;
    switch (kind) {
        case StatusKind::printer:
            reply = encode_printer_status(PrinterStatus{.offline = !can_print()});
            break;
        case StatusKind::offline_cause:
            reply = encode_offline_cause(OfflineCause{
                .cover_open = m_cover_open, .stopped_by_paper_end = m_paper == PaperState::out});
            break;
        case StatusKind::error_cause:
            reply = encode_offline_cause(OfflineCause{});  // the fixed bits only: no error
            break;
        case StatusKind::roll_paper:
            // The near-end sensor sits before the end sensor on the roll's way, so an empty
            // roll trips both.
            reply = encode_roll_paper_status(RollPaperStatus{
                .near_end = m_paper != PaperState::ok, .paper_end = m_paper == PaperState::out});
            break;
    }
    if (m_replies.size() >= k_max_queued_replies) {
        m_replies.pop_front();
    }
    m_replies.push_back(base::Bytes{reply});
}

std::optional<PrintedSlip> VirtualPrinter::take(const Command& command) {
    if (const auto* request = std::get_if<RequestStatus>(&command)) {
        answer(request->kind);
        return std::nullopt;
    }
    if (!can_print()) {
        m_slip_spoiled = true;
    }
    m_slip_begun = true;
    m_slip.commands.push_back(command);
    if (std::holds_alternative<Initialise>(command)) {
        m_modes = Modes{};
    } else if (const auto* justification = std::get_if<SelectJustification>(&command)) {
        m_modes.justification = justification->justification;
    } else if (const auto* emphasis = std::get_if<SelectEmphasis>(&command)) {
        m_modes.emphasised = emphasis->emphasised;
    } else if (const auto* size = std::get_if<SelectSize>(&command)) {
        m_modes.size = size->size;
    } else if (const auto* text = std::get_if<Text>(&command)) {
        m_slip.text += text->text;
    } else if (std::holds_alternative<LineFeed>(command)) {
        m_slip.text += '\n';
    } else if (const auto* feed = std::get_if<FeedLines>(&command)) {
        // ESC/POS "ESC d n" prints the line and feeds n lines; with n = 0 the line still ends.
        m_slip.text.append(std::max<std::size_t>(feed->lines, 1), '\n');
    } else if (const auto* model = std::get_if<QrSelectModel>(&command)) {
        m_modes.qr.model = model->model;
    } else if (const auto* module = std::get_if<QrSetModuleSize>(&command)) {
        m_modes.qr.module_dots = module->module_dots;
    } else if (const auto* level = std::get_if<QrSelectErrorCorrection>(&command)) {
        m_modes.qr.error_correction = level->level;
    } else if (const auto* store = std::get_if<QrStore>(&command)) {
        m_modes.qr_data = store->data;
    } else if (std::holds_alternative<QrPrint>(command)) {
        // ESC/POS "GS ( k" function 181 prints what function 180 stored; with nothing stored
        // it prints nothing.
        if (m_modes.qr_data) {
            m_slip.qr_codes.push_back(*m_modes.qr_data);
        }
    } else if (std::holds_alternative<Cut>(command)) {
        std::optional<PrintedSlip> finished;
        if (m_slip_spoiled) {
            ++m_slips_not_printed;
        } else {
            m_slips.push_back(m_slip);
            finished = std::move(m_slip);
        }
        start_slip();
        return finished;
    }
    return std::nullopt;
}

void VirtualPrinter::on_out(std::uint8_t endpoint, std::span<const std::uint8_t> data) {
    if (endpoint != k_bulk_out) {
        return;
    }
    std::vector<PrintedSlip> finished;
    bool replied = false;
    SlipSink sink;
    {
        std::lock_guard lock(m_mutex);
        std::vector<Command> commands;
        const auto fed = m_decoder.feed(data, commands);
        for (const Command& command : commands) {
            replied = replied || std::holds_alternative<RequestStatus>(command);
            if (auto slip = take(command)) {
                finished.push_back(std::move(*slip));
            }
        }
        if (!fed) {
            // What a broken command would have printed is unknown: the slip it was part of
            // does not come out.
            if (m_errors.size() >= k_max_kept_errors) {
                m_errors.erase(m_errors.begin());
            }
            m_errors.push_back(fed.error());
            m_slip_spoiled = true;
        }
        sink = m_sink;
    }
    if (replied) {
        notify_in_ready();
    }
    if (!finished.empty()) {
        m_slip_printed.notify_all();
        if (sink) {
            for (const PrintedSlip& slip : finished) {
                sink(slip);
            }
        }
    }
}

std::optional<base::Bytes> VirtualPrinter::take_in(std::uint8_t endpoint) {
    std::lock_guard lock(m_mutex);
    if (endpoint != k_bulk_in || m_replies.empty()) {
        return std::nullopt;
    }
    base::Bytes reply = std::move(m_replies.front());
    m_replies.pop_front();
    return reply;
}

std::expected<base::Bytes, int> VirtualPrinter::on_control(
    const simulator::usb::ControlSetup& setup, std::span<const std::uint8_t> /*data*/) {
    if (setup.request_type != k_request_type_class_interface_in) {
        return std::unexpected(EPIPE);
    }
    if (setup.request == k_request_get_device_id) {
        // IEEE 1284 device id: MFG, MDL and CMD (the command language), each "KEY:value;".
        const std::string id = "MFG:" + m_identity.manufacturer + ";MDL:" + m_identity.product +
                               ";CMD:ESC/POS;CLS:PRINTER;";
        const auto length = static_cast<std::uint16_t>(id.size() + 2);
        base::Bytes reply{static_cast<std::uint8_t>(length >> 8),
                          static_cast<std::uint8_t>(length & 0xFF)};
        reply.insert(reply.end(), id.begin(), id.end());
        return reply;
    }
    if (setup.request == k_request_get_port_status) {
        std::lock_guard lock(m_mutex);
        std::uint8_t status = k_port_not_error;
        if (m_paper == PaperState::out) {
            status |= k_port_paper_empty;
        }
        if (can_print()) {
            status |= k_port_selected;
        }
        return base::Bytes{status};
    }
    return std::unexpected(EPIPE);
}

void VirtualPrinter::on_unplugged() {
    std::lock_guard lock(m_mutex);
    m_decoder.reset();
    m_modes = Modes{};
    m_replies.clear();
    start_slip();
}

void VirtualPrinter::set_paper(PaperState paper) {
    std::lock_guard lock(m_mutex);
    m_paper = paper;
    // A slip the printer had begun is torn: what it printed so far is not a whole slip.
    if (!can_print() && m_slip_begun) {
        m_slip_spoiled = true;
    }
}

PaperState VirtualPrinter::paper() const {
    std::lock_guard lock(m_mutex);
    return m_paper;
}

void VirtualPrinter::set_cover_open(bool open) {
    std::lock_guard lock(m_mutex);
    m_cover_open = open;
    if (!can_print() && m_slip_begun) {
        m_slip_spoiled = true;
    }
}

bool VirtualPrinter::cover_open() const {
    std::lock_guard lock(m_mutex);
    return m_cover_open;
}

void VirtualPrinter::set_slip_sink(SlipSink sink) {
    std::lock_guard lock(m_mutex);
    m_sink = std::move(sink);
}

std::vector<PrintedSlip> VirtualPrinter::slips() const {
    std::lock_guard lock(m_mutex);
    return m_slips;
}

std::vector<std::string> VirtualPrinter::slip_texts() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> texts;
    texts.reserve(m_slips.size());
    for (const PrintedSlip& slip : m_slips) {
        texts.push_back(slip.text);
    }
    return texts;
}

std::size_t VirtualPrinter::slips_printed() const {
    std::lock_guard lock(m_mutex);
    return m_slips.size();
}

std::size_t VirtualPrinter::slips_not_printed() const {
    std::lock_guard lock(m_mutex);
    return m_slips_not_printed;
}

std::vector<Error> VirtualPrinter::stream_errors() const {
    std::lock_guard lock(m_mutex);
    return m_errors;
}

bool VirtualPrinter::wait_for_slips(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_slip_printed.wait_for(lock, timeout, [&] { return m_slips.size() >= count; });
}

}  // namespace simulator::devices
