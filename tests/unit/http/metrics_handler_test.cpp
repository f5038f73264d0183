#include "http/metrics_handler.h"

#include <gtest/gtest.h>

#include <future>
#include <sstream>

#include "common/server_metrics.h"
#include "store/store.h"
#include "test_support.h"

namespace postamt::http {
namespace {

using testing::must;
using testing::temp_dir;

Response call(const Handler& h, const Request& req) {
    auto p = std::make_shared<std::promise<Response>>();
    auto f = p->get_future();
    h(req, [p](Response r) { p->set_value(std::move(r)); });
    return f.get();
}

std::string header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

Request get(std::string path) {
    Request r;
    r.method = "GET";
    r.target = path;
    r.path = path;
    r.host = "127.0.0.1";
    return r;
}

// The value of the sample line "<series> <value>", or -1 when absent.
double sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

class MetricsHandler : public ::testing::Test {
protected:
    void SetUp() override {
        store::StoreOptions so;
        so.data_dir = temp_dir("metrics");
        store_ = must(store::Store::open(so));
    }
    std::shared_ptr<store::Store> store_;
};

TEST_F(MetricsHandler, RendersTheRegistryWithQueueGauges) {
    metrics::server_metrics().queue_messages->set(99);  // stale value, replaced at scrape
    metrics::login("imap", true);
    Response r = call(metrics_handler(store_, metrics::registry()), get("/metrics"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(r.body.find("# TYPE postamt_logins_total counter\n"), std::string::npos);
    EXPECT_GE(sample(r.body, "postamt_logins_total{protocol=\"imap\",result=\"ok\"}"), 1);
    EXPECT_EQ(sample(r.body, "postamt_queue_messages"), 0);  // empty queue, read from the store
    EXPECT_EQ(sample(r.body, "postamt_queue_oldest_age_seconds"), 0);
    EXPECT_GE(sample(r.body, "postamt_store_commit_seconds_count"), 0);
}

TEST_F(MetricsHandler, StoreCommitsAreObserved) {
    auto before = metrics::server_metrics().store_commit->snapshot().count;
    must(SYNC(store::Domain, store_->add_domain("example.org", cb)));
    EXPECT_GT(metrics::server_metrics().store_commit->snapshot().count, before);
}

TEST_F(MetricsHandler, HealthzIsOkWhileTheStoreAnswers) {
    Response ok = call(healthz_handler(store_), get("/healthz"));
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "ok\n");
    store_->close();
    Response down = call(healthz_handler(store_), get("/healthz"));
    EXPECT_EQ(down.status, 503);
    EXPECT_NE(down.body.find("store unavailable"), std::string::npos);
    // /metrics still answers (the counters matter most when things break).
    EXPECT_EQ(call(metrics_handler(store_, metrics::registry()), get("/metrics")).status, 200);
}

TEST_F(MetricsHandler, RoutesAreOnTheMetricsService) {
    auto routes = metrics_routes(store_);
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[0].path, "/metrics");
    EXPECT_EQ(routes[1].path, "/healthz");
    for (const auto& r : routes) {
        EXPECT_EQ(r.method, "GET");
        EXPECT_EQ(r.service, Service::metrics);
        EXPECT_TRUE(r.host_prefix.empty());
        EXPECT_EQ(call(r.handler, get(r.path)).status, 200);
    }
}

}  // namespace
}  // namespace postamt::http
