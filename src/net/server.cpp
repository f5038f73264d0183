#include "net/server.h"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <csignal>

#include "common/log.h"
#include "common/server_metrics.h"
#include "net/tls_context.h"

namespace postamt::net {

struct Server::Listener {
    std::shared_ptr<const ListenerConfig> cfg;
    std::string address;
    asio::ip::tcp::acceptor acceptor;
    Listener(std::shared_ptr<const ListenerConfig> c, std::string a, asio::any_io_executor ex)
        : cfg(std::move(c)), address(std::move(a)), acceptor(ex) {}
};

struct Server::Signals {
    asio::signal_set set;
    explicit Signals(asio::any_io_executor ex) : set(ex) {}
};

namespace {

std::string bind_hint(const boost::system::error_code& ec, std::uint16_t port) {
    if (ec == asio::error::access_denied && port < 1024)
        return "; ports below 1024 need root (or CAP_NET_BIND_SERVICE): start as root, or set this "
               "listener's port to 1024 or above";
    if (ec == asio::error::address_in_use) return "; another process already listens there";
    if (ec.value() == EADDRNOTAVAIL) return "; no interface on this machine has that address";
    if (ec == asio::error::address_family_not_supported) return "; IPv6 seems disabled here; remove \"::\"";
    return {};
}

}  // namespace

Server::Server(Config cfg, ServerOptions opts)
    : cfg_(std::move(cfg)),
      opts_(opts),
      ioc_(int(opts.io_threads ? opts.io_threads : 2)),
      control_(asio::make_strand(ioc_)),
      limits_(ConnectionLimits::create(cfg_.limits.max_connections, cfg_.limits.max_connections_per_ip,
                                       cfg_.limits.max_connections_per_user)) {
    // OpenSSL writes to the socket with write(2): a peer that went away must
    // give EPIPE, not kill the process.
    ::signal(SIGPIPE, SIG_IGN);
    if (opts_.io_threads == 0) {
        unsigned hw = std::thread::hardware_concurrency();
        opts_.io_threads = hw == 0 ? 1 : (hw < 2 ? hw : 2);
    }
}

Server::~Server() {
    if (started_ && !threads_.empty()) {
        request_stop(std::chrono::milliseconds(0));
        wait();
    }
}

void Server::set_handler(Protocol protocol, Handler handler) { handlers_[protocol] = std::move(handler); }

void Server::set_tls(std::shared_ptr<TlsContext> tls) { tls_ = std::move(tls); }

Status Server::bind(bool allow_partial) {
    bool needs_tls = false;
    for (const auto& l : cfg_.listeners) needs_tls |= l.tls != TlsMode::none;
    if (needs_tls && !tls_) {
        auto t = TlsContext::create(cfg_.tls, cfg_.server.data_dir, cfg_.server.hostname);
        if (!t) return make_error(t.error().code, "tls: " + t.error().message);
        tls_ = std::move(t.value());
    }
    std::string errors;
    std::vector<std::shared_ptr<Listener>> bound;
    for (const auto& lc : cfg_.listeners) {
        auto cfg = std::make_shared<const ListenerConfig>(lc);
        for (const auto& addr : lc.addresses) {
            auto l = std::make_shared<Listener>(cfg, addr, control_);
            boost::system::error_code ec;
            auto ip = asio::ip::make_address(addr, ec);
            asio::ip::tcp::endpoint ep(ip, lc.port);
            if (!ec) l->acceptor.open(ep.protocol(), ec);
            if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
            // "0.0.0.0" and "::" on the same port must coexist.
            if (!ec && ip.is_v6()) l->acceptor.set_option(asio::ip::v6_only(true), ec);
            if (!ec) l->acceptor.bind(ep, ec);
            if (!ec) l->acceptor.listen(opts_.listen_backlog, ec);
            if (ec) {
                std::string msg = "listener '" + lc.name + "' cannot bind " +
                                  (ip.is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(lc.port) +
                                  ": " + ec.message() + bind_hint(ec, lc.port);
                log::error("event=listener_bind_failed listener={} address={} port={} error={}",
                           log::quote(lc.name), log::quote(addr), lc.port, log::quote(msg));
                if (!errors.empty()) errors += "\n";
                errors += msg;
                continue;
            }
            log::info("event=listening listener={} protocol={} address={} port={} tls={}", log::quote(lc.name),
                      protocol_name(lc.protocol), log::quote(addr), l->acceptor.local_endpoint().port(),
                      tls_mode_name(lc.tls));
            bound.push_back(std::move(l));
        }
    }
    if (!errors.empty() && (!allow_partial || bound.empty()))
        return make_error(Errc::unavailable, errors);
    listeners_.insert(listeners_.end(), bound.begin(), bound.end());
    return ok_status();
}

std::vector<BoundEndpoint> Server::bound() const {
    std::vector<BoundEndpoint> out;
    for (const auto& l : listeners_) {
        boost::system::error_code ec;
        auto ep = l->acceptor.local_endpoint(ec);
        out.push_back({l->cfg->name, l->address, ec ? std::uint16_t(0) : ep.port()});
    }
    return out;
}

std::uint16_t Server::port_of(const std::string& name) const {
    for (const auto& b : bound())
        if (b.listener == name) return b.port;
    return 0;
}

void Server::start() {
    if (started_) return;
    started_ = true;
    work_.emplace(ioc_.get_executor());
    for (const auto& l : listeners_) asio::co_spawn(control_, accept_loop(l), asio::detached);
    for (unsigned i = 0; i < opts_.io_threads; ++i)
        threads_.emplace_back([this] {
            for (;;) {
                try {
                    ioc_.run();
                    return;
                } catch (const std::exception& e) {
                    log::error("event=io_thread_exception error={}", log::quote(e.what()));
                }
            }
        });
}

void Server::request_stop(std::chrono::milliseconds grace) {
    asio::co_spawn(control_, graceful_stop(grace), asio::detached);
}

void Server::wait() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::size_t Server::active_connections() const {
    std::lock_guard lk(mu_);
    return live_.size();
}

void Server::forget(std::uint64_t id) {
    std::lock_guard lk(mu_);
    live_.erase(id);
}

std::chrono::seconds Server::idle_timeout_for(Protocol p) const {
    switch (p) {
        case Protocol::smtp:
        case Protocol::submission: return cfg_.limits.smtp_idle_timeout;
        case Protocol::imap: return cfg_.limits.imap_idle_timeout;
        case Protocol::pop3: return cfg_.limits.pop3_idle_timeout;
        case Protocol::http: return opts_.http_idle_timeout;
    }
    return std::chrono::minutes(5);
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Listener> l) {
    bool in_fd_burst = false;
    asio::steady_timer backoff(control_);
    while (!stopping_.load()) {
        asio::ip::tcp::socket sock(asio::make_strand(ioc_));
        auto [ec] = co_await l->acceptor.async_accept(sock, asio::as_tuple(asio::use_awaitable));
        if (stopping_.load() || ec == asio::error::operation_aborted) break;
        if (ec) {
            const bool out_of_fds = ec == asio::error::no_descriptors || ec.value() == ENFILE ||
                                    ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
            if (out_of_fds) {
                // Back off instead of spinning on a full descriptor table; log
                // once per burst.
                if (!in_fd_burst)
                    log::error("event=accept_backoff listener={} error={} backoff_ms={}", log::quote(l->cfg->name),
                               log::quote(ec.message()), opts_.accept_backoff.count());
                in_fd_burst = true;
                backoff.expires_after(opts_.accept_backoff);
                co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            } else {
                log::warn("event=accept_failed listener={} error={}", log::quote(l->cfg->name),
                          log::quote(ec.message()));
            }
            continue;
        }
        if (in_fd_burst) log::info("event=accept_resumed listener={}", log::quote(l->cfg->name));
        in_fd_burst = false;
        boost::system::error_code opt_ec;
        sock.set_option(asio::ip::tcp::no_delay(true), opt_ec);
        sock.set_option(asio::socket_base::keep_alive(true), opt_ec);
        auto conn = std::make_shared<Connection>(std::move(sock), l->cfg, l->cfg->tls == TlsMode::none ? nullptr : tls_,
                                                 limits_);
        conn->set_idle_timeout(idle_timeout_for(l->cfg->protocol));
        conn->set_write_timeout(opts_.write_timeout);
        {
            std::lock_guard lk(mu_);
            live_[conn->id()] = conn;
        }
        asio::co_spawn(conn->executor(), run_connection(conn), asio::detached);
    }
}

asio::awaitable<void> Server::run_connection(std::shared_ptr<Connection> c) {
    const ListenerConfig* l = &c->listener();  // no reference locals in coroutines (g++ 12)
    metrics::ConnectionScope counted(l->protocol);
    try {
        bool ok = true;
        if (l->proxy_protocol) ok = co_await c->read_proxy_header(opts_.proxy_header_timeout);
        if (ok) {
            Admission a = Admission::ok;
            c->ticket_ = limits_->admit(c->peer_address(), a);
            c->admission_ = a;
            if (a != Admission::ok)
                log::warn("event=connection_limit conn={} listener={} peer={} limit={}", c->id(), log::quote(l->name),
                          c->peer_address(),
                          a == Admission::too_many_from_ip ? "max_connections_per_ip" : "max_connections");
            if (l->tls == TlsMode::implicit) ok = co_await c->handshake(opts_.tls_handshake_timeout);
        }
        if (ok) {
            log::info("event=connect conn={} listener={} peer={} port={} tls={}", c->id(), log::quote(l->name),
                      c->peer_address(), c->peer_port(), c->is_tls() ? c->tls_version() : "no");
            auto h = handlers_.find(l->protocol);
            if (h != handlers_.end() && h->second) co_await h->second(c);
            else log::warn("event=no_handler listener={} protocol={}", log::quote(l->name), protocol_name(l->protocol));
        }
    } catch (const std::exception& e) {
        log::error("event=connection_exception conn={} listener={} error={}", c->id(), log::quote(l->name),
                   log::quote(e.what()));
    }
    c->close();
    forget(c->id());
    log::debug("event=disconnect conn={}", c->id());
}

asio::awaitable<void> Server::graceful_stop(std::chrono::milliseconds grace) {
    if (stopping_.exchange(true)) co_return;
    log::info("event=server_stopping grace_ms={} connections={}", grace.count(), active_connections());
    for (auto& l : listeners_) {
        boost::system::error_code ec;
        l->acceptor.close(ec);
    }
    if (signals_) {
        boost::system::error_code ec;
        signals_->set.cancel(ec);
    }
    auto snapshot = [this] {
        std::vector<std::shared_ptr<Connection>> out;
        std::lock_guard lk(mu_);
        for (auto& [id, w] : live_)
            if (auto c = w.lock()) out.push_back(std::move(c));
        return out;
    };
    for (auto& c : snapshot()) c->signal_shutdown();
    asio::steady_timer t(control_);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (active_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    std::size_t left = active_connections();
    if (left > 0) {
        log::info("event=server_closing_connections count={}", left);
        for (auto& c : snapshot()) c->request_close();
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (active_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
            t.expires_after(std::chrono::milliseconds(20));
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
    work_.reset();
    if (active_connections() > 0) {
        log::warn("event=server_stop_forced connections={}", active_connections());
        ioc_.stop();
    }
    log::info("event=server_stopped");
}

void Server::handle_signals(std::chrono::milliseconds grace) {
    if (signals_) return;
    signals_ = std::make_unique<Signals>(control_);
    signals_->set.add(SIGTERM);
    signals_->set.add(SIGINT);
    signals_->set.add(SIGHUP);
    asio::co_spawn(control_, signal_loop(grace), asio::detached);
}

asio::awaitable<void> Server::signal_loop(std::chrono::milliseconds grace) {
    for (;;) {
        auto [ec, signo] = co_await signals_->set.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        if (signo == SIGHUP) {
            log::info("event=signal signal=SIGHUP action=reload_tls");
            reload_tls();
            continue;
        }
        log::info("event=signal signal={} action=stop", signo == SIGTERM ? "SIGTERM" : "SIGINT");
        asio::co_spawn(control_, graceful_stop(grace), asio::detached);
        co_return;
    }
}

Status Server::reload_tls() {
    if (!tls_) return ok_status();
    return tls_->reload();
}

}  // namespace postamt::net
