// Fills one account's mailbox with N messages through the public Store
// interface, fast (many deliveries in flight so the writer group-commits):
// the setup step of the big-mailbox IMAP/POP3 measurements in bench/.
//
//   fill_mailbox DATA_DIR ADDRESS COUNT [MBOX] [MAILBOX] [--index]
//
// --index: wait until the search index holds every message before exiting
// (a mailbox delivered long ago; bench/compare.py's SEARCH TEXT scenario).
//
// Messages come from MBOX (the bench corpus) cycled, each with a unique
// Message-ID and a numbered Subject so no two are identical; without MBOX a
// small synthetic text message is used. Every 10th is flagged \Seen.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include "mime/mbox.h"
#include "store/store.h"

using namespace postamt;
using namespace postamt::store;

namespace {

std::string vary(const std::string& msg, long n) {
    std::string hdr = "Message-ID: <fill-" + std::to_string(n) + "@bench.example>\r\nX-Fill-Seq: " +
                      std::to_string(n) + "\r\n";
    return hdr + msg;
}

}  // namespace

int main(int argc, char** argv) {
    bool index = false;
    if (argc > 1 && std::string(argv[argc - 1]) == "--index") {
        index = true;
        --argc;
    }
    if (argc < 4) {
        std::fprintf(stderr, "usage: fill_mailbox DATA_DIR ADDRESS COUNT [MBOX] [MAILBOX] [--index]\n");
        return 2;
    }
    std::string dir = argv[1], address = argv[2];
    long count = std::stol(argv[3]);
    std::vector<std::string> corpus;
    if (argc > 4 && std::string(argv[4]) != "-") {
        std::ifstream in(argv[4], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        corpus = mime::split_mbox(ss.str());
    }
    if (corpus.empty())
        corpus.push_back("From: filler@example.net\r\nTo: you@example.org\r\nSubject: filler\r\n"
                         "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nThe quick brown fox jumps over the lazy dog.\r\n");
    StoreOptions so;
    so.data_dir = dir;
    so.create = false;
    auto st = Store::open(so);
    if (!st) {
        std::fprintf(stderr, "open: %s\n", st.error().message.c_str());
        return 1;
    }
    auto store = *st;
    auto acct = wait_for<std::optional<Account>>([&](auto cb) { store->find_account(address, cb); });
    if (!acct || !*acct) {
        std::fprintf(stderr, "no account %s\n", address.c_str());
        return 1;
    }
    MailboxId mbox = 0;
    if (argc > 5) {
        auto m = wait_for<std::optional<Mailbox>>([&](auto cb) { store->get_mailbox((*acct)->id, argv[5], cb); });
        if (!m || !*m) {
            std::fprintf(stderr, "no mailbox %s\n", argv[5]);
            return 1;
        }
        mbox = (*m)->id;
    }
    auto t0 = std::chrono::steady_clock::now();
    constexpr long kInFlight = 256;
    std::vector<std::future<Result<std::vector<DeliveredCopy>>>> pending;
    long failed = 0;
    auto drain = [&](std::size_t keep) {
        while (pending.size() > keep) {
            auto r = pending.front().get();
            pending.erase(pending.begin());
            if (!r || r->empty() || (*r)[0].error != Errc::ok) ++failed;
        }
    };
    for (long i = 0; i < count; ++i) {
        NewMessage m;
        m.data = vary(corpus[static_cast<std::size_t>(i) % corpus.size()], i);
        m.enforce_quota = false;
        DeliveryTarget t;
        t.account = (*acct)->id;
        t.mailbox = mbox;
        if (i % 10 == 0) t.flags.system = kSeen;
        m.targets.push_back(t);
        auto p = std::make_shared<std::promise<Result<std::vector<DeliveredCopy>>>>();
        pending.push_back(p->get_future());
        store->deliver(std::move(m), [p](Result<std::vector<DeliveredCopy>> r) { p->set_value(std::move(r)); });
        drain(kInFlight);
    }
    drain(0);
    if (index) {
        auto flushed = wait_for<Unit>([&](auto cb) { store->search_index_flush(cb); });
        if (!flushed) {
            std::fprintf(stderr, "search index: %s\n", flushed.error().message.c_str());
            ++failed;
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    store->close();
    std::printf("delivered %ld messages (%ld failed) in %.1f s: %.0f/s\n", count - failed, failed, secs,
                static_cast<double>(count) / secs);
    return failed == 0 ? 0 : 1;
}
