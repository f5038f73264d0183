// Route registration for `serve` (cli/http_routes.h).
#include "cli/http_routes.h"

namespace postamt::cli {

std::shared_ptr<http::Router> build_http_router(const HttpFeatures& f) {
    auto router = std::make_shared<http::Router>();
    // One line per feature, e.g.
    //   router->add(http::metrics_routes(f.store));
    //   router->add(http::mta_sts_route(http::mta_sts_policy(*f.cfg), f.store));
    (void)f;
    return router;
}

}  // namespace postamt::cli
