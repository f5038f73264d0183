#pragma once
// A few threads, each with its own read-only SQLite connection. A job runs
// to completion on one thread: no read transaction ever spans an await, so
// WAL checkpoints are never blocked by a slow client.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "store/sqlite_db.h"

namespace postamt::store {

class ReaderPool {
public:
    using Job = std::function<void(Db&)>;
    ReaderPool(std::string db_path, int threads);
    ~ReaderPool();
    Status start();
    void stop();  // finishes queued jobs
    // false after stop(): the caller reports "unavailable".
    bool submit(Job job);

private:
    void run(Db* db);
    std::string path_;
    int n_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    std::vector<std::unique_ptr<Db>> dbs_;
    std::vector<std::thread> threads_;
};

}  // namespace postamt::store
