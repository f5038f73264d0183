#pragma once
// Drives HTTP/1.1 over a net::Connection: keep-alive, pipelining, limits
// (header and body size, request time, idle time, per-IP rate), dispatch
// through the Router to the handlers of the services the listener offers.
// The only file of http/ that knows about sockets and Asio.
#include <chrono>
#include <memory>

#include "common/config.h"
#include "http/rate_limiter.h"
#include "http/request_parser.h"
#include "http/router.h"
#include "net/asio.h"
#include "net/connection.h"

namespace postamt::http {

struct RunnerOptions {
    ParserLimits limits;
    // From the first byte of a request to its last (slow senders get 408).
    std::chrono::seconds request_timeout{30};
    unsigned max_requests_per_connection = 1000;
    RateLimit rate;
};

struct RunnerContext;

// Built once by `serve`; the router is read-only from then on.
std::shared_ptr<const RunnerContext> make_runner_context(std::shared_ptr<const Router> router,
                                                         RunnerOptions options = {});

net::asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                       std::shared_ptr<const RunnerContext> ctx);

}  // namespace postamt::http
