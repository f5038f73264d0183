#include "smtp/queue_runner.h"

#include <unistd.h>

#include <algorithm>

#include "common/log.h"
#include "common/server_metrics.h"
#include "common/text.h"
#include "net/await_store.h"
#include "smtp/dsn.h"
#include "smtp/queue_id.h"
#include "smtp/retry_schedule.h"

namespace postamt::smtp {
namespace {

using SysClock = std::chrono::system_clock;

// Recipients claimed and not finished at once; deliveries beyond the
// connection limits wait inside OutboundDelivery, so this only bounds memory.
constexpr std::size_t kMaxInFlight = 1000;
constexpr std::size_t kClaimBatch = 200;
// Entries added by another process (the CLI) are seen within this.
constexpr std::chrono::seconds kPoll{30};
// The server stops its io_context gracefully: the wait is cut into ticks so
// a stop is noticed quickly.
constexpr std::chrono::seconds kTick{1};
constexpr std::chrono::minutes kReportSweep{5};
constexpr std::chrono::seconds kShutdownGrace{10};

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(SysClock::now().time_since_epoch()).count();
}

SysClock::time_point from_unix(int64_t t) { return SysClock::time_point(std::chrono::seconds(t)); }

int64_t to_unix(SysClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// store's NOTIFY bits -> the client's (both RFC 3461 4.1; different layouts).
uint8_t client_notify(uint8_t n) {
    uint8_t out = notify_unspecified;
    if (n & store::kNotifyNever) out |= notify_never;
    if (n & store::kNotifySuccess) out |= notify_success;
    if (n & store::kNotifyFailure) out |= notify_failure;
    if (n & store::kNotifyDelay) out |= notify_delay;
    return out;
}

DsnRet dsn_ret(int ret) { return ret == 1 ? DsnRet::full : ret == 2 ? DsnRet::hdrs : DsnRet::unspecified; }

}  // namespace

std::string_view strip_return_path(std::string_view m) {
    if (!text::istarts_with(m, "return-path:")) return m;
    // The field the store's copy starts with is one line (smtp/received_header.cpp).
    std::size_t eol = m.find('\n');
    return eol == std::string_view::npos ? std::string_view() : m.substr(eol + 1);
}

QueueRunner::QueueRunner(asio::any_io_executor ex, std::shared_ptr<store::Store> store,
                         std::shared_ptr<OutboundDelivery> out, const Config& cfg)
    : strand_(asio::make_strand(ex)),
      store_(std::move(store)),
      out_(std::move(out)),
      cfg_(cfg),
      owner_(cfg.server.hostname + ":" + std::to_string(::getpid()) + ":" + std::to_string(unix_now())),
      timer_(strand_) {}

QueueRunner::~QueueRunner() = default;

void QueueRunner::start() {
    std::weak_ptr<QueueRunner> weak = weak_from_this();
    store_->set_outbound_listener([weak] {
        if (auto self = weak.lock()) self->wake();
    });
    asio::co_spawn(strand_, loop(shared_from_this()), asio::detached);
}

void QueueRunner::wake() {
    asio::post(strand_, [self = shared_from_this()] { self->poke(); });
}

void QueueRunner::poke() {
    woken_ = true;
    timer_.cancel();
}

asio::awaitable<void> QueueRunner::loop(std::shared_ptr<QueueRunner> self) {
    // An earlier run of this node (kill -9, crash) may hold leases: none of
    // its deliveries continues, so its recipients are due now rather than
    // when the leases run out.
    std::string prefix = cfg_.server.hostname + ":";
    auto released = co_await net::await_store<int64_t>(
        [&](auto done) { store_->release_outbound_leases(prefix, std::move(done)); });
    if (released && released.value() > 0)
        log::info("event=queue_leases_released count={}", released.value());
    auto next_report_sweep = std::chrono::steady_clock::now();

    const int64_t lease = cfg_.queue.lease.count();
    while (!stopped()) {
        woken_ = false;
        if (std::chrono::steady_clock::now() >= next_report_sweep) {
            // Reports owed but not stored: their runner died, or storing
            // them failed (e.g. the disk was full).
            auto owed = co_await net::await_store<std::vector<store::OutboundDsn>>(
                [&](auto done) { store_->pending_outbound_dsns(std::move(done)); });
            if (owed && !owed->empty()) co_await store_reports(self, std::move(owed.value()));
            next_report_sweep = std::chrono::steady_clock::now() + kReportSweep;
        }
        bool claimed = false;
        if (in_flight_ < kMaxInFlight) {
            std::size_t room = std::min(kClaimBatch, kMaxInFlight - in_flight_);
            std::string owner = owner_;
            auto jobs = co_await net::await_store<std::vector<store::OutboundJob>>([&](auto done) {
                store_->claim_outbound(owner, unix_now(), lease, room, std::move(done));
            });
            if (!jobs) {
                log::warn("event=queue_claim_failed error={}", log::quote(jobs.error().message));
            } else {
                for (auto& j : jobs.value()) {
                    in_flight_ += j.recipients.size();
                    claimed = true;
                    asio::co_spawn(strand_, run_job(self, std::move(j)), asio::detached);
                }
            }
        }
        if (claimed && in_flight_ < kMaxInFlight) continue;  // more may be due

        // Sleep until woken (new entry, a job finished, stop), the next due
        // time, or the poll interval.
        auto deadline = std::chrono::steady_clock::now() + kPoll;
        auto stats = co_await net::await_store<store::OutboundStats>(
            [&](auto done) { store_->outbound_stats(std::move(done)); });
        if (stats && stats->next_due > 0) {
            auto wait = std::chrono::seconds(std::max<int64_t>(0, stats->next_due - unix_now()));
            deadline = std::min(deadline, std::chrono::steady_clock::now() + wait);
        }
        while (!woken_ && !stopped() && std::chrono::steady_clock::now() < deadline) {
            timer_.expires_after(std::min<std::chrono::steady_clock::duration>(
                kTick, deadline - std::chrono::steady_clock::now()));
            co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    // Stopping: idle connections get QUIT now; running deliveries get a
    // short grace, then the owner may cut them off (set_force_stop).
    co_await out_->close_idle();
    co_await asio::post(strand_, asio::use_awaitable);
    auto until = std::chrono::steady_clock::now() + kShutdownGrace;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < until) {
        timer_.expires_after(std::chrono::milliseconds(100));
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (in_flight_ > 0) {
        log::warn("event=queue_stop_forced in_flight={}", in_flight_);
        if (force_stop_) force_stop_();
    }
}

asio::awaitable<void> QueueRunner::run_job(std::shared_ptr<QueueRunner> self, store::OutboundJob job) {
    const std::size_t n = job.recipients.size();
    store::BlobRef blob = job.blob;
    auto bytes = co_await net::await_store<std::string>(
        [&](auto done) { store_->read_blob(blob, 0, -1, std::move(done)); });

    std::vector<RecipientOutcome> results;
    if (!bytes) {
        RecipientOutcome o;
        o.kind = RecipientOutcome::Kind::transient;
        o.code = 451;
        o.status = "4.3.0";
        o.text = "cannot read the queued message: " + bytes.error().message;
        results.assign(n, o);
    } else {
        OutboundMessage msg;
        msg.sender = job.sender;
        for (const auto& r : job.recipients)
            msg.recipients.push_back(OutboundRecipient{r.address, r.orcpt, client_notify(r.notify)});
        msg.envid = job.envid;
        msg.ret = dsn_ret(job.ret);
        msg.smtputf8 = job.smtputf8;
        msg.body_8bit = job.body_8bit;
        msg.data = std::make_shared<const std::string>(strip_return_path(bytes.value()));
        bytes.value().clear();
        results = co_await out_->deliver(job.domain, std::move(msg));
        // Back on this runner's strand whatever executor the client ended on.
        co_await asio::post(strand_, asio::use_awaitable);
    }

    auto now = SysClock::now();
    std::vector<store::OutboundOutcome> outcomes;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = job.recipients[i];
        RecipientOutcome res;
        if (i < results.size()) {
            res = results[i];
        } else {
            res.kind = RecipientOutcome::Kind::transient;
            res.status = "4.3.0";
            res.text = "no outcome from the SMTP client";
        }
        store::OutboundOutcome o;
        o.recipient_id = r.id;
        o.status = res.status;
        o.diagnostic = res.text;
        o.remote_mta = res.remote_mta;
        o.attempt_time = to_unix(now);
        switch (res.kind) {
            case RecipientOutcome::Kind::delivered:
                o.kind = store::OutboundOutcome::delivered;
                break;
            case RecipientOutcome::Kind::permanent:
                o.kind = store::OutboundOutcome::failed;
                break;
            case RecipientOutcome::Kind::transient: {
                RetryInput in;
                in.attempts = static_cast<uint32_t>(r.attempts) + 1;
                in.first_queued = from_unix(job.arrival);
                in.now = now;
                in.delay_warning_sent = job.delay_warned;
                in.jitter_seed = retry_jitter_seed(job.queue_id);
                RetryDecision d = next_retry(cfg_.queue, in);
                if (d.expired) {
                    // RFC 3463 4.4.7: delivery time expired; the last error
                    // stays in the diagnostic for the sender.
                    o.kind = store::OutboundOutcome::failed;
                    o.status = "4.4.7";
                    o.diagnostic = res.text.empty() ? "delivery time expired" : res.text;
                } else {
                    o.kind = store::OutboundOutcome::deferred;
                    o.next_attempt = to_unix(d.next_attempt);
                }
                break;
            }
        }
        log::info("event=queue_attempt qid={} to={} domain={} result={} status={} relay={} reply={}",
                  job.queue_id, log::quote(r.address), job.domain,
                  o.kind == store::OutboundOutcome::delivered ? "delivered"
                  : o.kind == store::OutboundOutcome::failed  ? "failed"
                                                              : "deferred",
                  o.status.empty() ? "-" : o.status, log::quote(res.remote_mta),
                  log::quote(res.text));
        metrics::delivery(o.kind == store::OutboundOutcome::delivered ? metrics::Outcome::delivered_remote
                          : o.kind == store::OutboundOutcome::failed  ? metrics::Outcome::bounced
                                                                      : metrics::Outcome::deferred);
        outcomes.push_back(std::move(o));
    }

    std::string owner = owner_;
    int64_t warn_after = cfg_.queue.delay_warning.count();
    auto reports = co_await net::await_store<std::vector<store::OutboundDsn>>([&](auto done) {
        store_->complete_outbound(owner, std::move(outcomes), warn_after, std::move(done));
    });
    if (!reports)
        log::warn("event=queue_complete_failed qid={} error={}", job.queue_id,
                  log::quote(reports.error().message));
    else if (!reports->empty())
        co_await store_reports(self, std::move(reports.value()));
    in_flight_ -= std::min(in_flight_, n);
    poke();
}

asio::awaitable<void> QueueRunner::store_reports(std::shared_ptr<QueueRunner> self,
                                                 std::vector<store::OutboundDsn> reports) {
    for (auto& r : reports) co_await store_report(self, std::move(r));
}

asio::awaitable<void> QueueRunner::store_report(std::shared_ptr<QueueRunner> self,
                                                store::OutboundDsn report) {
    const store::OutboundEntry& e = report.entry;
    if (e.sender.empty() || e.recipients.empty()) co_return;  // never a report to <> (RFC 3461 6.2)
    store::BlobRef blob = e.blob;
    auto bytes = co_await net::await_store<std::string>(
        [&](auto done) { store_->read_blob(blob, 0, -1, std::move(done)); });
    if (!bytes) {
        log::warn("event=dsn_failed qid={} error={}", e.queue_id, log::quote(bytes.error().message));
        co_return;  // still owed: retried at the next start
    }
    auto now = SysClock::now();
    DsnInput in;
    in.reporting_mta = cfg_.server.hostname;
    in.postmaster = "postmaster@" + (cfg_.server.default_domain.empty() ? cfg_.server.hostname
                                                                         : cfg_.server.default_domain);
    in.sender = e.sender;
    in.envid = e.envid;
    in.queue_id = e.queue_id;
    in.arrival = from_unix(e.arrival);
    in.now = now;
    in.ret = dsn_ret(e.ret);
    in.smtputf8 = e.smtputf8;
    in.original = strip_return_path(bytes.value());
    for (const auto& r : e.recipients) {
        DsnRecipient d;
        d.final_recipient = r.address;
        d.original_recipient = r.orcpt;
        d.action = report.delay               ? DsnAction::delayed
                   : r.state == "delivered" ? DsnAction::delivered
                                            : DsnAction::failed;
        d.status = r.status.empty() ? (report.delay ? "4.0.0" : "5.0.0") : r.status;
        d.remote_mta = r.remote_mta;
        d.diagnostic = r.diagnostic;
        if (r.last_attempt > 0) d.last_attempt = from_unix(r.last_attempt);
        if (report.delay) d.will_retry_until = from_unix(e.arrival) + cfg_.queue.max_age;
        in.recipients.push_back(std::move(d));
    }
    Dsn dsn = build_dsn(in);

    store::NewMessage m;
    m.data = "Return-Path: <>\r\n" + dsn.message;
    m.internal_date = to_unix(now);
    // A report must not be lost to a full mailbox; quota is for mail users send.
    m.enforce_quota = false;
    if (report.delay)
        m.delay_warned_for = {e.id};
    else
        for (const auto& r : e.recipients) m.bounce_for.push_back(r.id);

    std::string sender = e.sender;
    auto where = co_await net::await_store<store::Resolution>(
        [&](auto done) { store_->resolve_recipient(sender, std::move(done)); });
    std::vector<std::string> remote;
    if (!where) {
        log::warn("event=dsn_failed qid={} error={}", e.queue_id, log::quote(where.error().message));
        co_return;
    }
    switch (where->kind) {
        case store::RecipientKind::local:
            for (auto a : where->accounts) m.targets.push_back(store::DeliveryTarget{a, 0, {}});
            remote = where->forward_to;
            break;
        case store::RecipientKind::forward:
            remote = where->forward_to;
            break;
        case store::RecipientKind::not_local:
            remote = {sender};
            break;
        case store::RecipientKind::unknown_user:
            // The local sender no longer exists: nowhere to report to.
            log::warn("event=dsn_undeliverable qid={} to={} reason=unknown_user", e.queue_id,
                      log::quote(sender));
            co_return;
    }
    if (!remote.empty()) {
        store::OutboundEnvelope env;
        env.queue_id = make_queue_id(now);
        env.sender = "";  // RFC 3464 / RFC 5321 4.5.5: reports go out with the null sender
        env.smtputf8 = dsn.global;
        for (auto& a : remote) env.recipients.push_back(store::OutboundRecipient{a, {}, 0});
        m.outbound = std::move(env);
    }
    auto stored = co_await net::await_store<std::vector<store::DeliveredCopy>>(
        [&](auto done) { store_->deliver(std::move(m), std::move(done)); });
    if (!stored) {
        if (stored.error().code == Errc::already_exists) co_return;  // another runner stored it
        log::warn("event=dsn_failed qid={} error={}", e.queue_id, log::quote(stored.error().message));
        co_return;
    }
    log::info("event=dsn_stored qid={} to={} kind={} recipients={} msgid={}", e.queue_id,
              log::quote(sender), report.delay ? "delayed" : "failed", e.recipients.size(),
              log::quote(dsn.message_id));
}

}  // namespace postamt::smtp
