#include "net/await_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "net_test_support.h"

using namespace postamt;
namespace asio = net::asio;

namespace {

struct Outcome {
    bool done = false;
    bool ok = false;
    std::string name;
    std::string error;
    std::thread::id resumed_on;
    bool in_strand = false;
};

asio::awaitable<void> add_and_find(std::shared_ptr<store::Store> st, Outcome* out) {
    auto added = co_await net::await_store<store::Domain>(
        [&](auto done) { st->add_domain("example.org", std::move(done)); });
    out->resumed_on = std::this_thread::get_id();
    if (!added) {
        out->error = added.error().message;
        out->done = true;
        co_return;
    }
    auto listed = co_await net::await_store<std::vector<store::Domain>>(
        [&](auto done) { st->list_domains(std::move(done)); });
    auto ex = co_await asio::this_coro::executor;
    out->in_strand = ex.target<asio::strand<asio::io_context::executor_type>>()->running_in_this_thread();
    out->ok = listed.ok() && listed->size() == 1;
    if (out->ok) out->name = listed->front().name;
    // A duplicate is reported as an error value, not an exception.
    auto dup = co_await net::await_store<store::Domain>(
        [&](auto done) { st->add_domain("example.org", std::move(done)); });
    out->error = dup.ok() ? "" : errc_name(dup.error().code);
    out->done = true;
}

TEST(AwaitStore, RealStoreResultsComeBackOnTheCoroutinesExecutor) {
    nettest::TempDir d;
    store::StoreOptions o;
    o.data_dir = d.path;
    auto st = store::Store::open(o);
    ASSERT_TRUE(st.ok()) << st.error().message;
    asio::io_context ioc;
    Outcome out;
    asio::co_spawn(asio::make_strand(ioc), add_and_find(st.value(), &out), asio::detached);
    // run() only returns when the coroutine is finished: the pending store
    // callbacks keep the io_context busy (outstanding work).
    ioc.run();
    st.value()->close();
    ASSERT_TRUE(out.done);
    EXPECT_TRUE(out.ok);
    EXPECT_EQ(out.name, "example.org");
    EXPECT_EQ(out.resumed_on, std::this_thread::get_id());  // the io thread, not a store thread
    EXPECT_TRUE(out.in_strand);
    EXPECT_EQ(out.error, "already_exists");
}

asio::awaitable<void> dropped(Outcome* out) {
    auto r = co_await net::await_store<int>([](store::Callback<int> cb) {
        // A "store" that loses the request on another thread.
        std::thread([c = std::move(cb)]() mutable { c = nullptr; }).detach();
    });
    out->ok = r.ok();
    out->error = r.ok() ? "" : errc_name(r.error().code);
    out->done = true;
}

TEST(AwaitStore, DroppedCallbackCompletesWithUnavailable) {
    asio::io_context ioc;
    Outcome out;
    asio::co_spawn(ioc, dropped(&out), asio::detached);
    ioc.run();
    ASSERT_TRUE(out.done);
    EXPECT_FALSE(out.ok);
    EXPECT_EQ(out.error, "unavailable");
}

}  // namespace
