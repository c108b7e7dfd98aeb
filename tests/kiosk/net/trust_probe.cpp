// Makes one balance call and prints how it ended, so that a test can run the call in a world it
// has arranged (a system trust store of its choosing, inside a mount namespace).
//
// usage: trust_probe URL CA_FILE     the kiosk's own client, trusting CA_FILE only
//        trust_probe URL --system    plain libcurl with its defaults: the system's trust store
// Prints the HTTP status ("200") or what went wrong ("tls_failure", ...), and exits 0.

#include <curl/curl.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "base/command_line.h"
#include "drivers/iso9564/pin_block.h"
#include "kiosk/net/account_client.h"
#include "simulator/bank/account_service.h"

namespace {

constexpr std::string_view k_pan = "6228480402564890018";

constexpr const char* k_usage =
    "usage: trust_probe URL CA_FILE     one balance call with the kiosk's own client, trusting\n"
    "                                   CA_FILE only\n"
    "       trust_probe URL --system    the same call with plain libcurl and its defaults (the\n"
    "                                   system's trust store)\n"
    "A test helper (tests/kiosk/net): prints the HTTP status (\"200\") or what went wrong\n"
    "(\"tls_failure\", \"no_answer\", \"curl_error_N\") to stdout, and exits 0.\n"
    "  -h, --help    this text\n";

int with_the_kiosk_client(const std::string& url, const std::string& ca_file) {
    std::mutex mutex;
    std::condition_variable done;
    std::string status;
    kiosk::net::AccountClient client(kiosk::net::AccountClientOptions{
        .base_url = url, .terminal_id = "trust-probe", .ca_file = ca_file});
    client.start([](kiosk::core::Event) {},
                 [&](const kiosk::net::ServiceNotice& notice) {
                     std::lock_guard lock(mutex);
                     status = notice.status;
                     done.notify_all();
                 });
    auto block =
        drivers::iso9564::format0_encrypted("1234", k_pan, simulator::bank::k_demo_pin_key);
    auto pan = kiosk::core::CardNumber::parse(k_pan);
    auto pin_block = kiosk::core::EncryptedPinBlock::from_bytes(*block);
    client.sign_on(1, kiosk::core::BalanceRequest{*pan, *pin_block});
    std::unique_lock lock(mutex);
    if (!done.wait_for(lock, std::chrono::seconds(20), [&] { return !status.empty(); })) {
        status = "no_answer";
    }
    std::printf("%s\n", status.c_str());
    return 0;
}

std::size_t ignore_body(char*, std::size_t size, std::size_t count, void*) {
    return size * count;
}

int with_curl_defaults(const std::string& url) {
    CURL* handle = curl_easy_init();
    curl_easy_setopt(handle, CURLOPT_URL, (url + "/v1/sessions").c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &ignore_body);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, 20L);
    const CURLcode result = curl_easy_perform(handle);
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    curl_easy_cleanup(handle);
    if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE) {
        std::printf("tls_failure\n");
    } else if (result != CURLE_OK) {
        std::printf("curl_error_%d\n", static_cast<int>(result));
    } else {
        std::printf("%ld\n", http_status);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (base::asks_for_help(argc, argv)) {
        std::fputs(k_usage, stdout);
        return 0;
    }
    if (argc != 3 || base::unknown_option(argc, argv, {"--system"})) {
        std::fputs(k_usage, stderr);
        return 2;
    }
    const std::string url = argv[1];
    const std::string trust = argv[2];
    return trust == "--system" ? with_curl_defaults(url) : with_the_kiosk_client(url, trust);
}
