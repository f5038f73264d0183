// Store throughput through the public interface, durable (WAL,
// synchronous=FULL, blob fdatasync before COMMIT):
//   bench_store_throughput [DIR] [SECONDS] [WRITERS] [MESSAGE_BYTES]
// Deliveries/s of MESSAGE_BYTES messages with WRITERS concurrent writers each
// waiting for its acknowledgement, then flag changes/s the same way.
// (Every request is acknowledged only after its group's COMMIT.)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

using namespace postamt;
using namespace postamt::store;
using Clock = std::chrono::steady_clock;
#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : "/tmp/postamt-bench-store";
    double seconds = argc > 2 ? std::stod(argv[2]) : 5;
    int writers = argc > 3 ? std::stoi(argv[3]) : 10;
    std::size_t msg_bytes = argc > 4 ? std::stoul(argv[4]) : 10240;
    std::filesystem::remove_all(dir);
    StoreOptions o;
    o.data_dir = dir;
    auto st = Store::open(o);
    if (!st) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
    }
    auto store = *st;
    SYNC(Domain, store->add_domain("example.org", cb));
    std::vector<AccountId> accts;
    for (int i = 0; i < writers; ++i)
        accts.push_back(SYNC(Account, store->add_account(NewAccount{"user" + std::to_string(i) + "@example.org", {}, 0, 0}, cb))->id);

    std::string body;
    while (body.size() < msg_bytes) body += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n";
    std::string msg = "From: a@example.net\r\nTo: b@example.org\r\nSubject: bench\r\n\r\n" + body;
    msg.resize(msg_bytes - 2);
    msg += "\r\n";

    auto phase = [&](const char* name, auto op) {
        std::atomic<long> done{0};
        std::atomic<bool> stop{false};
        std::vector<std::thread> ts;
        auto before = Clock::now();
        for (int w = 0; w < writers; ++w)
            ts.emplace_back([&, w] {
                for (long n = 0; !stop; ++n) {
                    if (!op(w, n)) {
                        std::fprintf(stderr, "%s failed\n", name);
                        std::exit(1);
                    }
                    ++done;
                }
            });
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        stop = true;
        for (auto& t : ts) t.join();
        double secs = std::chrono::duration<double>(Clock::now() - before).count();
        std::printf("%-14s %8.0f /s  (%ld in %.1f s, %d writers)\n", name, done / secs, done.load(), secs, writers);
    };

    phase("deliveries", [&](int w, long) {
        NewMessage m;
        m.data = msg;
        m.targets = {{accts[w], 0, {}}};
        auto r = SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb));
        return r.ok() && r->at(0).error == Errc::ok;
    });
    std::vector<MailboxId> inbox;
    for (auto a : accts) inbox.push_back(SYNC(std::optional<Mailbox>, store->get_mailbox(a, "INBOX", cb)).value()->id);
    phase("flag changes", [&](int w, long n) {
        // Sweeps \Seen on and off over the first 50 messages, so every
        // request really changes a flag (a no-op STORE commits nothing).
        auto uid = static_cast<Uid>(n % 50 + 1);
        FlagChange ch{inbox[w], {{uid, uid}}, (n / 50) % 2 ? FlagOp::remove : FlagOp::add, Flags{kSeen, {}},
                      std::nullopt};
        auto r = SYNC(FlagChangeResult, store->change_flags(ch, cb));
        return r.ok() && r->changed.size() == 1;
    });
    store->close();
    std::filesystem::remove_all(dir);
    return 0;
}
