#include "http/admin_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <future>

#include "store/store.h"
#include "test_support.h"

namespace postamt::http {
namespace {

using json = nlohmann::json;
using testing::must;
using testing::temp_dir;

class AdminApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = temp_dir("adminapi");
        store::StoreOptions o;
        o.data_dir = dir;
        o.min_free_bytes = 0;
        st = must(store::Store::open(o));
        admin::HashingOptions h;
        h.argon2.ops_limit = 1;
        h.argon2.mem_limit = 1 << 20;
        h.scram_iterations = 16;
        token = admin::create_token(admin::token_file_path(dir), "test").value();
        api = std::make_shared<AdminApi>(std::make_shared<admin::Operations>(st, h),
                                         std::make_shared<admin::TokenVerifier>(admin::token_file_path(dir)));
        add_admin_routes(router, api);
    }
    void TearDown() override {
        router = Router();
        api.reset();
        st->close();
        std::filesystem::remove_all(dir);
    }

    Response send(std::string method, std::string path, std::string body = {}, std::string auth = "default") {
        Request r;
        r.method = std::move(method);
        r.target = path;
        auto q = path.find('?');
        if (q != std::string::npos) {
            std::string query = path.substr(q + 1);
            path.resize(q);
            auto eq = query.find('=');
            r.query.emplace(query.substr(0, eq), eq == std::string::npos ? "" : query.substr(eq + 1));
        }
        r.path = path;
        r.body = std::move(body);
        r.host = "127.0.0.1";
        if (auth == "default") auth = "Bearer " + token;
        if (!auth.empty()) r.headers.emplace("authorization", auth);
        auto p = std::make_shared<std::promise<Response>>();
        auto f = p->get_future();
        // Through the registered route, as the runner calls it.
        EXPECT_EQ(router.routes().size(), 1u);
        router.routes().at(0).handler(r, [p](Response resp) { p->set_value(std::move(resp)); });
        return f.get();
    }

    static json body(const Response& r) { return json::parse(r.body, nullptr, false); }
    static std::string header(const Response& r, std::string_view name) {
        for (const auto& [k, v] : r.headers)
            if (k == name) return v;
        return {};
    }
    // A 4xx with the error shape, naming `field` (empty: none).
    static void expect_error(const Response& r, int status, std::string field = {}) {
        EXPECT_EQ(r.status, status) << r.body;
        auto j = body(r);
        ASSERT_TRUE(j.is_object()) << r.body;
        ASSERT_TRUE(j.contains("error")) << r.body;
        EXPECT_EQ(j["error"]["status"], status);
        EXPECT_TRUE(j["error"]["message"].is_string());
        if (!field.empty()) {
            EXPECT_EQ(j["error"].value("field", ""), field) << r.body;
        }
        EXPECT_EQ(header(r, "Content-Type"), "application/json");
    }

    std::string dir;
    std::string token;
    std::shared_ptr<store::Store> st;
    std::shared_ptr<AdminApi> api;
    Router router;
};

TEST_F(AdminApiTest, RouteIsAdminServicePrefix) {
    ASSERT_EQ(router.routes().size(), 1u);
    EXPECT_EQ(router.routes()[0].service, Service::admin);
    EXPECT_TRUE(router.routes()[0].prefix);
    EXPECT_EQ(router.routes()[0].path, "/api/v1/");
}

TEST_F(AdminApiTest, TokenRequired) {
    auto none = send("GET", "/api/v1/domains", "", "");
    expect_error(none, 401);
    EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer realm=\"postamt-admin\"");
    auto wrong = send("GET", "/api/v1/domains", "", "Bearer pat_wrong");
    expect_error(wrong, 401);
    EXPECT_NE(header(wrong, "WWW-Authenticate").find("invalid_token"), std::string::npos);
    expect_error(send("GET", "/api/v1/domains", "", "Basic " + token), 401);
    expect_error(send("GET", "/api/v1/nothing", "", ""), 401);  // no hint about which paths exist
    EXPECT_EQ(send("GET", "/api/v1/domains").status, 200);
    ASSERT_TRUE(admin::revoke_token(admin::token_file_path(dir), "test").ok());
    expect_error(send("GET", "/api/v1/domains"), 401);
}

TEST_F(AdminApiTest, DomainsUsersAliasesFlow) {
    auto d = send("POST", "/api/v1/domains", R"({"name": "Example.ORG"})");
    EXPECT_EQ(d.status, 201) << d.body;
    EXPECT_EQ(body(d)["name"], "example.org");
    expect_error(send("POST", "/api/v1/domains", R"({"name": "example.org"})"), 409);
    expect_error(send("POST", "/api/v1/domains", R"({"name": "bad..org"})"), 400, "name");
    EXPECT_EQ(body(send("GET", "/api/v1/domains"))["domains"][0]["name"], "example.org");

    auto u = send("POST", "/api/v1/users",
                  R"({"address": "alice@example.org", "password": "pw-123", "quota_bytes": 1000000})");
    ASSERT_EQ(u.status, 201) << u.body;
    EXPECT_EQ(body(u)["address"], "alice@example.org");
    EXPECT_EQ(body(u)["quota_bytes"], 1000000);
    EXPECT_EQ(body(u)["disabled"], false);
    EXPECT_FALSE(body(u).contains("password"));
    EXPECT_EQ(u.body.find("ARGON2"), std::string::npos);
    expect_error(send("POST", "/api/v1/users", R"({"address": "alice@example.org", "password": "x"})"), 409);
    expect_error(send("POST", "/api/v1/users", R"({"address": "x@nowhere.org", "password": "pw"})"), 400, "address");

    auto got = send("GET", "/api/v1/users/alice@example.org");
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(body(got)["quota_messages"], 0);
    expect_error(send("GET", "/api/v1/users/bob@example.org"), 404);
    expect_error(send("GET", "/api/v1/users/not-an-address"), 404);
    EXPECT_EQ(body(send("GET", "/api/v1/users?domain=example.org"))["users"].size(), 1u);

    auto p = send("PATCH", "/api/v1/users/alice@example.org",
                  R"({"password": "new-pw", "quota_messages": 50, "disabled": true})");
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(body(p)["quota_messages"], 50);
    EXPECT_EQ(body(p)["quota_bytes"], 1000000);
    EXPECT_EQ(body(p)["disabled"], true);
    auto acct = *must(SYNC(std::optional<store::Account>, st->find_account("alice@example.org", cb)));
    EXPECT_TRUE(acct.disabled);
    EXPECT_EQ(send("PATCH", "/api/v1/users/alice@example.org", R"({"disabled": false})").status, 200);
    expect_error(send("PATCH", "/api/v1/users/bob@example.org", R"({"disabled": false})"), 404);

    auto a = send("POST", "/api/v1/aliases", R"({"source": "info@example.org", "target": "alice@example.org"})");
    EXPECT_EQ(a.status, 201) << a.body;
    expect_error(send("POST", "/api/v1/aliases", R"({"source": "info@example.org", "target": "alice@example.org"})"),
                 409);
    EXPECT_EQ(body(send("GET", "/api/v1/aliases"))["aliases"][0]["target"], "alice@example.org");
    expect_error(send("DELETE", "/api/v1/aliases/info@example.org?target=bob@example.org"), 404);
    EXPECT_EQ(send("DELETE", "/api/v1/aliases/info@example.org").status, 204);
    expect_error(send("DELETE", "/api/v1/aliases/info@example.org"), 404);

    expect_error(send("DELETE", "/api/v1/domains/example.org"), 409);
    EXPECT_EQ(send("DELETE", "/api/v1/users/alice@example.org").status, 204);
    expect_error(send("DELETE", "/api/v1/users/alice@example.org"), 404);
    EXPECT_EQ(send("DELETE", "/api/v1/domains/example.org").status, 204);
    expect_error(send("DELETE", "/api/v1/domains/example.org"), 404);
}

TEST_F(AdminApiTest, BadBodiesAre400NamingTheField) {
    ASSERT_EQ(send("POST", "/api/v1/domains", R"({"name": "example.org"})").status, 201);
    ASSERT_EQ(send("POST", "/api/v1/users", R"({"address": "a@example.org", "password": "pw"})").status, 201);
    expect_error(send("POST", "/api/v1/domains", ""), 400);
    expect_error(send("POST", "/api/v1/domains", "{"), 400);
    expect_error(send("POST", "/api/v1/domains", "[1,2]"), 400);
    expect_error(send("POST", "/api/v1/domains", "\"x\""), 400);
    expect_error(send("POST", "/api/v1/domains", "{}"), 400, "name");
    expect_error(send("POST", "/api/v1/domains", R"({"name": 5})"), 400, "name");
    expect_error(send("POST", "/api/v1/domains", R"({"name": "a.org", "extra": 1})"), 400, "extra");
    expect_error(send("POST", "/api/v1/users", R"({"password": "pw"})"), 400, "address");
    expect_error(send("POST", "/api/v1/users", R"({"address": "b@example.org"})"), 400, "password");
    expect_error(send("POST", "/api/v1/users", R"({"address": "b@example.org", "password": ""})"), 400, "password");
    expect_error(send("POST", "/api/v1/users", R"({"address": "b@example.org", "password": "a\nb"})"), 400, "password");
    expect_error(send("POST", "/api/v1/users", R"({"address": "nope", "password": "pw"})"), 400, "address");
    expect_error(send("POST", "/api/v1/users", R"({"address": "b@example.org", "password": "pw", "quota_bytes": -1})"),
                 400, "quota_bytes");
    expect_error(send("POST", "/api/v1/users", R"({"address": "b@example.org", "password": "pw", "quota_bytes": 1.5})"),
                 400, "quota_bytes");
    expect_error(send("POST", "/api/v1/users",
                      R"({"address": "b@example.org", "password": "pw", "quota_bytes": "1G"})"),
                 400, "quota_bytes");
    expect_error(send("POST", "/api/v1/users",
                      R"({"address": "b@example.org", "password": "pw", "quota_messages": 18446744073709551615})"),
                 400, "quota_messages");
    expect_error(send("PATCH", "/api/v1/users/a@example.org", R"({"disabled": "yes"})"), 400, "disabled");
    expect_error(send("PATCH", "/api/v1/users/a@example.org", R"({"disabled": 1})"), 400, "disabled");
    expect_error(send("PATCH", "/api/v1/users/a@example.org", R"({"password": null})"), 400, "password");
    expect_error(send("PATCH", "/api/v1/users/a@example.org", R"({"address": "x@example.org"})"), 400, "address");
    expect_error(send("PATCH", "/api/v1/users/a@example.org", "not json"), 400);
    expect_error(send("POST", "/api/v1/aliases", R"({"source": "x@example.org", "target": 7})"), 400, "target");
    expect_error(send("POST", "/api/v1/aliases", R"({"source": "x@@example.org", "target": "a@example.org"})"), 400,
                 "source");
    // Invalid UTF-8 in a value that is echoed back still gives a JSON 400.
    expect_error(send("POST", "/api/v1/domains", "{\"name\": \"\xff\xfe.org\"}"), 400);
    expect_error(send("POST", "/api/v1/users", "{\"address\": \"\xc3(@example.org\", \"password\": \"pw\"}"), 400);
    // Nothing of the above changed the account.
    auto acct = *must(SYNC(std::optional<store::Account>, st->find_account("a@example.org", cb)));
    EXPECT_FALSE(acct.disabled);
}

TEST_F(AdminApiTest, MethodsAndPaths) {
    auto r = send("PUT", "/api/v1/domains");
    expect_error(r, 405);
    EXPECT_EQ(header(r, "Allow"), "GET, POST");
    expect_error(send("GET", "/api/v1/"), 404);
    expect_error(send("GET", "/api/v1/whatever"), 404);
    expect_error(send("GET", "/api/v1/domains/a/b"), 404);
    expect_error(send("POST", "/api/v1/queue/ABC/bounce"), 404);
    expect_error(send("GET", "/api/v1/queue/flush"), 405);
    expect_error(send("DELETE", "/api/v1/queue"), 405);
}

TEST_F(AdminApiTest, QueueEmptyAndWithAnEntry) {
    auto empty = send("GET", "/api/v1/queue");
    ASSERT_EQ(empty.status, 200);
    EXPECT_TRUE(body(empty)["entries"].empty());
    EXPECT_EQ(body(send("POST", "/api/v1/queue/flush"))["recipients_due"], 0);
    expect_error(send("GET", "/api/v1/queue/NOPE"), 404);
    expect_error(send("POST", "/api/v1/queue/NOPE/retry"), 404);
    expect_error(send("DELETE", "/api/v1/queue/NOPE"), 404);

    store::NewMessage m;
    m.data = "From: a@example.org\r\nTo: b@remote.example\r\nSubject: q\r\n\r\nbody\r\n";
    m.outbound.emplace();
    m.outbound->queue_id = "Q1TEST";
    m.outbound->sender = "a@example.org";
    m.outbound->recipients = {{"b@remote.example", "", 0}};
    must(SYNC(std::vector<store::DeliveredCopy>, st->deliver(m, cb)));

    auto list = body(send("GET", "/api/v1/queue"));
    ASSERT_EQ(list["entries"].size(), 1u);
    EXPECT_EQ(list["entries"][0]["queue_id"], "Q1TEST");
    EXPECT_EQ(list["entries"][0]["recipients"][0]["address"], "b@remote.example");
    EXPECT_EQ(list["entries"][0]["recipients"][0]["state"], "pending");
    EXPECT_EQ(list["recipients_pending"], 1);
    auto one = body(send("GET", "/api/v1/queue/Q1TEST"));
    EXPECT_NE(one["headers"].get<std::string>().find("Subject: q"), std::string::npos);
    EXPECT_EQ(body(send("POST", "/api/v1/queue/Q1TEST/retry"))["recipients_due"], 1);
    EXPECT_EQ(body(send("POST", "/api/v1/queue/flush"))["recipients_due"], 1);
    EXPECT_EQ(send("DELETE", "/api/v1/queue/Q1TEST").status, 204);
    EXPECT_TRUE(body(send("GET", "/api/v1/queue"))["entries"].empty());
}

}  // namespace
}  // namespace postamt::http
