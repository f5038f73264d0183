#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/log.h"
#include "net/openssl_error.h"
#include "net/self_signed.h"

namespace postamt::net {

const char* const kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

struct TlsCertificateSet {
    struct Entry {
        SSL_CTX* ctx = nullptr;
        std::vector<std::string> names;  // lower-case DNS SANs (or CN)
    };
    std::vector<Entry> entries;  // [0] is the default
    ~TlsCertificateSet() {
        for (auto& e : entries) SSL_CTX_free(e.ctx);
    }
    SSL_CTX* pick(const std::string& host) const {
        for (const auto& e : entries)
            for (const auto& n : e.names)
                if (n == host) return e.ctx;
        for (const auto& e : entries)
            for (const auto& n : e.names)
                if (n.starts_with("*.") && tls_name_matches(n, host)) return e.ctx;
        return nullptr;
    }
};

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

// Index of the SSL ex_data slot holding a heap shared_ptr<const TlsCertificateSet>,
// so the SNI callback can find every certificate of the set the handshake
// started with, even if a reload happens meanwhile.
void free_set_slot(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    delete static_cast<std::shared_ptr<const TlsCertificateSet>*>(ptr);
}
int set_slot() {
    static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_set_slot);
    return idx;
}

// Marks an SSL whose handshake answers an ACME TLS-ALPN-01 challenge.
int alpn_challenge_slot() {
    static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return idx;
}

std::mutex g_alpn_mu;
std::shared_ptr<const TlsContext::AcmeAlpnHandler> g_alpn_handler;

constexpr std::string_view kAcmeTls1 = "acme-tls/1";

// ALPN ProtocolNameList (RFC 7301 3.1): does it name acme-tls/1?
bool offers_acme_tls1(const unsigned char* p, std::size_t len) {
    if (len < 2) return false;
    std::size_t list = std::size_t(p[0]) << 8 | p[1];
    if (list + 2 != len) return false;
    for (std::size_t i = 2; i < len;) {
        std::size_t n = p[i];
        if (i + 1 + n > len) return false;
        if (std::string_view(reinterpret_cast<const char*>(p + i + 1), n) == kAcmeTls1) return true;
        i += 1 + n;
    }
    return false;
}

// server_name extension (RFC 6066 3): the first host_name entry.
std::string client_hello_sni(SSL* ssl) {
    const unsigned char* p = nullptr;
    std::size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1 || len < 5) return {};
    std::size_t list = std::size_t(p[0]) << 8 | p[1];
    if (list + 2 != len || p[2] != TLSEXT_NAMETYPE_host_name) return {};
    std::size_t n = std::size_t(p[3]) << 8 | p[4];
    if (n + 5 > len || n == 0 || n > 253) return {};
    return std::string(reinterpret_cast<const char*>(p + 5), n);
}

// Runs first in the handshake: only a ClientHello offering acme-tls/1 for a
// name with a pending challenge is diverted; every other handshake goes on
// untouched.
int on_client_hello(SSL* ssl, int*, void*) {
    const unsigned char* p = nullptr;
    std::size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &len) != 1 ||
        !offers_acme_tls1(p, len))
        return SSL_CLIENT_HELLO_SUCCESS;
    std::shared_ptr<const TlsContext::AcmeAlpnHandler> h;
    {
        std::lock_guard lk(g_alpn_mu);
        h = g_alpn_handler;
    }
    std::string host = lower(client_hello_sni(ssl));
    if (!h || host.empty() || !(*h)(host, ssl)) return SSL_CLIENT_HELLO_SUCCESS;
    SSL_set_ex_data(ssl, alpn_challenge_slot(), ssl);
    log::info("event=acme_tls_alpn_challenge name={}", host);
    return SSL_CLIENT_HELLO_SUCCESS;
}

int on_alpn_select(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                   unsigned int inlen, void*) {
    if (!SSL_get_ex_data(ssl, alpn_challenge_slot())) return SSL_TLSEXT_ERR_NOACK;  // as without a callback
    static const unsigned char kProto[] = "\x0a" "acme-tls/1";
    unsigned char* sel = nullptr;
    if (SSL_select_next_proto(&sel, outlen, kProto, sizeof kProto - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

int on_servername(SSL* ssl, int*, void*) {
    // A TLS-ALPN-01 handshake keeps the challenge certificate installed on it.
    if (SSL_get_ex_data(ssl, alpn_challenge_slot())) return SSL_TLSEXT_ERR_OK;
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_OK;
    auto* set = static_cast<std::shared_ptr<const TlsCertificateSet>*>(SSL_get_ex_data(ssl, set_slot()));
    if (!set || !*set) return SSL_TLSEXT_ERR_OK;
    SSL_CTX* ctx = (*set)->pick(lower(name));
    if (ctx && ctx != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, ctx);
    return SSL_TLSEXT_ERR_OK;  // unknown names get the default certificate
}

std::vector<std::string> certificate_dns_names(X509* cert) {
    std::vector<std::string> names;
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
            if (gn->type != GEN_DNS) continue;
            const ASN1_IA5STRING* s = gn->d.dNSName;
            names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                              std::size_t(ASN1_STRING_length(s)))));
        }
        GENERAL_NAMES_free(sans);
    }
    if (names.empty()) {  // no DNS SANs: fall back to the subject CN
        char cn[256];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0)
            names.push_back(lower(cn));
    }
    return names;
}

Result<TlsCertificateSet::Entry> make_entry(const std::string& cert, const std::string& key, TlsVersion min) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return make_error(Errc::internal, "SSL_CTX_new: " + openssl_errors());
    TlsCertificateSet::Entry e;
    e.ctx = ctx;
    auto fail = [&](const std::string& what) -> Result<TlsCertificateSet::Entry> {
        SSL_CTX_free(ctx);
        return make_error(Errc::invalid, what + ": " + openssl_errors());
    };
    SSL_CTX_set_min_proto_version(ctx, min == TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, kIntermediateCiphers) != 1) return fail("cipher list");
    // Client preference (Mozilla intermediate: prefer_server_ciphers off);
    // every suite offered is strong, and clients know what they accelerate.
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                                 SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_dh_auto(ctx, 1);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // No server-side session cache (memory grows with clients); resumption
    // uses stateless tickets.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 1);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, nullptr);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, nullptr);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) return fail("tls certificate " + cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) return fail("tls key " + key);
    if (SSL_CTX_check_private_key(ctx) != 1) return fail("tls key " + key + " does not match " + cert);
    e.names = certificate_dns_names(SSL_CTX_get0_certificate(ctx));
    return e;
}

}  // namespace

bool tls_name_matches(const std::string& pattern, const std::string& host) {
    if (pattern == host) return true;
    if (!pattern.starts_with("*.")) return false;
    std::size_t dot = host.find('.');
    if (dot == std::string::npos || dot == 0) return false;
    return host.compare(dot, std::string::npos, pattern, 1, std::string::npos) == 0;
}

Result<std::shared_ptr<const TlsCertificateSet>> TlsContext::load(const TlsConfig& tls, const std::string& data_dir,
                                                                  const std::string& hostname,
                                                                  const std::vector<TlsCertificate>& preferred) {
    auto set = std::make_shared<TlsCertificateSet>();
    for (const auto& c : preferred) {
        auto e = make_entry(c.cert, c.key, tls.min_version);
        if (!e) {
            log::error("event=tls_certificate_skipped cert={} error={}", log::quote(c.cert),
                       log::quote(e.error().message));
            continue;
        }
        set->entries.push_back(std::move(e.value()));
    }
    std::string cert = tls.cert, key = tls.key;
    // With run-time certificates and no configured default, the first of
    // them is the default: no self-signed certificate for clients without SNI.
    if (cert.empty() && key.empty() && !set->entries.empty()) {
        for (const auto& c : tls.certificates) {
            auto e = make_entry(c.cert, c.key, tls.min_version);
            if (!e) return e.error();
            set->entries.push_back(std::move(e.value()));
        }
        return std::shared_ptr<const TlsCertificateSet>(std::move(set));
    }
    if (cert.empty() && key.empty()) {
        std::string dir = data_dir + "/tls";
        SelfSignedPaths p = self_signed_paths(dir);
        struct stat st;
        if (::stat(p.cert.c_str(), &st) != 0 || ::stat(p.key.c_str(), &st) != 0) {
            auto gen = generate_self_signed(dir, hostname);
            if (!gen) return gen.error();
            log::info("event=tls_self_signed_generated cert={} hostname={}", log::quote(p.cert),
                      log::quote(hostname));
        }
        cert = p.cert;
        key = p.key;
    }
    auto def = make_entry(cert, key, tls.min_version);
    if (!def) return def.error();
    // The configured default stays the default (clients without SNI);
    // run-time certificates follow it and win SNI for their names unless
    // the configured one names the host too.
    set->entries.insert(set->entries.begin(), std::move(def.value()));
    for (const auto& c : tls.certificates) {
        auto e = make_entry(c.cert, c.key, tls.min_version);
        if (!e) return e.error();
        set->entries.push_back(std::move(e.value()));
    }
    return std::shared_ptr<const TlsCertificateSet>(std::move(set));
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsConfig& tls, const std::string& data_dir,
                                                       const std::string& hostname) {
    auto set = load(tls, data_dir, hostname, {});
    if (!set) return set.error();
    std::shared_ptr<TlsContext> ctx(new TlsContext());
    ctx->tls_ = tls;
    ctx->data_dir_ = data_dir;
    ctx->hostname_ = hostname;
    ctx->current_ = std::move(set.value());
    return ctx;
}

TlsContext::~TlsContext() = default;

Status TlsContext::reload() {
    TlsConfig tls;
    {
        std::lock_guard lk(mu_);
        tls = tls_;
    }
    return reload(tls);
}

void TlsContext::set_preferred_certificates(std::function<std::vector<TlsCertificate>()> source) {
    std::lock_guard lk(mu_);
    preferred_ = std::move(source);
}

void TlsContext::set_acme_alpn_handler(AcmeAlpnHandler handler) {
    std::lock_guard lk(g_alpn_mu);
    g_alpn_handler = handler ? std::make_shared<const AcmeAlpnHandler>(std::move(handler)) : nullptr;
}

Status TlsContext::reload(const TlsConfig& tls) {
    std::function<std::vector<TlsCertificate>()> source;
    {
        std::lock_guard lk(mu_);
        source = preferred_;
    }
    auto set = load(tls, data_dir_, hostname_, source ? source() : std::vector<TlsCertificate>{});
    if (!set) {
        log::error("event=tls_reload_failed error={}", log::quote(set.error().message));
        return set.error();
    }
    std::lock_guard lk(mu_);
    tls_ = tls;
    current_ = std::move(set.value());
    log::info("event=tls_reloaded certificates={}", current_->entries.size());
    return ok_status();
}

SSL* TlsContext::new_ssl() const {
    std::shared_ptr<const TlsCertificateSet> set;
    {
        std::lock_guard lk(mu_);
        set = current_;
    }
    SSL* ssl = SSL_new(set->entries.front().ctx);
    if (!ssl) return nullptr;
    auto* slot = new std::shared_ptr<const TlsCertificateSet>(std::move(set));
    if (SSL_set_ex_data(ssl, set_slot(), slot) != 1) {
        delete slot;
        SSL_free(ssl);
        return nullptr;
    }
    return ssl;
}

std::vector<std::vector<std::string>> TlsContext::certificate_names() const {
    std::lock_guard lk(mu_);
    std::vector<std::vector<std::string>> out;
    for (const auto& e : current_->entries) out.push_back(e.names);
    return out;
}

}  // namespace postamt::net
