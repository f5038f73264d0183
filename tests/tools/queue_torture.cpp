// Outbound queue torture: enqueuers and two queue runners work through the
// public Store interface while the process is killed with SIGKILL at a
// random point; a verifier then checks the queue's promises.
//
//   queue_torture run DIR LOG SEED     runs until killed (or 10 minutes)
//   queue_torture verify DIR LOG       exit 0 when every invariant holds
//
// Log lines ("I" issued, "A" acknowledged):
//   S seed                  a run started
//   IE/AE qid               enqueue of entry qid (3 remote recipients)
//   IC address kind         a completion with this outcome is about to be sent
//   ID/AD addr addr ...     a report (DSN) for these recipients
// Invariants: an acknowledged enqueue is in the queue, or every recipient of
// it was reported (DSN) or had a "delivered" outcome issued; no recipient is
// reported twice; a 'bounced' row is reported exactly once, a row still owing
// a report not at all; an acknowledged report is stored; queued bytes are
// intact; blob reference counts equal the rows holding them.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

using namespace postamt;
using namespace postamt::store;

namespace {

#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

constexpr int kEnqueuers = 4;
constexpr int kRunners = 2;
const char* kSender = "sender@example.org";
const char* kLocal = "local@example.org";

int log_fd = -1;

void log_line(const std::string& s) {
    std::string l = s + "\n";
    // One write(2) per line: whole lines even when killed (O_APPEND).
    if (::write(log_fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::abort();
}

template <class T>
T must(Result<T> r, const char* what) {
    if (!r.ok()) {
        std::fprintf(stderr, "%s failed: %s\n", what, r.error().message.c_str());
        std::exit(2);
    }
    return std::move(r).value();
}

std::shared_ptr<Store> open_store(const std::string& dir) {
    StoreOptions o;
    o.data_dir = dir;
    o.min_free_bytes = 0;
    return must(Store::open(o), "open");
}

std::string message_for(const std::string& qid) {
    std::string body;
    for (int i = 0; i < 20; ++i) body += qid + " body line " + std::to_string(i) + "\r\n";
    return "From: sender@example.org\r\nSubject: " + qid + "\r\nX-Qid: " + qid + "\r\n\r\n" + body;
}

std::string header_value(const std::string& m, const std::string& name) {
    auto p = m.find("\r\n" + name + ": ");
    if (p == std::string::npos) return {};
    p += name.size() + 4;
    return m.substr(p, m.find("\r\n", p) - p);
}

AccountId account_id(Store& s, const std::string& address) {
    auto a = must(SYNC(std::optional<Account>, s.find_account(address, cb)), "find_account");
    return a ? a->id : 0;
}

// Stores the report for `dsn`'s recipients in the sender's INBOX.
void store_report(Store& s, AccountId sender, const OutboundDsn& dsn) {
    if (dsn.delay) return;
    std::string addrs;
    NewMessage m;
    for (const auto& r : dsn.entry.recipients) {
        if (!addrs.empty()) addrs += ' ';
        addrs += r.address;
        m.bounce_for.push_back(r.id);
    }
    m.data = "From: MAILER-DAEMON@example.org\r\nSubject: report\r\nX-Report: " + addrs +
             "\r\n\r\nreport\r\n";
    m.targets = {DeliveryTarget{sender, 0, {}}};
    log_line("ID " + addrs);
    auto r = SYNC(std::vector<DeliveredCopy>, s.deliver(std::move(m), cb));
    if (r.ok()) {
        log_line("AD " + addrs);
    } else if (r.error().code != Errc::already_exists) {
        std::fprintf(stderr, "report failed: %s\n", r.error().message.c_str());
        std::exit(2);
    }
}

int run(const std::string& dir, const std::string& log_path, int seed) {
    log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd < 0) return 2;
    auto store = open_store(dir);
    if (!account_id(*store, kSender)) {
        must(SYNC(Domain, store->add_domain("example.org", cb)), "add_domain");
        must(SYNC(Account, store->add_account(NewAccount{kSender, {}, 0, 0}, cb)), "add_account");
        must(SYNC(Account, store->add_account(NewAccount{kLocal, {}, 0, 0}, cb)), "add_account");
    }
    AccountId sender = account_id(*store, kSender);
    AccountId local = account_id(*store, kLocal);
    log_line("S " + std::to_string(seed));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    std::vector<std::thread> threads;
    for (int t = 0; t < kEnqueuers; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(seed * 100 + t));
            for (int n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
                std::string qid =
                    "E" + std::to_string(seed) + "-" + std::to_string(t) + "-" + std::to_string(n);
                NewMessage m;
                m.data = message_for(qid);
                if (rng() % 3 == 0) m.targets = {DeliveryTarget{local, 0, {}}};
                OutboundEnvelope env;
                env.queue_id = qid;
                env.sender = kSender;
                env.sender_account = sender;
                for (const char* suffix : {"-a@x.example", "-b@y.example", "-c@x.example"})
                    env.recipients.push_back(OutboundRecipient{qid + suffix, "", 0});
                m.outbound = std::move(env);
                log_line("IE " + qid);
                must(SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb)), "enqueue");
                log_line("AE " + qid);
            }
        });
    }
    for (int k = 0; k < kRunners; ++k) {
        threads.emplace_back([&, k] {
            std::mt19937 rng(static_cast<unsigned>(seed * 1000 + k));
            std::string owner = "R" + std::to_string(seed) + "-" + std::to_string(k);
            // Reports a runner of an earlier (killed) run owed, at start
            // and now and then (as the real runner does).
            for (int iter = 0; std::chrono::steady_clock::now() < deadline; ++iter) {
                if (iter % 50 == 0)
                    for (const auto& d :
                         must(SYNC(std::vector<OutboundDsn>, store->pending_outbound_dsns(cb)),
                              "pending"))
                        store_report(*store, sender, d);
                auto jobs =
                    must(SYNC(std::vector<OutboundJob>, store->claim_outbound(owner, 0, 3, 30, cb)),
                         "claim");
                if (jobs.empty()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    continue;
                }
                std::vector<OutboundOutcome> outs;
                for (const auto& j : jobs) {
                    auto bytes =
                        must(SYNC(std::string, store->read_blob(j.blob, 0, -1, cb)), "read_blob");
                    if (bytes != message_for(j.queue_id)) {
                        std::fprintf(stderr, "queued bytes of %s damaged\n", j.queue_id.c_str());
                        std::exit(2);
                    }
                    for (const auto& r : j.recipients) {
                        OutboundOutcome o;
                        o.recipient_id = r.id;
                        unsigned x = rng() % 4;
                        o.kind =
                            x < 2 ? OutboundOutcome::deferred
                                  : (x == 2 ? OutboundOutcome::delivered : OutboundOutcome::failed);
                        o.next_attempt = 1;  // due again at once
                        o.status = o.kind == OutboundOutcome::failed ? "5.1.1" : "4.0.0";
                        log_line("IC " + r.address +
                                 (o.kind == OutboundOutcome::delivered ? " delivered" : " other"));
                        outs.push_back(std::move(o));
                    }
                }
                auto dsns = must(
                    SYNC(std::vector<OutboundDsn>, store->complete_outbound(owner, outs, 0, cb)),
                    "complete");
                for (const auto& d : dsns) store_report(*store, sender, d);
            }
        });
    }
    for (auto& t : threads) t.join();
    store->close();
    return 0;
}

int fail(const std::string& msg) {
    std::fprintf(stderr, "INVARIANT VIOLATED: %s\n", msg.c_str());
    return 1;
}

int verify(const std::string& dir, const std::string& log_path) {
    std::set<std::string> acked_enqueue, delivered_issued, acked_report;
    int runs = 0;
    {
        std::ifstream in(log_path);
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ss(line);
            std::string tag;
            ss >> tag;
            if (tag == "S") ++runs;
            if (tag == "AE") {
                std::string q;
                ss >> q;
                acked_enqueue.insert(q);
            }
            if (tag == "IC") {
                std::string a, kind;
                ss >> a >> kind;
                if (kind == "delivered") delivered_issued.insert(a);
            }
            if (tag == "AD") {
                std::string a;
                while (ss >> a) acked_report.insert(a);
            }
        }
    }
    int64_t reports = 0;
    std::map<std::string, int> reported;  // address -> report messages naming it
    std::map<std::string, OutboundEntry> queued;
    {
        auto store = open_store(dir);
        AccountId sender = account_id(*store, kSender);
        if (!sender) return fail("sender account missing");
        auto inbox =
            must(SYNC(std::optional<Mailbox>, store->get_mailbox(sender, "INBOX", cb)), "inbox");
        auto rows =
            must(SYNC(std::vector<MessageRow>, store->fetch_rows(inbox->id, {}, cb)), "rows");
        for (const auto& r : rows) {
            auto m = must(SYNC(std::string, store->read_blob(r.blob, 0, -1, cb)), "read report");
            std::istringstream ss(header_value(m, "X-Report"));
            std::string a;
            while (ss >> a) ++reported[a];
            ++reports;
        }
        for (auto& e : must(SYNC(std::vector<OutboundEntry>, store->list_outbound(cb)), "list")) {
            auto bytes = SYNC(std::string, store->read_blob(e.blob, 0, -1, cb));
            if (!bytes.ok() || *bytes != message_for(e.queue_id))
                return fail("bytes of " + e.queue_id + " damaged");
            queued.emplace(e.queue_id, std::move(e));
        }
        store->close();
    }
    for (auto& [a, n] : reported)
        if (n > 1) return fail(a + " reported " + std::to_string(n) + " times");
    for (const auto& a : acked_report)
        if (!reported.count(a)) return fail("acknowledged report for " + a + " missing");
    for (const auto& [qid, e] : queued) {
        if (e.recipients.size() != 3)
            return fail(qid + " has " + std::to_string(e.recipients.size()) + " recipients");
        for (const auto& r : e.recipients) {
            int n = reported.count(r.address) ? reported[r.address] : 0;
            if (r.state == "bounced" && n != 1)
                return fail(r.address + " bounced but reported " + std::to_string(n));
            if ((r.state == "pending" || r.dsn_due) && n != 0)
                return fail(r.address + " reported while " + r.state +
                            (r.dsn_due ? " owing a report" : ""));
            if (r.state == "failed" && !r.dsn_due)
                return fail(r.address + " failed without a report owed");
        }
    }
    for (const auto& qid : acked_enqueue) {
        if (queued.count(qid)) continue;
        for (const char* suffix : {"-a@x.example", "-b@y.example", "-c@x.example"}) {
            std::string a = qid + suffix;
            if (!reported.count(a) && !delivered_issued.count(a))
                return fail(qid + " left the queue but " + a +
                            " was neither delivered nor reported");
        }
    }
    // Blob reference counts against the rows that hold them.
    sqlite3* db = nullptr;
    if (sqlite3_open_v2((dir + "/mail.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK)
        return fail("cannot open mail.db");
    const char* sql =
        "SELECT b.id, b.refcount, "
        "(SELECT count(*) FROM messages m WHERE m.blob_id = b.id) + "
        "(SELECT count(*) FROM delivery_queue q WHERE q.blob_id = b.id) + "
        "(SELECT count(*) FROM outbound o WHERE o.blob_id = b.id) FROM blobs b";
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    int bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_int64(st, 1) != sqlite3_column_int64(st, 2)) ++bad;
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db,
                       "SELECT count(*) FROM outbound o WHERE NOT EXISTS (SELECT 1 FROM blobs b "
                       "WHERE b.id = o.blob_id)",
                       -1, &st, nullptr);
    sqlite3_step(st);
    int orphans = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (bad) return fail(std::to_string(bad) + " blobs with a wrong reference count");
    if (orphans) return fail(std::to_string(orphans) + " queue entries without their blob");
    std::printf("runs=%d acked_enqueues=%zu queued=%zu reports=%lld delivered_issued=%zu\n", runs,
                acked_enqueue.size(), queued.size(), static_cast<long long>(reports),
                delivered_issued.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "run" && argc == 5) return run(argv[2], argv[3], std::atoi(argv[4]));
    if (cmd == "verify" && argc == 4) return verify(argv[2], argv[3]);
    std::fprintf(stderr, "usage: queue_torture run DIR LOG SEED | verify DIR LOG\n");
    return 2;
}
