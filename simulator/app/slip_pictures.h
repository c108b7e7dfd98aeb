#pragma once
// Pictures of the slips the virtual printer cuts: each is drawn as DIR/NNN.png (001.png, 002.png,
// ... in the order they were cut; simulator/paper) so that developers and reviewers see what the
// kiosk printed.
//
// The printer hands a slip over on the virtual bus's worker thread, which also answers the
// kiosk's USB requests; drawing takes fonts and a PNG file, so the slips are drawn on a thread
// of their own and the bus never waits for them. The fonts are opened once, with the first
// slip, and kept until the pictures are destroyed (SDL_ttf's TTF_Init is counted, and the
// control panel may use it at the same time).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/paper/slip_image.h"

namespace simulator::app {

class SlipPictures {
  public:
    // Draws into `directory`, which must exist; `log` hears of a slip that could not be drawn
    // (the run goes on: the picture is for people, the scenario checks the slip's text).
    SlipPictures(std::filesystem::path directory, std::function<void(const std::string&)> log,
                 paper::SlipFonts fonts = {});
    // Draws the slips already handed over, then stops.
    ~SlipPictures();
    SlipPictures(const SlipPictures&) = delete;
    SlipPictures& operator=(const SlipPictures&) = delete;

    // Any thread; returns at once. The slip is drawn as the next number.
    void add(std::vector<drivers::escpos::Command> slip);

    // Waits until every slip handed over so far is drawn (or failed); how many were drawn.
    std::size_t wait_until_drawn();

  private:
    void run();
    void draw(const std::vector<drivers::escpos::Command>& slip, const std::filesystem::path& path);

    const std::filesystem::path m_directory;
    const std::function<void(const std::string&)> m_log;
    const paper::SlipFonts m_fonts;
    std::unique_ptr<paper::SlipRenderer> m_renderer;  // the drawing thread's

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::vector<drivers::escpos::Command>> m_waiting;
    std::size_t m_handed_over = 0;
    std::size_t m_finished = 0;
    std::size_t m_drawn = 0;
    bool m_stopping = false;
    std::thread m_thread;  // last: started once the state above exists
};

}  // namespace simulator::app
