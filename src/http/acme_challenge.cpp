#include "http/acme_challenge.h"

#include "acme/protocol.h"

namespace postamt::http {

namespace {
constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
}

Response acme_challenge_response(const acme::ChallengeResponder& responder, const Request& req) {
    if (!req.path.starts_with(kPrefix)) return Response::text(404, "not found\n");
    std::string token = req.path.substr(kPrefix.size());
    if (!acme::valid_token(token)) return Response::text(404, "not found\n");
    auto ka = responder.http01(token);
    if (!ka) return Response::text(404, "not found\n");
    // The body is exactly the key authorization (RFC 8555 8.3).
    return Response::text(200, *ka, "application/octet-stream");
}

Route acme_challenge_route(const acme::ChallengeResponder& responder) {
    Route r;
    r.method = "GET";
    r.path = std::string(kPrefix);
    r.prefix = true;
    r.service = Service::acme;
    const acme::ChallengeResponder* p = &responder;
    r.handler = [p](const Request& req, Reply reply) { reply(acme_challenge_response(*p, req)); };
    return r;
}

}  // namespace postamt::http
