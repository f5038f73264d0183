// `imap-scenario`: fixed operations on a prepared (big) mailbox, each
// repeated --repeat times on one logged-in connection, timed one by one:
//
//   select            SELECT <mailbox>
//   uid_fetch_flags   UID FETCH 1:* (FLAGS)          (one FETCH per message)
//   fetch_envelopes   FETCH a:a+99 (ENVELOPE)        (100 messages; a differs
//                     per repetition, from a fixed seed, so both servers
//                     read the same messages)
//   search_text       SEARCH TEXT <word> on --search-user's --search-mailbox
//                     (its own connection; the hit count is reported so the
//                     two servers' answers can be compared)
//
// Before the first repetition one SELECT (not part of the figures, reported
// as first_select_ms) opens the mailbox the way a client's first visit
// would: Dovecot builds its index of a freshly written maildir there.
// With --cpu-pid the servers' CPU time per repetition is reported too.
#include <algorithm>
#include <cstdio>

#include "imap_client.h"

namespace loadgen {
namespace {

struct ScenarioRun {
    std::string host;
    std::uint16_t port = 0;
    asio::ssl::context* tls = nullptr;
    std::string user, password, mailbox;
    std::string search_user, search_mailbox, search_word;
    std::vector<std::string> scenarios;
    long repeat = 5;
    unsigned seed = 1;
    std::vector<int> pids;
};

struct ScenarioResult {
    std::vector<double> ms, cpu_ms;
    long responses = -1;  // FETCH responses or SEARCH hits of the last repetition
    std::string note;
};

struct ScenarioOut {
    std::map<std::string, ScenarioResult> results;
    double first_select_ms = -1;
    long exists = 0, search_exists = 0;
    ErrorLog errors;
};

long search_hits(const ImapResult& r) {
    long n = 0;
    for (const auto& u : r.untagged) {
        if (u.text.rfind("* SEARCH", 0) != 0) continue;
        std::string_view s(u.text);
        s.remove_prefix(8);
        for (char c : s)
            if (c == ' ') ++n;
    }
    return n;
}

asio::awaitable<void> login_select(ImapClient* im, const ScenarioRun* run, std::string user, std::string mailbox,
                                   double* select_ms) {
    co_await im->open(run->host, run->port);
    ImapResult r = co_await im->command("LOGIN " + imap_quote(user) + " " + imap_quote(run->password));
    if (!r.ok()) throw std::runtime_error("LOGIN " + user + ": " + r.status + " " + r.text);
    auto t0 = Clock::now();
    r = co_await im->command("SELECT " + imap_quote(mailbox));
    if (!r.ok()) throw std::runtime_error("SELECT " + mailbox + ": " + r.status + " " + r.text);
    if (select_ms) *select_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

asio::awaitable<void> scenarios(const ScenarioRun* run, ScenarioOut* out) {
    auto ex = co_await asio::this_coro::executor;
    ImapClient im(ex, run->tls);
    try {
        co_await login_select(&im, run, run->user, run->mailbox, &out->first_select_ms);
        out->exists = im.exists();
        std::mt19937 rng(run->seed);
        for (const auto& name : run->scenarios) {
            ScenarioResult& res = out->results[name];
            ImapClient* c = &im;
            std::unique_ptr<ImapClient> other;
            if (name == "search_text" && (run->search_user != run->user || run->search_mailbox != run->mailbox)) {
                other = std::make_unique<ImapClient>(ex, run->tls);
                co_await login_select(other.get(), run, run->search_user, run->search_mailbox, nullptr);
                out->search_exists = other->exists();
                c = other.get();
            } else if (name == "search_text") {
                out->search_exists = im.exists();
            }
            for (long i = 0; i < run->repeat; ++i) {
                std::string cmd;
                long want = -1;
                if (name == "select") {
                    cmd = "SELECT " + imap_quote(run->mailbox);
                } else if (name == "uid_fetch_flags") {
                    cmd = "UID FETCH 1:* (FLAGS)";
                    want = c->exists();
                } else if (name == "fetch_envelopes") {
                    std::uint32_t n = c->exists();
                    std::uint32_t a = n > 100 ? 1 + rng() % (n - 99) : 1;
                    std::uint32_t b = std::min<std::uint32_t>(n, a + 99);
                    cmd = "FETCH " + std::to_string(a) + ":" + std::to_string(b) + " (ENVELOPE)";
                    want = b - a + 1;
                } else if (name == "search_text") {
                    cmd = "SEARCH TEXT " + imap_quote(run->search_word);
                } else {
                    throw std::runtime_error("unknown scenario " + name +
                                             " (select, uid_fetch_flags, fetch_envelopes, search_text)");
                }
                double cpu0 = cpu_seconds(run->pids);
                auto t0 = Clock::now();
                ImapResult r = co_await c->command(cmd);
                double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                double cpu = cpu_seconds(run->pids) - cpu0;
                if (!r.ok()) {
                    out->errors.add(cmd + ": " + r.status + " " + r.text);
                    continue;
                }
                res.ms.push_back(ms);
                if (!run->pids.empty()) res.cpu_ms.push_back(cpu * 1000);
                if (name == "search_text") {
                    res.responses = search_hits(r);
                } else if (name == "select") {
                    res.responses = c->exists();
                } else {
                    long got = r.count("FETCH");
                    res.responses = got;
                    if (got != want) out->errors.add(cmd + ": " + std::to_string(got) + " FETCH responses, want " +
                                                     std::to_string(want));
                    if (name == "fetch_envelopes")
                        for (const auto& u : r.untagged)
                            if (u.text.find("ENVELOPE (") == std::string::npos) {
                                out->errors.add(cmd + ": a response without ENVELOPE: " + u.text.substr(0, 100));
                                break;
                            }
                }
            }
            if (other) {
                ImapResult bye = co_await other->command("LOGOUT");
                (void)bye;
                other->close();
            }
        }
        ImapResult bye = co_await im.command("LOGOUT");
        (void)bye;
    } catch (const std::exception& e) {
        out->errors.add(std::string("(") + im.last_command + "): " + e.what());
    }
    im.close();
}

}  // namespace

int run_imap_scenario(const Args& a) {
    ScenarioRun run;
    run.host = a.str("host", "127.0.0.1");
    run.port = static_cast<std::uint16_t>(a.num("port", 143));
    auto tls = a.flag("tls") ? client_tls_context() : nullptr;
    run.tls = tls.get();
    run.user = a.str("user", "");
    run.password = a.str("password", "secret-pw");
    run.mailbox = a.str("mailbox", "INBOX");
    run.search_user = a.str("search-user", run.user);
    run.search_mailbox = a.str("search-mailbox", run.mailbox);
    run.search_word = a.str("search-word", "invoice");
    run.scenarios = a.list("scenarios");
    if (run.scenarios.empty()) run.scenarios = {"select", "uid_fetch_flags", "fetch_envelopes", "search_text"};
    run.repeat = a.num("repeat", 5);
    run.seed = static_cast<unsigned>(a.num("seed", 1));
    run.pids = pid_list(a);
    (void)a.num("threads", 1);  // accepted for symmetry: one connection at a time anyway
    a.check_used();
    if (run.user.empty()) throw std::runtime_error("--user is required");

    asio::io_context io;
    ScenarioOut out;
    asio::co_spawn(io, scenarios(&run, &out), asio::detached);
    io.run();

    std::string o = "{\"mode\": \"imap-scenario\", \"tls\": " + std::string(run.tls ? "true" : "false");
    o += ", \"mailbox_messages\": " + std::to_string(out.exists);
    o += ", \"search_mailbox_messages\": " + std::to_string(out.search_exists);
    o += ", \"first_select_ms\": " + json_num(out.first_select_ms) + ", \"repeat\": " + std::to_string(run.repeat);
    o += ", \"search_word\": " + json_str(run.search_word) + ", \"scenarios\": {";
    bool first = true;
    for (const auto& name : run.scenarios) {
        auto it = out.results.find(name);
        if (it == out.results.end()) continue;
        const auto& r = it->second;
        auto arr = [](const std::vector<double>& v) {
            std::string s = "[";
            for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_num(v[i]);
            return s + "]";
        };
        double mn = r.ms.empty() ? 0 : *std::min_element(r.ms.begin(), r.ms.end());
        double mx = r.ms.empty() ? 0 : *std::max_element(r.ms.begin(), r.ms.end());
        o += (first ? "" : ", ") + json_str(name) + ": {\"ms\": " + arr(r.ms);
        o += ", \"median_ms\": " + json_num(percentile(r.ms, 50)) + ", \"min_ms\": " + json_num(mn) +
             ", \"max_ms\": " + json_num(mx);
        if (!r.cpu_ms.empty())
            o += ", \"cpu_ms\": " + arr(r.cpu_ms) + ", \"cpu_ms_median\": " + json_num(percentile(r.cpu_ms, 50));
        o += ", \"responses\": " + std::to_string(r.responses) + "}";
        first = false;
        std::fprintf(stderr, "%-16s median %9.1f ms  (min %.1f, max %.1f) over %zu runs, %ld responses/hits\n",
                     name.c_str(), percentile(r.ms, 50), mn, mx, r.ms.size(), r.responses);
    }
    o += "}, \"errors\": " + std::to_string(out.errors.count) + ", \"error_samples\": " + out.errors.json() + "}";
    std::printf("%s\n", o.c_str());
    std::fprintf(stderr, "first SELECT of %ld messages: %.1f ms\n", out.exists, out.first_select_ms);
    for (auto& e : out.errors.samples) std::fprintf(stderr, "  %s\n", e.c_str());
    return out.errors.count ? 1 : 0;
}

}  // namespace loadgen
