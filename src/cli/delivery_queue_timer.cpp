#include "cli/delivery_queue_timer.h"

#include "common/log.h"
#include "common/server_metrics.h"
#include "net/await_store.h"

namespace postamt::cli {
namespace {

namespace asio = net::asio;

constexpr std::chrono::seconds kInterval{60};
// Local copies are retried for as long as Postfix keeps a message in its
// queue by default (maximal_queue_lifetime = 5d).
constexpr int64_t kMaxAgeSeconds = 5 * 86400;

// The server's io_context runs until no work is left, so the loop wakes
// every second to notice a stop instead of sleeping a whole interval.
constexpr std::chrono::seconds kTick{1};

asio::awaitable<void> queue_loop(net::Server* server, std::shared_ptr<store::Store> store) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto next_run = std::chrono::steady_clock::now();
    while (!server->stopping()) {
        if (std::chrono::steady_clock::now() >= next_run) {
            auto stats = co_await net::await_store<store::QueueRunStats>(
                [&](auto done) { store->run_delivery_queue(kMaxAgeSeconds, std::move(done)); });
            if (stats.ok()) metrics::delivery(metrics::Outcome::delivered_local, stats->delivered);
            if (stats.ok() && (stats->delivered || stats->deferred || stats->expired))
                log::info("event=delivery_queue_run delivered={} deferred={} expired={} remaining={}",
                          stats->delivered, stats->deferred, stats->expired, stats->remaining);
            next_run = std::chrono::steady_clock::now() + kInterval;
        }
        timer.expires_after(kTick);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) break;
    }
}

}  // namespace

void start_delivery_queue_timer(net::Server& server, std::shared_ptr<store::Store> store) {
    asio::co_spawn(server.io_context(), queue_loop(&server, std::move(store)), asio::detached);
}

}  // namespace postamt::cli
