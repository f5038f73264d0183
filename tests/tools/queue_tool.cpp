// Test helper for the outbound queue: puts a message into a store's queue
// the way submission does (deliver() with an outbound envelope), from
// another process than a possibly running `postamt serve`.
//
//   queue_tool enqueue DIR QUEUE_ID SENDER [--local USER@DOMAIN] RCPT...
//       the message comes on stdin; SENDER "" is the null sender
//   queue_tool claim DIR OWNER LEASE_SECONDS
//       leases the due recipients and prints "queue_id recipient" lines
//   queue_tool bench DIR COUNT THREADS
//       enqueues COUNT 10 KB messages (one remote recipient each) from
//       THREADS threads into a new store, then claims, reads and completes
//       them in batches of 100 as a runner would; prints both rates
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

using namespace postamt;
using namespace postamt::store;

namespace {

#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

int usage() {
    std::fprintf(
        stderr,
        "usage: queue_tool enqueue DIR QUEUE_ID SENDER [--local USER@DOMAIN] RCPT... < message\n"
        "       queue_tool claim DIR OWNER LEASE_SECONDS\n"
        "       queue_tool bench DIR COUNT THREADS\n");
    return 2;
}

std::shared_ptr<Store> open_store(const std::string& dir) {
    StoreOptions o;
    o.data_dir = dir;
    o.create = false;
    o.min_free_bytes = 0;
    auto s = Store::open(o);
    if (!s) {
        std::fprintf(stderr, "cannot open store: %s\n", s.error().message.c_str());
        std::exit(1);
    }
    return *s;
}

int enqueue(int argc, char** argv) {
    if (argc < 6) return usage();
    auto store = open_store(argv[2]);
    NewMessage m;
    m.data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    OutboundEnvelope env;
    env.queue_id = argv[3];
    env.sender = argv[4];
    for (int i = 5; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--local" && i + 1 < argc) {
            auto acct = SYNC(std::optional<Account>, store->find_account(argv[++i], cb));
            if (!acct || !*acct) {
                std::fprintf(stderr, "no account %s\n", argv[i]);
                return 1;
            }
            m.targets.push_back(DeliveryTarget{(*acct)->id, 0, {}});
            continue;
        }
        env.recipients.push_back(OutboundRecipient{a, "", 0});
    }
    if (auto acct = SYNC(std::optional<Account>, store->find_account(env.sender, cb));
        acct && *acct)
        env.sender_account = (*acct)->id;
    m.outbound = std::move(env);
    auto r = SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb));
    store->close();
    if (!r) {
        std::fprintf(stderr, "enqueue failed: %s\n", r.error().message.c_str());
        return 1;
    }
    std::printf("queued %s\n", argv[3]);
    return 0;
}

int claim(int argc, char** argv) {
    if (argc != 5) return usage();
    auto store = open_store(argv[2]);
    auto jobs = SYNC(std::vector<OutboundJob>,
                     store->claim_outbound(argv[3], 0, std::stoll(argv[4]), 1000, cb));
    store->close();
    if (!jobs) {
        std::fprintf(stderr, "claim failed: %s\n", jobs.error().message.c_str());
        return 1;
    }
    for (const auto& j : *jobs)
        for (const auto& r : j.recipients)
            std::printf("%s %s\n", j.queue_id.c_str(), r.address.c_str());
    return 0;
}

int bench(int argc, char** argv) {
    if (argc != 5) return usage();
    int count = std::stoi(argv[3]), threads = std::stoi(argv[4]);
    StoreOptions o;
    o.data_dir = argv[2];
    o.min_free_bytes = 0;
    auto opened = Store::open(o);
    if (!opened) return 1;
    auto store = *opened;
    std::string body;
    while (body.size() < 10 * 1024)
        body += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n";
    std::atomic<int> next{0}, failed{0};
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            for (int i; (i = next++) < count;) {
                NewMessage m;
                m.data = "From: a@example.org\r\nTo: b@remote.example\r\nSubject: bench " +
                         std::to_string(i) + "\r\n\r\n" + body;
                m.outbound.emplace();
                m.outbound->queue_id = "B" + std::to_string(i);
                m.outbound->sender = "a@example.org";
                m.outbound->recipients = {
                    {"b" + std::to_string(i % 50) + "@remote.example", "", 0}};
                if (!SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb))) ++failed;
            }
        });
    for (auto& t : ts) t.join();
    double enq = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t0 = std::chrono::steady_clock::now();
    int done = 0;
    for (;;) {
        auto jobs = SYNC(std::vector<OutboundJob>, store->claim_outbound("bench", 0, 600, 100, cb));
        if (!jobs || jobs->empty()) break;
        std::vector<OutboundOutcome> outs;
        for (const auto& j : *jobs) {
            auto bytes = SYNC(std::string, store->read_blob(j.blob, 0, -1, cb));
            if (!bytes) ++failed;
            for (const auto& r : j.recipients) {
                OutboundOutcome oc;
                oc.recipient_id = r.id;
                oc.kind = OutboundOutcome::delivered;
                oc.status = "2.0.0";
                outs.push_back(oc);
            }
        }
        done += static_cast<int>(outs.size());
        if (!SYNC(std::vector<OutboundDsn>, store->complete_outbound("bench", outs, 0, cb)))
            ++failed;
    }
    double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    store->close();
    std::printf(
        "enqueued %d x 10 KB from %d threads in %.2f s (%.0f/s); claimed+read+completed %d in %.2f "
        "s (%.0f/s); failures %d\n",
        count, threads, enq, count / enq, done, run, done / run, failed.load());
    return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string cmd = argv[1];
    if (cmd == "enqueue") return enqueue(argc, argv);
    if (cmd == "claim") return claim(argc, argv);
    if (cmd == "bench") return bench(argc, argv);
    return usage();
}
