// The bank's key management for the kiosks' PIN pads (docs/api/account.yaml, "PIN pad working
// keys"): the working keys wrapped under a master key whose component forms the bank issued.

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "drivers/epp/epp_security.h"
#include "simulator/bank/account_messages.h"
#include "simulator/bank/account_service.h"

namespace simulator::bank {

namespace {

using drivers::epp::KeySlot;
using drivers::epp::SecretKey;
using nlohmann::json;

constexpr std::size_t k_most_slots = 3;

// The slots asked for, in order: 1 to 3 different names of account.yaml's KeySlot.
std::optional<std::vector<KeySlot>> read_slots(const json& document) {
    const auto found = document.find("slots");
    if (found == document.end() || !found->is_array() || found->empty() ||
        found->size() > k_most_slots) {
        return std::nullopt;
    }
    std::vector<KeySlot> slots;
    for (const json& item : *found) {
        if (!item.is_string()) {
            return std::nullopt;
        }
        const auto slot = drivers::epp::key_slot_named(item.get<std::string>());
        if (!slot || *slot == KeySlot::pin_dukpt || *slot == KeySlot::master ||
            std::ranges::find(slots, *slot) != slots.end()) {
            return std::nullopt;
        }
        slots.push_back(*slot);
    }
    return slots;
}

}  // namespace

AccountService::Reply AccountService::answer_working_keys(const httplib::Request& request,
                                                          AuditEntry& audit) {
    auto document = parse_object(request.body, {"terminal_id", "master_key_kcv", "slots"});
    if (!document) {
        return bad_request(document.error());
    }
    if (auto terminal = read_terminal_id(*document, audit.terminal_id); !terminal) {
        return bad_request(terminal.error());
    }
    auto master_value = read_string(*document, "master_key_kcv", is_key_check_value,
                                    RequestError::bad_key_check_value);
    if (!master_value) {
        return bad_request(master_value.error());
    }
    const auto slots = read_slots(*document);
    if (!slots) {
        return bad_request(RequestError::bad_slots);
    }
    const Reply no_keys{404, result_body("no_keys"), "no_keys"};
    // epp.md §8.1: a master key is named by the first 5 bytes of AES-CMAC of zeros.
    std::optional<SecretKey> master;
    for (const auto& issued : m_config.pad_master_keys) {
        SecretKey candidate = SecretKey(issued);
        const auto value =
            drivers::epp::key_check_value(drivers::epp::KeyAlgorithm::aes128, candidate);
        if (value && base::to_hex(*value) == *master_value) {
            master = candidate;
            break;
        }
    }
    if (!master) {
        return no_keys;
    }
    json keys = json::array();
    for (const KeySlot slot : *slots) {
        std::optional<SecretKey> key;
        switch (slot) {
            case KeySlot::pin_tdes:
                key = SecretKey(m_config.pin_key);
                break;
            case KeySlot::pin_aes:
                key = SecretKey(m_config.pin_aes_key);
                break;
            case KeySlot::authentication:
                if (m_config.pad_authentication_key) {
                    key = SecretKey(*m_config.pad_authentication_key);
                }
                break;
            case KeySlot::pin_dukpt:
            case KeySlot::master:
                break;
        }
        if (!key) {
            return no_keys;
        }
        // epp.md §8.3: the key block binds the key to its slot; §8.1: TDES's 3-byte check value
        // is followed by two zero bytes.
        auto block = drivers::epp::wrap_key(*master, slot, *key);
        auto value = drivers::epp::key_check_value(drivers::epp::algorithm_of(slot), *key);
        if (!block || !value) {
            return Reply{503, result_body("unavailable"), "key_wrap_failed"};
        }
        keys.push_back(json{{"slot", std::string(drivers::epp::to_string(slot))},
                            {"key_block", base::to_hex(*block)},
                            {"kcv", base::to_hex(*value)}});
    }
    return {200, json{{"result", "ok"}, {"keys", keys}}.dump(), "ok"};
}

}  // namespace simulator::bank
