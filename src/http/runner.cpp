// HTTP/1.1 connection runner (http/runner.h).
#include "http/runner.h"

#include <mutex>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "common/log.h"
#include "http/response_writer.h"
#include "net/once_completion.h"

namespace postamt::http {

struct RunnerContext {
    std::shared_ptr<const Router> router;
    RunnerOptions options;
    std::shared_ptr<RateLimiter> rate;
};

std::shared_ptr<const RunnerContext> make_runner_context(std::shared_ptr<const Router> router,
                                                         RunnerOptions options) {
    auto c = std::make_shared<RunnerContext>();
    c->router = std::move(router);
    c->options = options;
    c->rate = std::make_shared<RateLimiter>(options.rate);
    return c;
}

namespace {

namespace asio = net::asio;
using Clock = std::chrono::steady_clock;

struct CallHandler {
    const Handler* handler;
    const Request* request;
    template <class H>
    void operator()(H h) const {
        // A handler that drops its Reply without answering yields a 500.
        auto state = std::make_shared<net::detail::OnceCompletion<Response, H>>(
            std::move(h), error_response(500, "the handler gave no answer"));
        try {
            (*handler)(*request, Reply([state](Response r) { state->complete(std::move(r)); }));
        } catch (const std::exception& e) {
            log::error("event=http_handler_exception path={} error={}", log::quote(request->path),
                       log::quote(e.what()));
            state->complete(error_response(500));
        }
    }
};

// Answers `r` and says whether the connection stays usable.
asio::awaitable<bool> send(std::shared_ptr<net::Connection> conn, std::string bytes) {
    co_return co_await conn->write(bytes);
}

// Sends a final error answer and closes the way RFC 9112 9.6 asks: a client
// still sending the rest of a refused request (a too-large header or body)
// would get a reset instead of the answer if we closed at once, so the
// input is read and dropped for a moment (bounded in time and bytes).
asio::awaitable<void> answer_and_close(std::shared_ptr<net::Connection> conn, std::string bytes) {
    if (co_await conn->write(bytes)) {
        constexpr std::size_t kDrainMax = 4 << 20;
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        std::size_t drained = 0;
        while (drained < kDrainMax) {
            auto left = deadline - Clock::now();
            if (left <= Clock::duration::zero()) break;
            // A pause of a quarter second: the client has sent what it had.
            conn->set_idle_timeout(std::min<Clock::duration>(left, std::chrono::milliseconds(250)));
            net::SomeResult r = co_await conn->read_some(64 << 10, net::ReadMode::data);
            if (r.end != net::ReadEnd::ok) break;
            drained += r.data.size();
        }
    }
    conn->close();
}

}  // namespace

asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn, std::shared_ptr<const RunnerContext> ctx) {
    const RunnerOptions opts = ctx->options;
    std::shared_ptr<const Router> router = ctx->router;
    std::shared_ptr<RateLimiter> rate = ctx->rate;
    const ServiceSet offered = listener_services(conn->listener());
    const Clock::duration idle = conn->idle_timeout();
    const std::string ip = conn->peer_address();

    if (conn->admission() != net::Admission::ok) {
        Response r = error_response(503, "too many connections");
        r.set("Retry-After", "5");
        std::string out = serialize_response(r, {.close = true});
        co_await conn->write(out);
        conn->close();
        co_return;
    }

    RequestParser parser(opts.limits);
    unsigned served = 0;
    for (;;) {
        // ---- read one request ------------------------------------------------
        ParseStatus ps = parser.parse();
        Clock::time_point started_at = Clock::now();
        bool continued = false;
        while (ps == ParseStatus::need_more) {
            if (!continued && parser.expects_continue()) {
                continued = true;
                if (!co_await conn->write("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
            }
            const bool started = parser.started();
            net::ReadMode mode = net::ReadMode::command;
            if (started) {
                auto left = opts.request_timeout - (Clock::now() - started_at);
                if (left <= Clock::duration::zero()) break;
                conn->set_idle_timeout(std::min<Clock::duration>(idle, left));
                mode = net::ReadMode::data;
            } else {
                conn->set_idle_timeout(idle);
            }
            net::SomeResult got = co_await conn->read_some(64 << 10, mode);
            if (got.end != net::ReadEnd::ok) {
                if (got.end == net::ReadEnd::timeout && started) break;  // 408 below
                // Idle keep-alive connection timed out, closed, or shutdown.
                conn->close();
                co_return;
            }
            if (!started) started_at = Clock::now();
            parser.append(got.data);
            ps = parser.parse();
        }
        if (ps == ParseStatus::need_more) {  // the request took too long
            log::info("event=http_request_timeout conn={} peer={}", conn->id(), ip);
            co_await send(conn, serialize_response(error_response(408), {.close = true}));
            conn->close();
            co_return;
        }
        if (ps == ParseStatus::error) {
            log::info("event=http_bad_request conn={} peer={} status={} error={}", conn->id(), ip,
                      parser.error_status(), log::quote(parser.error_text()));
            co_await answer_and_close(
                conn, serialize_response(error_response(parser.error_status(), parser.error_text()), {.close = true}));
            co_return;
        }

        // ---- answer it ---------------------------------------------------------
        Request req = parser.take();
        req.listener = conn->listener().name;
        req.remote_ip = ip;
        req.tls = conn->is_tls();
        if (req.host.empty()) req.host = conn->sni();
        const bool head = req.method == "HEAD";
        const bool close = !parser.keep_alive() || conn->shutting_down() ||
                           ++served >= opts.max_requests_per_connection;
        const Clock::time_point t0 = Clock::now();

        Response resp;
        if (!rate->allow(ip)) {
            resp = error_response(429, "slow down");
            resp.set("Retry-After", std::to_string(rate->retry_after(ip)));
        } else {
            Match m = router->match(req, offered);
            if (m.route) {
                const Handler handler = m.route->handler;
                resp = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
                    CallHandler{&handler, &req}, asio::use_awaitable);
            } else if (m.path_found) {
                resp = error_response(405);
                resp.set("Allow", m.allow);
            } else {
                resp = error_response(404);
            }
        }
        const long ms = static_cast<long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
        log::info("event=http_request conn={} peer={} listener={} method={} path={} status={} bytes={} ms={}",
                  conn->id(), ip, req.listener, log::quote(req.method), log::quote(req.path), resp.status,
                  resp.body.size(), ms);
        std::string out = serialize_response(resp, {.head = head, .close = close});
        if (!co_await conn->write(out)) co_return;
        if (close) {
            conn->close();
            co_return;
        }
        parser.next();
    }
}

}  // namespace postamt::http
