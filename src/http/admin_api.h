#pragma once
// The admin REST API (docs/admin-api.md): JSON over HTTP under /api/v1/ on
// listeners offering Service::admin (loopback by default). Every request
// carries "Authorization: Bearer <token>" (tokens from `postamt api token
// create`, admin/api_tokens.h). The work is done by admin::Operations, the
// same code the CLI runs.
//
// Errors are {"error": {"status": N, "message": "...", "field": "..."}}
// ("field" when one request field is at fault): 400 bad JSON or field,
// 401 no or wrong token, 404 no such resource, 405 method, 409 exists or
// still in use, 503 busy. Bad input never gives a 500.
#include <memory>

#include "admin/api_tokens.h"
#include "admin/operations.h"
#include "http/message.h"
#include "http/router.h"
#include "store/store.h"

namespace postamt {
struct Config;
}

namespace postamt::http {

inline constexpr const char* kAdminApiPrefix = "/api/v1/";

class AdminApi {
public:
    AdminApi(std::shared_ptr<admin::Operations> ops, std::shared_ptr<admin::TokenVerifier> tokens)
        : ops_(std::move(ops)), tokens_(std::move(tokens)) {}

    // Answers exactly once through `reply`, possibly from a store thread.
    void handle(const Request& req, Reply reply);

private:
    std::shared_ptr<admin::Operations> ops_;
    std::shared_ptr<admin::TokenVerifier> tokens_;
};

// One prefix route for /api/v1/ (Service::admin); the API dispatches itself.
void add_admin_routes(Router& router, std::shared_ptr<AdminApi> api);
// For `serve`: the API over `store`, tokens from <data_dir>/api-tokens,
// password hashing costs from [auth].
std::vector<Route> admin_api_routes(std::shared_ptr<store::Store> store, const Config& cfg);

}  // namespace postamt::http
