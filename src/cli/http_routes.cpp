// Route registration for `serve` (cli/http_routes.h).
#include "cli/http_routes.h"

#include "http/acme_challenge.h"
#include "http/autoconfig.h"
#include "http/admin_api.h"
#include "http/metrics_handler.h"
#include "http/mta_sts.h"

namespace postamt::cli {

std::shared_ptr<http::Router> build_http_router(const HttpFeatures& f) {
    auto router = std::make_shared<http::Router>();
    // One line per feature.
    router->add(http::autoconfig_routes(http::mail_settings(*f.cfg), f.store));
    router->add(http::metrics_routes(f.store));
    router->add(http::mta_sts_route(http::mta_sts_policy(*f.cfg), f.store));
    router->add(http::admin_api_routes(f.store, *f.cfg));
    if (f.acme_challenges) router->add(http::acme_challenge_route(*f.acme_challenges));
    return router;
}

}  // namespace postamt::cli
