#include "simulator/app/slip_pictures.h"

#include <fmt/format.h>

#include <utility>

#include "simulator/paper/slip_layout.h"

namespace simulator::app {

SlipPictures::SlipPictures(std::filesystem::path directory,
                           std::function<void(const std::string&)> log, paper::SlipFonts fonts)
    : m_directory(std::move(directory)),
      m_log(std::move(log)),
      m_fonts(std::move(fonts)),
      m_thread([this] { run(); }) {}

SlipPictures::~SlipPictures() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void SlipPictures::add(std::vector<drivers::escpos::Command> slip) {
    {
        const std::lock_guard lock(m_mutex);
        m_waiting.push_back(std::move(slip));
        ++m_handed_over;
    }
    m_changed.notify_all();
}

std::size_t SlipPictures::wait_until_drawn() {
    std::unique_lock lock(m_mutex);
    const std::size_t handed_over = m_handed_over;
    m_changed.wait(lock, [&] { return m_finished >= handed_over; });
    return m_drawn;
}

void SlipPictures::run() {
    std::unique_lock lock(m_mutex);
    while (true) {
        m_changed.wait(lock, [&] { return m_stopping || !m_waiting.empty(); });
        if (m_waiting.empty()) {
            return;  // stopping, and everything handed over is drawn
        }
        const std::vector<drivers::escpos::Command> slip = std::move(m_waiting.front());
        m_waiting.pop_front();
        const auto path = m_directory / fmt::format("{:03}.png", m_finished + 1);
        lock.unlock();
        draw(slip, path);
        lock.lock();
        ++m_finished;
        m_changed.notify_all();
    }
}

void SlipPictures::draw(const std::vector<drivers::escpos::Command>& slip,
                        const std::filesystem::path& path) {
    const auto fail = [&](const paper::Error& error) {
        if (m_log) {
            m_log(fmt::format("cannot draw the slip {}: {}", path.filename().string(),
                              base::to_string(error)));
        }
    };
    if (!m_renderer) {
        auto renderer = paper::SlipRenderer::open(m_fonts);
        if (!renderer) {
            fail(renderer.error());
            return;  // tried again with the next slip
        }
        m_renderer = std::move(*renderer);
    }
    auto layout = paper::lay_out_slip(slip);
    if (!layout) {
        fail(layout.error());
        return;
    }
    auto picture = m_renderer->draw(*layout);
    if (!picture) {
        fail(picture.error());
        return;
    }
    if (auto saved = paper::save_png(*picture, path); !saved) {
        fail(saved.error());
        return;
    }
    const std::lock_guard lock(m_mutex);
    ++m_drawn;
}

}  // namespace simulator::app
