#include "acme/client.h"

#include "common/base64.h"
#include "common/log.h"

namespace postamt::acme {
namespace {

Error server_error(const std::string& what, const HttpResponse& r) {
    Problem p = parse_problem(r.body);
    std::string detail = p.type.empty() ? "HTTP " + std::to_string(r.status) : p.describe();
    return make_error(Errc::unavailable, what + " failed: " + detail);
}

std::chrono::seconds retry_delay(const HttpResponse& r) {
    auto d = parse_retry_after(r.header("retry-after"), std::chrono::system_clock::now(), std::chrono::seconds(60));
    return d && d->count() > 0 ? *d : std::chrono::seconds(1);
}

}  // namespace

AcmeClient::AcmeClient(ClientOptions o, EVP_PKEY* account_key, ChallengeResponder& responder, Sleep sleep)
    : o_(std::move(o)), key_(account_key), responder_(responder), sleep_(std::move(sleep)) {}

Status AcmeClient::fresh_nonce() {
    auto r = http_->request("HEAD", dir_.new_nonce, "");
    if (!r) return r.error();
    nonce_ = r->header("replay-nonce");
    if (nonce_.empty()) return make_error(Errc::invalid, "newNonce gave no Replay-Nonce");
    return ok_status();
}

// Every POST carries a fresh nonce; a badNonce rejection is retried with the
// nonce that came with it (RFC 8555 6.5: "clients SHOULD retry").
Result<HttpResponse> AcmeClient::post(const std::string& url, const std::string& payload, const std::string& accept) {
    for (int attempt = 0;; ++attempt) {
        if (nonce_.empty())
            if (auto st = fresh_nonce(); !st) return st.error();
        auto jws = build_jws(key_, kid_, nonce_, url, payload);
        if (!jws) return jws.error();
        nonce_.clear();
        auto r = http_->request("POST", url, *jws, accept);
        if (!r) return r.error();
        nonce_ = r->header("replay-nonce");
        if (r->status == 400 && attempt < 5 && parse_problem(r->body).type == "urn:ietf:params:acme:error:badNonce") {
            log::debug("event=acme_bad_nonce url={} attempt={}", log::quote(url), attempt + 1);
            continue;
        }
        return r;
    }
}

Status AcmeClient::setup() {
    auto h = HttpsClient::create(o_.ca_file, o_.request_timeout);
    if (!h) return h.error();
    http_.emplace(std::move(*h));
    auto r = http_->request("GET", o_.directory_url, "");
    if (!r) return r.error();
    if (r->status != 200) return server_error("ACME directory " + o_.directory_url, *r);
    auto d = parse_directory(r->body);
    if (!d) return d.error();
    dir_ = *d;
    auto tp = jwk_thumbprint(key_);
    if (!tp) return tp.error();
    thumbprint_ = *tp;
    // RFC 8555 7.3: newAccount with the JWK; an existing account answers
    // 200 with its URL, a new one 201. Either way Location is our kid.
    auto a = post(dir_.new_account, new_account_payload(o_.email));
    if (!a) return a.error();
    if (a->status != 200 && a->status != 201) return server_error("newAccount", *a);
    kid_ = a->header("location");
    if (kid_.empty()) return make_error(Errc::invalid, "newAccount answered without Location");
    return ok_status();
}

Status AcmeClient::validate(const std::string& authz_url) {
    auto r = post(authz_url, "");
    if (!r) return r.error();
    if (r->status != 200) return server_error("authorization " + authz_url, *r);
    auto a = parse_authorization(r->body);
    if (!a) return a.error();
    if (a->status == "valid") return ok_status();  // reused authorization
    if (a->status != "pending") return make_error(Errc::unavailable, "authorization for " + a->identifier + " is " + a->status);
    const Challenge* ch = nullptr;
    for (const auto& c : a->challenges)
        if (c.type == o_.challenge) ch = &c;
    if (!ch) return make_error(Errc::unavailable, "CA offers no " + o_.challenge + " challenge for " + a->identifier);
    if (!valid_token(ch->token)) return make_error(Errc::invalid, "CA sent a malformed challenge token");
    std::string key_auth = ch->token + "." + thumbprint_;  // RFC 8555 8.1
    bool http01 = o_.challenge == "http-01";
    if (http01) {
        responder_.add_http01(ch->token, key_auth);
    } else if (auto st = responder_.add_tls_alpn(a->identifier, key_auth); !st) {
        return st;
    }
    struct Withdraw {
        ChallengeResponder& r;
        bool http01;
        std::string token, name;
        ~Withdraw() {
            if (http01) r.remove_http01(token);
            else r.remove_tls_alpn(name);
        }
    } withdraw{responder_, http01, ch->token, a->identifier};
    std::string challenge_url = ch->url;
    std::string name = a->identifier;
    log::info("event=acme_challenge name={} type={}", name, o_.challenge);
    // RFC 8555 7.5.1: an empty JSON object tells the CA to validate.
    auto c = post(challenge_url, "{}");
    if (!c) return c.error();
    if (c->status != 200) return server_error("challenge response for " + name, *c);
    auto deadline = std::chrono::steady_clock::now() + o_.validation_timeout;
    std::chrono::seconds delay = retry_delay(*c);
    for (;;) {
        if (!sleep_(delay)) return make_error(Errc::unavailable, "stopped");
        auto p = post(authz_url, "");
        if (!p) return p.error();
        if (p->status != 200) return server_error("authorization " + authz_url, *p);
        auto ap = parse_authorization(p->body);
        if (!ap) return ap.error();
        if (ap->status == "valid") return ok_status();
        if (ap->status != "pending") {
            std::string why = ap->status;
            for (const auto& cc : ap->challenges)
                if (cc.type == o_.challenge && !cc.error.type.empty()) why += " (" + cc.error.describe() + ")";
            return make_error(Errc::unavailable, "validation of " + name + " failed: " + why);
        }
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(Errc::unavailable, "validation of " + name + " still pending after " +
                                                 std::to_string(o_.validation_timeout.count()) + "s");
        delay = retry_delay(*p);
    }
}

Result<Order> AcmeClient::wait_order(const std::string& url, Order o, const char* until) {
    auto deadline = std::chrono::steady_clock::now() + o_.validation_timeout;
    std::chrono::seconds delay{1};
    const bool want_ready = std::string_view(until) == "ready";
    for (;;) {
        if (o.status == "invalid")
            return make_error(Errc::unavailable, "order became invalid: " + o.error.describe());
        // Waiting for "ready": anything past "pending" ends the wait.
        if (want_ready ? o.status != "pending" : o.status == "valid") break;
        if (std::chrono::steady_clock::now() > deadline)
            return make_error(Errc::unavailable, "order still " + o.status + " after " +
                                                 std::to_string(o_.validation_timeout.count()) + "s");
        if (!sleep_(delay)) return make_error(Errc::unavailable, "stopped");
        auto r = post(url, "");
        if (!r) return r.error();
        if (r->status != 200) return server_error("order " + url, *r);
        auto p = parse_order(r->body);
        if (!p) return p.error();
        o = *p;
        delay = retry_delay(*r);
    }
    return o;
}

Result<IssuedCertificate> AcmeClient::obtain(const std::vector<std::string>& names) {
    if (names.empty()) return make_error(Errc::invalid, "no names to certify");
    if (auto st = setup(); !st) return st.error();
    auto r = post(dir_.new_order, new_order_payload(names));
    if (!r) return r.error();
    if (r->status != 201) return server_error("newOrder", *r);
    std::string order_url = r->header("location");
    if (order_url.empty()) return make_error(Errc::invalid, "newOrder answered without Location");
    auto order = parse_order(r->body);
    if (!order) return order.error();
    if (order->status == "pending") {
        for (const auto& az : order->authorizations)
            if (auto st = validate(az); !st) return st.error();
    }
    auto ready = wait_order(order_url, *order, "ready");
    if (!ready) return ready.error();
    IssuedCertificate out;
    Order o = *ready;
    if (o.status == "ready") {
        auto key = generate_p256();
        if (!key) return key.error();
        auto pem = private_key_pem(key->get());
        if (!pem) return pem.error();
        out.key_pem = *pem;
        auto csr = build_csr(names, key->get());
        if (!csr) return csr.error();
        auto f = post(o.finalize, std::string(R"({"csr":")") + base64url_encode(*csr) + "\"}");
        if (!f) return f.error();
        if (f->status != 200) return server_error("finalize", *f);
        auto fo = parse_order(f->body);
        if (!fo) return fo.error();
        auto done = wait_order(order_url, *fo, "valid");
        if (!done) return done.error();
        o = *done;
    } else if (o.status != "valid") {
        return make_error(Errc::unavailable, "order is " + o.status);
    }
    if (out.key_pem.empty()) return make_error(Errc::unavailable, "order was already finalized elsewhere");
    auto c = post(o.certificate, "", "application/pem-certificate-chain");
    if (!c) return c.error();
    if (c->status != 200) return server_error("certificate download", *c);
    auto info = certificate_info(c->body);
    if (!info) return make_error(Errc::invalid, "CA returned no PEM certificate: " + info.error().message);
    out.chain_pem = c->body;
    return out;
}

}  // namespace postamt::acme
