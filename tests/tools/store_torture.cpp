// Store torture: many concurrent writers through the public Store interface,
// an acknowledgement log, and a verifier that checks the invariants after the
// writer process was killed with SIGKILL at a random point.
//
//   store_torture run DIR LOG SEED     runs until killed (or 10 minutes)
//   store_torture verify DIR LOG       exit 0 when every invariant holds
//
// Each writer thread owns the messages it delivered, so its log lines give a
// sequential history per message: "I" before an operation is issued, "A"
// after it was acknowledged. An acknowledged operation must be durable; an
// issued-but-unacknowledged one may or may not have happened, never half.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
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

constexpr int kThreads = 10;
constexpr int kAccounts = 3;

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// The message carries a checksum of its own body: a torn or mixed-up blob
// fails the check.
std::string make_message(const std::string& token, std::mt19937_64& rng) {
    std::string body;
    int lines = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < lines; ++i) body += token + " line " + std::to_string(i) + " " + std::string(rng() % 70, 'x') + "\r\n";
    char sum[32];
    std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(fnv1a(body)));
    return "From: torture@example.net\r\nSubject: " + token + "\r\nX-Token: " + token + "\r\nX-Sum: " + sum + "\r\n\r\n" + body;
}

bool message_intact(const std::string& m, std::string* token) {
    auto hdr_end = m.find("\r\n\r\n");
    if (hdr_end == std::string::npos) return false;
    auto tpos = m.find("X-Token: ");
    auto spos = m.find("X-Sum: ");
    if (tpos == std::string::npos || spos == std::string::npos) return false;
    *token = m.substr(tpos + 9, m.find("\r\n", tpos) - tpos - 9);
    std::string sum = m.substr(spos + 7, 16);
    char want[32];
    std::snprintf(want, sizeof want, "%016llx", static_cast<unsigned long long>(fnv1a(std::string_view(m).substr(hdr_end + 4))));
    return sum == want;
}

template <class T>
T must(Result<T> r, const char* what) {
    if (!r.ok()) {
        std::fprintf(stderr, "%s failed: %s\n", what, r.error().message.c_str());
        std::exit(2);
    }
    return std::move(r).value();
}
#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

class AckLog {
public:
    explicit AckLog(const std::string& path) { fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644); }
    // One write() per line: after SIGKILL the kernel still has every line
    // that was written, and a line is never interleaved with another.
    void line(const std::string& s) {
        std::string l = s + "\n";
        if (::write(fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::abort();
    }

private:
    int fd_;
};

std::vector<AccountId> setup(Store& st) {
    auto domains = must(SYNC(std::vector<Domain>, st.list_domains(cb)), "list_domains");
    if (domains.empty()) must(SYNC(Domain, st.add_domain("example.org", cb)), "add_domain");
    std::vector<AccountId> ids;
    for (int i = 0; i < kAccounts; ++i) {
        std::string addr = "u" + std::to_string(i) + "@example.org";
        auto a = must(SYNC(std::optional<Account>, st.find_account(addr, cb)), "find_account");
        if (!a) a = must(SYNC(Account, st.add_account(NewAccount{addr, {}, 0, 0}, cb)), "add_account");
        ids.push_back(a->id);
    }
    return ids;
}

int run(const std::string& dir, const std::string& log_path, uint64_t seed) {
    StoreOptions o;
    o.data_dir = dir;
    o.min_free_bytes = 0;
    o.segment_max_bytes = 256 << 10;  // many segment roll-overs
    o.own_file_threshold = 32 << 10;   // and some own-file blobs
    auto st = must(Store::open(o), "open");
    auto accounts = setup(*st);
    std::map<AccountId, MailboxId> inbox;
    for (auto a : accounts) inbox[a] = must(SYNC(std::optional<Mailbox>, st->get_mailbox(a, "INBOX", cb)), "inbox")->id;
    AckLog log(log_path);
    log.line("R " + std::to_string(seed));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937_64 rng(seed * 1000 + t);
            std::vector<std::pair<MailboxId, Uid>> mine;
            auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
            for (uint64_t n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
                int op = static_cast<int>(rng() % 100);
                if (op < 65 || mine.empty()) {
                    std::string token = "s" + std::to_string(seed) + "t" + std::to_string(t) + "n" + std::to_string(n);
                    NewMessage m;
                    m.data = make_message(token, rng);
                    // Sometimes several recipients: one blob, several rows.
                    int nrcpt = rng() % 5 == 0 ? 2 : 1;
                    std::set<AccountId> picked;
                    while (static_cast<int>(picked.size()) < nrcpt) picked.insert(accounts[rng() % accounts.size()]);
                    for (auto a : picked) m.targets.push_back({a, 0, {}});
                    log.line("I D " + token);
                    auto r = SYNC(std::vector<DeliveredCopy>, st->deliver(std::move(m), cb));
                    if (!r.ok()) continue;
                    for (auto& c : *r) {
                        if (c.error != Errc::ok) continue;
                        log.line("A D " + token + " " + std::to_string(c.mailbox) + " " + std::to_string(c.uid) + " " +
                                 std::to_string(c.account) + " " + std::to_string(c.modseq));
                        mine.emplace_back(c.mailbox, c.uid);
                    }
                } else if (op < 88) {
                    auto [mb, uid] = mine[rng() % mine.size()];
                    uint32_t flags = static_cast<uint32_t>(rng() % 16) & (kSeen | kAnswered | kFlagged | kDraft);
                    std::string kw = rng() % 2 ? "K" + std::to_string(rng() % 3) : "";
                    FlagChange ch{mb, {{uid, uid}}, FlagOp::replace, Flags{flags, {}}, std::nullopt};
                    if (!kw.empty()) ch.flags.keywords.push_back(kw);
                    std::string desc = std::to_string(mb) + " " + std::to_string(uid) + " " + std::to_string(flags) + " " + (kw.empty() ? "-" : kw);
                    log.line("I F " + desc);
                    auto r = SYNC(FlagChangeResult, st->change_flags(ch, cb));
                    if (r.ok()) log.line("A F " + desc + " " + std::to_string(r->highest_modseq));
                } else {
                    std::size_t i = rng() % mine.size();
                    auto [mb, uid] = mine[i];
                    mine.erase(mine.begin() + static_cast<long>(i));
                    std::string desc = std::to_string(mb) + " " + std::to_string(uid);
                    log.line("I X " + desc);
                    auto r = SYNC(ExpungeResult, st->expunge(ExpungeRequest{mb, {{uid, uid}}, false}, cb));
                    if (r.ok()) log.line("A X " + desc + " " + std::to_string(r->highest_modseq));
                }
                if (n % 50 == 0 && t == 0) {
                    auto c = SYNC(CompactionStats, st->compact(-1, cb));
                    (void)c;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    st->close();
    return 0;
}

struct Expect {
    std::string token;
    bool delivered_acked = false;
    bool expunge_issued = false;
    bool expunge_acked = false;
    // Flag history: the last acknowledged value and whether a later change
    // was issued without acknowledgement.
    std::string flags_acked;  // "flags kw"
    std::set<std::string> flags_possible;
    bool flags_uncertain = false;
    int run = 0;
};

int verify(const std::string& dir, const std::string& log_path) {
    int failures = 0;
    auto fail = [&](const std::string& msg) {
        if (++failures <= 30) std::fprintf(stderr, "VIOLATION: %s\n", msg.c_str());
    };
    std::map<std::pair<MailboxId, Uid>, Expect> msgs;
    std::map<AccountId, ModSeq> max_acked_modseq;
    std::map<MailboxId, std::map<int, std::pair<Uid, Uid>>> uid_span_per_run;  // run -> (min,max)
    std::set<std::string> issued_tokens;
    std::map<std::pair<MailboxId, Uid>, std::string> pending_flags;
    int run_no = 0;
    std::ifstream in(log_path);
    std::string line;
    std::size_t acked_deliveries = 0;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string kind, op;
        ls >> kind;
        if (kind == "R") {
            ++run_no;
            continue;
        }
        ls >> op;
        if (kind == "I" && op == "D") {
            std::string token;
            ls >> token;
            issued_tokens.insert(token);
        } else if (kind == "A" && op == "D") {
            std::string token;
            MailboxId mb;
            Uid uid;
            AccountId acct;
            ModSeq ms;
            if (!(ls >> token >> mb >> uid >> acct >> ms)) continue;  // torn last line
            auto& e = msgs[{mb, uid}];
            if (e.delivered_acked) fail("UID " + std::to_string(uid) + " in mailbox " + std::to_string(mb) + " acknowledged twice");
            e.token = token;
            e.delivered_acked = true;
            e.flags_acked = "0 -";
            e.flags_possible = {"0 -"};
            e.run = run_no;
            ++acked_deliveries;
            max_acked_modseq[acct] = std::max(max_acked_modseq[acct], ms);
            auto& span = uid_span_per_run[mb][run_no];
            if (span.first == 0 || uid < span.first) span.first = uid;
            span.second = std::max(span.second, uid);
        } else if (op == "F") {
            MailboxId mb;
            Uid uid;
            std::string flags, kw;
            ls >> mb >> uid >> flags >> kw;
            auto& e = msgs[{mb, uid}];
            std::string v = flags + " " + kw;
            if (kind == "I") {
                e.flags_possible.insert(v);
                e.flags_uncertain = true;
            } else {
                e.flags_acked = v;
                e.flags_possible = {v};
                e.flags_uncertain = false;
            }
        } else if (op == "X") {
            MailboxId mb;
            Uid uid;
            ls >> mb >> uid;
            auto& e = msgs[{mb, uid}];
            if (kind == "I") e.expunge_issued = true;
            else e.expunge_acked = true;
        }
    }

    StoreOptions o;
    o.data_dir = dir;
    o.min_free_bytes = 0;
    o.create = false;
    auto st = must(Store::open(o), "open");
    auto accounts = must(SYNC(std::vector<Account>, st->list_accounts("", cb)), "list_accounts");
    std::size_t rows_seen = 0;
    for (auto& a : accounts) {
        if (a.highest_modseq < max_acked_modseq[a.id])
            fail("account " + a.address() + " MODSEQ went backwards: " + std::to_string(a.highest_modseq) + " < acked " +
                 std::to_string(max_acked_modseq[a.id]));
        int64_t used = 0, count = 0;
        for (auto& mb : must(SYNC(std::vector<Mailbox>, st->list_mailboxes(a.id, cb)), "list_mailboxes")) {
            auto rows = must(SYNC(std::vector<MessageRow>, st->fetch_rows(mb.id, {}, cb)), "fetch_rows");
            Uid prev = 0;
            uint32_t unseen = 0;
            int64_t size = 0;
            for (auto& r : rows) {
                ++rows_seen;
                if (r.uid <= prev) fail("UIDs not strictly increasing in " + mb.name);
                prev = r.uid;
                if (r.uid >= mb.uid_next) fail("UID " + std::to_string(r.uid) + " >= UIDNEXT in " + mb.name);
                if (r.modseq > a.highest_modseq) fail("row MODSEQ above the account's");
                if (r.modseq > mb.highest_modseq) fail("row MODSEQ above the mailbox's HIGHESTMODSEQ");
                if (!(r.flags.system & kSeen)) ++unseen;
                size += r.blob.size;
                auto data = SYNC(std::string, st->read_blob(r.blob, 0, -1, cb));
                std::string token;
                if (!data.ok() || !message_intact(*data, &token)) {
                    fail("message uid " + std::to_string(r.uid) + " in " + a.address() + " is not intact");
                    continue;
                }
                if (!issued_tokens.count(token)) fail("message " + token + " was never sent");
                auto it = msgs.find({mb.id, r.uid});
                if (it != msgs.end() && it->second.delivered_acked) {
                    auto& e = it->second;
                    if (e.token != token) fail("uid " + std::to_string(r.uid) + " holds " + token + ", acked " + e.token);
                    if (e.expunge_acked) fail("expunge of " + token + " was acknowledged but it is still there");
                    std::string have = std::to_string(r.flags.system & ~kDeleted) + " " +
                                       (r.flags.keywords.empty() ? "-" : r.flags.keywords[0]);
                    if (!e.flags_possible.count(have))
                        fail("flags of " + token + " are '" + have + "', acknowledged '" + e.flags_acked + "'");
                    e.token = "\x01seen";  // mark as found
                    e.token += token;
                }
            }
            if (mb.messages != rows.size()) fail("mailbox " + mb.name + " message count is off");
            if (mb.unseen != unseen) fail("mailbox " + mb.name + " unseen count is off");
            if (mb.size != size) fail("mailbox " + mb.name + " size is off");
            used += size;
            count += static_cast<int64_t>(rows.size());
        }
        if (a.used_bytes != used || a.used_messages != count) fail("quota usage of " + a.address() + " is off");
    }
    for (auto& [key, e] : msgs) {
        if (!e.delivered_acked) continue;
        bool found = e.token.rfind("\x01seen", 0) == 0;
        if (!found && !e.expunge_issued) fail("acknowledged message " + e.token + " is missing");
    }
    // UIDs of a later run are above those of an earlier one (never reused).
    for (auto& [mb, runs] : uid_span_per_run) {
        Uid prev_max = 0;
        for (auto& [run, span] : runs) {
            if (span.first <= prev_max) fail("UID reuse across restarts in mailbox " + std::to_string(mb));
            prev_max = span.second;
        }
    }
    st->close();
    // Reference counts against the rows that hold them.
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir + "/mail.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT b.id, b.refcount, (SELECT count(*) FROM messages m WHERE m.blob_id = b.id) "
                       "+ (SELECT count(*) FROM delivery_queue q WHERE q.blob_id = b.id) FROM blobs b "
                       "WHERE b.refcount != (SELECT count(*) FROM messages m WHERE m.blob_id = b.id) "
                       "+ (SELECT count(*) FROM delivery_queue q WHERE q.blob_id = b.id)",
                       -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW)
        fail("blob " + std::to_string(sqlite3_column_int64(q, 0)) + " refcount " + std::to_string(sqlite3_column_int64(q, 1)) +
             " but " + std::to_string(sqlite3_column_int64(q, 2)) + " rows");
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM messages m LEFT JOIN blobs b ON b.id = m.blob_id WHERE b.id IS NULL", -1, &q, nullptr);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) != 0) fail("messages without a blob row");
    sqlite3_finalize(q);
    sqlite3_close(db);
    std::printf("verified runs=%d acked_deliveries=%zu rows=%zu violations=%d\n", run_no, acked_deliveries, rows_seen, failures);
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "run") return run(argv[2], argv[3], std::stoull(argv[4]));
    if (argc == 4 && std::string(argv[1]) == "verify") return verify(argv[2], argv[3]);
    std::fprintf(stderr, "usage: store_torture run DIR LOG SEED | verify DIR LOG\n");
    return 2;
}
