#pragma once
// GET /metrics (Prometheus text format 0.0.4, docs/metrics.md) and
// GET /healthz, both on the Service::metrics listeners (loopback by
// default, DESIGN.md).
#include <memory>
#include <vector>

#include "common/metrics.h"
#include "http/router.h"

namespace postamt::store {
class Store;
}

namespace postamt::http {

// Sets the queue gauges from Store::outbound_stats (one cheap read), then
// renders the registry. When the store cannot be read the gauges keep their
// last values and the rest is served anyway: the counters are what a failing
// server needs most. `registry` must outlive the handler.
Handler metrics_handler(std::shared_ptr<store::Store> store, metrics::Registry& registry);

// 200 "ok" when the store answers a read (list_domains), else 503 with the
// reason. A load balancer or systemd watchdog can poll it.
Handler healthz_handler(std::shared_ptr<store::Store> store);

// Both routes, on Service::metrics, for the process-wide registry.
std::vector<Route> metrics_routes(std::shared_ptr<store::Store> store);

}  // namespace postamt::http
