// Idle IMAP connections and notification latency (issue 7, "connections").
//
// Opens N authenticated IMAPS connections (TLS, LOGIN, SELECT INBOX, IDLE)
// against any server, waits until every one got "+ idling", and reports the
// server's memory per connection: PSS and RSS summed from
// /proc/<pid>/smaps_rollup over the given server processes (with --pid-tree
// also all their descendants: Dovecot runs a process or two per
// connection), after minus before, divided by N. Then it delivers a message
// K times (SMTP, or LMTP straight into Dovecot) to the users whose INBOXes
// the sessions watch, and measures for every session the time from sending
// the message's final "." until its untagged EXISTS arrived:
// p50/p90/p99/max and how many sessions got it.
//
// One thread, event-driven (Asio C++20 coroutines); TLS is OpenSSL driven
// directly by net::ClientStream (SSL_MODE_RELEASE_BUFFERS), so the generator
// itself stays small with 10,000 connections. The client runs on the same
// machine as the server: the latency includes the generator's own time to
// decrypt 10,000 records one after another on one core.
//
//   bench_idle_latency --port 993 --user u@example.org --password pw -n 10000
//       --deliver smtp --deliver-port 25 --deliveries 5 --pid <server pid>
//       [--pid-tree] [--sources 4] [--concurrency 64] [--json out.json]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "net/asio.h"
#include "net/client_stream.h"

namespace asio = boost::asio;
using postamt::net::ClientStream;
using postamt::net::ClientTlsContext;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // IMAPS
    std::vector<std::string> users;
    std::string password;
    std::size_t n = 100;
    std::size_t concurrency = 64;
    int deliveries = 3;
    std::string deliver = "smtp";  // smtp | lmtp | none
    std::uint16_t deliver_port = 0;
    std::string mail_from = "bench@example.net";
    std::vector<int> pids;
    bool pid_tree = false;
    int sources = 1;  // 127.0.0.1 .. 127.0.0.<sources>
    double settle_s = 2.0;
    double wait_s = 30.0;  // how long a round waits for the EXISTS
    std::size_t size = 1024;
    std::string json;
};

struct Session {
    std::shared_ptr<ClientStream> stream;
    std::size_t user = 0;
    long base_exists = -1;
    long last_exists = -1;
    std::vector<std::optional<Clock::time_point>> got;  // per delivery round
    bool alive = false;
};

struct State {
    Options o;
    std::shared_ptr<ClientTlsContext> tls;
    std::vector<std::shared_ptr<Session>> sessions;
    std::size_t next = 0, ready = 0, failed = 0, dropped = 0;
    std::map<std::string, std::size_t> errors;
    std::vector<std::size_t> got_count;  // per round
    int rounds_started = 0;
};

struct Memory {
    long rss_kib = 0, pss_kib = 0;
    std::size_t processes = 0;
};

// ---- /proc ----------------------------------------------------------------
std::vector<int> descendants(const std::vector<int>& roots) {
    std::map<int, std::vector<int>> children;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream f(e.path() / "stat");
        std::string stat;
        std::getline(f, stat);
        auto rp = stat.rfind(')');
        if (rp == std::string::npos) continue;
        std::istringstream rest(stat.substr(rp + 1));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        children[ppid].push_back(std::stoi(name));
    }
    std::vector<int> out, todo(roots);
    std::set<int> seen;
    while (!todo.empty()) {
        int p = todo.back();
        todo.pop_back();
        if (!seen.insert(p).second) continue;
        out.push_back(p);
        for (int c : children[p]) todo.push_back(c);
    }
    return out;
}

Memory memory(const Options& o) {
    Memory m;
    for (int pid : o.pid_tree ? descendants(o.pids) : o.pids) {
        std::ifstream f("/proc/" + std::to_string(pid) + "/smaps_rollup");
        if (!f) continue;
        ++m.processes;
        std::string key;
        long value;
        std::string unit;
        while (f >> key) {
            if (key == "Rss:" && f >> value >> unit)
                m.rss_kib += value;
            else if (key == "Pss:" && f >> value >> unit)
                m.pss_kib += value;
            else
                f.ignore(1 << 20, '\n');
        }
    }
    return m;
}

// The soft "Max open files" of a process, from /proc/<pid>/limits.
long fd_limit_of(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("Max open files", 0) == 0) {
            std::istringstream in(line.substr(14));
            std::string soft;
            in >> soft;
            return soft == "unlimited" ? -1 : std::stol(soft);
        }
    return 0;
}

// Our own descriptors: every connection is one; raise the soft limit to the
// hard one, and the hard one too when we may (root) and it is short.
long raise_nofile(std::size_t need) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        rlimit want{need, need};
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return long(need);
    }
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return long(rl.rlim_cur);
}

// ---- IMAP -----------------------------------------------------------------
std::string imap_quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// "* 12 EXISTS" -> 12, else -1.
long parse_exists(const std::string& line) {
    if (line.size() < 10 || line.compare(0, 2, "* ") != 0) return -1;
    const std::string tail = " EXISTS";
    if (line.size() < tail.size() || line.compare(line.size() - tail.size(), tail.size(), tail) != 0) return -1;
    const std::string num = line.substr(2, line.size() - 2 - tail.size());
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stol(num);
}

void note_error(State& st, std::string what) {
    if (st.errors.size() < 20 || st.errors.count(what)) ++st.errors[what];
}

// Reads lines until one starts with `prefix`; fills *exists from "* N EXISTS".
asio::awaitable<std::optional<std::string>> until(std::shared_ptr<ClientStream> s, std::string prefix,
                                                  long* exists) {
    for (;;) {
        auto r = co_await s->read_line(65536, 60s);
        if (!r.ok()) co_return std::nullopt;
        if (exists) {
            long e = parse_exists(r.line);
            if (e >= 0) *exists = e;
        }
        if (r.line.rfind(prefix, 0) == 0) co_return r.line;
    }
}

asio::awaitable<bool> open_session(std::shared_ptr<State> st, std::shared_ptr<Session> se, std::size_t idx) {
    auto ex = co_await asio::this_coro::executor;
    se->stream = std::make_shared<ClientStream>(ex);
    auto& o = st->o;
    std::string source;
    if (o.sources > 1) source = "127.0.0." + std::to_string(1 + idx % std::size_t(o.sources));
    auto s = se->stream;
    const char* step = "connect";
    bool ok = co_await s->connect(o.host, o.port, source, 30s);
    if (ok) {
        step = "TLS handshake";
        ok = co_await s->start_tls(st->tls, "", 30s);
    }
    std::optional<std::string> line;
    if (ok) {
        step = "greeting";
        line = co_await until(s, "* ", nullptr);
        ok = line && line->rfind("* OK", 0) == 0;
    }
    if (ok) {
        step = "LOGIN";
        ok = co_await s->write("a LOGIN " + imap_quoted(o.users[se->user]) + " " + imap_quoted(o.password) + "\r\n", 30s);
        if (ok) line = co_await until(s, "a ", nullptr);
        ok = ok && line && line->rfind("a OK", 0) == 0;
    }
    if (ok) {
        step = "SELECT";
        ok = co_await s->write("b SELECT INBOX\r\n", 30s);
        if (ok) line = co_await until(s, "b ", &se->base_exists);
        ok = ok && line && line->rfind("b OK", 0) == 0 && se->base_exists >= 0;
    }
    if (ok) {
        step = "IDLE";
        ok = co_await s->write("c IDLE\r\n", 30s);
        if (ok) line = co_await until(s, "+", nullptr);
        ok = ok && line;
    }
    if (!ok) {
        std::string why = s->error();
        if (why.empty() && line) why = *line;
        note_error(*st, std::string(step) + ": " + (why.empty() ? "closed" : why));
        s->close();
        co_return false;
    }
    se->last_exists = se->base_exists;
    se->got.assign(std::size_t(std::max(o.deliveries, 0)), std::nullopt);
    se->alive = true;
    co_return true;
}

// A session in IDLE: every "* N EXISTS" above the count at SELECT marks the
// rounds it covers as arrived, timestamped when the line is read.
asio::awaitable<void> watch(std::shared_ptr<State> st, std::shared_ptr<Session> se) {
    for (;;) {
        auto r = co_await se->stream->read_line(65536, std::chrono::hours(24));
        const auto now = Clock::now();
        if (!r.ok()) break;
        long e = parse_exists(r.line);
        if (e <= se->last_exists) continue;
        for (long k = se->last_exists - se->base_exists + 1; k <= e - se->base_exists; ++k) {
            if (k < 1 || k > long(se->got.size()) || k > st->rounds_started) continue;
            if (!se->got[std::size_t(k - 1)]) {
                se->got[std::size_t(k - 1)] = now;
                ++st->got_count[std::size_t(k - 1)];
            }
        }
        se->last_exists = e;
    }
    se->alive = false;
    ++st->dropped;
    note_error(*st, "dropped in IDLE: " + se->stream->error());
}

asio::awaitable<void> opener(std::shared_ptr<State> st) {
    while (st->next < st->o.n) {
        const std::size_t idx = st->next++;
        auto se = st->sessions[idx];
        bool ok = co_await open_session(st, se, idx);
        if (ok) {
            ++st->ready;
            asio::co_spawn(co_await asio::this_coro::executor, watch(st, se), asio::detached);
        } else {
            ++st->failed;
        }
    }
}

// ---- delivery -------------------------------------------------------------
struct Delivery {
    bool ok = false;
    std::string error;
    Clock::time_point sent, replied;
};

asio::awaitable<std::optional<std::string>> reply(std::shared_ptr<ClientStream> s) {
    // A multi-line reply ends with the line whose 4th byte is a space.
    for (;;) {
        auto r = co_await s->read_line(4096, 60s);
        if (!r.ok()) co_return std::nullopt;
        if (r.line.size() < 4 || r.line[3] != '-') co_return r.line;
    }
}

asio::awaitable<Delivery> deliver(std::shared_ptr<State> st, int round) {
    auto& o = st->o;
    Delivery d;
    auto s = std::make_shared<ClientStream>(co_await asio::this_coro::executor);
    const bool lmtp = o.deliver == "lmtp";
    std::optional<std::string> line;
    auto expect = [&](const char* code) { return line && line->rfind(code, 0) == 0; };
    bool ok = co_await s->connect(o.host, o.deliver_port, "", 30s);
    if (ok) {
        line = co_await reply(s);
        ok = expect("220");
    }
    if (ok) {
        ok = co_await s->write(std::string(lmtp ? "LHLO" : "EHLO") + " bench.example.net\r\n", 30s);
        if (ok) line = co_await reply(s);
        ok = ok && expect("250");
    }
    if (ok) {
        ok = co_await s->write("MAIL FROM:<" + o.mail_from + ">\r\n", 30s);
        if (ok) line = co_await reply(s);
        ok = ok && expect("250");
    }
    for (std::size_t u = 0; ok && u < o.users.size(); ++u) {
        ok = co_await s->write("RCPT TO:<" + o.users[u] + ">\r\n", 30s);
        if (ok) line = co_await reply(s);
        ok = ok && expect("250");
    }
    if (ok) {
        ok = co_await s->write("DATA\r\n", 30s);
        if (ok) line = co_await reply(s);
        ok = ok && expect("354");
    }
    if (ok) {
        std::string msg = "From: <" + o.mail_from + ">\r\nTo: <" + o.users[0] +
                          ">\r\nSubject: idle latency round " + std::to_string(round) +
                          "\r\nMessage-ID: <idle-latency-" + std::to_string(round) + "-" +
                          std::to_string(Clock::now().time_since_epoch().count()) +
                          "@bench.example.net>\r\n\r\n";
        while (msg.size() < o.size) msg += "The quick brown fox jumps over the lazy dog, again and again.\r\n";
        msg += ".\r\n";
        d.sent = Clock::now();
        ok = co_await s->write(msg, 30s);
        // LMTP answers once per recipient (RFC 2033 4.2).
        for (std::size_t i = 0; ok && i < (lmtp ? o.users.size() : 1); ++i) {
            line = co_await reply(s);
            ok = expect("250");
        }
        d.replied = Clock::now();
    }
    if (ok) {
        co_await s->write("QUIT\r\n", 5s);
        co_await reply(s);
    } else {
        d.error = s->error().empty() ? (line ? *line : std::string("closed")) : s->error();
    }
    s->close();
    d.ok = ok;
    co_return d;
}

// ---- the run --------------------------------------------------------------
double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t i = std::size_t(std::ceil(p / 100.0 * double(v.size())));
    return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

std::string json_str(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += std::string("\\") + c;
        else if (static_cast<unsigned char>(c) < 0x20)
            out += ' ';
        else
            out += c;
    }
    return out + "\"";
}

asio::awaitable<void> sleep_for(Clock::duration d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> run(std::shared_ptr<State> st, int* exit_code, asio::io_context* io) {
    auto& o = st->o;
    auto ex = co_await asio::this_coro::executor;
    std::ostringstream js;
    js << "{\"n\": " << o.n << ", \"users\": " << o.users.size() << ", \"deliver\": " << json_str(o.deliver)
       << ", \"sources\": " << o.sources;

    // Warm-up: one session per user through LOGIN/SELECT/IDLE, one after
    // another (credential caches, code pages, first-use allocations; parallel
    // first logins of one user from one address would meet the server's
    // per-IP hashing limit), closed again before the baseline.
    for (std::size_t u = 0; u < o.users.size(); ++u) {
        auto se = std::make_shared<Session>();
        se->user = u;
        bool ok = co_await open_session(st, se, u);
        if (!ok) {
            std::fprintf(stderr, "warm-up session failed: %s\n",
                         st->errors.empty() ? "?" : st->errors.begin()->first.c_str());
            *exit_code = 2;
            co_return;
        }
        co_await se->stream->write("DONE\r\nz LOGOUT\r\n", 5s);
        co_await until(se->stream, "z ", nullptr);
        se->stream->close();
        st->errors.clear();
    }
    co_await sleep_for(1s);
    const Memory before = memory(o);

    const auto t_open = Clock::now();
    for (std::size_t i = 0; i < std::min(o.concurrency, o.n); ++i) asio::co_spawn(ex, opener(st), asio::detached);
    std::size_t last_report = 0;
    while (st->ready + st->failed < o.n) {
        co_await sleep_for(20ms);
        if (st->ready + st->failed >= last_report + 2000) {
            last_report = st->ready + st->failed;
            std::fprintf(stderr, "  %zu/%zu sessions in IDLE (%zu failed), %.1f s\n", st->ready, o.n, st->failed,
                         std::chrono::duration<double>(Clock::now() - t_open).count());
        }
    }
    const double open_s = std::chrono::duration<double>(Clock::now() - t_open).count();
    co_await sleep_for(std::chrono::milliseconds(long(o.settle_s * 1000)));
    const Memory after = memory(o);
    const std::size_t ready = st->ready;
    const double per = ready ? 1.0 / double(ready) : 0;
    std::printf("sessions: %zu of %zu in IDLE (%zu failed) in %.1f s\n", ready, o.n, st->failed, open_s);
    for (auto& [what, count] : st->errors) std::printf("  error x%zu: %s\n", count, what.c_str());
    std::printf("server memory (%zu processes): RSS %ld -> %ld KiB, PSS %ld -> %ld KiB\n", after.processes,
                before.rss_kib, after.rss_kib, before.pss_kib, after.pss_kib);
    std::printf("per idle IDLE TLS connection: %.1f KiB PSS, %.1f KiB RSS\n",
                double(after.pss_kib - before.pss_kib) * per, double(after.rss_kib - before.rss_kib) * per);
    js << ", \"ready\": " << ready << ", \"failed\": " << st->failed << ", \"open_seconds\": " << open_s
       << ", \"server_processes_before\": " << before.processes
       << ", \"server_processes_after\": " << after.processes << ", \"rss_before_kib\": " << before.rss_kib
       << ", \"rss_after_kib\": " << after.rss_kib << ", \"pss_before_kib\": " << before.pss_kib
       << ", \"pss_after_kib\": " << after.pss_kib
       << ", \"kib_per_conn_pss\": " << double(after.pss_kib - before.pss_kib) * per
       << ", \"kib_per_conn_rss\": " << double(after.rss_kib - before.rss_kib) * per;

    std::vector<double> all;
    std::size_t all_got = 0, all_expected = 0;
    js << ", \"rounds\": [";
    for (int k = 1; ready > 0 && o.deliver != "none" && k <= o.deliveries; ++k) {
        std::size_t alive = 0;
        for (auto& se : st->sessions)
            if (se->alive) ++alive;
        st->rounds_started = k;
        Delivery d = co_await deliver(st, k);
        if (!d.ok) {
            std::printf("round %d: delivery failed: %s\n", k, d.error.c_str());
            js << (k > 1 ? ", " : "") << "{\"round\": " << k << ", \"error\": " << json_str(d.error) << "}";
            *exit_code = 1;
            continue;
        }
        const auto deadline = Clock::now() + std::chrono::milliseconds(long(o.wait_s * 1000));
        while (st->got_count[std::size_t(k - 1)] < alive && Clock::now() < deadline) {
            // Stop waiting for sessions that died meanwhile.
            std::size_t still = 0;
            for (auto& se : st->sessions)
                if (se->alive || (!se->got.empty() && se->got[std::size_t(k - 1)])) ++still;
            alive = std::min(alive, still);
            co_await sleep_for(2ms);
        }
        std::vector<double> ms;
        for (auto& se : st->sessions)
            if (!se->got.empty() && se->got[std::size_t(k - 1)])
                ms.push_back(std::chrono::duration<double, std::milli>(*se->got[std::size_t(k - 1)] - d.sent).count());
        const double reply_ms = std::chrono::duration<double, std::milli>(d.replied - d.sent).count();
        std::printf("round %d: %zu of %zu sessions got EXISTS; ms after the final '.': p50 %.1f p90 %.1f "
                    "p99 %.1f max %.1f (reply to the '.' after %.1f ms)\n",
                    k, ms.size(), ready, pct(ms, 50), pct(ms, 90), pct(ms, 99), pct(ms, 100), reply_ms);
        js << (k > 1 ? ", " : "") << "{\"round\": " << k << ", \"got\": " << ms.size()
           << ", \"expected\": " << ready << ", \"p50_ms\": " << pct(ms, 50) << ", \"p90_ms\": " << pct(ms, 90)
           << ", \"p99_ms\": " << pct(ms, 99) << ", \"max_ms\": " << pct(ms, 100)
           << ", \"reply_ms\": " << reply_ms << "}";
        all.insert(all.end(), ms.begin(), ms.end());
        all_got += ms.size();
        all_expected += ready;
        if (ms.size() < ready) *exit_code = 1;
        co_await sleep_for(500ms);
    }
    js << "]";
    if (!all.empty()) {
        std::printf("all rounds: %zu of %zu EXISTS; p50 %.1f p90 %.1f p99 %.1f max %.1f ms\n", all_got,
                    all_expected, pct(all, 50), pct(all, 90), pct(all, 99), pct(all, 100));
        js << ", \"got\": " << all_got << ", \"expected\": " << all_expected << ", \"p50_ms\": " << pct(all, 50)
           << ", \"p90_ms\": " << pct(all, 90) << ", \"p99_ms\": " << pct(all, 99)
           << ", \"max_ms\": " << pct(all, 100);
    }
    js << ", \"dropped\": " << st->dropped << ", \"errors\": {";
    bool first = true;
    for (auto& [what, count] : st->errors) {
        js << (first ? "" : ", ") << json_str(what) << ": " << count;
        first = false;
    }
    js << "}}";
    if (ready < o.n) *exit_code = 1;
    if (!o.json.empty()) {
        std::ofstream f(o.json);
        f << js.str() << "\n";
    }
    for (auto& se : st->sessions)
        if (se->stream) se->stream->close();
    io->stop();
}

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr,
                 "%s\nusage: bench_idle_latency --port IMAPS_PORT --user ADDR [--user ADDR...] --password PW\n"
                 "  [-n N] [--concurrency C] [--host 127.0.0.1] [--sources S]\n"
                 "  [--deliver smtp|lmtp|none] [--deliver-port P] [--deliveries K] [--size B] [--from ADDR]\n"
                 "  [--pid PID]... [--pid-tree] [--settle S] [--wait S] [--json FILE]\n",
                 msg);
    std::exit(64);
}

}  // namespace

int main(int argc, char** argv) {
    // Line by line even into a pipe: a caller may act on "sessions: ..." (e.g.
    // start perf once every session is in IDLE).
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "--host") o.host = val();
        else if (a == "--port") o.port = std::uint16_t(std::stoi(val()));
        else if (a == "--user") o.users.push_back(val());
        else if (a == "--password") o.password = val();
        else if (a == "-n") o.n = std::stoul(val());
        else if (a == "--concurrency") o.concurrency = std::max<std::size_t>(1, std::stoul(val()));
        else if (a == "--deliver") o.deliver = val();
        else if (a == "--deliver-port") o.deliver_port = std::uint16_t(std::stoi(val()));
        else if (a == "--deliveries") o.deliveries = std::stoi(val());
        else if (a == "--size") o.size = std::stoul(val());
        else if (a == "--from") o.mail_from = val();
        else if (a == "--pid") o.pids.push_back(std::stoi(val()));
        else if (a == "--pid-tree") o.pid_tree = true;
        else if (a == "--sources") o.sources = std::max(1, std::stoi(val()));
        else if (a == "--settle") o.settle_s = std::stod(val());
        else if (a == "--wait") o.wait_s = std::stod(val());
        else if (a == "--json") o.json = val();
        else usage(("unknown option " + a).c_str());
    }
    if (!o.port || o.users.empty()) usage("--port and --user are required");
    if (o.deliver != "smtp" && o.deliver != "lmtp" && o.deliver != "none") usage("--deliver smtp|lmtp|none");
    if (o.deliver != "none" && !o.deliver_port) usage("--deliver-port is required unless --deliver none");

    const long nofile = raise_nofile(o.n + 64);
    if (nofile >= 0 && std::size_t(nofile) < o.n + 16)
        std::fprintf(stderr, "warning: RLIMIT_NOFILE is %ld here, short of %zu connections\n", nofile, o.n);
    for (int pid : o.pids) {
        long lim = fd_limit_of(pid);
        if (lim >= 0 && std::size_t(lim) < o.n + 16)
            std::fprintf(stderr, "warning: server process %d may open only %ld files (Max open files)\n", pid, lim);
    }
    if (o.pids.empty()) std::fprintf(stderr, "note: no --pid, server memory is not measured\n");

    auto tls = ClientTlsContext::create(false);
    if (!tls) {
        std::fprintf(stderr, "TLS context failed\n");
        return 2;
    }
    auto st = std::make_shared<State>();
    st->o = o;
    st->tls = *tls;
    st->got_count.assign(std::size_t(std::max(o.deliveries, 0)), 0);
    for (std::size_t i = 0; i < o.n; ++i) {
        auto se = std::make_shared<Session>();
        se->user = i % o.users.size();
        st->sessions.push_back(se);
    }
    std::printf("bench_idle_latency: %zu IMAPS sessions to %s:%u over %zu user(s), deliver %s%s, RLIMIT_NOFILE %ld\n",
                o.n, o.host.c_str(), unsigned(o.port), o.users.size(), o.deliver.c_str(),
                o.deliver == "none" ? "" : (" to port " + std::to_string(o.deliver_port)).c_str(), nofile);
    std::fflush(stdout);
    asio::io_context io(1);
    int code = 0;
    asio::co_spawn(io, run(st, &code, &io), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    // The sessions' streams hold timers of `io`: they go before it does.
    st->sessions.clear();
    st.reset();
    std::fflush(stdout);
    return code;
}
