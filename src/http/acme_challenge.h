#pragma once
// ACME HTTP-01 (RFC 8555 8.3): GET /.well-known/acme-challenge/<token>
// answers the key authorization of a pending challenge, 404 otherwise.
#include "acme/challenges.h"
#include "http/router.h"

namespace postamt::http {

// The responder must outlive the router.
Route acme_challenge_route(const acme::ChallengeResponder& responder);
Response acme_challenge_response(const acme::ChallengeResponder& responder, const Request& req);

}  // namespace postamt::http
