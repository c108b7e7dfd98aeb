// The demo branch file: complete, within the contract's ranges, and the reader's checks.

#include <catch2/catch.hpp>

#include <fstream>

#include "queue_fixture.h"
#include "simulator/queue/demo_branch.h"
#include "simulator/queue/queue_messages.h"

using namespace queue_test;

namespace {

// Characters that exist only in simplified Chinese, and their traditional forms, from the
// demo branch's own texts: a zh-HK text must hold none of the first, a zh-CN text none of the
// second.
constexpr std::array<std::string_view, 14> k_simplified_only{
    "证", "户", "费", "卡挂", "汇", "转", "账号", "币", "兑", "护", "贷", "缴", "单", "个"};
constexpr std::array<std::string_view, 12> k_traditional_only{"證", "戶", "費", "掛", "匯", "轉",
                                                              "賬", "幣", "兌", "護", "貸", "繳"};

bool contains_any(const std::string& text, const auto& pieces) {
    for (std::string_view piece : pieces) {
        if (text.find(piece) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("The demo branch offers eight businesses with one of them closed") {
    auto businesses = simulator::queue::read_demo_branch(demo_branch_path());
    REQUIRE(businesses.has_value());
    CHECK(businesses->size() == 8);
    int closed = 0;
    int waiting = 0;
    for (const auto& business : *businesses) {
        closed += business.open_now ? 0 : 1;
        waiting += business.waiting_at_opening;
        CHECK(business.typical_duration_minutes > 0);
    }
    CHECK(closed == 1);
    CHECK(waiting == 17);
}

TEST_CASE("Every demo text is in simplified Chinese traditional Chinese and English") {
    auto businesses = simulator::queue::read_demo_branch(demo_branch_path());
    REQUIRE(businesses.has_value());
    for (const auto& business : *businesses) {
        std::vector<simulator::queue::LocalizedText> texts = business.materials;
        texts.push_back(business.names);
        for (const auto& text : texts) {
            INFO(business.id << ": " << text.en);
            CHECK_FALSE(contains_any(text.zh_cn, k_traditional_only));
            CHECK_FALSE(contains_any(text.zh_hk, k_simplified_only));
            CHECK(text.en.find_first_not_of(
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ,'") ==
                  std::string::npos);
            // Short enough to say in one breath.
            CHECK(simulator::queue::utf8_length(text.zh_cn) <= 16);
            CHECK(simulator::queue::utf8_length(text.en) <= 48);
        }
    }
}

TEST_CASE("Account opening asks for the identity card and a mobile phone number") {
    auto businesses = simulator::queue::read_demo_branch(demo_branch_path());
    REQUIRE(businesses.has_value());
    for (const auto& business : *businesses) {
        if (business.id != "account_opening") {
            continue;
        }
        REQUIRE(business.materials.size() == 2);
        CHECK(business.materials[0].zh_cn == "本人身份证");
        CHECK(business.materials[0].zh_hk == "本人身份證");
        CHECK(business.materials[1].zh_hk == "本人手提電話號碼");
        return;
    }
    FAIL("no account_opening business");
}

TEST_CASE("A demo branch with a repeated ticket prefix is refused") {
    TemporaryDirectory directory;
    const auto file = directory.path() / "branch.toml";
    std::ofstream(file) << R"([[business]]
id = "one"
ticket_prefix = "A"
popularity_rank = 1
typical_duration_minutes = 5
open_counters = 1
first_counter = 1
open_now = true
waiting_at_opening = 0
names = { zh-CN = "一", zh-HK = "一", en = "One" }
materials = []

[[business]]
id = "two"
ticket_prefix = "A"
popularity_rank = 2
typical_duration_minutes = 5
open_counters = 1
first_counter = 2
open_now = true
waiting_at_opening = 0
names = { zh-CN = "二", zh-HK = "二", en = "Two" }
materials = []
)";
    auto businesses = simulator::queue::read_demo_branch(file);
    REQUIRE_FALSE(businesses.has_value());
    CHECK(businesses.error().code == simulator::queue::QueueError::bad_seed);
    CHECK(businesses.error().context.find("two") != std::string::npos);
}

TEST_CASE("A demo branch that is not TOML is a seed failure naming the file") {
    TemporaryDirectory directory;
    const auto file = directory.path() / "branch.toml";
    std::ofstream(file) << "[[business]\nid = \n";
    auto businesses = simulator::queue::read_demo_branch(file);
    REQUIRE_FALSE(businesses.has_value());
    CHECK(businesses.error().code == simulator::queue::QueueError::seed_failure);
    CHECK(businesses.error().context.find("branch.toml") != std::string::npos);
}
