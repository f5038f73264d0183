#pragma once
// The one place where `serve` assembles the HTTP routes of every feature
// (autoconfig, ACME HTTP-01, MTA-STS, admin API, metrics). Each feature
// offers a function returning its Routes (tagged with their http::Service);
// add one line for it in build_http_router() (http_routes.cpp). Which
// listener serves which service is decided by the listener's `services`
// key (docs/http.md), not here.
#include <memory>

#include "auth/authenticator.h"
#include "common/config.h"
#include "http/router.h"
#include "store/store.h"

namespace postamt::net {
class Server;
}
namespace postamt::acme {
class ChallengeResponder;
}

namespace postamt::cli {

struct HttpFeatures {
    const Config* cfg = nullptr;               // as `serve` runs it (listeners, ports)
    std::shared_ptr<store::Store> store;
    std::shared_ptr<auth::Authenticator> auth;
    net::Server* server = nullptr;             // bound, not yet started
    const acme::ChallengeResponder* acme_challenges = nullptr;  // [acme] enabled: HTTP-01 answers
};

std::shared_ptr<http::Router> build_http_router(const HttpFeatures& f);

}  // namespace postamt::cli
