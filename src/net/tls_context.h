#pragma once
// Server TLS configuration: one OpenSSL SSL_CTX per certificate, the right
// one chosen by SNI (exact or wildcard match on the certificate's DNS SANs,
// the default certificate otherwise), reloadable at run time (SIGHUP): new
// handshakes use the new certificates, a failed reload keeps the old ones.
//
// Settings follow Mozilla's "intermediate" profile: TLS 1.2+ (tls.min_version),
// ECDHE with AES-GCM / ChaCha20 for TLS 1.2, OpenSSL's TLS 1.3 suites, the
// client's cipher preference honoured, no compression or renegotiation,
// SSL_MODE_RELEASE_BUFFERS so an idle connection holds no record buffers.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/result.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace postamt::net {

// The Mozilla intermediate TLS 1.2 cipher list (TLS 1.3 suites are separate).
extern const char* const kIntermediateCiphers;

// One loaded certificate: its context and the names it answers SNI for.
struct TlsCertificateSet;

class TlsContext {
public:
    // tls.cert/tls.key (or, when both are empty, a self-signed certificate
    // under <data_dir>/tls, generated for `hostname` on first use) is the
    // default; tls.certificate[] entries are further SNI candidates.
    static Result<std::shared_ptr<TlsContext>> create(const TlsConfig& tls, const std::string& data_dir,
                                                      const std::string& hostname);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // Re-reads the certificate files (same config, or a new one). On failure
    // the previous certificates stay in use and the error is returned (and
    // logged as event=tls_reload_failed).
    Status reload();
    Status reload(const TlsConfig& tls);

    // A new server-side SSL object using the current certificates; nullptr on
    // failure. The caller owns it (SSL_free).
    SSL* new_ssl() const;

    // The names of each loaded certificate, default first (for logs/tests).
    std::vector<std::vector<std::string>> certificate_names() const;

    // Certificates obtained at run time (ACME), consulted on every load:
    // they come before the configured ones, so they win SNI for their names,
    // and the first becomes the default when tls.cert is not set (instead of
    // the self-signed one). One that fails to load is skipped with a log line
    // rather than failing the reload. Call reload() afterwards.
    void set_preferred_certificates(std::function<std::vector<TlsCertificate>()> source);

    // RFC 8737 TLS-ALPN-01: when a ClientHello offers ALPN "acme-tls/1",
    // `handler(sni_name, ssl)` may install the challenge certificate on the
    // SSL and return true; the handshake then negotiates "acme-tls/1".
    // Handshakes without that ALPN protocol never reach the handler.
    // Process-wide (all contexts); empty function to remove.
    using AcmeAlpnHandler = std::function<bool(const std::string& host, SSL* ssl)>;
    static void set_acme_alpn_handler(AcmeAlpnHandler handler);

private:
    TlsContext() = default;
    static Result<std::shared_ptr<const TlsCertificateSet>> load(const TlsConfig& tls, const std::string& data_dir,
                                                                 const std::string& hostname,
                                                                 const std::vector<TlsCertificate>& preferred);
    mutable std::mutex mu_;
    TlsConfig tls_;
    std::string data_dir_;
    std::string hostname_;
    std::shared_ptr<const TlsCertificateSet> current_;
    std::function<std::vector<TlsCertificate>()> preferred_;
};

// "a.example.org" matches "a.example.org" and "*.example.org" (one left-most
// label only, RFC 6125 6.4.3); case-insensitive; `pattern` is lower-case.
bool tls_name_matches(const std::string& pattern, const std::string& host_lower);

}  // namespace postamt::net
