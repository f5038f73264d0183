#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "auth/hash_pool.h"

using namespace postamt::auth;
using namespace std::chrono_literals;

TEST(HashPool, RunsWorkAndCompletionOnPoolThread) {
    HashPool pool;
    EXPECT_EQ(pool.threads(), 2);
    std::promise<std::pair<int, std::thread::id>> p;
    auto f = p.get_future();
    ASSERT_TRUE(pool.submit<int>([] { return 6 * 7; },
                                 [&p](int v) { p.set_value({v, std::this_thread::get_id()}); }));
    auto [v, tid] = f.get();
    EXPECT_EQ(v, 42);
    EXPECT_NE(tid, std::this_thread::get_id());
}

TEST(HashPool, BoundedQueueRefusesWhenFull) {
    HashPool pool({1, 2});
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::promise<void> started;
    ASSERT_TRUE(pool.submit([gate, &started] {
        started.set_value();
        gate.wait();
    }));
    started.get_future().wait();  // the one thread is busy now
    std::atomic<int> ran{0};
    EXPECT_TRUE(pool.submit([&ran] { ++ran; }));
    EXPECT_TRUE(pool.submit([&ran] { ++ran; }));
    EXPECT_FALSE(pool.submit([&ran] { ++ran; }));  // queue of 2 is full
    EXPECT_EQ(pool.queued(), 2u);
    release.set_value();
    pool.shutdown();
    EXPECT_EQ(ran.load(), 2);
}

TEST(HashPool, DelayedJobDoesNotBlockEarlierOnes) {
    HashPool pool({1, 16});
    auto t0 = std::chrono::steady_clock::now();
    std::promise<std::chrono::steady_clock::time_point> late, early;
    ASSERT_TRUE(pool.submit([&late] { late.set_value(std::chrono::steady_clock::now()); }, t0 + 150ms));
    ASSERT_TRUE(pool.submit([&early] { early.set_value(std::chrono::steady_clock::now()); }));
    auto te = early.get_future().get();
    auto tl = late.get_future().get();
    EXPECT_LT(te - t0, 100ms);
    EXPECT_GE(tl - t0, 150ms);
}

TEST(HashPool, ShutdownDrainsQueueAndRefusesNewJobs) {
    HashPool pool({1, 100});
    std::atomic<int> ran{0};
    for (int i = 0; i < 20; ++i)
        ASSERT_TRUE(pool.submit([&ran] { ++ran; }, std::chrono::steady_clock::now() + 1h));
    pool.shutdown();  // delays are cut short, every job still runs
    EXPECT_EQ(ran.load(), 20);
    EXPECT_FALSE(pool.submit([&ran] { ++ran; }));
    pool.shutdown();  // idempotent
}

TEST(HashPool, JobExceptionDoesNotKillWorker) {
    HashPool pool({1, 10});
    ASSERT_TRUE(pool.submit([] { throw std::runtime_error("boom"); }));
    std::promise<void> p;
    ASSERT_TRUE(pool.submit([&p] { p.set_value(); }));
    EXPECT_EQ(p.get_future().wait_for(5s), std::future_status::ready);
}
