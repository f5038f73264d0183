#include "http/metrics_handler.h"

#include <chrono>

#include "common/server_metrics.h"
#include "store/store.h"

namespace postamt::http {
namespace {

Response plain(int status, std::string body, const char* type = "text/plain; charset=utf-8") {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", type);
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = std::move(body);
    return r;
}

// The content type of the text exposition format (version 0.0.4).
constexpr const char* kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

Handler metrics_handler(std::shared_ptr<store::Store> store, metrics::Registry& registry) {
    metrics::Registry* reg = &registry;
    return [store, reg](const Request&, Reply reply) {
        store->outbound_stats([reg, reply](Result<store::OutboundStats> r) {
            if (r) {
                const auto& m = metrics::server_metrics();
                int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
                m.queue_messages->set(r->entries);
                m.queue_recipients->set(r->recipients_pending);
                m.queue_oldest_age->set(r->oldest_arrival > 0 ? std::max<int64_t>(0, now - r->oldest_arrival) : 0);
            }
            reply(plain(200, reg->render(), kPrometheusText));
        });
    };
}

Handler healthz_handler(std::shared_ptr<store::Store> store) {
    return [store](const Request&, Reply reply) {
        store->list_domains([reply](Result<std::vector<store::Domain>> r) {
            if (r)
                reply(plain(200, "ok\n"));
            else
                reply(plain(503, "store unavailable: " + r.error().message + "\n"));
        });
    };
}

std::vector<Route> metrics_routes(std::shared_ptr<store::Store> store) {
    std::vector<Route> out;
    Route m;
    m.method = "GET";
    m.path = "/metrics";
    m.service = Service::metrics;
    m.handler = metrics_handler(store, metrics::registry());
    out.push_back(std::move(m));
    Route h;
    h.method = "GET";
    h.path = "/healthz";
    h.service = Service::metrics;
    h.handler = healthz_handler(std::move(store));
    out.push_back(std::move(h));
    return out;
}

}  // namespace postamt::http
