#include "auth/hash_pool.h"

#include "common/log.h"

namespace postamt::auth {

HashPool::HashPool(HashPoolOptions opts) : opts_(opts) {
    if (opts_.threads < 1) opts_.threads = 1;
    if (opts_.max_queue < 1) opts_.max_queue = 1;
    workers_.reserve(static_cast<std::size_t>(opts_.threads));
    for (int i = 0; i < opts_.threads; ++i) workers_.emplace_back([this] { run(); });
}

HashPool::~HashPool() { shutdown(); }

bool HashPool::submit(Job job, TimePoint not_before) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || queue_.size() >= opts_.max_queue) return false;
        queue_.push(Item{not_before, seq_++, std::move(job)});
    }
    // notify_all: a newly queued early job may need to wake a thread that is
    // sleeping until a later deadline.
    cv_.notify_all();
    return true;
}

void HashPool::run() {
    std::unique_lock lock(mu_);
    while (true) {
        if (queue_.empty()) {
            if (stopping_) return;
            cv_.wait(lock);
            continue;
        }
        auto due = queue_.top().not_before;
        if (!stopping_ && due > std::chrono::steady_clock::now()) {
            cv_.wait_until(lock, due);
            continue;
        }
        // priority_queue::top is const; the job is moved out before pop.
        Job job = std::move(const_cast<Item&>(queue_.top()).job);
        queue_.pop();
        lock.unlock();
        try {
            job();
        } catch (const std::exception& e) {
            log::error("event=hash_pool_job_failed error={}", log::quote(e.what()));
        } catch (...) {
            log::error("event=hash_pool_job_failed error=unknown");
        }
        lock.lock();
    }
}

void HashPool::shutdown() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) {
        if (!t.joinable()) continue;
        if (t.get_id() == std::this_thread::get_id())
            t.detach();  // shutdown from inside a job: that thread exits on return
        else
            t.join();
    }
    std::lock_guard lock(mu_);
    workers_.clear();
}

std::size_t HashPool::queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

}  // namespace postamt::auth
