// Route matching and the per-listener service sets (http/router.h).
#include "http/router.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace postamt::http {
namespace {

constexpr std::array<std::pair<Service, std::string_view>, 5> kNames{{
    {Service::autoconfig, "autoconfig"},
    {Service::acme, "acme"},
    {Service::mta_sts, "mta-sts"},
    {Service::admin, "admin"},
    {Service::metrics, "metrics"},
}};

bool is_loopback(const std::string& ip) {
    unsigned char b[16];
    if (inet_pton(AF_INET, ip.c_str(), b) == 1) return b[0] == 127;
    if (inet_pton(AF_INET6, ip.c_str(), b) == 1) {
        static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(b, b + 16, one)) return true;
        return std::equal(b, b + 12, mapped) && b[12] == 127;
    }
    return false;
}

bool host_matches(const Route& r, const Request& req) {
    if (r.host_prefix.empty()) return true;
    return req.host.size() > r.host_prefix.size() && req.host.compare(0, r.host_prefix.size(), r.host_prefix) == 0;
}

bool path_matches(const Route& r, const std::string& path) {
    if (!r.prefix) return path == r.path;
    return path.size() >= r.path.size() && path.compare(0, r.path.size(), r.path) == 0;
}

bool method_matches(const Route& r, const std::string& method) {
    return r.method.empty() || r.method == method || (method == "HEAD" && r.method == "GET");
}

}  // namespace

std::string_view service_name(Service s) {
    for (auto& [svc, name] : kNames)
        if (svc == s) return name;
    return "unknown";
}

std::optional<Service> parse_service(std::string_view name) {
    for (auto& [svc, n] : kNames)
        if (n == name) return svc;
    return std::nullopt;
}

ServiceSet ServiceSet::all() {
    ServiceSet s;
    for (auto& [svc, n] : kNames) s.add(svc);
    return s;
}

ServiceSet listener_services(const ListenerConfig& l) {
    ServiceSet s;
    if (!l.services.empty()) {
        for (const auto& n : l.services)
            if (auto svc = parse_service(n)) s.add(*svc);
        return s;
    }
    bool loopback_only = !l.addresses.empty();
    for (const auto& a : l.addresses) loopback_only = loopback_only && is_loopback(a);
    if (loopback_only) return ServiceSet::all();
    s.add(Service::autoconfig);
    s.add(Service::acme);
    s.add(Service::mta_sts);
    return s;
}

Match Router::match(const Request& req, ServiceSet offered) const {
    Match m;
    const Route* prefix_hit = nullptr;
    for (const auto& r : routes_) {
        if (!offered.has(r.service) || !host_matches(r, req) || !path_matches(r, req.path)) continue;
        m.path_found = true;
        if (!method_matches(r, req.method)) {
            std::string meth = r.method;
            if (m.allow.find(meth) == std::string::npos) {
                if (!m.allow.empty()) m.allow += ", ";
                m.allow += meth;
                if (meth == "GET") m.allow += ", HEAD";
            }
            continue;
        }
        if (!r.prefix) {
            m.route = &r;
            return m;
        }
        if (!prefix_hit) prefix_hit = &r;
    }
    m.route = prefix_hit;
    return m;
}

}  // namespace postamt::http
