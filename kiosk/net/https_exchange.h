#pragma once

// One HTTPS request and its reply, carried out by libcurl on a multi handle that one worker
// thread owns (HttpsChannel). Both of the kiosk's service clients use it: the account client
// (docs/api/account.yaml) and the queue client (docs/api/queue.yaml). The transport rules
// (secure_transport in https_exchange.cpp) hold for every request: HTTPS only, the configured
// certificate authority only, TLS 1.2 or later, no redirects, no proxy, and the kiosk's own
// client certificate when one is configured (mutual TLS).
//
// Threading: HttpsChannel::exchange() is called by its owning thread only; wake() may be called
// from any thread, to cut a transfer's wait short when its call is cancelled or the client
// stops.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk::net {

// The largest Retry-After the kiosk waits for: docs/api/queue.yaml, "RetryAfter", allows 1 to
// 3600 seconds. A larger value is taken as this one, so that a broken header cannot hold a
// request back for days.
inline constexpr std::chrono::seconds k_longest_retry_after{3'600};

enum class Method { get, post, put };

std::string_view to_string(Method method);

// Why no whole HTTP reply arrived. Each client maps these to its own core status.
enum class TransportFailure {
    insecure_configuration,  // not HTTPS, or no certificate authority: nothing was sent
    timeout,                 // the connect or the total time-out ran out
    connect_failed,          // refused, unreachable, or the name did not resolve
    connection_lost,         // reset or dropped before the reply was whole
    tls_failure,             // the handshake failed: certificate, key or authority
    bad_url,
    reply_too_large,  // the body passed the client's limit
    cancelled,        // abandoned by cancel or stop
    transport_error,  // anything else libcurl reported
};

std::string_view to_string(TransportFailure failure);

// Where a service is and how the kiosk proves who it is there.
struct HttpsEndpoint {
    std::string base_url{};  // "https://queue.branch.example:8443", no trailing path
    // The one certificate authority the service's certificate must chain to; the system's
    // trust store is never consulted. Required: without it no request is made.
    std::filesystem::path ca_file{};
    // The kiosk's own certificate and private key (PEM), presented when the service asks for
    // one (mutual TLS). Empty: none is presented.
    std::filesystem::path client_certificate{};
    std::filesystem::path client_key{};
    std::chrono::milliseconds connect_timeout{};
    std::chrono::milliseconds total_timeout{};
    // For contract tests against a mock that speaks plain HTTP (tests/kiosk/net, Prism) and
    // for nothing else: allows an http:// base URL whose host is 127.0.0.1, localhost or
    // [::1], without a certificate authority. The kiosk's configuration has no setting that
    // reaches it (kiosk/app/config.cpp), so a kiosk never sets it.
    bool allow_plain_http_to_loopback_for_tests = false;
};

struct HttpsRequest {
    Method method = Method::get;
    std::string_view path{};  // appended to the base URL: "/v1/businesses"
    std::string_view body{};  // JSON, sent with POST and PUT
    // What the client reads: a service that speaks problem details (RFC 9457) is also asked
    // for application/problem+json, so that one that negotiates content types may send them.
    std::string_view accept = "application/json";
    // Further header lines, e.g. "Idempotency-Key: 7c9e6679-7425-40de-944b-e07fc1f90ae7".
    std::vector<std::string> headers{};
    // Read the service certificate's expiry (HttpsReply::certificate_expires). libcurl reports
    // a certificate only for a connection it made for this request, not for one it reused.
    bool read_certificate = false;
};

// The reply body, collected up to a limit; past it the transfer fails as reply_too_large.
// With `Secrecy::wiped` the whole limit is reserved up front, so that the body (a balance, a
// grant) is never copied by a regrowth, and the buffer is wiped when the call ends.
class ReplyBuffer {
  public:
    enum class Secrecy { wiped, plain };

    ReplyBuffer(std::size_t limit, Secrecy secrecy);
    ~ReplyBuffer();
    ReplyBuffer(const ReplyBuffer&) = delete;
    ReplyBuffer& operator=(const ReplyBuffer&) = delete;

    std::string_view body() const { return m_body; }
    // Mutable for readers that wipe what they copied out.
    std::string& text() { return m_body; }
    bool too_large() const { return m_too_large; }

    // Adds a piece of the body; false when it passes the limit or memory runs out. Never
    // throws: libcurl calls it from C.
    bool append(std::string_view data) noexcept;
    void clear() noexcept;

  private:
    std::string m_body;
    std::size_t m_limit;
    bool m_too_large = false;
};

// How one exchange ended: an HTTP status when a whole reply arrived, otherwise the failure.
struct HttpsReply {
    std::optional<long> http_status{};
    TransportFailure failure = TransportFailure::transport_error;  // without http_status
    // Retry-After in whole seconds (docs/api/queue.yaml: never an HTTP date), at most
    // k_longest_retry_after; none when absent or not a number.
    std::optional<std::chrono::seconds> retry_after{};
    // Idempotent-Replayed: true, which a client may note but must not depend on.
    bool idempotent_replayed = false;
    // From the start of the exchange to the reply's end, connection and handshake included
    // (libcurl's total time); with http_status only.
    std::chrono::microseconds elapsed{};
    // When the service's own certificate (the chain's first) stops being valid, when
    // HttpsRequest::read_certificate asked for it and the connection was new.
    std::optional<std::chrono::system_clock::time_point> certificate_expires{};

    bool abandoned() const { return !http_status && failure == TransportFailure::cancelled; }
    // For a notice: "201", or the failure's name ("timeout", "tls_failure", ...).
    std::string status() const;
};

// Reads a Retry-After value as the queue contract writes it: whole seconds, 0 to any size
// (taken as at most k_longest_retry_after); anything else (an HTTP date, text) is none.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

// A certificate's expiry as libcurl's OpenSSL backend words it in CURLINFO_CERTINFO's
// "Expire date" ("Dec  3 19:30:00 2027 GMT", OpenSSL's ASN1_TIME_print); none when it is not.
std::optional<std::chrono::system_clock::time_point> parse_certificate_time(std::string_view text);

// Whether `base_url` is http:// to a loopback host (127.0.0.1, localhost, [::1]) with at most
// a port after it: the only plain URL the test-only endpoint setting allows.
bool is_plain_loopback_url(std::string_view base_url);

// One worker thread's libcurl multi handle. libcurl is initialised once per process, with
// allocation functions that wipe every block it frees (https_exchange.cpp).
class HttpsChannel {
  public:
    HttpsChannel();
    ~HttpsChannel();
    HttpsChannel(const HttpsChannel&) = delete;
    HttpsChannel& operator=(const HttpsChannel&) = delete;

    // Carries out one request and fills `reply` with the body. Ends early, as cancelled, as
    // soon as `abandoned()` says so (checked whenever libcurl wakes up, and at once after
    // wake()). Owning thread only.
    HttpsReply exchange(const HttpsEndpoint& endpoint, const HttpsRequest& request,
                        ReplyBuffer& reply, const std::function<bool()>& abandoned);

    // Cuts the present wait short, so that the transfer checks abandoned() now. Any thread.
    void wake();

  private:
    void* m_multi = nullptr;  // CURLM*; only its owning thread drives it
};

}  // namespace kiosk::net
