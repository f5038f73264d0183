#pragma once
// Outbound delivery: one message to the recipients of one destination
// domain, over SMTP to the domain's MX hosts (or to the smarthost).
//
//   auto dns = DnsResolver::create(ex, cfg.dns).value();
//   auto out = OutboundDelivery::create(ex, cfg, dns).value();
//   std::vector<RecipientOutcome> r = co_await out->deliver("example.net", msg);
//
// deliver() never throws and returns one outcome per msg.recipients entry,
// in the same order (types in client_protocol.h):
//   delivered  the far side accepted it (2xx after the final ".")
//   permanent  5xx for this recipient (or for the whole transaction), null
//              MX, NXDOMAIN, SIZE or SMTPUTF8 refusal: bounce
//   transient  4xx, connection failure or loss, timeout, garbage, DNS
//              SERVFAIL/timeout: retry later
//
// Route (RFC 5321 5.1): MX lookup -> plan_mx (mx_plan.h) -> for each host its
// addresses (AAAA then A) -> for each address a connection. The next
// address/host is tried on a connection failure, a bad or 4xx/5xx
// greeting (a 5xx greeting is treated as 4xx, as Postfix does), a 4xx to
// MAIL, 4xx to RCPT (those recipients only), 4xx to DATA or to the final
// "." (the recipients of that transaction), a TLS requirement not met, and
// any I/O error before the final ".". A connection lost (or a timeout)
// after the final "." but before its reply leaves those recipients
// transient without trying another host: the message may have been
// delivered, and retrying later risks only the duplicate SMTP allows
// (RFC 5321 6.1), never a loss. At most Options::max_addresses connection
// attempts per delivery.
//
// Session: greeting, EHLO (HELO when EHLO gets 5xx), STARTTLS when offered
// ([outbound] tls = "opportunistic"; certificates are not verified, as
// Postfix's "may" level, RFC 7435; a failed handshake is retried once on a
// new plaintext connection), "required" (no STARTTLS or a failed handshake:
// transient 4.7.4 / 4.7.5, next host), "none"; EHLO again after TLS. Then
// one transaction for all recipients: MAIL, RCPT..., DATA sent in one write
// when PIPELINING is offered (RFC 2920), else one by one; SIZE=, BODY=8BITMIME,
// SMTPUTF8 and the DSN parameters (RFC 3461 RET/ENVID/NOTIFY/ORCPT, only when
// DSN is offered) as client_protocol.h builds them; dot-stuffed data.
//
// Choices (RFC 6152 / RFC 6531):
//  - 8-bit body, far side without 8BITMIME: sent unchanged without BODY=.
//    RFC 6152 3 lets the client convert to 7 bit or return the message;
//    Postfix converts by default, but conversion would break the DKIM
//    signature made at enqueue, and servers without 8BITMIME accept 8-bit
//    data in practice, so we send as is (Postfix with
//    disable_mime_output_conversion = yes does the same).
//  - SMTPUTF8 needed (sender, header fields: OutboundMessage::smtputf8) and
//    not offered: every recipient fails permanently with 553 5.6.7 (RFC 6531
//    3.2, no downgrade). A UTF-8 recipient address on an ASCII message: that
//    recipient alone fails 5.6.7, the others go.
//  - SIZE offered and the message bigger: 552 5.3.4 permanent, nothing sent.
//
// Timeouts (RFC 5321 4.5.3.2): connect_timeout for the TCP connection and
// the greeting (docs/configuration.md); every command reply command_timeout; writes command_timeout
// per stalled wait; the reply to the final "." twice command_timeout (10 min by default).
//
// Connection reuse: a connection whose transaction ended cleanly is kept
// for Options::reuse_idle and used by the next deliver() to the same host
// (and port), after an RSET that must get 250; an idle connection past that
// time gets QUIT. Limits: [outbound] max_per_destination connections per MX
// host and max_connections in all (idle kept ones included; an idle one is
// closed when a new connection needs its slot); deliveries over a limit
// wait for a slot.
//
// Smarthost ([outbound] smarthost = "host[:port]"): no MX lookup; the host
// (name or IP literal; port 587 by default, 465 with smarthost_tls =
// "implicit") gets STARTTLS (required) or implicit TLS, then AUTH PLAIN (or
// LOGIN) with smarthost_user and the password read from
// smarthost_password_file at create(). The certificate is not verified
// ([outbound] has no CA setting yet): TLS protects the password from
// passive listeners only.
//
// Threading: all work runs on one strand of this object (every connection,
// the pool and the limits live there); deliver() may be called from any
// executor and any number of coroutines at once.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "net/asio.h"
#include "smtp/client_protocol.h"
#include "smtp/dns_resolver.h"

namespace postamt::net {
class ClientStream;
class ClientTlsContext;
}  // namespace postamt::net

namespace postamt::smtp {

class OutboundDelivery : public std::enable_shared_from_this<OutboundDelivery> {
  public:
    struct Options {
        std::chrono::milliseconds reuse_idle{5000};  // keep a clean connection this long
        std::size_t max_mx_hosts = 10;               // plan_mx's limit
        std::size_t max_addresses = 10;              // connection attempts per deliver()
        std::uint64_t mx_seed = 0;                   // 0: random equal-preference order
    };
    struct Stats {
        std::uint64_t connections_opened = 0;
        std::uint64_t connections_reused = 0;
        std::uint64_t transactions = 0;
    };

    // Errc::invalid for a bad smarthost setting; Errc::unavailable when the
    // smarthost password file cannot be read.
    static Result<std::shared_ptr<OutboundDelivery>> create(asio::any_io_executor ex,
                                                            const Config& cfg,
                                                            std::shared_ptr<DnsResolver> dns);
    static Result<std::shared_ptr<OutboundDelivery>> create(asio::any_io_executor ex,
                                                            const Config& cfg,
                                                            std::shared_ptr<DnsResolver> dns,
                                                            Options opt);
    ~OutboundDelivery();

    // One outcome per msg.recipients entry, same order. `domain` is the
    // recipients' domain (ASCII, A-labels); every recipient should be in it.
    asio::awaitable<std::vector<RecipientOutcome>> deliver(std::string domain, OutboundMessage msg);

    // QUIT and close every idle connection now (e.g. at shutdown).
    asio::awaitable<void> close_idle();
    // On the strand; for tests and metrics.
    asio::awaitable<Stats> stats();

    struct Session;
    struct Target;
    struct Attempt;

  private:
    OutboundDelivery(asio::any_io_executor ex, const Config& cfg, std::shared_ptr<DnsResolver> dns,
                     Options opt);
    asio::awaitable<std::vector<RecipientOutcome>> deliver_on_strand(std::string domain,
                                                                     OutboundMessage msg);
    asio::awaitable<std::vector<RecipientOutcome>> route(std::string domain, OutboundMessage msg);
    asio::awaitable<Attempt> attempt(Target target, std::string address, const OutboundMessage* msg,
                                     std::vector<std::size_t> pending);
    asio::awaitable<std::shared_ptr<Session>> take_pooled(std::string key);
    asio::awaitable<std::shared_ptr<Session>> open_session(Target target, std::string address,
                                                           bool no_tls, Attempt* failure);
    asio::awaitable<void> transaction(std::shared_ptr<Session> s, const OutboundMessage* msg,
                                      std::vector<std::size_t> pending, Attempt* out);
    // A parked connection for `key`, or nullptr with a new-connection slot
    // taken for `host` (release_slot when that connection ends).
    asio::awaitable<std::shared_ptr<Session>> acquire(std::string host, std::string key);
    void wake_waiters();
    void release_slot(const std::string& host);
    bool evict_idle(const std::string& host_or_empty);
    void park(std::shared_ptr<Session> s);
    void arm_reaper();
    asio::awaitable<void> quit_and_close(std::shared_ptr<Session> s);
    asio::awaitable<void> close_idle_on_strand();
    asio::awaitable<Stats> stats_on_strand();

    asio::strand<asio::any_io_executor> strand_;
    OutboundConfig cfg_;
    std::string helo_;
    std::vector<std::string> local_names_;
    std::string smarthost_password_;
    std::shared_ptr<DnsResolver> dns_;
    std::shared_ptr<net::ClientTlsContext> tls_;
    Options opt_;
    Stats stats_;
    std::multimap<std::string, std::shared_ptr<Session>> idle_;  // "host:port" -> parked sessions
    std::map<std::string, std::uint32_t> per_host_;              // open connections per host
    std::uint32_t total_ = 0;
    std::vector<std::shared_ptr<asio::steady_timer>> waiters_;  // deliveries waiting for a slot
    asio::steady_timer reaper_;
    bool reaper_armed_ = false;
};

// "host", "host:port", "[v6]:port", "[v6]" -> host and port (default_port
// when absent); nullopt when malformed. Exposed for tests.
std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view s,
                                                                     std::uint16_t default_port);

}  // namespace postamt::smtp
