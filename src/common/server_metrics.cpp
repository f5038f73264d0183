#include "common/server_metrics.h"

#include <string>

namespace postamt::metrics {
namespace {

constexpr std::array<Protocol, kProtocolCount> kProtocols = {Protocol::smtp, Protocol::submission, Protocol::imap,
                                                             Protocol::pop3, Protocol::http};

std::size_t protocol_index(Protocol p) noexcept {
    for (std::size_t i = 0; i < kProtocols.size(); ++i)
        if (kProtocols[i] == p) return i;
    return 0;
}

ServerMetrics create(Registry& r) {
    ServerMetrics m;
    for (std::size_t i = 0; i < kProtocols.size(); ++i) {
        Labels l{{"protocol", std::string(protocol_name(kProtocols[i]))}};
        m.connections_opened[i] =
            &r.counter("postamt_connections_opened_total", "Connections accepted, per listener protocol", l);
    }
    for (std::size_t i = 0; i < kProtocols.size(); ++i) {
        Labels l{{"protocol", std::string(protocol_name(kProtocols[i]))}};
        m.connections_active[i] = &r.gauge("postamt_connections_active", "Connections open now, per listener protocol", l);
    }
    for (std::size_t i = 0; i < kLoginProtocols.size(); ++i) {
        std::string p(kLoginProtocols[i]);
        const char* help = "Password and SASL logins, per protocol and result (ok or failed)";
        m.logins_ok[i] = &r.counter("postamt_logins_total", help, {{"protocol", p}, {"result", "ok"}});
        m.logins_failed[i] = &r.counter("postamt_logins_total", help, {{"protocol", p}, {"result", "failed"}});
    }
    const char* received = "Messages accepted (250 after DATA/BDAT), per protocol";
    m.received_smtp = &r.counter("postamt_messages_received_total", received, {{"protocol", "smtp"}});
    m.received_submission = &r.counter("postamt_messages_received_total", received, {{"protocol", "submission"}});
    const char* delivered =
        "Deliveries: local = message copies stored in a mailbox, remote = recipients accepted by the receiving server";
    m.delivered_local = &r.counter("postamt_recipients_delivered_total", delivered, {{"destination", "local"}});
    m.delivered_remote = &r.counter("postamt_recipients_delivered_total", delivered, {{"destination", "remote"}});
    m.bounced = &r.counter("postamt_recipients_bounced_total",
                           "Recipients given up on (permanent failure or expired), a DSN goes to the sender");
    m.deferred = &r.counter("postamt_recipients_deferred_total",
                            "Delivery attempts that failed temporarily and will be retried");
    m.queue_messages = &r.gauge("postamt_queue_messages", "Messages in the outbound queue (read at scrape time)");
    m.queue_recipients =
        &r.gauge("postamt_queue_recipients", "Recipients waiting in the outbound queue (read at scrape time)");
    m.queue_oldest_age = &r.gauge("postamt_queue_oldest_age_seconds",
                                  "Age of the oldest message in the outbound queue, 0 when empty (read at scrape time)");
    m.store_commit = &r.histogram("postamt_store_commit_seconds",
                                  "Store group commits: blob fdatasync plus the SQLite transaction", latency_buckets());
    m.start_time = &r.gauge("postamt_start_time_seconds", "Unix time the process started");
    m.start_time->set(std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
    return m;
}

}  // namespace

// Never destroyed: threads that outlive main (store writer, hash pool) may
// still count something during exit, after static destructors have run.
Registry& registry() {
    static Registry* r = new Registry;
    return *r;
}

const ServerMetrics& server_metrics() {
    static const ServerMetrics* m = new ServerMetrics(create(registry()));
    return *m;
}

ConnectionScope::ConnectionScope(Protocol p) noexcept : index_(protocol_index(p)) {
    const auto& m = server_metrics();
    m.connections_opened[index_]->inc();
    m.connections_active[index_]->inc();
}

ConnectionScope::~ConnectionScope() { server_metrics().connections_active[index_]->dec(); }

void login(std::string_view service, bool ok) noexcept {
    if (service == "smtp") service = "submission";
    std::size_t i = kLoginProtocols.size() - 1;  // "other"
    for (std::size_t j = 0; j < kLoginProtocols.size(); ++j)
        if (kLoginProtocols[j] == service) i = j;
    const auto& m = server_metrics();
    (ok ? m.logins_ok[i] : m.logins_failed[i])->inc();
}

void message_received(Protocol p, std::uint64_t local_copies) noexcept {
    const auto& m = server_metrics();
    (p == Protocol::submission ? m.received_submission : m.received_smtp)->inc();
    if (local_copies) m.delivered_local->inc(local_copies);
}

void delivery(Outcome o, std::uint64_t n) noexcept {
    if (n == 0) return;
    const auto& m = server_metrics();
    switch (o) {
        case Outcome::delivered_local: m.delivered_local->inc(n); break;
        case Outcome::delivered_remote: m.delivered_remote->inc(n); break;
        case Outcome::bounced: m.bounced->inc(n); break;
        case Outcome::deferred: m.deferred->inc(n); break;
    }
}

void store_commit(std::chrono::steady_clock::duration d) noexcept {
    server_metrics().store_commit->observe(std::chrono::duration<double>(d).count());
}

}  // namespace postamt::metrics
