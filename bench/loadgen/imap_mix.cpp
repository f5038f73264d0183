// `imap`: an imaptest-like mixed workload. C clients over U users (client i
// is user i % U); each cycle walks imaptest's states in order, each command
// with its probability (imaptest's defaults, plus SEARCH, which imaptest
// leaves at 0):
//
//   LOGIN 100, LIST 50, STATUS 50, SELECT 100, FETCH 100 (a range of up to
//   100 messages from a random start, UID FLAGS plus random ENVELOPE,
//   INTERNALDATE, BODYSTRUCTURE, RFC822.SIZE, BODY.PEEK[HEADER.FIELDS]),
//   FETCH2 100 + 30% again (one random message, RFC822.SIZE BODY.PEEK[]),
//   SEARCH 50 (UNSEEN, SUBJECT or TEXT of a word), STORE 50 (+/-FLAGS on a
//   range), DELETE 100 (STORE +FLAGS.SILENT \Deleted when the mailbox holds
//   more than --msgs messages), EXPUNGE 100, APPEND 100 + 5% again (a
//   corpus message), LOGOUT 100.
//
// --mode login: the cycle ends with LOGOUT and a new connection and LOGIN
// (imaptest's default); --mode persistent: LOGIN once, then the cycle
// without LOGIN/LOGOUT (imaptest logout=0). One command at a time per
// client (imaptest's no_pipelining). COPY is left out (imaptest skips it
// without copybox).
//
// Verification: every tagged reply must be OK (a NO of FETCH/STORE carrying
// [EXPUNGEISSUED] is counted separately when users are shared); FETCH range
// returns one FETCH per message with the asked items; FETCH2's body literal
// has the RFC822.SIZE length and, for messages this generator appended (all
// of them after the prefill), the X-Loadgen-Check hash.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "imap_client.h"

namespace loadgen {
namespace {

enum Cmd { LOGIN, LIST, STATUS, SELECT, FETCH, FETCH2, SEARCH, STORE, DELETE, EXPUNGE, APPEND, LOGOUT, kCmds };
const char* kNames[kCmds] = {"LOGIN", "LIST", "STATUS", "SELECT", "FETCH", "FETCH2",
                             "SEARCH", "STORE", "STORE_DELETED", "EXPUNGE", "APPEND", "LOGOUT"};
const char* kProbNames[kCmds] = {"login", "list", "status", "select", "fetch", "fetch2",
                                 "search", "store", "delete", "expunge", "append", "logout"};

struct MixRun {
    std::string host;
    std::uint16_t port = 0;
    asio::ssl::context* tls = nullptr;
    std::vector<std::string> users;
    std::string password, mailbox = "INBOX";
    bool persistent = false;
    long cycles = 0;  // per client; 0: until deadline
    Clock::time_point deadline;
    long msgs = 30;   // mailbox size kept around this (imaptest's default threshold)
    int prob[kCmds] = {100, 50, 50, 100, 100, 100, 50, 50, 100, 100, 100, 100};
    int again[kCmds] = {0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 5, 0};
    std::vector<std::string> messages;  // with check headers
    std::vector<std::string> words;
    unsigned seed = 1;
    bool shared_users = false;
};

struct MixClient {
    Samples cmd[kCmds];
    Samples connect;
    ErrorLog errors;
    long verify_errors = 0, expunge_issued = 0, cycles = 0;
    Clock::time_point last;
};

bool expunge_issued(const ImapResult& r) { return r.status == "NO" && r.text.find("EXPUNGEISSUED") != std::string::npos; }

// Records one command; false when it failed (the error is logged).
bool record(MixClient* c, const MixRun* run, Cmd k, Clock::time_point t0, const ImapResult& r, std::string ctx) {
    auto now = Clock::now();
    c->last = now;
    if (r.ok()) {
        c->cmd[k].add(now - t0);
        return true;
    }
    if (run->shared_users && expunge_issued(r)) {
        c->cmd[k].add(now - t0);
        ++c->expunge_issued;
        return true;
    }
    ++c->cmd[k].errors;
    c->errors.add(std::string(kNames[k]) + " " + ctx + ": " + r.status + " " + r.text);
    return false;
}

std::string seq_range(std::uint32_t a, std::uint32_t b) {
    return a == b ? std::to_string(a) : std::to_string(a) + ":" + std::to_string(b);
}

// Runs the selected-state part of one cycle; false: stop this connection.
asio::awaitable<bool> cycle_body(ImapClient* im, const MixRun* run, MixClient* c, std::mt19937* rng) {
    auto roll = [&](Cmd k) { return static_cast<int>((*rng)() % 100) < run->prob[k]; };
    auto roll_again = [&](Cmd k) { return static_cast<int>((*rng)() % 100) < run->again[k]; };
    ImapResult r;
    if (roll(LIST)) {
        auto t0 = Clock::now();
        r = co_await im->command("LIST \"\" \"*\"");
        if (!record(c, run, LIST, t0, r, "")) co_return false;
        if (r.ok() && r.count("LIST") == 0 && r.untagged.empty()) {
            ++c->verify_errors;
            c->errors.add("LIST returned no mailboxes");
        }
    }
    if (roll(STATUS)) {
        auto t0 = Clock::now();
        r = co_await im->command("STATUS " + imap_quote(run->mailbox) + " (MESSAGES UNSEEN RECENT)");
        if (!record(c, run, STATUS, t0, r, "")) co_return false;
    }
    if (!roll(SELECT)) co_return true;
    {
        auto t0 = Clock::now();
        r = co_await im->command("SELECT " + imap_quote(run->mailbox));
        if (!record(c, run, SELECT, t0, r, "")) co_return false;
    }
    if (roll(FETCH) && im->exists() > 0) {
        std::uint32_t n = im->exists();
        std::uint32_t start = 1 + (*rng)() % n;
        std::uint32_t end = std::min<std::uint32_t>(n, start + 99);
        if (n <= 100) start = 1, end = n;
        static const char* extra[] = {"ENVELOPE", "INTERNALDATE", "BODYSTRUCTURE", "RFC822.SIZE",
                                      "BODY.PEEK[HEADER.FIELDS (From To Cc Subject Message-ID In-Reply-To References)]"};
        std::string items = "UID FLAGS";
        for (const char* e : extra)
            if ((*rng)() % 2) items += std::string(" ") + e;
        auto t0 = Clock::now();
        r = co_await im->command("FETCH " + seq_range(start, end) + " (" + items + ")");
        if (!record(c, run, FETCH, t0, r, seq_range(start, end))) co_return false;
        long got = r.count("FETCH");
        if (r.ok() && !run->shared_users && got != static_cast<long>(end - start + 1)) {
            ++c->verify_errors;
            c->errors.add("FETCH " + seq_range(start, end) + " returned " + std::to_string(got) + " FETCH responses");
        }
        for (const auto& u : r.untagged)
            if (u.text.find(" FETCH ") != std::string::npos &&
                (u.text.find("UID ") == std::string::npos || u.text.find("FLAGS (") == std::string::npos)) {
                ++c->verify_errors;
                c->errors.add("FETCH response without UID/FLAGS: " + u.text.substr(0, 120));
                break;
            }
    }
    if (roll(FETCH2)) {
        do {
            if (im->exists() == 0) break;
            std::uint32_t seq = 1 + (*rng)() % im->exists();
            auto t0 = Clock::now();
            r = co_await im->command("FETCH " + std::to_string(seq) + " (RFC822.SIZE BODY.PEEK[])");
            if (!record(c, run, FETCH2, t0, r, std::to_string(seq))) co_return false;
            for (const auto& u : r.untagged) {
                if (u.text.find(" FETCH ") == std::string::npos || u.literals.empty()) continue;
                long size = fetch_number(u.text, "RFC822.SIZE");
                const std::string& body = u.literals.back();
                if (size != static_cast<long>(body.size()) || !check_header_ok(body)) {
                    ++c->verify_errors;
                    c->errors.add("FETCH " + std::to_string(seq) + " BODY[]: " + std::to_string(body.size()) +
                                  " bytes, RFC822.SIZE " + std::to_string(size) +
                                  (check_header_ok(body) ? "" : ", X-Loadgen-Check mismatch"));
                }
            }
        } while (roll_again(FETCH2));
    }
    if (roll(SEARCH)) {
        std::string q;
        switch ((*rng)() % 3) {
            case 0: q = "UNSEEN"; break;
            case 1: q = "SUBJECT " + imap_quote(run->words[(*rng)() % run->words.size()]); break;
            default: q = "TEXT " + imap_quote(run->words[(*rng)() % run->words.size()]); break;
        }
        auto t0 = Clock::now();
        r = co_await im->command("SEARCH " + q);
        if (!record(c, run, SEARCH, t0, r, q)) co_return false;
    }
    if (roll(STORE) && im->exists() > 0) {
        std::uint32_t n = im->exists();
        std::uint32_t a = 1 + (*rng)() % n;
        std::uint32_t b = std::min<std::uint32_t>(n, a + (*rng)() % 10);
        static const char* flags[] = {"\\Seen", "\\Flagged", "\\Answered", "$Label1"};
        std::string f = flags[(*rng)() % 4];
        std::string op = (*rng)() % 2 ? "+FLAGS" : "-FLAGS";
        auto t0 = Clock::now();
        r = co_await im->command("STORE " + seq_range(a, b) + " " + op + " (" + f + ")");
        if (!record(c, run, STORE, t0, r, seq_range(a, b))) co_return false;
    }
    if (roll(DELETE) && im->exists() > static_cast<std::uint32_t>(run->msgs)) {
        std::uint32_t n = im->exists();
        std::uint32_t k = n - static_cast<std::uint32_t>(run->msgs);
        std::uint32_t a = 1 + (*rng)() % (n - k + 1);
        auto t0 = Clock::now();
        r = co_await im->command("STORE " + seq_range(a, a + k - 1) + " +FLAGS.SILENT (\\Deleted)");
        if (!record(c, run, DELETE, t0, r, seq_range(a, a + k - 1))) co_return false;
    }
    if (roll(EXPUNGE)) {
        auto t0 = Clock::now();
        r = co_await im->command("EXPUNGE");
        if (!record(c, run, EXPUNGE, t0, r, "")) co_return false;
    }
    if (roll(APPEND)) {
        do {
            const std::string& m = run->messages[(*rng)() % run->messages.size()];
            auto t0 = Clock::now();
            r = co_await im->append(run->mailbox, (*rng)() % 2 ? "\\Seen" : "", m);
            if (!record(c, run, APPEND, t0, r, "")) co_return false;
        } while (roll_again(APPEND));
    }
    co_return true;
}

asio::awaitable<void> mix_client(const MixRun* run, MixClient* c, int idx) {
    std::mt19937 rng(run->seed * 7919u + static_cast<unsigned>(idx));
    const std::string& user = run->users[static_cast<std::size_t>(idx) % run->users.size()];
    auto ex = co_await asio::this_coro::executor;
    std::unique_ptr<ImapClient> im;
    auto done = [&] { return run->cycles > 0 ? c->cycles >= run->cycles : Clock::now() >= run->deadline; };
    while (!done()) {
        try {
            if (!im) {
                im = std::make_unique<ImapClient>(ex, run->tls);
                auto t0 = Clock::now();
                co_await im->open(run->host, run->port);
                c->connect.add(Clock::now() - t0);
                t0 = Clock::now();
                ImapResult r = co_await im->command("LOGIN " + imap_quote(user) + " " + imap_quote(run->password));
                if (!record(c, run, LOGIN, t0, r, user)) {
                    im->close();
                    im.reset();
                    co_return;
                }
            }
            bool ok = co_await cycle_body(im.get(), run, c, &rng);
            ++c->cycles;
            bool logout = !run->persistent || !ok || done();
            if (logout) {
                auto t0 = Clock::now();
                ImapResult r = co_await im->command("LOGOUT");
                // LOGOUT of the last persistent cycle is not part of the mix.
                if (!run->persistent) record(c, run, LOGOUT, t0, r, "");
                im->close();
                im.reset();
            }
            if (!ok) co_return;
        } catch (const std::exception& e) {
            c->errors.add(std::string("client ") + std::to_string(idx) + " (" + (im ? im->last_command : "") +
                          "): " + e.what());
            if (im) im->close();
            co_return;
        }
    }
    if (im) {
        try {
            ImapResult r = co_await im->command("LOGOUT");
            (void)r;
        } catch (const std::exception&) {
        }
        im->close();
    }
}

asio::awaitable<void> prefill_user(const MixRun* run, std::string user, ErrorLog* errs);

// Brings every user's mailbox to --msgs messages (not measured), one user
// after the other: a server may cap the password checks running at once per
// client address (Postamt: [auth] max_concurrent_per_ip), and these first
// logins are the ones that verify a hash.
asio::awaitable<void> prefill_users(const MixRun* run, ErrorLog* errs) {
    for (const auto& user : run->users) co_await prefill_user(run, user, errs);
}

asio::awaitable<void> prefill_user(const MixRun* run, std::string user, ErrorLog* errs) {
    ImapClient im(co_await asio::this_coro::executor, run->tls);
    try {
        co_await im.open(run->host, run->port);
        ImapResult r = co_await im.command("LOGIN " + imap_quote(user) + " " + imap_quote(run->password));
        if (!r.ok()) throw std::runtime_error("LOGIN " + user + ": " + r.status + " " + r.text);
        r = co_await im.command("SELECT " + imap_quote(run->mailbox));
        if (!r.ok()) throw std::runtime_error("SELECT: " + r.status + " " + r.text);
        for (std::uint32_t i = im.exists(); i < static_cast<std::uint32_t>(run->msgs); ++i) {
            r = co_await im.append(run->mailbox, "", run->messages[i % run->messages.size()]);
            if (!r.ok()) throw std::runtime_error("APPEND: " + r.status + " " + r.text);
        }
        r = co_await im.command("LOGOUT");
    } catch (const std::exception& e) {
        errs->add("prefill " + user + ": " + e.what());
    }
    im.close();
}

}  // namespace

int run_imap(const Args& a) {
    MixRun run;
    run.host = a.str("host", "127.0.0.1");
    run.port = static_cast<std::uint16_t>(a.num("port", 143));
    auto tls = a.flag("tls") ? client_tls_context() : nullptr;
    run.tls = tls.get();
    long clients = a.num("clients", 10);
    std::string pattern = a.str("users", "");
    long user_count = a.num("user-count", clients);
    std::vector<std::string> explicit_users = a.list("user");
    run.password = a.str("password", "secret-pw");
    run.mailbox = a.str("mailbox", "INBOX");
    std::string mode = a.str("mode", "login");
    if (mode != "login" && mode != "persistent") throw std::runtime_error("--mode login|persistent");
    run.persistent = mode == "persistent";
    run.cycles = a.num("cycles", 0);
    double seconds = a.real("seconds", run.cycles > 0 ? 0 : 10);
    run.msgs = a.num("msgs", 30);
    run.seed = static_cast<unsigned>(a.num("seed", 1));
    std::string corpus_path = a.str("corpus", "/work/shared/bench-corpus/test400.mbox");
    long threads = a.num("threads", 1);
    bool no_prefill = a.flag("no-prefill");
    for (const auto& p : a.list("prob")) {
        auto eq = p.find('=');
        bool found = false;
        for (int k = 0; k < kCmds; ++k)
            if (eq != std::string::npos && p.substr(0, eq) == kProbNames[k]) {
                std::string v = p.substr(eq + 1);
                auto slash = v.find('/');
                run.prob[k] = std::stoi(v.substr(0, slash));
                if (slash != std::string::npos) run.again[k] = std::stoi(v.substr(slash + 1));
                found = true;
            }
        if (!found) throw std::runtime_error("--prob " + p + ": use name=percent[/again], names: login list status "
                                             "select fetch fetch2 search store delete expunge append logout");
    }
    auto pids = pid_list(a);
    a.check_used();

    if (!explicit_users.empty()) {
        run.users = explicit_users;
    } else {
        if (pattern.find("%d") == std::string::npos) throw std::runtime_error("--users needs a pattern with %d, or --user");
        for (long i = 0; i < user_count; ++i) {
            std::string u = pattern;
            u.replace(u.find("%d"), 2, std::to_string(i));
            run.users.push_back(u);
        }
    }
    run.shared_users = static_cast<std::size_t>(clients) > run.users.size();
    for (auto& m : load_corpus(corpus_path)) run.messages.push_back(with_check_header(std::move(m)));
    if (run.messages.empty())
        for (int i = 0; i < 20; ++i) run.messages.push_back(with_check_header(synthetic_message(4096, i)));
    run.words = {"meeting", "invoice", "report", "project", "hello", "update", "question", "the"};

    std::vector<std::unique_ptr<asio::io_context>> ios;
    for (long i = 0; i < std::max(1L, threads); ++i) ios.push_back(std::make_unique<asio::io_context>());
    ErrorLog prefill_errors;
    if (!no_prefill) {
        auto pf0 = Clock::now();
        asio::co_spawn(*ios[0], prefill_users(&run, &prefill_errors), asio::detached);
        ios[0]->run();
        for (auto& io : ios) io->restart();
        std::fprintf(stderr, "imap: prefilled %zu mailboxes to %ld messages in %.1f s\n", run.users.size(), run.msgs,
                     std::chrono::duration<double>(Clock::now() - pf0).count());
        if (prefill_errors.count) {
            for (auto& e : prefill_errors.samples) std::fprintf(stderr, "  %s\n", e.c_str());
            throw std::runtime_error("prefill failed");
        }
    }

    std::vector<MixClient> cs(static_cast<std::size_t>(clients));
    double cpu0 = cpu_seconds(pids);
    double self0 = self_cpu_seconds();
    auto t0 = Clock::now();
    run.deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (long i = 0; i < clients; ++i)
        asio::co_spawn(*ios[static_cast<std::size_t>(i) % ios.size()],
                       mix_client(&run, &cs[static_cast<std::size_t>(i)], static_cast<int>(i)), asio::detached);
    run_threads(ios);
    double self_cpu = self_cpu_seconds() - self0;
    auto t_end = t0;
    for (auto& c : cs) t_end = std::max(t_end, c.last);
    // Dovecot's imap processes exit after LOGOUT: give the master a moment
    // to reap them, so their CPU time lands in its c-fields.
    if (!pids.empty() && !run.persistent) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    double cpu = cpu_seconds(pids) - cpu0;
    double elapsed = std::chrono::duration<double>(t_end - t0).count();

    Samples per[kCmds], connect, all;
    ErrorLog errs;
    long verify = 0, expunge_issued_n = 0, cycles = 0;
    for (auto& c : cs) {
        for (int k = 0; k < kCmds; ++k) per[k].merge(c.cmd[k]);
        connect.merge(c.connect);
        errs.merge(c.errors);
        verify += c.verify_errors;
        expunge_issued_n += c.expunge_issued;
        cycles += c.cycles;
    }
    long total = 0, failed = 0;
    for (int k = 0; k < kCmds; ++k) {
        all.merge(per[k]);
        total += static_cast<long>(per[k].us.size());
        failed += per[k].errors;
    }
    std::string o = "{\"mode\": \"imap\", \"session_mode\": " + json_str(mode);
    o += ", \"clients\": " + std::to_string(clients) + ", \"users\": " + std::to_string(run.users.size());
    o += ", \"tls\": " + std::string(run.tls ? "true" : "false") + ", \"msgs\": " + std::to_string(run.msgs);
    o += ", \"elapsed_s\": " + json_num(elapsed) + ", \"cycles\": " + std::to_string(cycles);
    o += ", \"loadgen_cpu_s\": " + json_num(self_cpu);
    o += ", \"commands\": " + std::to_string(total);
    o += ", \"commands_per_s\": " + json_num(elapsed > 0 ? static_cast<double>(total) / elapsed : 0);
    o += ", \"failed_commands\": " + std::to_string(failed) + ", \"verify_errors\": " + std::to_string(verify);
    o += ", \"errors\": " + std::to_string(errs.count) + ", \"expunge_issued\": " + std::to_string(expunge_issued_n);
    if (!pids.empty())
        o += ", \"server_cpu_s\": " + json_num(cpu) +
             ", \"server_cpu_ms_per_command\": " + json_num(total ? cpu * 1000 / static_cast<double>(total) : 0);
    o += ", \"probabilities\": {";
    for (int k = 0; k < kCmds; ++k)
        o += std::string(k ? ", " : "") + json_str(kProbNames[k]) + ": [" + std::to_string(run.prob[k]) + ", " +
             std::to_string(run.again[k]) + "]";
    o += "}, \"connect\": " + connect.json(elapsed) + ", \"all\": " + all.json(elapsed) + ", \"per_command\": {";
    for (int k = 0; k < kCmds; ++k) o += std::string(k ? ", " : "") + json_str(kNames[k]) + ": " + per[k].json(elapsed);
    o += "}, \"error_samples\": " + errs.json() + "}";
    std::printf("%s\n", o.c_str());
    std::fprintf(stderr, "imap %s: %ld commands in %.2f s = %.0f/s over %ld clients, %ld cycles; %ld errors, %ld verify errors\n",
                 mode.c_str(), total, elapsed, elapsed > 0 ? static_cast<double>(total) / elapsed : 0.0, clients,
                 cycles, errs.count, verify);
    for (int k = 0; k < kCmds; ++k)
        if (!per[k].us.empty())
            std::fprintf(stderr, "  %-14s %7zu  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms\n", kNames[k], per[k].us.size(),
                         percentile(per[k].us, 50) / 1000, percentile(per[k].us, 90) / 1000,
                         percentile(per[k].us, 99) / 1000);
    for (auto& e : errs.samples) std::fprintf(stderr, "  %s\n", e.c_str());
    return errs.count > 0 ? 1 : 0;
}

}  // namespace loadgen
