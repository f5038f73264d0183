#pragma once
// A few worker threads for CPU-bound hashing (Argon2id ~25 ms), so it never
// runs on an I/O thread (DESIGN.md). The queue is bounded: submit() fails
// when it is full, and the caller answers "try again later" instead of
// piling up work. A job may carry a not-before time (the throttle's delay):
// it waits in the queue without occupying a thread. Completion callbacks run
// on the pool thread; callers post them to their own executor.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace postamt::auth {

struct HashPoolOptions {
    int threads = 2;
    std::size_t max_queue = 1024;
};

class HashPool {
public:
    using Job = std::function<void()>;
    using TimePoint = std::chrono::steady_clock::time_point;

    explicit HashPool(HashPoolOptions opts = {});
    ~HashPool();  // shutdown()
    HashPool(const HashPool&) = delete;
    HashPool& operator=(const HashPool&) = delete;

    // False (job not taken) when the queue is full or the pool is stopping.
    bool submit(Job job, TimePoint not_before = {});

    // Runs `work` on a pool thread, then `done(result)` on the same thread.
    template <class T>
    bool submit(std::function<T()> work, std::function<void(T)> done, TimePoint not_before = {}) {
        return submit(
            [work = std::move(work), done = std::move(done)]() mutable { done(work()); },
            not_before);
    }

    // Stops taking jobs, runs what is queued (delays are cut short so every
    // completion is still called), joins the threads. Idempotent.
    void shutdown();

    std::size_t queued() const;
    int threads() const { return static_cast<int>(workers_.size()); }

private:
    struct Item {
        TimePoint not_before;
        uint64_t seq;
        Job job;
    };
    struct Later {
        bool operator()(const Item& a, const Item& b) const {
            if (a.not_before != b.not_before) return a.not_before > b.not_before;
            return a.seq > b.seq;
        }
    };
    void run();

    HashPoolOptions opts_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::priority_queue<Item, std::vector<Item>, Later> queue_;
    uint64_t seq_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace postamt::auth
