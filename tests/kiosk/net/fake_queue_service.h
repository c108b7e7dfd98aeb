#pragma once

// A small branch queue service on loopback for the QueueClient tests (cpp-httplib). It behaves
// like the service docs/api/queue.yaml describes: it lists two businesses, issues tickets,
// opens calls for staff that staff (the test) acknowledge and close, stores survey answers and
// complaints, and keeps each Idempotency-Key with its request and reply, so that a retry with
// the same key gets the first reply again and creates nothing new. A test can put replies of
// its own in front (a 503, a slow reply, a dropped connection) and reads every request it got.
//
// It speaks plain HTTP, or HTTPS with the test PKI's service certificate, requiring a client
// certificate from the test authority when asked to.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace kiosk::net::testing {

struct RecordedRequest {
    std::string method;
    std::string path;
    std::string idempotency_key;  // empty when none was sent
    std::string body;
    std::chrono::steady_clock::time_point received;
};

// A reply a test puts in front of the service's own.
struct ScriptedReply {
    int status = 503;
    std::string body;
    std::string content_type = "application/problem+json";
    std::map<std::string, std::string> headers{};
    // How long the service takes before answering (past the client's time-out: a time-out).
    std::chrono::milliseconds delay{0};
    // Whether the service still acts on the request before this reply goes (a reply lost after
    // the service acted): a later retry then gets the stored first reply.
    bool acted = false;
};

// A problem details body (RFC 9457) of docs/api/queue.yaml.
std::string problem_body(int status, const std::string& type);

enum class Transport { plain, tls, mutual_tls };

class FakeQueueService {
  public:
    explicit FakeQueueService(Transport transport = Transport::plain);
    ~FakeQueueService();
    FakeQueueService(const FakeQueueService&) = delete;
    FakeQueueService& operator=(const FakeQueueService&) = delete;

    std::string url() const;
    int port() const { return m_port; }

    // The next request whose path starts with `path` gets `reply`, in the order scripted.
    void script(const std::string& path, ScriptedReply reply);

    std::vector<RecordedRequest> requests();
    std::vector<RecordedRequest> requests_to(const std::string& path);
    // Waits until at least `count` requests to paths starting with `path` have arrived.
    bool wait_for_requests(const std::string& path, std::size_t count,
                           std::chrono::milliseconds limit);
    // How many times a request with this key created something (at most once, if the
    // idempotency rules hold).
    int created_with(const std::string& key);

    // Staff's side: a call is acknowledged by a lobby manager, then closed.
    void acknowledge(const std::string& call_id, int eta_seconds);
    void close(const std::string& call_id);
    std::vector<std::string> call_ids();

  private:
    struct Stored {
        std::string request_body;
        int status;
        std::string reply_body;
    };

    std::string handle_post(const std::string& path, const std::string& key,
                            const std::string& body, int& status, bool& replayed);
    std::string call_document(const std::string& call_id);

    std::unique_ptr<httplib::Server> m_server;
    int m_port = 0;
    bool m_secure = false;
    std::thread m_thread;

    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<RecordedRequest> m_requests;
    std::deque<std::pair<std::string, ScriptedReply>> m_script;
    std::map<std::string, Stored> m_keys;
    std::map<std::string, int> m_created;
    std::map<std::string, std::string> m_call_states;  // id -> "open", "acknowledged", "closed"
    std::map<std::string, int> m_call_eta;
    int m_next_ticket = 1;
    int m_next_complaint = 1;
    int m_next_call = 1;
};

}  // namespace kiosk::net::testing
