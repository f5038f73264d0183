#pragma once
// Which handler answers which request. Routes are registered at start by
// each feature (autoconfig, admin API, metrics, ACME HTTP-01, MTA-STS) and
// are read-only while serving.
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"

namespace postamt::http {

// What a listener offers; configured per listener (docs/http.md). The admin
// API and metrics default to loopback-only listeners (DESIGN.md).
enum class Service { autoconfig, acme, mta_sts, admin, metrics };

struct Route {
    std::string method;        // "GET", "POST", ...; "" = any
    std::string path;          // exact path, or a prefix when `prefix`
    bool prefix = false;
    std::string host_prefix;   // "" = any host; "mta-sts." = only hosts starting with it
    Service service = Service::autoconfig;
    Handler handler;
};

class Router {
public:
    void add(Route r) { routes_.push_back(std::move(r)); }
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

}  // namespace postamt::http
