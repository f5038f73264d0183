#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>

#include "common/log.h"
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

std::string openssl_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? "unknown OpenSSL error" : out;
}

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

int on_servername(SSL* ssl, int*, void*) {
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
                                                                  const std::string& hostname) {
    auto set = std::make_shared<TlsCertificateSet>();
    std::string cert = tls.cert, key = tls.key;
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
    set->entries.push_back(std::move(def.value()));
    for (const auto& c : tls.certificates) {
        auto e = make_entry(c.cert, c.key, tls.min_version);
        if (!e) return e.error();
        set->entries.push_back(std::move(e.value()));
    }
    return std::shared_ptr<const TlsCertificateSet>(std::move(set));
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const TlsConfig& tls, const std::string& data_dir,
                                                       const std::string& hostname) {
    auto set = load(tls, data_dir, hostname);
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

Status TlsContext::reload(const TlsConfig& tls) {
    auto set = load(tls, data_dir_, hostname_);
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
