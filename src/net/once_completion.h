#pragma once
// Completing an awaiting coroutine from a callback that may run on any
// thread (the store's threads, an HTTP handler's): exactly once, posted to
// the coroutine's own executor (its strand), keeping the io_context alive
// until then. If every copy of the callback is dropped without being called,
// the coroutine gets `if_dropped` instead of hanging.
#include <mutex>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "net/asio.h"

namespace postamt::net::detail {

template <class V, class Handler>
class OnceCompletion {
public:
    OnceCompletion(Handler h, V if_dropped)
        : handler_(std::move(h)),
          work_(asio::make_work_guard(asio::get_associated_executor(handler_))),
          if_dropped_(std::move(if_dropped)) {}
    ~OnceCompletion() {
        if (!done_) complete(std::move(if_dropped_));
    }
    OnceCompletion(const OnceCompletion&) = delete;
    OnceCompletion& operator=(const OnceCompletion&) = delete;

    void complete(V v) {
        {
            std::lock_guard lk(mu_);
            if (done_) return;
            done_ = true;
        }
        auto ex = work_.get_executor();
        asio::post(ex, [h = std::move(handler_), v = std::move(v), w = std::move(work_)]() mutable {
            std::move(h)(std::move(v));
            w.reset();
        });
    }

private:
    std::mutex mu_;
    bool done_ = false;
    Handler handler_;
    asio::executor_work_guard<asio::associated_executor_t<Handler>> work_;
    V if_dropped_;
};

}  // namespace postamt::net::detail
