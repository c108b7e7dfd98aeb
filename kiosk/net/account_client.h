#pragma once

// The kiosk's client for the bank's account service (docs/api/account.yaml): one worker thread
// owns libcurl and carries out calls one at a time, balance calls and preferences changes alike;
// results come back as core::ReplyReceived and core::PreferencesSaved events, and every call is
// reported for the transcript.
//
// The full PAN and the enciphered PIN block exist here only inside the request body of one
// call, which is wiped when the call ends. A preferences grant is a secret too: it lives in
// base::SecretText and in wiped request bodies, and appears in no notice. Nothing is logged.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/wipe.h"
#include "kiosk/core/account_calls.h"
#include "kiosk/core/card_number.h"
#include "kiosk/core/effects.h"
#include "kiosk/core/encrypted_pin_block.h"
#include "kiosk/core/events.h"
#include "kiosk/net/account_contract.h"
#include "kiosk/net/call_worker.h"
#include "kiosk/net/https_exchange.h"

namespace kiosk::net {

// Long enough for a branch's VPN to set up a TLS connection, short enough that a customer is
// told "the service is not answering" before they give up.
inline constexpr std::chrono::milliseconds k_default_connect_timeout{3'000};
inline constexpr std::chrono::milliseconds k_default_total_timeout{8'000};
struct AccountClientOptions {
    std::string base_url{};     // "https://bank.example:8443", no trailing path: HTTPS only
    std::string terminal_id{};  // sent with every call, for the bank's audit
    // The one certificate authority the service's certificate must chain to; the system's
    // trust store is never consulted. Required: without it no call is made.
    std::filesystem::path ca_file{};
    std::chrono::milliseconds connect_timeout = k_default_connect_timeout;
    std::chrono::milliseconds total_timeout = k_default_total_timeout;
    // The kiosk's own certificate and key (PEM), presented when the service asks for one
    // (mutual TLS, kiosk/app/config.h, "[tls]"). Empty: none is presented.
    std::filesystem::path client_certificate{};
    std::filesystem::path client_key{};
};

class AccountClient {
  public:
    explicit AccountClient(AccountClientOptions options);
    // Stops: abandons the call in flight and the queued ones, and joins the worker.
    ~AccountClient();
    AccountClient(const AccountClient&) = delete;
    AccountClient& operator=(const AccountClient&) = delete;

    // Starts the worker. Both sinks are called from the worker thread.
    void start(EventSink events, NoticeSink notices);

    // Queues a sign-on (POST /v1/sessions: verifies the PIN block, returns the balance and opens
    // a session) and returns at once. The card's ARQC, when the request has one, goes with it as
    // `card_authentication` (docs/api/account.yaml), so that the bank can check the chip. The
    // reply arrives as core::ReplyReceived{call_id, ...}, unless the call is cancelled first.
    void sign_on(std::uint64_t call_id, const core::BalanceRequest& request);

    // Queues one of the signed-on customer's requests (kiosk/core/account_calls.h) with the
    // session's token; the answer arrives as core::MoneyReplyReceived{call_id, ...}. The token,
    // a payee's account number, a PAN and a PIN block exist here only in the request body,
    // which is wiped when the call ends.
    void request(std::uint64_t call_id, core::AccountRequest request, base::SecretText session);

    // Queues a preferences change (PUT /v1/preferences) with the grant of this card's ok balance
    // reply and returns at once. The answer arrives as core::PreferencesSaved{call_id, saved}:
    // saved is true only when the service stored the flag; any failure (refused or malformed
    // grant, service down, timeout, broken reply, TLS) is false, with a ServiceNotice for the
    // call "preferences" that names the status only. The grant is copied into a SecretText.
    void save_preferences(std::uint64_t call_id, const base::SecretText& grant, bool elder_mode);

    // Queues a request for the PIN pad's working keys wrapped under the master key with this
    // KCV (POST /v1/working-keys, account.yaml 1.5), for `slots` (is_working_key_slot), and
    // returns at once. The answer arrives as core::WorkingKeysFetched{call_id, ...}. Key blocks
    // are no secret (only the pad can unwrap them), but they appear in no notice either.
    void fetch_working_keys(std::uint64_t call_id, std::string master_check_value,
                            std::vector<std::string> slots);

    // Abandons a queued or running call of either kind: nothing will be posted for it.
    void cancel(std::uint64_t call_id);

    // Abandons everything and joins the worker promptly. Idempotent.
    void stop();

  private:
    CallOutcome perform(CallContext& context, std::uint64_t call_id, const core::CardNumber& pan,
                        const core::EncryptedPinBlock& block,
                        const std::optional<core::CardAuthentication>& authentication);
    CallOutcome perform(CallContext& context, std::uint64_t call_id, const base::SecretText& grant,
                        bool elder_mode);
    CallOutcome perform(CallContext& context, std::uint64_t call_id,
                        const core::AccountRequest& request, const base::SecretText& session);
    CallOutcome perform(CallContext& context, std::uint64_t call_id,
                        const std::string& master_check_value,
                        const std::vector<std::string>& slots);

    AccountClientOptions m_options;
    HttpsEndpoint m_endpoint;
    CallWorker m_worker;
};

}  // namespace kiosk::net
