// libFuzzer harness: the branch queue service's replies as the kiosk maps them
// (kiosk/net/queue_contract.h, docs/api/queue.yaml). The first byte picks the HTTP status,
// the second the operation (business list, ticket, call for staff, its follow-up, survey
// answer, complaint); the rest is the reply body.
// Properties: no reply body, however broken, escapes as an exception or an over-read; a value
// comes with ok and only with ok; what is believed holds to the contract's limits (at most 50
// businesses of at most 10 materials, texts of 1 to 80 characters of valid UTF-8, business ids
// of the contract's pattern); a retry is never offered for 400, 403, 404, 413 or 422
// (docs/api/queue.yaml, "Idempotency").

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kiosk/core/branch.h"
#include "kiosk/net/queue_contract.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace core = kiosk::core;
namespace net = kiosk::net;
using tests::fuzz::require;

// The statuses docs/api/queue.yaml gives its operations, and some it does not.
constexpr std::array<long, 16> k_http_statuses{200, 201, 204, 400, 403, 404, 409, 413,
                                               422, 429, 500, 502, 503, 504, 302, 418};

bool is_localized_text(const core::LocalizedText& text) {
    for (const std::string* language : {&text.zh_cn, &text.zh_hk, &text.en}) {
        const auto characters = net::character_count(*language);
        if (!characters || *characters < 1 ||
            *characters > net::k_maximum_localized_text_characters) {
            return false;
        }
    }
    return true;
}

template <typename Value>
void check_reply(const net::QueueReply<Value>& reply, long http_status) {
    require(reply.value.has_value() == (reply.status == core::QueueStatus::ok));
    if (reply.retry) {
        require(http_status != 400 && http_status != 403 && http_status != 404 &&
                http_status != 413 && http_status != 422);
    }
    if (reply.status == core::QueueStatus::ok) {
        require((http_status >= 200 && http_status < 300) || http_status == 409);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tests::fuzz::FuzzInput input(data, size);
    const long http_status = k_http_statuses[input.take_byte() % k_http_statuses.size()];
    const std::uint8_t operation = input.take_byte();
    const std::string_view body = input.rest_text();
    switch (operation % 6) {
        case 0: {
            const auto reply = net::interpret_businesses_reply(http_status, body);
            check_reply(reply, http_status);
            if (reply.value) {
                require(reply.value->size() <= net::k_maximum_businesses);
                for (const core::Business& business : *reply.value) {
                    require(net::is_business_id(business.id));
                    require(is_localized_text(business.name));
                    require(business.materials.size() <= net::k_maximum_materials);
                    for (const core::LocalizedText& material : business.materials) {
                        require(is_localized_text(material));
                    }
                }
            }
            break;
        }
        case 1: {
            const auto reply = net::interpret_ticket_reply(http_status, body);
            check_reply(reply, http_status);
            if (reply.value) {
                require(net::is_business_id(reply.value->business_id));
                require(!reply.value->number.empty());
            }
            break;
        }
        case 2:
            check_reply(net::interpret_assistance_reply(http_status, body), http_status);
            break;
        case 3: {
            const auto reply = net::interpret_assistance_status_reply(http_status, body);
            check_reply(reply, http_status);
            if (reply.value && reply.value->acknowledged_by) {
                const auto characters =
                    net::character_count(reply.value->acknowledged_by->display_name);
                require(characters && *characters <= net::k_maximum_display_name_characters);
            }
            break;
        }
        case 4:
            check_reply(net::interpret_survey_reply(http_status, body), http_status);
            break;
        default:
            check_reply(net::interpret_complaint_reply(http_status, body), http_status);
            break;
    }
    return 0;
}
