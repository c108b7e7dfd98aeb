// The pictures of the slips the virtual printer cuts (simulator/app/slip_pictures.h): one PNG a
// slip, numbered in the order they were cut, drawn off the thread that hands them over.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "drivers/escpos/escpos_protocol.h"
#include "simulator/app/slip_pictures.h"

using namespace drivers::escpos;
using namespace simulator::app;

namespace {

struct Folder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("slip-pictures-test-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    Folder() { std::filesystem::create_directories(path); }
    ~Folder() { std::filesystem::remove_all(path); }
};

std::vector<Command> slip(const std::string& text) {
    return {SelectEncoding{CharacterEncoding::utf8}, Text{text}, LineFeed{},
            Cut{CutShape::partial, std::uint8_t{3}}};
}

}  // namespace

TEST_CASE("Each slip handed over becomes the next numbered PNG") {
    Folder folder;
    std::vector<std::string> problems;
    SlipPictures pictures(folder.path, [&](const std::string& line) { problems.push_back(line); });
    // Handed over from other threads, as the virtual bus's worker thread does.
    std::thread bus([&] {
        pictures.add(slip("A023"));
        pictures.add(slip("排队号 B004"));
    });
    bus.join();
    CHECK(pictures.wait_until_drawn() == 2);
    CHECK(problems.empty());
    CHECK(std::filesystem::file_size(folder.path / "001.png") > 0);
    CHECK(std::filesystem::file_size(folder.path / "002.png") > 0);
    CHECK_FALSE(std::filesystem::exists(folder.path / "003.png"));
}

TEST_CASE("A slip that cannot be drawn is told, and the next one is drawn") {
    Folder folder;
    std::vector<std::string> problems;
    simulator::paper::SlipFonts missing;
    missing.regular = "/nonexistent/font.ttc";
    {
        SlipPictures pictures(
            folder.path, [&](const std::string& line) { problems.push_back(line); }, missing);
        pictures.add(slip("A023"));
        CHECK(pictures.wait_until_drawn() == 0);
    }
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("001.png") != std::string::npos);
    CHECK(problems[0].find("/nonexistent/font.ttc") != std::string::npos);

    // The pictures still handed over when they are destroyed are drawn first.
    {
        SlipPictures pictures(folder.path, {});
        pictures.add(slip("A024"));
    }
    CHECK(std::filesystem::exists(folder.path / "001.png"));
}
