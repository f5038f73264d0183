#pragma once
// The listening side shared by every protocol: binds the configured
// listeners (IPv4 and IPv6), accepts, applies PROXY protocol, connection
// limits and implicit TLS, then runs the protocol's handler coroutine, one
// per connection, on an io_context driven by a few threads. Graceful stop:
// stop accepting, tell every connection (Connection::shutting_down()), wait
// up to the grace period, close the rest.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "net/asio.h"
#include "net/connection.h"
#include "net/connection_limits.h"

namespace postamt::net {

class TlsContext;

using Handler = std::function<asio::awaitable<void>(std::shared_ptr<Connection>)>;

struct ServerOptions {
    unsigned io_threads = 0;  // 0: min(2, hardware threads)
    std::chrono::milliseconds accept_backoff{100};  // after EMFILE/ENFILE
    std::chrono::seconds tls_handshake_timeout{30};
    std::chrono::seconds proxy_header_timeout{5};
    std::chrono::seconds write_timeout{5 * 60};
    std::chrono::seconds http_idle_timeout{60};
    int listen_backlog = 1024;
};

struct BoundEndpoint {
    std::string listener;  // ListenerConfig::name
    std::string address;
    std::uint16_t port = 0;  // the real port (useful when configured as 0 in tests)
};

class Server {
public:
    explicit Server(Config cfg, ServerOptions opts = {});
    ~Server();  // stops (without grace) if still running
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Handler for every listener of this protocol. Listeners whose protocol
    // has no handler get their connections closed at once.
    void set_handler(Protocol protocol, Handler handler);
    // TLS for starttls/implicit listeners. When not set, bind() creates one
    // from the config ([tls], self-signed under data_dir/tls if no cert).
    void set_tls(std::shared_ptr<TlsContext> tls);
    std::shared_ptr<TlsContext> tls() const { return tls_; }

    // Binds every address of every listener; call before drop_privileges().
    // allow_partial=false: any failure is an error (nothing stays bound).
    // allow_partial=true (not running as root): failures are logged with a
    // hint (port < 1024 needs root) and skipped; an error only if nothing bound.
    Status bind(bool allow_partial = false);
    std::vector<BoundEndpoint> bound() const;
    // Port of the first bound address of listener `name` (0 if none).
    std::uint16_t port_of(const std::string& name) const;

    // Starts accepting and the I/O threads. Returns at once.
    void start();
    // Thread-safe and asynchronous: graceful stop with this grace period.
    void request_stop(std::chrono::milliseconds grace);
    // Blocks until the I/O threads have finished (after a stop).
    void wait();
    void stop(std::chrono::milliseconds grace) {
        request_stop(grace);
        wait();
    }
    // SIGTERM/SIGINT: request_stop(grace); SIGHUP: reload_tls(). Call before start().
    void handle_signals(std::chrono::milliseconds grace);
    // Re-reads certificates; on failure the old ones stay (logged).
    Status reload_tls();

    asio::io_context& io_context() { return ioc_; }
    const Config& config() const { return cfg_; }
    std::shared_ptr<ConnectionLimits> limits() const { return limits_; }
    std::size_t active_connections() const;
    bool stopping() const { return stopping_.load(); }

private:
    struct Listener;
    asio::awaitable<void> accept_loop(std::shared_ptr<Listener> l);
    asio::awaitable<void> run_connection(std::shared_ptr<Connection> c);
    asio::awaitable<void> graceful_stop(std::chrono::milliseconds grace);
    asio::awaitable<void> signal_loop(std::chrono::milliseconds grace);
    std::chrono::seconds idle_timeout_for(Protocol p) const;
    void forget(std::uint64_t id);

    Config cfg_;
    ServerOptions opts_;
    asio::io_context ioc_;
    asio::strand<asio::io_context::executor_type> control_;  // acceptors, signals, stop
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::shared_ptr<TlsContext> tls_;
    std::shared_ptr<ConnectionLimits> limits_;
    std::map<Protocol, Handler> handlers_;
    std::vector<std::shared_ptr<Listener>> listeners_;
    struct Signals;
    std::unique_ptr<Signals> signals_;
    std::vector<std::thread> threads_;
    mutable std::mutex mu_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> live_;
    std::atomic<bool> stopping_{false};
    bool started_ = false;
};

}  // namespace postamt::net
