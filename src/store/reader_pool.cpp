#include "store/reader_pool.h"

#include "common/log.h"

namespace postamt::store {

ReaderPool::ReaderPool(std::string db_path, int threads) : path_(std::move(db_path)), n_(threads < 1 ? 1 : threads) {}

ReaderPool::~ReaderPool() { stop(); }

Status ReaderPool::start() {
    for (int i = 0; i < n_; ++i) {
        auto db = Db::open(path_, /*read_only=*/true, /*create=*/false);
        if (!db) return db.error();
        dbs_.push_back(std::move(db.value()));
    }
    for (auto& db : dbs_) threads_.emplace_back([this, d = db.get()] { run(d); });
    return ok_status();
}

void ReaderPool::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
    dbs_.clear();
}

bool ReaderPool::submit(Job job) {
    {
        std::lock_guard lk(mu_);
        if (stopping_) return false;
        queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

void ReaderPool::run(Db* db) {
    for (;;) {
        Job job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        job(*db);
    }
}

}  // namespace postamt::store
