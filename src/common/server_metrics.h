#pragma once
// The server's own metrics (docs/metrics.md lists each with its type and
// labels) in one process-wide registry, every series created on first use
// of server_metrics() so the hot path only adds to an existing atomic.
//
// Instrumentation is one call at each place where the event happens:
//   net/server.cpp          ConnectionScope per connection
//   auth/authenticator.cpp  login()
//   smtp/session_data.cpp   message_received()
//   smtp/queue_runner.cpp   delivery()  (remote, bounced, deferred)
//   cli/delivery_queue_timer.cpp delivery() (local copies retried)
//   store/writer.cpp        store_commit()
// The queue gauges are set from Store::outbound_stats when /metrics is
// scraped (http/metrics_handler.cpp).
#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/config.h"
#include "common/metrics.h"

namespace postamt::metrics {

inline constexpr std::size_t kProtocolCount = 5;  // Protocol::smtp .. Protocol::http
// Login label values: the auth services, SMTP AUTH reported as "submission"
// (AUTH is offered on submission listeners only).
inline constexpr std::array<std::string_view, 5> kLoginProtocols = {"imap", "pop3", "submission", "http", "other"};

struct ServerMetrics {
    std::array<Counter*, kProtocolCount> connections_opened{};
    std::array<Gauge*, kProtocolCount> connections_active{};
    std::array<Counter*, kLoginProtocols.size()> logins_ok{};
    std::array<Counter*, kLoginProtocols.size()> logins_failed{};
    Counter* received_smtp = nullptr;        // inbound (port 25)
    Counter* received_submission = nullptr;  // from authenticated clients
    Counter* delivered_local = nullptr;      // mailbox copies stored
    Counter* delivered_remote = nullptr;     // recipients accepted by the far side
    Counter* bounced = nullptr;              // recipients failed permanently (DSN owed)
    Counter* deferred = nullptr;             // attempts that failed temporarily
    Gauge* queue_messages = nullptr;
    Gauge* queue_recipients = nullptr;
    Gauge* queue_oldest_age = nullptr;
    Gauge* start_time = nullptr;
    Histogram* store_commit = nullptr;
};

// The process-wide registry and the server's series in it.
Registry& registry();
const ServerMetrics& server_metrics();

// Counts a connection as opened and active for the lifetime of the scope.
class ConnectionScope {
public:
    explicit ConnectionScope(Protocol p) noexcept;
    ~ConnectionScope();
    ConnectionScope(const ConnectionScope&) = delete;
    ConnectionScope& operator=(const ConnectionScope&) = delete;

private:
    std::size_t index_;
};

// `service` as auth::service_name() spells it: "imap", "pop3", "smtp", ...
void login(std::string_view service, bool ok) noexcept;

// A message accepted with 250 (protocol smtp or submission); `local_copies`
// of it were stored in mailboxes in the same transaction.
void message_received(Protocol p, std::uint64_t local_copies) noexcept;

enum class Outcome { delivered_local, delivered_remote, bounced, deferred };
void delivery(Outcome o, std::uint64_t n = 1) noexcept;

// One group commit of the store: blob sync plus the SQLite transaction.
void store_commit(std::chrono::steady_clock::duration d) noexcept;

}  // namespace postamt::metrics
