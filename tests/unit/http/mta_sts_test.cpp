#include "http/mta_sts.h"

#include <gtest/gtest.h>

#include <future>

#include "store/store.h"
#include "test_support.h"

namespace postamt::http {
namespace {

using testing::must;
using testing::temp_dir;

// Calls a handler and waits for its one reply (the store answers on its own threads).
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

TEST(MtaSts, PolicyTextFollowsRfc8461) {
    MtaStsPolicy p;
    p.mode = "enforce";
    p.mx = {"mail.example.org", "*.backup.example.net"};
    p.max_age = std::chrono::seconds(604800);
    EXPECT_EQ(mta_sts_text(p),
              "version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmx: *.backup.example.net\r\n"
              "max_age: 604800\r\n");
}

TEST(MtaSts, PolicyFromConfigDefaultsToTesting) {
    Config cfg;
    cfg.server.hostname = "mail.example.org";
    auto p = mta_sts_policy(cfg);
    EXPECT_EQ(p.mode, "testing");
    ASSERT_EQ(p.mx.size(), 1u);
    EXPECT_EQ(p.mx[0], "mail.example.org");
    EXPECT_EQ(p.max_age, std::chrono::seconds(7 * 86400));
}

TEST(MtaSts, IdIsShortAlphanumericAndFollowsThePolicy) {
    MtaStsPolicy p;
    p.mx = {"mail.example.org"};
    std::string a = mta_sts_id(mta_sts_text(p));
    // RFC 8461 3.1: 1*32(ALPHA / DIGIT).
    ASSERT_EQ(a.size(), 32u);
    for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
    EXPECT_EQ(a, mta_sts_id(mta_sts_text(p)));  // stable
    p.mode = "enforce";
    EXPECT_NE(a, mta_sts_id(mta_sts_text(p)));  // any change gives a new id
    p.mode = "testing";
    p.max_age = std::chrono::seconds(86400);
    EXPECT_NE(a, mta_sts_id(mta_sts_text(p)));
}

class MtaStsHandler : public ::testing::Test {
protected:
    void SetUp() override {
        store::StoreOptions so;
        so.data_dir = temp_dir("mtasts");
        store_ = must(store::Store::open(so));
        must(SYNC(store::Domain, store_->add_domain("example.org", cb)));
        policy_.mx = {"mail.example.org"};
        handler_ = mta_sts_handler(policy_, store_);
    }
    Request get(std::string host, std::string path = std::string(kMtaStsPath)) {
        Request r;
        r.method = "GET";
        r.target = path;
        r.path = path;
        r.host = std::move(host);
        r.tls = true;
        return r;
    }
    std::shared_ptr<store::Store> store_;
    MtaStsPolicy policy_;
    Handler handler_;
};

TEST_F(MtaStsHandler, ServesThePolicyForALocalDomainAsTextPlain) {
    Response r = call(handler_, get("mta-sts.example.org"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, mta_sts_text(policy_));
    EXPECT_EQ(header(r, "Content-Type").rfind("text/plain", 0), 0u);
    // Host names are case-insensitive; a trailing dot names the same host.
    EXPECT_EQ(call(handler_, get("MTA-STS.Example.ORG.")).status, 200);
}

TEST_F(MtaStsHandler, ForeignDomainsAndOtherHostsGet404) {
    EXPECT_EQ(call(handler_, get("mta-sts.example.net")).status, 404);
    EXPECT_EQ(call(handler_, get("mta-sts.sub.example.org")).status, 404);
    EXPECT_EQ(call(handler_, get("example.org")).status, 404);
    EXPECT_EQ(call(handler_, get("mta-sts.")).status, 404);
    EXPECT_EQ(call(handler_, get("")).status, 404);
    EXPECT_EQ(call(handler_, get("mta-sts.example.org", "/.well-known/mta-sts.txt/x")).status, 404);
}

TEST_F(MtaStsHandler, RouteIsOnTheMtaStsService) {
    Route r = mta_sts_route(policy_, store_);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.path, "/.well-known/mta-sts.txt");
    EXPECT_FALSE(r.prefix);
    EXPECT_EQ(r.host_prefix, "mta-sts.");
    EXPECT_EQ(r.service, Service::mta_sts);
    EXPECT_EQ(call(r.handler, get("mta-sts.example.org")).status, 200);
}

TEST_F(MtaStsHandler, ClosedStoreGives503) {
    store_->close();
    EXPECT_EQ(call(handler_, get("mta-sts.example.org")).status, 503);
}

}  // namespace
}  // namespace postamt::http
