#pragma once
// The server's configuration: one TOML file (docs/configuration.md,
// config/postamt.toml.example). Parsing is pure (parse_config); checks that
// touch the filesystem are separate (validate_runtime) so `postamt check`
// and the tests can run them on their own.
//
// A default-constructed Config is exactly what an empty file yields.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/result.h"

namespace postamt {

enum class Protocol { smtp, submission, imap, pop3, http };
enum class TlsMode { none, starttls, implicit };
enum class TlsVersion { tls1_2, tls1_3 };
enum class StoreBackend { sqlite };

// The spelling used in the config file: "submission", "starttls", "1.3", ...
std::string_view protocol_name(Protocol p);
std::string_view tls_mode_name(TlsMode m);
std::string_view tls_version_name(TlsVersion v);
std::string_view store_backend_name(StoreBackend b);

// The machine's host name (gethostname), lower-cased; empty if unavailable.
std::string machine_hostname();

struct ServerConfig {
    std::string hostname = machine_hostname();  // lower-case; EHLO, greetings, self-signed cert
    std::string data_dir = "/var/lib/postamt";
    std::string default_domain;           // empty: logins need a full address
    std::string run_as_user = "postamt";  // empty: keep the current user
    bool operator==(const ServerConfig&) const = default;
};

struct LogConfig {
    log::Level level = log::Level::info;
    std::string file;  // empty: stderr
    bool operator==(const LogConfig&) const = default;
};

struct TlsCertificate {  // one [[tls.certificate]]: chosen by SNI
    std::string cert;    // PEM path (chain)
    std::string key;     // PEM path
    bool operator==(const TlsCertificate&) const = default;
};

struct TlsConfig {
    std::string cert;  // empty (with key empty): self-signed under data_dir/tls
    std::string key;
    std::vector<TlsCertificate> certificates;
    TlsVersion min_version = TlsVersion::tls1_2;
    bool operator==(const TlsConfig&) const = default;
};

// One [[listener]]. Both 0.0.0.0 and :: on the same port is the normal
// dual-stack case: the listener code must set IPV6_V6ONLY on the v6 socket.
struct ListenerConfig {
    std::string name;  // unique; used in logs and metrics
    Protocol protocol = Protocol::imap;
    std::vector<std::string> addresses;  // TOML key "address"; IP literals
    std::uint16_t port = 0;              // never 0 after parsing
    TlsMode tls = TlsMode::none;
    bool proxy_protocol = false;  // expect a PROXY v1/v2 header first
    // http only: what the listener offers ("autoconfig", "acme", "mta-sts",
    // "admin", "metrics"). Empty = the default: every service on a listener
    // bound only to loopback, else autoconfig, acme and mta-sts (docs/http.md).
    std::vector<std::string> services;
    bool operator==(const ListenerConfig&) const = default;
};

// The eight standard listeners used when the file has no [[listener]]:
// smtp 25, submission 587, submissions 465, imap 143, imaps 993, pop3 110,
// pop3s 995 on 0.0.0.0 and ::, and http 8080 on 127.0.0.1.
std::vector<ListenerConfig> default_listeners();

struct LimitsConfig {
    std::uint64_t max_message_size = 50ull << 20;  // SMTP SIZE, IMAP APPEND
    std::uint32_t max_line_length = 8192;          // IMAP command line (SMTP uses RFC 5321 limits)
    // IMAP literals in commands other than APPEND (search strings, LOGIN);
    // APPEND literals are bounded by max_message_size.
    std::uint64_t max_literal_size = 64ull << 10;
    std::uint32_t max_connections = 5000;
    std::uint32_t max_connections_per_ip = 50;
    std::uint32_t max_connections_per_user = 30;
    std::chrono::seconds imap_idle_timeout{30 * 60};  // RFC 9051 5.4: at least 30 minutes
    std::chrono::seconds smtp_idle_timeout{5 * 60};   // RFC 5321 4.5.3.2.7: 5 minutes
    std::chrono::seconds pop3_idle_timeout{10 * 60};  // RFC 1939 3: at least 10 minutes
    std::uint32_t max_errors = 10;                    // SMTP errors before 421
    bool operator==(const LimitsConfig&) const = default;
};

struct AuthConfig {
    std::uint32_t hash_threads = 2;
    // libsodium crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE.
    std::uint64_t argon2_ops_limit = 2;
    std::uint64_t argon2_mem_limit = 64ull << 20;
    std::chrono::seconds cache_ttl{5 * 60};  // 0: no verified-credential cache
    std::uint32_t max_failures_per_ip = 10;  // 0: no blocking
    std::chrono::seconds block_duration{15 * 60};
    std::uint32_t max_concurrent_per_ip = 4;  // concurrent hash verifications
    bool allow_plaintext_on_loopback = true;
    bool operator==(const AuthConfig&) const = default;
};

struct StoreConfig {
    StoreBackend backend = StoreBackend::sqlite;
    std::uint32_t reader_threads = 2;
    std::uint64_t segment_max_size = 64ull << 20;
    std::chrono::seconds tombstone_max_age{30 * 86400};
    bool operator==(const StoreConfig&) const = default;
};

struct SmtpConfig {
    std::uint32_t max_recipients = 1000;
    bool helo_required = true;
    // Text after "220 <hostname> " in the greeting (RFC 5321 4.3.1).
    std::string banner = "ESMTP Postamt";
    bool operator==(const SmtpConfig&) const = default;
};

// [pop3] (docs/pop3.md). The maildrop is the account's INBOX.
struct Pop3Config {
    // Retention (RFC 2449 6.7 EXPIRE): a message fully downloaded with RETR
    // is deleted by the server this many days after that download, at the
    // start of a later POP3 session of the account. 0: never (EXPIRE NEVER).
    std::uint32_t expire_days = 0;
    // RFC 2449 6.5 LOGIN-DELAY: minimum time between two POP3 logins of one
    // account; a login sooner gets -ERR [LOGIN-DELAY]. 0: none (not advertised).
    std::chrono::seconds login_delay{0};
    // RFC 1939 8: one POP3 session per maildrop; a second gets -ERR [IN-USE].
    bool lock_maildrop = true;
    bool operator==(const Pop3Config&) const = default;
};

// [submission] (docs/submission.md): ports 587/465, authenticated users only.
struct SubmissionConfig {
    // Per authenticated user; 0: no limit. Over the limit MAIL gets
    // 450 4.7.1 (hourly count) and RCPT 452 4.5.3 (recipients).
    std::uint32_t max_messages_per_hour = 500;
    std::uint32_t max_recipients = 100;
    // What the Received header shows of the submitting client:
    // "full" (its name and IP address), "private" (only "authenticated
    // user", no address; the default), "none" (no Received header).
    std::string received_header = "private";
    bool operator==(const SubmissionConfig&) const = default;
};

// [queue] (docs/queue.md): outbound messages waiting for their next attempt.
struct QueueConfig {
    std::chrono::seconds max_age{5 * 86400};     // then bounce (RFC 5321 4.5.4.1)
    std::chrono::seconds retry_min{300};         // first retry; doubles per attempt
    std::chrono::seconds retry_max{4000};        // ceiling of the interval
    std::chrono::seconds delay_warning{0};       // 0: no delay DSN; else once, after this
    std::chrono::seconds lease{600};             // a node owns a claimed entry this long
    bool operator==(const QueueConfig&) const = default;
};

// [outbound] (docs/queue.md): the SMTP client that delivers the queue.
struct OutboundConfig {
    std::uint16_t port = 25;                     // of the MX hosts (tests use a high port)
    std::vector<std::string> source_addresses;   // bind to these (one per family); empty: any
    std::string helo_name;                       // empty: server.hostname
    std::string tls = "opportunistic";           // "opportunistic", "required", "none"
    std::uint32_t max_per_destination = 20;      // concurrent connections per MX host
    std::uint32_t max_connections = 200;         // all destinations together
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds command_timeout{300};   // RFC 5321 4.5.3.2 (DATA end: 10 min)
    // Relay everything through a provider instead of MX lookups:
    // "host" or "host:port"; smarthost_tls "starttls" (port 587 style,
    // required) or "implicit" (465); AUTH PLAIN/LOGIN when a user is set.
    std::string smarthost;
    std::string smarthost_tls = "starttls";
    std::string smarthost_user;
    std::string smarthost_password_file;          // file holding the password
    bool operator==(const OutboundConfig&) const = default;
};

// [dns]: the resolver used for MX/A/AAAA (and later TXT) lookups.
struct DnsConfig {
    // "ip" or "ip@port"; empty: the servers of /etc/resolv.conf.
    std::vector<std::string> forwarders;
    // DNSSEC trust anchor file (dns-root-data); empty: no validation.
    std::string trust_anchor;
    bool operator==(const DnsConfig&) const = default;
};

// [dkim] (docs/dkim.md): signing of outgoing mail at enqueue.
struct DkimConfig {
    bool sign = true;                 // sign when the From domain has keys
    std::string selector = "postamt"; // default selector for `postamt dkim generate`
    std::string key_dir;              // empty: server.data_dir/dkim
    bool operator==(const DkimConfig&) const = default;
};

// Certificates from an ACME CA (RFC 8555), docs/acme.md.
struct AcmeConfig {
    bool enabled = false;
    std::string directory_url = "https://acme-v02.api.letsencrypt.org/directory";
    std::string email;                        // account contact; empty: none
    std::string ca_file;                      // trust for the ACME server's HTTPS; empty: system store
    std::string challenge = "tls-alpn-01";    // or "http-01"
    std::chrono::seconds renew_before{30 * 86400};
    std::vector<std::string> names;           // extra names besides hostname + autoconfig./autodiscover./mta-sts.
    bool operator==(const AcmeConfig&) const = default;
};

// [mta_sts] (docs/dns.md): the MTA-STS policy (RFC 8461) served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt for every local domain.
struct MtaStsConfig {
    // "testing" (the default, as Stalwart's: failures are only reported via
    // TLS-RPT), "enforce" once certificates are trusted, or "none".
    std::string mode = "testing";
    std::chrono::seconds max_age{7 * 86400};  // how long senders cache the policy
    bool operator==(const MtaStsConfig&) const = default;
};

struct Config {
    ServerConfig server;
    LogConfig log;
    TlsConfig tls;
    std::vector<ListenerConfig> listeners = default_listeners();
    LimitsConfig limits;
    AuthConfig auth;
    StoreConfig store;
    SmtpConfig smtp;
    Pop3Config pop3;
    SubmissionConfig submission;
    QueueConfig queue;
    OutboundConfig outbound;
    DnsConfig dns;
    DkimConfig dkim;
    AcmeConfig acme;
    MtaStsConfig mta_sts;
    bool operator==(const Config&) const = default;
};

// Parses TOML text. `source_name` prefixes every message ("postamt.toml:12:3:
// ..."). All problems found are reported, one per line, in Error::message
// (Errc::invalid). Relative paths are kept as written.
Result<Config> parse_config(std::string_view toml_text, std::string_view source_name);

// Reads and parses a file; relative paths in it (server.data_dir, log.file,
// tls.*) are resolved against the file's directory. Errc::not_found when the
// file does not exist, Errc::unavailable when it cannot be read.
Result<Config> load_config(const std::string& path);

// Filesystem checks for start-up: creates server.data_dir if missing and
// checks it is writable, that TLS cert/key files are readable, and that the
// log file can be written. Reports every problem (Errc::unavailable).
Status validate_runtime(const Config& cfg);

// Every key the parser knows, as "section.key" or "listener[].key" /
// "tls.certificate[].key" for array tables. For docs and tests.
std::vector<std::string> config_key_paths();

}  // namespace postamt
