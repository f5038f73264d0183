#include "http/acme_challenge.h"

#include <gtest/gtest.h>

namespace postamt::http {
namespace {

Request get(std::string path) {
    Request r;
    r.method = "GET";
    r.target = path;
    r.path = std::move(path);
    return r;
}

TEST(AcmeChallenge, AnswersPendingTokensOnly) {
    acme::ChallengeResponder responder;
    responder.add_http01("tok_-1", "tok_-1.thumb");
    Route route = acme_challenge_route(responder);
    EXPECT_EQ(route.service, Service::acme);
    EXPECT_TRUE(route.prefix);
    EXPECT_EQ(route.path, "/.well-known/acme-challenge/");

    Response ok;
    route.handler(get("/.well-known/acme-challenge/tok_-1"), [&](Response r) { ok = std::move(r); });
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "tok_-1.thumb");  // exactly the key authorization (RFC 8555 8.3)

    EXPECT_EQ(acme_challenge_response(responder, get("/.well-known/acme-challenge/other")).status, 404);
    EXPECT_EQ(acme_challenge_response(responder, get("/.well-known/acme-challenge/")).status, 404);
    EXPECT_EQ(acme_challenge_response(responder, get("/.well-known/acme-challenge/tok_-1/x")).status, 404);
    EXPECT_EQ(acme_challenge_response(responder, get("/.well-known/acme-challenge/../tok_-1")).status, 404);

    responder.remove_http01("tok_-1");
    EXPECT_EQ(acme_challenge_response(responder, get("/.well-known/acme-challenge/tok_-1")).status, 404);
}

TEST(AcmeChallenge, TlsAlpnCertificateIsRegisteredPerName) {
    acme::ChallengeResponder responder;
    ASSERT_TRUE(responder.add_tls_alpn("mail.example.org", "t.k"));
    EXPECT_TRUE(responder.has_tls_alpn("mail.example.org"));
    EXPECT_FALSE(responder.has_tls_alpn("other.example.org"));
    responder.remove_tls_alpn("mail.example.org");
    EXPECT_FALSE(responder.has_tls_alpn("mail.example.org"));
}

}  // namespace
}  // namespace postamt::http
