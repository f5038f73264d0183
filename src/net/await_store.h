#pragma once
// Awaiting the asynchronous store from a coroutine. The store calls its
// callback on a store thread; the result is posted back to the awaiting
// coroutine's executor (its strand), and the io_context is kept alive
// (outstanding work) until then.
//
//   auto acct = co_await net::await_store<std::optional<store::Account>>(
//       [&](auto done) { store->find_account(address, std::move(done)); });
//
// If the store drops the callback without calling it, the coroutine gets
// Errc::unavailable instead of hanging.
#include <memory>
#include <mutex>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "common/result.h"
#include "net/asio.h"
#include "net/once_completion.h"
#include "store/store.h"

namespace postamt::net {

template <class T, class F>
asio::awaitable<Result<T>> await_store(F start) {
    auto initiation = [&start](auto handler) {
        using H = decltype(handler);
        auto state = std::make_shared<detail::OnceCompletion<Result<T>, H>>(
            std::move(handler), Result<T>(make_error(Errc::unavailable, "store dropped the request")));
        start(store::Callback<T>([state](Result<T> r) { state->complete(std::move(r)); }));
    };
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result<T>)>(std::move(initiation),
                                                                                           asio::use_awaitable);
}

}  // namespace postamt::net
