#include "base/error.h"

#include <catch2/catch.hpp>

namespace sample {

enum class DoorError { jammed, locked };

std::string_view to_string(DoorError error) {
    return error == DoorError::jammed ? "the door is jammed" : "the door is locked";
}

}  // namespace sample

TEST_CASE("an error reads as what went wrong, then what was being done") {
    CHECK(base::to_string(base::error(sample::DoorError::jammed, "opening the cash slot")) ==
          "the door is jammed: opening the cash slot");
}

TEST_CASE("an error without context reads as what went wrong alone") {
    CHECK(base::to_string(base::error(sample::DoorError::locked)) == "the door is locked");
}

TEST_CASE("errors compare by code and context") {
    CHECK(base::error(sample::DoorError::locked, "a") ==
          base::error(sample::DoorError::locked, "a"));
    CHECK_FALSE(base::error(sample::DoorError::locked, "a") ==
                base::error(sample::DoorError::jammed, "a"));
}
