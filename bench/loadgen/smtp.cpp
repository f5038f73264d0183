// `smtp`: N sessions, each sending messages in a loop (for --seconds or
// --messages per session) to its recipient (session i: rcpt[i % n]); with
// PIPELINING when the server offers it (RFC 2920: MAIL, RCPT and DATA in one
// write, then the message after 354). Latency per message: from MAIL FROM
// written to the 250 after the final dot.
#include <cstdio>

#include "loadgen.h"

namespace loadgen {
namespace {

struct SmtpRun {
    std::string host;
    std::uint16_t port = 0;
    asio::ssl::context* tls = nullptr;
    std::string from, user, password;
    std::vector<std::string> rcpts;
    std::vector<std::string> bodies;  // dot-stuffed, each ending in CRLF, without Message-ID
    long messages = 0;                // per session; 0: until the deadline
    Clock::time_point deadline;
    bool no_pipelining = false;
};

struct SmtpSession {
    Samples latency;
    ErrorLog errors;
    long accepted = 0, rejected = 0;
    std::uint64_t bytes = 0;
    bool pipelining = false;
    Clock::time_point last;
};

struct Reply {
    int code = 0;
    std::string text;  // all lines
    bool has(std::string_view kw) const {
        // EHLO keywords: "250-PIPELINING" / "250 PIPELINING"
        std::size_t p = 0;
        while ((p = text.find(kw, p)) != std::string::npos) {
            if (p >= 4 && (text[p - 1] == '-' || text[p - 1] == ' ')) return true;
            ++p;
        }
        return false;
    }
};

asio::awaitable<Reply> read_reply(Conn* c) {
    Reply r;
    for (;;) {
        std::string line = co_await c->read_line();
        r.text += line + "\n";
        if (line.size() < 3) throw std::runtime_error("bad SMTP reply: " + line);
        r.code = std::atoi(line.substr(0, 3).c_str());
        if (line.size() == 3 || line[3] == ' ') co_return r;
    }
}

std::string base64(std::string_view in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i < in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (i + 1 < in.size() ? (unsigned char)in[i + 1] << 8 : 0);
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

asio::awaitable<void> smtp_session(const SmtpRun* run, SmtpSession* s, int idx) {
    Conn c(co_await asio::this_coro::executor, run->tls);
    try {
        co_await c.connect(run->host, run->port);
        Reply r = co_await read_reply(&c);
        if (r.code != 220) throw std::runtime_error("greeting: " + r.text);
        co_await c.write("EHLO loadgen.example.net\r\n");
        r = co_await read_reply(&c);
        if (r.code != 250) throw std::runtime_error("EHLO: " + r.text);
        s->pipelining = r.has("PIPELINING") && !run->no_pipelining;
        if (!run->user.empty()) {
            std::string cred = std::string(1, '\0') + run->user + std::string(1, '\0') + run->password;
            co_await c.write("AUTH PLAIN " + base64(cred) + "\r\n");
            r = co_await read_reply(&c);
            if (r.code != 235) throw std::runtime_error("AUTH: " + r.text);
        }
        const std::string& rcpt = run->rcpts[static_cast<std::size_t>(idx) % run->rcpts.size()];
        std::string env_from = "MAIL FROM:<" + run->from + ">\r\n";
        std::string env_rcpt = "RCPT TO:<" + rcpt + ">\r\n";
        for (long n = 0;; ++n) {
            if (run->messages > 0 ? n >= run->messages : Clock::now() >= run->deadline) break;
            const std::string& body = run->bodies[static_cast<std::size_t>(idx + n) % run->bodies.size()];
            std::string data = "Message-ID: <lg-" + std::to_string(idx) + "-" + std::to_string(n) +
                               "@loadgen.example.net>\r\n" + body + ".\r\n";
            auto t0 = Clock::now();
            bool ok = true;
            std::string why;
            if (s->pipelining) {
                co_await c.write(env_from + env_rcpt + "DATA\r\n");
                Reply m = co_await read_reply(&c);
                Reply rc = co_await read_reply(&c);
                Reply d = co_await read_reply(&c);
                if (m.code != 250 || rc.code != 250 || d.code != 354) {
                    ok = false;
                    why = m.text + rc.text + d.text;
                    if (d.code == 354) {  // the server wants data anyway: end it empty
                        co_await c.write(".\r\n");
                        Reply ignored = co_await read_reply(&c);
                    }
                }
            } else {
                co_await c.write(env_from);
                Reply m = co_await read_reply(&c);
                Reply rc, d;
                if (m.code == 250) {
                    co_await c.write(env_rcpt);
                    rc = co_await read_reply(&c);
                }
                if (rc.code == 250) {
                    co_await c.write("DATA\r\n");
                    d = co_await read_reply(&c);
                }
                if (d.code != 354) {
                    ok = false;
                    why = m.text + rc.text + d.text;
                }
            }
            if (ok) {
                co_await c.write(data);
                Reply fin = co_await read_reply(&c);
                if (fin.code != 250) {
                    ok = false;
                    why = fin.text;
                }
            }
            if (!ok) {
                if (why.size() && (why[0] == '4' || why[0] == '5') && why.find("\n") != std::string::npos) {
                    ++s->rejected;
                    s->errors.add("rejected: " + why);
                    co_await c.write("RSET\r\n");
                    Reply rset = co_await read_reply(&c);
                    continue;
                }
                throw std::runtime_error("unexpected: " + why);
            }
            s->latency.add(Clock::now() - t0);
            s->last = Clock::now();
            ++s->accepted;
            s->bytes += data.size();
        }
        co_await c.write("QUIT\r\n");
        Reply bye = co_await read_reply(&c);
    } catch (const std::exception& e) {
        s->errors.add(std::string("session ") + std::to_string(idx) + ": " + e.what());
    }
    c.close();
}

}  // namespace

int run_smtp(const Args& a) {
    SmtpRun run;
    run.host = a.str("host", "127.0.0.1");
    run.port = static_cast<std::uint16_t>(a.num("port", 25));
    auto tls = a.flag("tls") ? client_tls_context() : nullptr;
    run.tls = tls.get();
    run.user = a.str("user", "");
    // A submission server wants the user's own address as the sender.
    run.from = a.str("from", run.user.empty() ? "bench@example.net" : run.user);
    run.password = a.str("password", "");
    run.rcpts = a.list("rcpt");
    if (run.rcpts.empty()) throw std::runtime_error("--rcpt is required");
    run.no_pipelining = a.flag("no-pipelining");
    long sessions = a.num("sessions", 10);
    run.messages = a.num("messages", 0);
    double seconds = a.real("seconds", run.messages > 0 ? 0 : 10);
    std::string size = a.str("size", "10k");
    std::string corpus_path = a.str("corpus", "/work/shared/bench-corpus/test400.mbox");
    long threads = a.num("threads", 1);
    auto pids = pid_list(a);
    a.check_used();

    if (size == "mix") {
        for (auto& m : load_corpus(corpus_path)) run.bodies.push_back(dot_stuff(m));
        if (run.bodies.empty()) throw std::runtime_error("--size mix: no messages in " + corpus_path);
    } else {
        std::size_t bytes = 0;
        if (size == "1k") bytes = 1024;
        else if (size == "10k") bytes = 10240;
        else if (size == "100k") bytes = 102400;
        else bytes = static_cast<std::size_t>(std::stoul(size));
        run.bodies.push_back(dot_stuff(synthetic_message(bytes, 0)));
    }

    std::vector<std::unique_ptr<asio::io_context>> ios;
    for (long i = 0; i < std::max(1L, threads); ++i) ios.push_back(std::make_unique<asio::io_context>());
    std::vector<SmtpSession> ss(static_cast<std::size_t>(sessions));
    double cpu0 = cpu_seconds(pids);
    double self0 = self_cpu_seconds();
    auto t0 = Clock::now();
    run.deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (long i = 0; i < sessions; ++i)
        asio::co_spawn(*ios[static_cast<std::size_t>(i) % ios.size()],
                       smtp_session(&run, &ss[static_cast<std::size_t>(i)], static_cast<int>(i)), asio::detached);
    run_threads(ios);
    double self_cpu = self_cpu_seconds() - self0;
    double cpu = cpu_seconds(pids) - cpu0;
    auto t_end = t0;
    Samples all;
    ErrorLog errs;
    long accepted = 0, rejected = 0;
    std::uint64_t bytes = 0;
    bool pipelining = false;
    std::map<std::string, long> per_rcpt;
    for (std::size_t i = 0; i < ss.size(); ++i) {
        all.merge(ss[i].latency);
        errs.merge(ss[i].errors);
        accepted += ss[i].accepted;
        rejected += ss[i].rejected;
        bytes += ss[i].bytes;
        pipelining |= ss[i].pipelining;
        per_rcpt[run.rcpts[i % run.rcpts.size()]] += ss[i].accepted;
        t_end = std::max(t_end, ss[i].last);
    }
    double elapsed = std::chrono::duration<double>(t_end - t0).count();
    std::string o = "{\"mode\": \"smtp\", \"sessions\": " + std::to_string(sessions);
    o += ", \"size\": " + json_str(size) + ", \"tls\": " + (run.tls ? "true" : "false");
    o += ", \"pipelining\": " + std::string(pipelining ? "true" : "false");
    o += ", \"accepted\": " + std::to_string(accepted) + ", \"rejected\": " + std::to_string(rejected);
    o += ", \"errors\": " + std::to_string(errs.count - rejected);
    o += ", \"elapsed_s\": " + json_num(elapsed);
    o += ", \"accepted_per_s\": " + json_num(elapsed > 0 ? static_cast<double>(accepted) / elapsed : 0);
    o += ", \"bytes\": " + std::to_string(bytes);
    o += ", \"MB_per_s\": " + json_num(elapsed > 0 ? static_cast<double>(bytes) / 1e6 / elapsed : 0);
    o += ", \"latency\": " + all.json(elapsed) + ", \"loadgen_cpu_s\": " + json_num(self_cpu);
    if (!pids.empty())
        o += ", \"server_cpu_s\": " + json_num(cpu) +
             ", \"server_cpu_ms_per_msg\": " + json_num(accepted ? cpu * 1000 / static_cast<double>(accepted) : 0);
    o += ", \"per_rcpt\": {";
    bool first = true;
    for (auto& [r, n] : per_rcpt) {
        o += (first ? "" : ", ") + json_str(r) + ": " + std::to_string(n);
        first = false;
    }
    o += "}, \"error_samples\": " + errs.json() + "}";
    std::printf("%s\n", o.c_str());
    std::fprintf(stderr, "smtp: %ld accepted in %.2f s = %.0f msg/s, p50 %.1f ms, p99 %.1f ms, %ld rejected, %ld errors\n",
                 accepted, elapsed, elapsed > 0 ? static_cast<double>(accepted) / elapsed : 0.0,
                 percentile(all.us, 50) / 1000, percentile(all.us, 99) / 1000, rejected, errs.count - rejected);
    for (auto& e : errs.samples) std::fprintf(stderr, "  %s\n", e.c_str());
    return errs.count - rejected > 0 ? 1 : 0;
}

}  // namespace loadgen
