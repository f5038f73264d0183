// Response serialisation, the router and the per-IP rate limiter.
#include <gtest/gtest.h>

#include "http/rate_limiter.h"
#include "http/response_writer.h"
#include "http/router.h"

using namespace postamt;
using namespace postamt::http;

TEST(HttpResponse, Serialize) {
    Response r = Response::text(200, "hi");
    r.set("X-A", "1").set("x-a", "2");
    r.set("Content-Length", "999");      // framing is the writer's
    r.set("X-Evil", "a\r\nSet-Cookie: b");  // no header injection
    std::string out = serialize_response(r, {.now = 784111777});
    EXPECT_EQ(out,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nx-a: 2\r\n"
              "X-Evil: a  Set-Cookie: b\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: Postamt\r\n"
              "Content-Length: 2\r\n\r\nhi");
    std::string head = serialize_response(r, {.head = true, .close = true, .now = 784111777});
    EXPECT_NE(head.find("Content-Length: 2\r\nConnection: close\r\n\r\n"), std::string::npos);
    EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
    Response nc;
    nc.status = 204;
    nc.body = "ignored";
    std::string s = serialize_response(nc, {.now = 1});
    EXPECT_EQ(s.find("Content-Length"), std::string::npos);
    EXPECT_EQ(s.substr(s.size() - 4), "\r\n\r\n");
}

TEST(HttpResponse, JsonError) {
    Response r = Response::json_error(400, "bad \"name\"\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, "{\"error\": {\"status\": 400, \"message\": \"bad \\\"name\\\"\\n\"}}");
    EXPECT_EQ(r.headers.at(0).second, "application/json");
}

namespace {
Route route(std::string method, std::string path, Service s, bool prefix = false, std::string host = "") {
    Route r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.prefix = prefix;
    r.host_prefix = std::move(host);
    r.service = s;
    r.handler = [](const Request&, Reply) {};
    return r;
}
Request req(std::string method, std::string path, std::string host = "h") {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.host = std::move(host);
    return r;
}
}  // namespace

TEST(HttpRouter, MatchRules) {
    Router rt;
    rt.add(route("GET", "/setup", Service::autoconfig));
    rt.add(route("POST", "/setup", Service::autoconfig));
    rt.add(route("GET", "/api/", Service::admin, true));
    rt.add(route("GET", "/api/v1/health", Service::admin));
    rt.add(route("GET", "/.well-known/mta-sts.txt", Service::mta_sts, false, "mta-sts."));
    ServiceSet all = ServiceSet::all();
    EXPECT_EQ(rt.match(req("GET", "/setup"), all).route, &rt.routes()[0]);
    EXPECT_EQ(rt.match(req("HEAD", "/setup"), all).route, &rt.routes()[0]);
    EXPECT_EQ(rt.match(req("POST", "/setup"), all).route, &rt.routes()[1]);
    auto m = rt.match(req("DELETE", "/setup"), all);
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_found);
    EXPECT_EQ(m.allow, "GET, HEAD, POST");
    EXPECT_EQ(rt.match(req("GET", "/api/v1/health"), all).route, &rt.routes()[3]);  // exact beats prefix
    EXPECT_EQ(rt.match(req("GET", "/api/v1/users"), all).route, &rt.routes()[2]);
    EXPECT_FALSE(rt.match(req("GET", "/nothing"), all).path_found);
    EXPECT_EQ(rt.match(req("GET", "/.well-known/mta-sts.txt", "mta-sts.example.org"), all).route, &rt.routes()[4]);
    EXPECT_EQ(rt.match(req("GET", "/.well-known/mta-sts.txt", "example.org"), all).route, nullptr);
    ServiceSet public_only;
    public_only.add(Service::autoconfig);
    auto hidden = rt.match(req("GET", "/api/v1/users"), public_only);
    EXPECT_EQ(hidden.route, nullptr);
    EXPECT_FALSE(hidden.path_found);  // 404, not 405: the admin API does not exist here
}

TEST(HttpRouter, ListenerServices) {
    ListenerConfig l;
    l.protocol = Protocol::http;
    l.addresses = {"127.0.0.1", "::1"};
    EXPECT_EQ(listener_services(l), ServiceSet::all());
    l.addresses = {"0.0.0.0"};
    ServiceSet s = listener_services(l);
    EXPECT_TRUE(s.has(Service::autoconfig));
    EXPECT_TRUE(s.has(Service::acme));
    EXPECT_TRUE(s.has(Service::mta_sts));
    EXPECT_FALSE(s.has(Service::admin));
    EXPECT_FALSE(s.has(Service::metrics));
    l.services = {"metrics"};
    s = listener_services(l);
    EXPECT_TRUE(s.has(Service::metrics));
    EXPECT_FALSE(s.has(Service::autoconfig));
    EXPECT_EQ(parse_service("mta-sts"), Service::mta_sts);
    EXPECT_EQ(service_name(Service::admin), "admin");
    EXPECT_FALSE(parse_service("webmail"));
}

TEST(HttpRateLimiter, BurstThenRefill) {
    RateLimiter rl({.per_second = 2, .burst = 3, .max_tracked = 2});
    auto t = RateLimiter::Clock::now();
    EXPECT_TRUE(rl.allow("a", t));
    EXPECT_TRUE(rl.allow("a", t));
    EXPECT_TRUE(rl.allow("a", t));
    EXPECT_FALSE(rl.allow("a", t));
    EXPECT_EQ(rl.retry_after("a", t), 1u);
    EXPECT_TRUE(rl.allow("b", t));  // other addresses are not affected
    EXPECT_TRUE(rl.allow("a", t + std::chrono::milliseconds(600)));
    EXPECT_FALSE(rl.allow("a", t + std::chrono::milliseconds(600)));
    // Table full of active clients: a new address is let through untracked.
    EXPECT_TRUE(rl.allow("c", t + std::chrono::milliseconds(600)));
    EXPECT_EQ(rl.tracked(), 2u);
    // Later every bucket is full again and forgotten.
    EXPECT_TRUE(rl.allow("d", t + std::chrono::seconds(10)));
    EXPECT_EQ(rl.tracked(), 1u);
}
