#pragma once
// Which handler answers which request. Routes are registered at start by
// each feature (autoconfig, admin API, metrics, ACME HTTP-01, MTA-STS) and
// are read-only while serving.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "http/message.h"

namespace postamt::http {

// What a listener offers; configured per listener (docs/http.md). The admin
// API and metrics default to loopback-only listeners (DESIGN.md).
enum class Service { autoconfig, acme, mta_sts, admin, metrics };

// "autoconfig", "acme", "mta-sts", "admin", "metrics" (the config names).
std::string_view service_name(Service s);
std::optional<Service> parse_service(std::string_view name);

class ServiceSet {
public:
    static ServiceSet all();
    void add(Service s) { bits_ |= 1u << static_cast<unsigned>(s); }
    bool has(Service s) const { return (bits_ >> static_cast<unsigned>(s)) & 1u; }
    bool operator==(const ServiceSet&) const = default;

private:
    unsigned bits_ = 0;
};

// What listener `l` offers: its `services` key, else every service when it
// binds only loopback addresses, else autoconfig, acme and mta-sts (the
// admin API and metrics never face the internet unless listed explicitly).
ServiceSet listener_services(const ListenerConfig& l);

struct Route {
    std::string method;        // "GET", "POST", ...; "" = any
    std::string path;          // exact path, or a prefix when `prefix`
    bool prefix = false;
    std::string host_prefix;   // "" = any host; "mta-sts." = only hosts starting with it
    Service service = Service::autoconfig;
    Handler handler;
};

// The outcome of Router::match: the route to call, or why there is none
// (404 when no route has the path, 405 with Allow when only the method
// differs). Routes of services the listener does not offer are invisible.
struct Match {
    const Route* route = nullptr;
    bool path_found = false;
    std::string allow;  // methods of the routes with this path, for 405
};

class Router {
public:
    void add(Route r) { routes_.push_back(std::move(r)); }
    void add(std::vector<Route> rs) {
        for (auto& r : rs) routes_.push_back(std::move(r));
    }
    const std::vector<Route>& routes() const { return routes_; }
    // First matching route in registration order; exact paths win over
    // prefixes. HEAD is answered by GET routes (the runner drops the body).
    Match match(const Request& req, ServiceSet offered) const;

private:
    std::vector<Route> routes_;
};

}  // namespace postamt::http
