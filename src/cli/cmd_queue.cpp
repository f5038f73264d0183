// postamt queue list|show|retry|delete|flush: the outbound queue (docs/queue.md).
// Safe next to a running `postamt serve`: the store is SQLite in WAL mode
// and every change here is one short write transaction.
#include <ctime>

#include <fmt/core.h>

#include "cli/admin_commands.h"
#include "cli/commands.h"
#include "common/text.h"

namespace postamt::cli {
namespace {

std::string when(int64_t t) {
    if (t <= 0) return "-";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

std::string sender_of(const store::OutboundEntry& e) { return "<" + e.sender + ">"; }

std::string notify_text(uint8_t n) {
    if (n == 0) return "default";
    if (n & store::kNotifyNever) return "NEVER";
    std::string out;
    auto add = [&](const char* s) {
        if (!out.empty()) out += ',';
        out += s;
    };
    if (n & store::kNotifySuccess) add("SUCCESS");
    if (n & store::kNotifyFailure) add("FAILURE");
    if (n & store::kNotifyDelay) add("DELAY");
    return out;
}

// One line per recipient: what an admin looks at first.
std::string recipient_line(const store::OutboundRecipientState& r, int64_t now) {
    std::string s = fmt::format("    {}  {}", r.address, r.state);
    if (r.dsn_due) s += " (report owed)";
    s += fmt::format("  attempts {}", r.attempts);
    if (r.state == "pending") {
        if (!r.lease_owner.empty() && r.lease_expiry > now)
            s += fmt::format("  in flight ({})", r.lease_owner);
        else
            s += "  next " + when(r.next_attempt);
    }
    if (!r.status.empty()) s += "  " + r.status;
    if (!r.diagnostic.empty()) s += " " + r.diagnostic;
    if (!r.remote_mta.empty()) s += " (" + r.remote_mta + ")";
    return s;
}

store::OutboundEntry must_show(admin::Operations& ops, const std::string& id) {
    return must(call<store::OutboundEntry>([&](auto cb) { ops.show_queue(id, cb); }),
                "cannot show " + id);
}

}  // namespace

void queue_list(Context& ctx) {
    auto ops = admin_ops(ctx);
    auto entries =
        must(call<std::vector<store::OutboundEntry>>([&](auto cb) { ops->list_queue(cb); }),
             "cannot list the queue");
    if (entries.empty()) {
        fmt::print("queue is empty\n");
        return;
    }
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    int64_t pending = 0;
    for (const auto& e : entries) {
        fmt::print("{}  {}  {}  {}\n", e.queue_id,
                   text::format_size(static_cast<uint64_t>(e.blob.size)), when(e.arrival),
                   sender_of(e));
        for (const auto& r : e.recipients) {
            fmt::print("{}\n", recipient_line(r, now));
            if (r.state == "pending") ++pending;
        }
    }
    fmt::print("{} {}, {} recipient{} pending\n", entries.size(),
               entries.size() == 1 ? "entry" : "entries", pending, pending == 1 ? "" : "s");
}

void queue_show(Context& ctx, const std::string& id) {
    auto ops = admin_ops(ctx);
    auto e = must_show(*ops, id);
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    static const char* kRet[] = {"-", "FULL", "HDRS"};
    fmt::print("queue id:      {}\n", e.queue_id);
    fmt::print("sender:        {}{}\n", sender_of(e),
               e.sender_account ? fmt::format(" (account {})", e.sender_account) : std::string());
    fmt::print("arrived:       {}\n", when(e.arrival));
    fmt::print("size:          {} ({} bytes)\n",
               text::format_size(static_cast<uint64_t>(e.blob.size)), e.blob.size);
    fmt::print("envid:         {}\n", e.envid.empty() ? "-" : e.envid);
    fmt::print("ret:           {}\n", (e.ret >= 0 && e.ret <= 2) ? kRet[e.ret] : "?");
    fmt::print("smtputf8:      {}\n", e.smtputf8 ? "yes" : "no");
    fmt::print("8bitmime:      {}\n", e.body_8bit ? "yes" : "no");
    fmt::print("delay warned:  {}\n", e.delay_warned ? "yes" : "no");
    fmt::print("recipients:\n");
    for (const auto& r : e.recipients) {
        fmt::print("{}\n", recipient_line(r, now));
        fmt::print("        notify {}{}  last attempt {}\n", notify_text(r.notify),
                   r.orcpt.empty() ? std::string() : "  orcpt " + r.orcpt, when(r.last_attempt));
        if (!r.lease_owner.empty())
            fmt::print("        lease {} until {}\n", r.lease_owner, when(r.lease_expiry));
    }
    fmt::print("headers:\n{}", e.headers);
}

void queue_retry(Context& ctx, const std::string& id) {
    auto ops = admin_ops(ctx);
    auto n = must(call<int64_t>([&](auto cb) { ops->retry_queue(id, cb); }), "cannot retry " + id);
    fmt::print("{}: {} recipient{} due now\n", id, n, n == 1 ? "" : "s");
}

void queue_delete(Context& ctx, const std::string& id) {
    auto ops = admin_ops(ctx);
    must(call<Unit>([&](auto cb) { ops->delete_queue(id, cb); }), "cannot delete " + id);
    fmt::print("deleted {} (no bounce sent)\n", id);
}

void queue_flush(Context& ctx) {
    auto ops = admin_ops(ctx);
    auto n = must(call<int64_t>([&](auto cb) { ops->flush_queue(cb); }), "cannot flush the queue");
    fmt::print("{} recipient{} due now\n", n, n == 1 ? "" : "s");
}

}  // namespace postamt::cli
