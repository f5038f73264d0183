// ACME response parsing (malformed server answers), JWS building and the
// crypto helpers, without a network.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>

#include "acme/crypto.h"
#include "acme/manager.h"
#include "acme/protocol.h"
#include "common/base64.h"
#include "common/digest.h"

using namespace postamt::acme;
using postamt::base64url_decode;
using postamt::base64url_encode;
using postamt::sha256;
using nlohmann::json;

TEST(AcmeHttp, ContentLengthAndChunked) {
    auto r = parse_http_response("HTTP/1.1 201 Created\r\nReplay-Nonce: abc\r\nContent-Length: 2\r\n\r\n{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->header("replay-nonce"), "abc");
    EXPECT_EQ(r->body, "{}");
    auto c = parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->body, "abcde");
    auto h = parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->body, "");
}

TEST(AcmeHttp, Malformed) {
    EXPECT_FALSE(parse_http_response(""));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n"));                       // no end of header
    EXPECT_FALSE(parse_http_response("SMTP 220 hi\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 2x0 OK\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 999 OK\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nnocolon\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));  // truncated
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"));
    EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffff\r\n"));
}

TEST(AcmeProtocol, Directory) {
    auto d = parse_directory(R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct",
        "newOrder":"https://ca/order","meta":{"termsOfService":"https://ca/tos"}})");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->new_order, "https://ca/order");
    EXPECT_EQ(d->terms_of_service, "https://ca/tos");
    EXPECT_FALSE(parse_directory("[]"));
    EXPECT_FALSE(parse_directory("{"));
    EXPECT_FALSE(parse_directory(R"({"newNonce":1,"newAccount":"https://a","newOrder":"https://b"})"));
    EXPECT_FALSE(parse_directory(R"({"newNonce":"ftp://x","newAccount":"https://a","newOrder":"https://b"})"));
    EXPECT_FALSE(parse_directory(R"({"newNonce":"https://n","newAccount":"https://a","meta":[]})"));
}

TEST(AcmeProtocol, Order) {
    auto o = parse_order(R"({"status":"pending","authorizations":["https://ca/a/1","https://ca/a/2"],
        "finalize":"https://ca/f"})");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->authorizations.size(), 2u);
    auto v = parse_order(R"({"status":"valid","authorizations":[],"finalize":"https://ca/f","certificate":"https://ca/c"})");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->certificate, "https://ca/c");
    auto inv = parse_order(R"({"status":"invalid","finalize":"https://ca/f","error":{"type":"urn:x","detail":"no","status":403}})");
    ASSERT_TRUE(inv);
    EXPECT_EQ(inv->error.describe(), "urn:x: no");
    EXPECT_FALSE(parse_order(R"({"status":"weird","finalize":"https://ca/f"})"));
    EXPECT_FALSE(parse_order(R"({"status":"pending"})"));  // no finalize
    EXPECT_FALSE(parse_order(R"({"status":"valid","finalize":"https://ca/f"})"));  // no certificate
    EXPECT_FALSE(parse_order(R"({"status":"pending","finalize":"https://ca/f","authorizations":[1]})"));
    EXPECT_FALSE(parse_order(R"({"status":["pending"],"finalize":"https://ca/f"})"));
    EXPECT_FALSE(parse_order("null"));
}

TEST(AcmeProtocol, Authorization) {
    auto a = parse_authorization(R"({"identifier":{"type":"dns","value":"Mail.Example.org"},"status":"pending",
        "challenges":[{"type":"http-01","url":"https://ca/c/1","token":"tok_-1","status":"pending"},
                      {"type":"tls-alpn-01","url":"https://ca/c/2","token":"t2","status":"pending"},
                      {"type":"dns-01"}, 7]})");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->identifier, "mail.example.org");
    ASSERT_EQ(a->challenges.size(), 2u);  // the one without a URL and the non-object are dropped
    EXPECT_EQ(a->challenges[1].type, "tls-alpn-01");
    EXPECT_FALSE(parse_authorization(R"({"identifier":{"type":"ip","value":"1.2.3.4"},"status":"pending"})"));
    EXPECT_FALSE(parse_authorization(R"({"status":"pending"})"));
    EXPECT_FALSE(parse_authorization(R"({"identifier":{"type":"dns","value":"a.example"}})"));
    EXPECT_FALSE(parse_authorization(R"({"identifier":"a.example","status":"valid"})"));
}

TEST(AcmeProtocol, ProblemAndTokens) {
    Problem p = parse_problem(R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale","status":400})");
    EXPECT_EQ(p.type, "urn:ietf:params:acme:error:badNonce");
    EXPECT_EQ(p.status, 400);
    EXPECT_EQ(parse_problem("<html>").type, "");
    EXPECT_EQ(parse_problem(R"({"type":5,"status":"x"})").type, "");
    EXPECT_TRUE(valid_token("abc-DEF_123"));
    EXPECT_FALSE(valid_token(""));
    EXPECT_FALSE(valid_token("../etc"));
    EXPECT_FALSE(valid_token("a.b"));
    EXPECT_FALSE(valid_token(std::string(257, 'a')));
}

TEST(AcmeProtocol, RetryAfter) {
    using namespace std::chrono;
    auto now = system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(parse_retry_after("5", now, seconds(60)), seconds(5));
    EXPECT_EQ(parse_retry_after("100000", now, seconds(60)), seconds(60));
    EXPECT_EQ(parse_retry_after("99999999999999999999", now, seconds(60)), seconds(60));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now, seconds(60)), seconds(10));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now, seconds(60)), seconds(0));
    EXPECT_FALSE(parse_retry_after("", now, seconds(60)));
    EXPECT_FALSE(parse_retry_after("soon", now, seconds(60)));
    EXPECT_FALSE(parse_retry_after("-5", now, seconds(60)));
}

TEST(AcmeCrypto, Base64Url) {
    EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("abc="));
    EXPECT_FALSE(base64url_decode("a"));
}

// RFC 7638 3.1's example key is RSA; for EC check the shape and that the
// thumbprint is the hash of exactly the JWK members in order.
TEST(AcmeCrypto, JwkAndThumbprint) {
    auto k = generate_p256();
    ASSERT_TRUE(k);
    auto jwk = jwk_json(k->get());
    ASSERT_TRUE(jwk);
    json j = json::parse(*jwk);
    EXPECT_EQ(j["kty"], "EC");
    EXPECT_EQ(base64url_decode(j["x"].get<std::string>())->size(), 32u);
    EXPECT_EQ(jwk->find(' '), std::string::npos);
    EXPECT_EQ(jwk->rfind(R"({"crv":"P-256","kty":"EC","x":")", 0), 0u);
    EXPECT_EQ(*jwk_thumbprint(k->get()), base64url_encode(sha256(*jwk)));
    // PEM round trip keeps the key.
    auto pem = private_key_pem(k->get());
    ASSERT_TRUE(pem);
    auto k2 = load_private_key_pem(*pem);
    ASSERT_TRUE(k2);
    EXPECT_EQ(*jwk_json(k2->get()), *jwk);
    EXPECT_FALSE(load_private_key_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
}

TEST(AcmeCrypto, JwsVerifies) {
    auto k = generate_p256();
    ASSERT_TRUE(k);
    auto jws = build_jws(k->get(), "", "nonce1", "https://ca/new-acct", new_account_payload("a@b.example"));
    ASSERT_TRUE(jws);
    json j = json::parse(*jws);
    json prot = json::parse(*base64url_decode(j["protected"].get<std::string>()));
    EXPECT_EQ(prot["alg"], "ES256");
    EXPECT_EQ(prot["nonce"], "nonce1");
    EXPECT_TRUE(prot.contains("jwk"));
    EXPECT_FALSE(prot.contains("kid"));
    json payload = json::parse(*base64url_decode(j["payload"].get<std::string>()));
    EXPECT_EQ(payload["contact"][0], "mailto:a@b.example");
    EXPECT_EQ(payload["termsOfServiceAgreed"], true);
    // Verify R||S with OpenSSL after converting to DER.
    std::string sig = *base64url_decode(j["signature"].get<std::string>());
    ASSERT_EQ(sig.size(), 64u);
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(s, &der);
    ECDSA_SIG_free(s);
    std::string input = j["protected"].get<std::string>() + "." + j["payload"].get<std::string>();
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, k->get()), 1);
    EXPECT_EQ(EVP_DigestVerify(md, der, std::size_t(der_len), reinterpret_cast<const unsigned char*>(input.data()),
                               input.size()),
              1);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    // With a kid, POST-as-GET has an empty payload.
    auto g = build_jws(k->get(), "https://ca/acct/1", "n2", "https://ca/order/1", "");
    json jg = json::parse(*g);
    EXPECT_EQ(jg["payload"], "");
    json pg = json::parse(*base64url_decode(jg["protected"].get<std::string>()));
    EXPECT_EQ(pg["kid"], "https://ca/acct/1");
    EXPECT_FALSE(pg.contains("jwk"));
}

TEST(AcmeCrypto, CsrAndChallengeCert) {
    auto k = generate_p256();
    ASSERT_TRUE(k);
    auto csr = build_csr({"mail.example.org", "autoconfig.example.org"}, k->get());
    ASSERT_TRUE(csr);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(csr->data());
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, long(csr->size()));
    ASSERT_NE(req, nullptr);
    EXPECT_EQ(X509_REQ_verify(req, k->get()), 1);
    X509_REQ_free(req);
    EXPECT_FALSE(build_csr({}, k->get()));

    auto pem = tls_alpn_challenge_cert("mail.example.org", "tok.thumb", k->get());
    ASSERT_TRUE(pem);
    auto info = certificate_info(*pem);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->names, std::vector<std::string>{"mail.example.org"});
    // The acmeIdentifier extension is critical and holds SHA-256(key authorization).
    BIO* b = BIO_new_mem_buf(pem->data(), int(pem->size()));
    X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    ASSERT_NE(x, nullptr);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    int idx = X509_get_ext_by_OBJ(x, oid, -1);
    ASSERT_GE(idx, 0);
    X509_EXTENSION* ext = X509_get_ext(x, idx);
    EXPECT_EQ(X509_EXTENSION_get_critical(ext), 1);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    std::string der(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), std::size_t(ASN1_STRING_length(data)));
    EXPECT_EQ(der, std::string("\x04\x20", 2) + sha256("tok.thumb"));
    ASN1_OBJECT_free(oid);
    X509_free(x);
    EXPECT_FALSE(certificate_info("garbage"));
}

TEST(AcmeManager, NamesAndRenewalReason) {
    auto names = certificate_names("Mail.Example.org", {"example.org", "b.example"}, {"extra.example.org", "mail.example.org"});
    std::vector<std::string> want = {"mail.example.org",       "autoconfig.example.org", "autodiscover.example.org",
                                     "mta-sts.example.org",    "autoconfig.b.example",   "autodiscover.b.example",
                                     "mta-sts.b.example",      "extra.example.org"};
    EXPECT_EQ(names, want);
    EXPECT_TRUE(certificate_names("localhost", {}, {}).empty());

    using namespace std::chrono;
    auto now = system_clock::now();
    StoredCertificate have;
    have.info.names = {"mail.example.org"};
    have.info.not_after = now + hours(24 * 60);
    EXPECT_EQ(renewal_reason({"mail.example.org"}, nullptr, now, hours(24 * 30)), "no certificate yet");
    EXPECT_EQ(renewal_reason({"mail.example.org"}, &have, now, hours(24 * 30)), "");
    EXPECT_NE(renewal_reason({"mail.example.org"}, &have, now, hours(24 * 90)), "");
    EXPECT_EQ(renewal_reason({"mail.example.org", "x.example.org"}, &have, now, hours(24)),
              "name x.example.org not covered");
}
