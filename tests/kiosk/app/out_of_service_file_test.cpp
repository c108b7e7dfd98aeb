// The file that keeps an engineer's "out of service" across restarts
// (kiosk/app/out_of_service_file.h): what is written is read back, no file is in service, and a
// file the kiosk did not write is an error its caller answers by staying out of service.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "kiosk/app/out_of_service_file.h"

using namespace kiosk::app;
using kiosk::core::OutOfServiceReason;

namespace {

std::filesystem::path fresh_file(const std::string& name) {
    const auto folder = std::filesystem::temp_directory_path() / "kiosk-out-of-service-test";
    std::filesystem::create_directories(folder);
    const auto file = folder / name;
    std::filesystem::remove(file);
    return file;
}

void write_private(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file) << text;
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
}

}  // namespace

TEST_CASE("Out of service is kept with its reason, and back in service removes the file") {
    const auto file = fresh_file("kept.toml");
    const auto missing = read_out_of_service(file);
    REQUIRE(missing.has_value());
    CHECK_FALSE(missing->has_value());
    for (const OutOfServiceReason reason : kiosk::core::k_out_of_service_reasons) {
        INFO(kiosk::core::to_string(reason));
        REQUIRE(write_out_of_service(file, reason).has_value());
        const auto read = read_out_of_service(file);
        REQUIRE(read.has_value());
        CHECK(*read == reason);
        // Private to the kiosk's user, as kiosk/access writes its files.
        const auto permissions = std::filesystem::status(file).permissions();
        CHECK((permissions & std::filesystem::perms::others_read) == std::filesystem::perms::none);
    }
    REQUIRE(write_out_of_service(file, std::nullopt).has_value());
    CHECK_FALSE(std::filesystem::exists(file));
    const auto back = read_out_of_service(file);
    REQUIRE(back.has_value());
    CHECK_FALSE(back->has_value());
}

TEST_CASE("An out-of-service file the kiosk did not write is an error, not a guess") {
    const auto file = fresh_file("bad.toml");
    for (const std::string text :
         {"reason = \"holiday\"\n", "reason = 3\n", "reason = \"cash\"\nextra = 1\n",
          "reason = \"cash\n", "", "\x01\x02"}) {
        INFO(text);
        write_private(file, text);
        const auto read = read_out_of_service(file);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error().code == OutOfServiceFileError::malformed);
    }
    // One others may read is not the kiosk's own private file.
    write_private(file, "reason = \"cash\"\n");
    std::filesystem::permissions(file, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    const auto shared = read_out_of_service(file);
    REQUIRE_FALSE(shared.has_value());
    CHECK(shared.error().code == OutOfServiceFileError::unreadable);
}
