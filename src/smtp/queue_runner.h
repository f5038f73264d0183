#pragma once
// Delivers the outbound queue (docs/queue.md): claims due recipients from
// the store under a lease, hands each (message, domain) job to
// OutboundDelivery, records the outcomes, schedules retries
// (retry_schedule.h), and stores the reports the store says are owed
// (dsn.h) — to the sender's INBOX when the sender is local, else back into
// the queue with the null sender (never a bounce of a bounce: the store owes
// no report for a null sender).
//
// Exactly-once reports: a report is stored with NewMessage::bounce_for /
// delay_warned_for, which marks the recipients in the same transaction; a
// crash between the outcome and the report leaves it owed, and the next
// start (or the sweep every 5 minutes) picks it up (pending_outbound_dsns).
// At start the leases of earlier runs of this node (owner "<hostname>:...")
// are released, so a kill -9 does not delay its queue by a lease period.
//
// Wakes at once when the store reports new or retried entries
// (Store::set_outbound_listener), else when the next entry is due, and
// polls every 30 s for entries added by another process (the CLI).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/config.h"
#include "net/asio.h"
#include "smtp/smtp_client.h"
#include "store/store.h"

namespace postamt::smtp {

class QueueRunner : public std::enable_shared_from_this<QueueRunner> {
  public:
    QueueRunner(asio::any_io_executor ex, std::shared_ptr<store::Store> store,
                std::shared_ptr<OutboundDelivery> out, const Config& cfg);
    ~QueueRunner();

    // Spawns the loop on the executor and registers the store listener.
    void start();
    // Thread-safe: look for due work now.
    void wake();
    // Polled every second (set before start()): true stops the runner,
    // e.g. net::Server::stopping for a graceful shutdown; the jobs in flight
    // finish and record their outcomes, nothing new is claimed.
    void set_stop_check(std::function<bool()> f) { stop_check_ = std::move(f); }
    // Called when deliveries are still running kShutdownGrace after the
    // stop (a far side stalling us for its 10-minute DATA timeout must not
    // hold the process): e.g. stop the io_context. Their recipients stay
    // leased to this run; the next start releases and retries them.
    void set_force_stop(std::function<void()> f) { force_stop_ = std::move(f); }

  private:
    asio::awaitable<void> loop(std::shared_ptr<QueueRunner> self);
    asio::awaitable<void> run_job(std::shared_ptr<QueueRunner> self, store::OutboundJob job);
    asio::awaitable<void> store_reports(std::shared_ptr<QueueRunner> self,
                                        std::vector<store::OutboundDsn> reports);
    asio::awaitable<void> store_report(std::shared_ptr<QueueRunner> self, store::OutboundDsn report);
    void poke();

    asio::strand<asio::any_io_executor> strand_;
    std::shared_ptr<store::Store> store_;
    std::shared_ptr<OutboundDelivery> out_;
    Config cfg_;
    std::string owner_;  // lease owner: host name + pid + start time
    asio::steady_timer timer_;
    bool woken_ = false;
    std::function<bool()> stop_check_;
    std::function<void()> force_stop_;
    bool stopped() const { return stop_check_ && stop_check_(); }
    std::size_t in_flight_ = 0;  // recipients of running jobs
};

// The message as it goes to another server: without the Return-Path field
// the store's copy starts with (RFC 5321 4.4: added by the final delivery
// only; a relay must not send one).
std::string_view strip_return_path(std::string_view message);

}  // namespace postamt::smtp
