// libFuzzer target: the admin REST API (http/admin_api.h) driven with
// arbitrary method, path, Authorization and body against a temporary store.
// Input: byte 0 picks the method, byte 1 the credentials (valid token, none,
// garbage), then the path up to the first '\n', then the body. Checks the
// contract: exactly one reply, never a 5xx, every non-204 reply is a JSON
// object, every error has the {"error": {"status", "message"}} shape with
// the reply's status, and nothing passes without the token.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>

#include "admin/api_tokens.h"
#include "admin/operations.h"
#include "http/admin_api.h"
#include "store/store.h"

using namespace postamt;

namespace {

struct World {
    std::string dir;
    std::string token;
    std::shared_ptr<store::Store> store;
    std::shared_ptr<http::AdminApi> api;
};

World& world() {
    static World* w = [] {
        auto* x = new World;
        x->dir = (std::filesystem::temp_directory_path() / ("postamt-fuzz-admin-" + std::to_string(::getpid()))).string();
        std::filesystem::remove_all(x->dir);
        std::filesystem::create_directories(x->dir);
        store::StoreOptions o;
        o.data_dir = x->dir;
        o.min_free_bytes = 0;
        auto st = store::Store::open(o);
        if (!st) std::abort();
        x->store = std::move(st).value();
        x->token = admin::create_token(admin::token_file_path(x->dir), "fuzz").value();
        admin::HashingOptions h;
        h.argon2.ops_limit = 1;
        h.argon2.mem_limit = 1 << 20;  // cheap: the fuzzer is after the handlers, not Argon2
        h.scram_iterations = 1;
        x->api = std::make_shared<http::AdminApi>(
            std::make_shared<admin::Operations>(x->store, h),
            std::make_shared<admin::TokenVerifier>(admin::token_file_path(x->dir)));
        // Something to find, change and delete.
        auto d = store::wait_for<store::Domain>([&](auto cb) { x->store->add_domain("example.org", cb); });
        (void)d;
        return x;
    }();
    return *w;
}

constexpr const char* kMethods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "get"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2 || size > 8192) return 0;
    World& w = world();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    http::Request req;
    req.method = kMethods[static_cast<uint8_t>(in[0]) % 8];
    int cred = static_cast<uint8_t>(in[1]) % 4;  // 0,1: token, 2: none, 3: garbage
    in.remove_prefix(2);
    auto nl = in.find('\n');
    std::string_view path = in.substr(0, nl);
    req.body = nl == std::string_view::npos ? std::string() : std::string(in.substr(nl + 1));
    req.path = std::string(http::kAdminApiPrefix) + std::string(path);
    auto q = req.path.find('?');
    if (q != std::string::npos) {
        std::string query = req.path.substr(q + 1);
        req.path.resize(q);
        auto eq = query.find('=');
        req.query.emplace(query.substr(0, eq), eq == std::string::npos ? "" : query.substr(eq + 1));
    }
    req.target = req.path;
    req.host = "127.0.0.1";
    if (cred <= 1) req.headers.emplace("authorization", "Bearer " + w.token);
    if (cred == 3) req.headers.emplace("authorization", "Bearer " + std::string(path.substr(0, 40)));

    auto replies = std::make_shared<std::atomic<int>>(0);
    auto p = std::make_shared<std::promise<http::Response>>();
    auto f = p->get_future();
    w.api->handle(req, [replies, p](http::Response r) {
        if (replies->fetch_add(1) == 0) p->set_value(std::move(r));
    });
    if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) std::abort();  // no reply
    http::Response r = f.get();
    if (replies->load() != 1) std::abort();
    if (r.status >= 500 && r.status != 503) std::abort();
    if (cred >= 2 && r.status != 401) std::abort();
    if (r.status == 204) {
        if (!r.body.empty()) std::abort();
        return 0;
    }
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) std::abort();
    if (r.status >= 400) {
        if (!j.contains("error") || !j["error"].is_object()) std::abort();
        const auto& e = j["error"];
        if (!e.contains("status") || e["status"] != r.status) std::abort();
        if (!e.contains("message") || !e["message"].is_string()) std::abort();
    }
    return 0;
}
