#include "smtp/smtp_client.h"

#include <boost/asio/bind_executor.hpp>
#include <fstream>
#include <sstream>

#include "common/base64.h"
#include "common/log.h"
#include "common/text.h"
#include "net/client_stream.h"
#include "smtp/mx_plan.h"

namespace postamt::smtp {

using Clock = std::chrono::steady_clock;
using Kind = RecipientOutcome::Kind;

struct OutboundDelivery::Target {
    std::string host;  // MX host name (or smarthost), for logs, SNI, limits, Remote-MTA
    std::uint16_t port = 25;
    bool implicit_tls = false;
    bool require_tls = false;
    bool try_tls = true;
    bool auth = false;  // smarthost with a user
};

struct OutboundDelivery::Session {
    std::shared_ptr<net::ClientStream> stream;
    std::string host, address, key;
    EhloCapabilities caps;
    ReplyParser parser;
    Clock::time_point idle_since{};
    bool usable = true;  // in sync with the server: may be reused
};

// What one connection attempt left behind. The recipients' outcomes are
// written into `results` (indexed like msg.recipients) by the transaction;
// `still_pending` are those to try at the next address/host.
struct OutboundDelivery::Attempt {
    std::vector<std::optional<RecipientOutcome>> results;
    std::vector<std::size_t> still_pending;
    std::optional<RecipientOutcome> host_error;  // the host failed as a whole (transient)
    bool tls_failed = false;                     // opportunistic STARTTLS handshake failed
};

namespace {

enum class ReadStatus { ok, timeout, closed, garbage };
struct ReadReply {
    ReadStatus status = ReadStatus::closed;
    ServerReply reply;
    std::string error;
};

std::string read_failure_text(const ReadReply& r, const std::string& what) {
    switch (r.status) {
        case ReadStatus::timeout:
            return "timeout waiting for the reply to " + what;
        case ReadStatus::garbage:
            return "malformed reply to " + what + ": " + r.error;
        default:
            return "connection lost waiting for the reply to " + what +
                   (r.error.empty() ? "" : ": " + r.error);
    }
}

RecipientOutcome transient(int code, std::string status, std::string text) {
    return make_outcome(Kind::transient, code, std::move(status), std::move(text));
}

bool is_ip_literal(const std::string& s) {
    boost::system::error_code ec;
    asio::ip::make_address(s, ec);
    return !ec;
}

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view s,
                                                                     std::uint16_t default_port) {
    std::string host;
    std::string_view port_text;
    if (s.empty()) return std::nullopt;
    if (s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = std::string(s.substr(1, close - 1));
        std::string_view rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
            if (port_text.empty()) return std::nullopt;
        }
    } else {
        auto colon = s.find(':');
        if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos) {
            host = std::string(s);  // a bare IPv6 literal
        } else if (colon != std::string_view::npos) {
            host = std::string(s.substr(0, colon));
            port_text = s.substr(colon + 1);
            if (port_text.empty()) return std::nullopt;
        } else {
            host = std::string(s);
        }
    }
    if (host.empty()) return std::nullopt;
    std::uint32_t port = default_port;
    if (!port_text.empty()) {
        port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9' || port > 65535) return std::nullopt;
            port = port * 10 + std::uint32_t(c - '0');
        }
        if (port == 0 || port > 65535) return std::nullopt;
    }
    return std::make_pair(text::to_lower(host), static_cast<std::uint16_t>(port));
}

// ---- reading replies ------------------------------------------------------------

static asio::awaitable<ReadReply> read_reply(std::shared_ptr<OutboundDelivery::Session> s,
                                             Clock::duration timeout) {
    ReadReply out;
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) {
            out.status = ReadStatus::timeout;
            s->usable = false;
            co_return out;
        }
        net::LineResult line = co_await s->stream->read_line(kMaxReplyLine, left);
        if (!line.ok()) {
            s->usable = false;
            if (line.end == net::LineEnd::timeout)
                out.status = ReadStatus::timeout;
            else if (line.end == net::LineEnd::too_long) {
                out.status = ReadStatus::garbage;
                out.error = "reply line too long";
            } else {
                out.status = ReadStatus::closed;
                out.error =
                    line.end == net::LineEnd::eof ? "connection closed" : s->stream->error();
            }
            co_return out;
        }
        auto f = s->parser.feed(line.line);
        if (f == ReplyParser::Feed::more) continue;
        if (f == ReplyParser::Feed::error) {
            s->usable = false;
            out.status = ReadStatus::garbage;
            out.error = s->parser.error();
            s->parser.reset();
            co_return out;
        }
        out.status = ReadStatus::ok;
        out.reply = s->parser.take();
        if (out.reply.code == 421) s->usable = false;  // RFC 5321 3.8: the server is closing
        co_return out;
    }
}

// ---- construction -----------------------------------------------------------------

Result<std::shared_ptr<OutboundDelivery>> OutboundDelivery::create(
    asio::any_io_executor ex, const Config& cfg, std::shared_ptr<DnsResolver> dns) {
    return create(std::move(ex), cfg, std::move(dns), Options{});
}

Result<std::shared_ptr<OutboundDelivery>> OutboundDelivery::create(asio::any_io_executor ex,
                                                                   const Config& cfg,
                                                                   std::shared_ptr<DnsResolver> dns,
                                                                   Options opt) {
    std::shared_ptr<OutboundDelivery> d(new OutboundDelivery(ex, cfg, std::move(dns), opt));
    const auto& o = cfg.outbound;
    if (!o.smarthost.empty()) {
        if (!parse_host_port(o.smarthost, 587))
            return make_error(Errc::invalid,
                              "outbound.smarthost: not \"host\" or \"host:port\": " + o.smarthost);
        if (o.smarthost_tls != "starttls" && o.smarthost_tls != "implicit")
            return make_error(Errc::invalid,
                              "outbound.smarthost_tls: \"starttls\" or \"implicit\"");
        if (!o.smarthost_user.empty()) {
            std::ifstream f(o.smarthost_password_file, std::ios::binary);
            if (!f)
                return make_error(
                    Errc::unavailable,
                    "outbound.smarthost_password_file: cannot read " + o.smarthost_password_file);
            std::stringstream ss;
            ss << f.rdbuf();
            std::string pw = ss.str();
            while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
            d->smarthost_password_ = std::move(pw);
        }
    }
    auto tls = net::ClientTlsContext::create(false);
    if (!tls) return tls.error();
    d->tls_ = std::move(tls.value());
    return d;
}

OutboundDelivery::OutboundDelivery(asio::any_io_executor ex, const Config& cfg,
                                   std::shared_ptr<DnsResolver> dns, Options opt)
    : strand_(asio::make_strand(ex)),
      cfg_(cfg.outbound),
      helo_(cfg.outbound.helo_name.empty() ? cfg.server.hostname : cfg.outbound.helo_name),
      dns_(std::move(dns)),
      opt_(opt),
      reaper_(strand_) {
    if (helo_.empty()) helo_ = "localhost";
    local_names_.push_back(text::to_lower(helo_));
    if (!cfg.server.hostname.empty() && text::to_lower(cfg.server.hostname) != local_names_[0])
        local_names_.push_back(text::to_lower(cfg.server.hostname));
    if (cfg_.max_per_destination == 0) cfg_.max_per_destination = 1;
    if (cfg_.max_connections == 0) cfg_.max_connections = 1;
}

OutboundDelivery::~OutboundDelivery() = default;

// ---- limits and the pool -------------------------------------------------------------

asio::awaitable<std::shared_ptr<OutboundDelivery::Session>> OutboundDelivery::acquire(
    std::string host, std::string key) {
    for (;;) {
        // A parked connection to the host first: no new connection needed.
        std::shared_ptr<Session> pooled = co_await take_pooled(key);
        if (pooled) co_return pooled;
        if (per_host_[host] < cfg_.max_per_destination && total_ < cfg_.max_connections) {
            ++per_host_[host];
            ++total_;
            co_return nullptr;  // a slot for a new connection
        }
        // An idle connection elsewhere gives its slot to a delivery that needs one.
        bool freed =
            per_host_[host] >= cfg_.max_per_destination ? evict_idle(host) : evict_idle("");
        if (freed) continue;
        auto t = std::make_shared<asio::steady_timer>(strand_, Clock::time_point::max());
        waiters_.push_back(t);
        auto [ec] = co_await t->async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // woken: a slot was released or a connection parked
        std::erase(waiters_, t);
    }
}

void OutboundDelivery::wake_waiters() {
    for (auto& w : waiters_) w->cancel();  // each re-checks the pool and the limits
}

void OutboundDelivery::release_slot(const std::string& host) {
    auto it = per_host_.find(host);
    if (it != per_host_.end() && it->second > 0 && --it->second == 0) per_host_.erase(it);
    if (total_ > 0) --total_;
    wake_waiters();
}

bool OutboundDelivery::evict_idle(const std::string& host) {
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (!host.empty() && it->second->host != host) continue;
        auto s = it->second;
        idle_.erase(it);
        release_slot(s->host);
        asio::co_spawn(strand_, quit_and_close(s), asio::detached);
        return true;
    }
    return false;
}

void OutboundDelivery::park(std::shared_ptr<Session> s) {
    s->idle_since = Clock::now();
    idle_.emplace(s->key, std::move(s));
    arm_reaper();
    wake_waiters();
}

void OutboundDelivery::arm_reaper() {
    if (reaper_armed_ || idle_.empty()) return;
    reaper_armed_ = true;
    reaper_.expires_after(
        std::chrono::milliseconds(std::max<long>(100, opt_.reuse_idle.count() / 2)));
    std::weak_ptr<OutboundDelivery> weak = weak_from_this();
    reaper_.async_wait(asio::bind_executor(strand_, [weak](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!self) return;
        self->reaper_armed_ = false;
        if (ec) return;
        const auto now = Clock::now();
        for (auto it = self->idle_.begin(); it != self->idle_.end();) {
            if (now - it->second->idle_since >= self->opt_.reuse_idle) {
                auto s = it->second;
                it = self->idle_.erase(it);
                self->release_slot(s->host);
                asio::co_spawn(self->strand_, self->quit_and_close(s), asio::detached);
            } else {
                ++it;
            }
        }
        self->arm_reaper();
    }));
}

asio::awaitable<void> OutboundDelivery::quit_and_close(std::shared_ptr<Session> s) {
    const Clock::duration t = std::chrono::seconds(5);
    bool ok = s->stream->is_open() && s->usable;
    if (ok) ok = co_await s->stream->write("QUIT\r\n", t);
    if (ok) {
        ReadReply r = co_await read_reply(s, t);
        log::debug("event=outbound_quit host={} reply={}", s->host, r.reply.code);
    }
    s->stream->close();
}

asio::awaitable<void> OutboundDelivery::close_idle_on_strand() {
    while (!idle_.empty()) {
        auto s = idle_.begin()->second;
        idle_.erase(idle_.begin());
        release_slot(s->host);
        co_await quit_and_close(s);
    }
}

asio::awaitable<void> OutboundDelivery::close_idle() {
    co_await asio::co_spawn(strand_, close_idle_on_strand(), asio::use_awaitable);
}

asio::awaitable<OutboundDelivery::Stats> OutboundDelivery::stats_on_strand() { co_return stats_; }

asio::awaitable<OutboundDelivery::Stats> OutboundDelivery::stats() {
    co_return co_await asio::co_spawn(strand_, stats_on_strand(), asio::use_awaitable);
}

asio::awaitable<std::shared_ptr<OutboundDelivery::Session>> OutboundDelivery::take_pooled(
    std::string key) {
    for (;;) {
        auto it = idle_.find(key);
        if (it == idle_.end()) co_return nullptr;
        auto s = it->second;
        idle_.erase(it);
        // RFC 5321 4.1.1.5: RSET before the next transaction, which also
        // tells whether the server still talks to us.
        const Clock::duration t = cfg_.command_timeout;
        bool wrote = co_await s->stream->write("RSET\r\n", t);
        if (wrote) {
            ReadReply r = co_await read_reply(s, t);
            if (r.status == ReadStatus::ok && r.reply.code == 250) {
                ++stats_.connections_reused;
                co_return s;
            }
        }
        s->stream->close();
        release_slot(s->host);
    }
}

// ---- one connection -------------------------------------------------------------

asio::awaitable<std::shared_ptr<OutboundDelivery::Session>> OutboundDelivery::open_session(
    Target target, std::string address, bool no_tls, Attempt* failure) {
    const auto cmd_timeout = std::chrono::duration_cast<Clock::duration>(cfg_.command_timeout);
    auto s = std::make_shared<Session>();
    s->stream = std::make_shared<net::ClientStream>(strand_);
    s->host = target.host;
    s->address = address;
    s->key = target.host + ":" + std::to_string(target.port);
    const std::string where = target.host + "[" + address + "]:" + std::to_string(target.port);
    auto fail = [&](int code, std::string status, std::string text) {
        failure->host_error = transient(code, std::move(status), std::move(text));
        failure->host_error->remote_mta = target.host;
        failure->host_error->remote_address = address;
        s->stream->close();
    };

    std::string source;
    bool v6 = address.find(':') != std::string::npos;
    for (const auto& src : cfg_.source_addresses)
        if ((src.find(':') != std::string::npos) == v6) source = src;
    const Clock::duration connect_timeout = cfg_.connect_timeout;
    bool connected = co_await s->stream->connect(address, target.port, source, connect_timeout);
    if (!connected) {
        fail(451, "4.4.1", "connect to " + where + " failed: " + s->stream->error());
        co_return nullptr;
    }
    ++stats_.connections_opened;
    if (target.implicit_tls) {
        bool tls_ok = co_await s->stream->start_tls(tls_, target.host, cmd_timeout);
        if (!tls_ok) {
            fail(451, "4.7.5", "TLS with " + where + " failed: " + s->stream->error());
            co_return nullptr;
        }
    }
    // [outbound] connect_timeout covers the greeting too (docs/configuration.md),
    // as Postfix's smtp_connect_timeout + a short greeting wait would.
    auto greet = co_await read_reply(s, connect_timeout);
    if (greet.status != ReadStatus::ok) {
        fail(451, "4.4.2", where + ": " + read_failure_text(greet, "the greeting"));
        co_return nullptr;
    }
    if (greet.reply.code != 220) {
        // A 5xx greeting too is taken as "try another host" (Postfix's
        // smtp_skip_5xx_greeting): it is about this host, not the mail.
        fail(451,
             greet.reply.transient() && !greet.reply.enhanced.empty() ? greet.reply.enhanced
                                                                      : "4.4.2",
             where + " greeted with: " + greet.reply.summary());
        co_return nullptr;
    }

    // EHLO (HELO when the server does not know it), again after STARTTLS.
    for (int round = 0; round < 2; ++round) {
        const std::string ehlo_cmd = "EHLO " + helo_ + "\r\n";
        bool wrote = co_await s->stream->write(ehlo_cmd, cmd_timeout);
        if (!wrote) {
            fail(451, "4.4.2", where + ": connection lost sending EHLO: " + s->stream->error());
            co_return nullptr;
        }
        auto ehlo = co_await read_reply(s, cmd_timeout);
        if (ehlo.status != ReadStatus::ok) {
            fail(451, "4.4.2", where + ": " + read_failure_text(ehlo, "EHLO"));
            co_return nullptr;
        }
        if (ehlo.reply.code == 250) {
            s->caps = parse_ehlo(ehlo.reply);
        } else if (ehlo.reply.permanent() && round == 0) {
            const std::string helo_cmd = "HELO " + helo_ + "\r\n";
            wrote = co_await s->stream->write(helo_cmd, cmd_timeout);
            if (!wrote) {
                fail(451, "4.4.2", where + ": connection lost sending HELO");
                co_return nullptr;
            }
            auto helo = co_await read_reply(s, cmd_timeout);
            if (helo.status != ReadStatus::ok || helo.reply.code != 250) {
                fail(451, "4.4.2",
                     where + ": HELO " +
                         (helo.status == ReadStatus::ok ? "refused: " + helo.reply.summary()
                                                        : read_failure_text(helo, "HELO")));
                co_return nullptr;
            }
            s->caps = EhloCapabilities{};
        } else {
            fail(451, "4.4.2", where + ": EHLO refused: " + ehlo.reply.summary());
            co_return nullptr;
        }
        if (round == 1 || s->stream->is_tls() || no_tls || !target.try_tls) break;
        if (!s->caps.starttls) break;
        wrote = co_await s->stream->write("STARTTLS\r\n", cmd_timeout);
        if (!wrote) {
            fail(451, "4.4.2", where + ": connection lost sending STARTTLS");
            co_return nullptr;
        }
        auto st = co_await read_reply(s, cmd_timeout);
        if (st.status != ReadStatus::ok) {
            fail(451, "4.4.2", where + ": " + read_failure_text(st, "STARTTLS"));
            co_return nullptr;
        }
        if (st.reply.code != 220) {
            if (target.require_tls) {
                fail(451, "4.7.5", where + ": STARTTLS refused: " + st.reply.summary());
                co_return nullptr;
            }
            break;  // opportunistic: go on in plaintext
        }
        bool tls_ok = co_await s->stream->start_tls(tls_, target.host, cmd_timeout);
        if (!tls_ok) {
            failure->tls_failed = true;
            fail(451, "4.7.5", "TLS handshake with " + where + " failed: " + s->stream->error());
            co_return nullptr;
        }
    }
    if (target.require_tls && !s->stream->is_tls()) {
        fail(451, "4.7.4", where + " does not offer STARTTLS, and TLS is required");
        co_return nullptr;
    }

    if (target.auth) {
        const std::string user = cfg_.smarthost_user;
        bool plain = false, login = false;
        for (const auto& m : s->caps.auth) {
            plain = plain || m == "PLAIN";
            login = login || m == "LOGIN";
        }
        if (!plain && !login) {
            fail(451, "4.7.0", where + " offers neither AUTH PLAIN nor AUTH LOGIN");
            co_return nullptr;
        }
        std::vector<std::string> steps;
        if (plain) {
            steps.push_back(
                "AUTH PLAIN " +
                base64_encode(std::string(1, '\0') + user + '\0' + smarthost_password_) + "\r\n");
        } else {
            steps.push_back("AUTH LOGIN\r\n");
            steps.push_back(base64_encode(user) + "\r\n");
            steps.push_back(base64_encode(smarthost_password_) + "\r\n");
        }
        for (std::size_t i = 0; i < steps.size(); ++i) {
            bool wrote = co_await s->stream->write(steps[i], cmd_timeout);
            if (!wrote) {
                fail(451, "4.4.2", where + ": connection lost during AUTH");
                co_return nullptr;
            }
            auto r = co_await read_reply(s, cmd_timeout);
            if (r.status != ReadStatus::ok) {
                fail(451, "4.4.2", where + ": " + read_failure_text(r, "AUTH"));
                co_return nullptr;
            }
            const bool last = i + 1 == steps.size();
            if ((last && r.reply.code != 235) || (!last && r.reply.code != 334)) {
                // Wrong credentials are a configuration problem the admin
                // can fix: retry rather than bounce (as Postfix does).
                fail(451, "4.7.0", where + ": authentication failed: " + r.reply.summary());
                co_return nullptr;
            }
        }
    }
    log::debug("event=outbound_connected host={} address={} port={} tls={} pipelining={}",
               target.host, address, target.port,
               s->stream->is_tls() ? s->stream->tls_version() : "no", s->caps.pipelining);
    co_return s;
}

// ---- one transaction --------------------------------------------------------------

asio::awaitable<void> OutboundDelivery::transaction(std::shared_ptr<Session> s,
                                                    const OutboundMessage* msg,
                                                    std::vector<std::size_t> pending,
                                                    Attempt* out) {
    const auto cmd_timeout = std::chrono::duration_cast<Clock::duration>(cfg_.command_timeout);
    const std::string where = s->host + "[" + s->address + "]";
    auto stamp = [&](RecipientOutcome o) {
        o.remote_mta = s->host;
        o.remote_address = s->address;
        return o;
    };
    // An I/O failure before the final ".": nothing was delivered; every
    // recipient without a permanent outcome goes on to the next host.
    auto lost = [&](const std::string& text) {
        s->usable = false;
        out->host_error = stamp(transient(451, "4.4.2", where + ": " + text));
        out->still_pending.clear();
        for (auto i : pending)
            if (!out->results[i] || out->results[i]->kind == Kind::transient)
                out->still_pending.push_back(i);
    };

    if (auto refusal = refuse_before_mail(*msg, s->caps)) {
        for (auto i : pending)
            out->results[i] = stamp(make_outcome(Kind::permanent, refusal->code, refusal->status,
                                                 where + ": " + refusal->text));
        co_return;
    }
    std::vector<std::size_t> send;  // recipients that get a RCPT
    for (auto i : pending) {
        if (!s->caps.smtputf8 && recipient_needs_utf8(msg->recipients[i]))
            out->results[i] =
                stamp(make_outcome(Kind::permanent, 553, "5.6.7",
                                   where + ": the recipient address needs SMTPUTF8 (RFC 6531) and "
                                           "the server does not offer it"));
        else
            send.push_back(i);
    }
    if (send.empty()) co_return;
    ++stats_.transactions;

    const std::string mail = mail_command(*msg, s->caps);
    const bool pipelined = s->caps.pipelining;
    if (pipelined) {
        std::string batch = mail;
        for (auto i : send) batch += rcpt_command(msg->recipients[i], s->caps);
        batch += "DATA\r\n";
        bool wrote = co_await s->stream->write(batch, cmd_timeout);
        if (!wrote) {
            lost("connection lost sending MAIL: " + s->stream->error());
            co_return;
        }
    } else {
        bool wrote = co_await s->stream->write(mail, cmd_timeout);
        if (!wrote) {
            lost("connection lost sending MAIL: " + s->stream->error());
            co_return;
        }
    }
    auto mail_reply = co_await read_reply(s, cmd_timeout);
    if (mail_reply.status != ReadStatus::ok) {
        lost(read_failure_text(mail_reply, "MAIL FROM"));
        co_return;
    }
    bool mail_ok = mail_reply.reply.positive();
    std::vector<std::size_t> accepted;
    std::vector<std::size_t> retry;  // 4xx on RCPT: try the next host
    for (auto i : send) {
        if (!pipelined && !mail_ok) break;
        if (!pipelined) {
            const std::string rcpt = rcpt_command(msg->recipients[i], s->caps);
            bool wrote = co_await s->stream->write(rcpt, cmd_timeout);
            if (!wrote) {
                lost("connection lost sending RCPT TO: " + s->stream->error());
                co_return;
            }
        }
        auto r = co_await read_reply(s, cmd_timeout);
        if (r.status != ReadStatus::ok) {
            lost(read_failure_text(r, "RCPT TO"));
            co_return;
        }
        if (!mail_ok) continue;  // pipelined replies to RCPTs after a failed MAIL
        auto o = stamp(outcome_from_reply(r.reply));
        if (o.kind == Kind::delivered) {
            accepted.push_back(i);
        } else {
            o.text = where + " said: " + o.text + " (in reply to RCPT TO)";
            if (o.kind == Kind::transient) retry.push_back(i);
            out->results[i] = std::move(o);
        }
    }
    if (!mail_ok) {
        if (pipelined) {  // the DATA reply is on its way too
            auto d = co_await read_reply(s, cmd_timeout);
            bool send_dot = d.status == ReadStatus::ok && d.reply.code == 354;
            if (send_dot) send_dot = co_await s->stream->write(".\r\n", cmd_timeout);
            if (send_dot) {
                ReadReply r = co_await read_reply(s, cmd_timeout);
                log::debug("event=outbound_empty_data host={} reply={}", s->host, r.reply.code);
            }
        }
        auto o = stamp(outcome_from_reply(mail_reply.reply));
        o.text = where + " said: " + o.text + " (in reply to MAIL FROM)";
        if (o.kind == Kind::transient || o.kind == Kind::delivered) {
            if (o.kind == Kind::delivered)
                o.kind = Kind::transient;  // cannot happen; never claim delivery
            out->host_error = o;
            out->still_pending = send;
        } else {
            for (auto i : send) out->results[i] = o;
        }
        co_return;
    }
    if (!pipelined && accepted.empty()) {
        out->still_pending = retry;
        co_return;
    }
    if (!pipelined) {
        bool wrote = co_await s->stream->write("DATA\r\n", cmd_timeout);
        if (!wrote) {
            lost("connection lost sending DATA: " + s->stream->error());
            co_return;
        }
    }
    auto data_reply = co_await read_reply(s, cmd_timeout);
    if (data_reply.status != ReadStatus::ok) {
        lost(read_failure_text(data_reply, "DATA"));
        co_return;
    }
    if (accepted.empty()) {
        // RFC 2920 3.1: every RCPT failed but DATA was accepted: send an
        // empty message, which the server must reject.
        if (data_reply.reply.code == 354) {
            bool wrote = co_await s->stream->write(".\r\n", cmd_timeout);
            if (!wrote) {
                s->usable = false;
            } else {
                ReadReply r = co_await read_reply(s, cmd_timeout);
                log::debug("event=outbound_empty_data host={} reply={}", s->host, r.reply.code);
            }
        }
        out->still_pending = retry;
        co_return;
    }
    if (data_reply.reply.code != 354) {
        auto o = stamp(outcome_from_reply(data_reply.reply));
        o.text = where + " said: " + o.text + " (in reply to DATA)";
        if (o.kind != Kind::permanent) {
            o.kind = Kind::transient;
            for (auto i : accepted) {
                out->results[i] = o;
                retry.push_back(i);
            }
        } else {
            for (auto i : accepted) out->results[i] = o;
        }
        out->still_pending = retry;
        co_return;
    }
    const std::string payload = data_payload(*msg->data);
    bool sent = co_await s->stream->write(payload, cmd_timeout);
    if (!sent) {
        // Before the final "." went out: nothing was delivered.
        lost("connection lost sending the message: " + s->stream->error());
        co_return;
    }
    auto final_reply = co_await read_reply(s, 2 * cmd_timeout);
    if (final_reply.status != ReadStatus::ok) {
        // After the final ".": the server may have taken it. Transient, but
        // no other host now (RFC 5321 6.1 accepts the possible duplicate).
        s->usable = false;
        auto o = stamp(transient(451, "4.4.2",
                                 where + ": " + read_failure_text(final_reply, "end of data") +
                                     " (the message may have been delivered)"));
        for (auto i : accepted) out->results[i] = o;
        out->still_pending = retry;
        co_return;
    }
    auto o = stamp(outcome_from_reply(final_reply.reply));
    if (o.kind == Kind::delivered) {
        o.text = where + " said: " + o.text;
        for (auto i : accepted) {
            out->results[i] = o;
            if (!s->caps.dsn && (msg->recipients[i].notify & notify_success))
                out->results[i]->relayed_without_dsn = true;
        }
        log::info(
            "event=outbound_delivered host={} address={} recipients={} size={} tls={} reply={}",
            s->host, s->address, accepted.size(), msg->data->size(),
            s->stream->is_tls() ? "yes" : "no", log::quote(final_reply.reply.summary()));
    } else {
        o.text = where + " said: " + o.text + " (in reply to end of data)";
        for (auto i : accepted) {
            out->results[i] = o;
            if (o.kind == Kind::transient) retry.push_back(i);
        }
    }
    out->still_pending = retry;
}

asio::awaitable<OutboundDelivery::Attempt> OutboundDelivery::attempt(
    Target target, std::string address, const OutboundMessage* msg,
    std::vector<std::size_t> pending) {
    Attempt a;
    a.results.resize(msg->recipients.size());
    const std::string key = target.host + ":" + std::to_string(target.port);
    std::shared_ptr<Session> s = co_await acquire(target.host, key);
    if (!s) {
        s = co_await open_session(target, address, false, &a);
        if (!s && a.tls_failed && !target.require_tls) {
            // Opportunistic TLS that fails: once more in plaintext (RFC 7435).
            log::info("event=outbound_tls_fallback host={} address={}", target.host, address);
            a = Attempt{};
            a.results.resize(msg->recipients.size());
            s = co_await open_session(target, address, true, &a);
        }
        if (!s) {
            release_slot(target.host);
            a.still_pending = pending;
            co_return a;
        }
    }
    co_await transaction(s, msg, pending, &a);
    if (s->usable && s->stream->is_open()) {
        park(s);
    } else {
        s->stream->close();
        release_slot(s->host);
    }
    co_return a;
}

// ---- routing ------------------------------------------------------------------------

asio::awaitable<std::vector<RecipientOutcome>> OutboundDelivery::route(std::string domain,
                                                                       OutboundMessage msg) {
    const std::size_t n = msg.recipients.size();
    std::vector<std::optional<RecipientOutcome>> results(n);
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < n; ++i) pending.push_back(i);
    auto finish = [&](std::optional<RecipientOutcome> fallback) {
        std::vector<RecipientOutcome> out;
        for (std::size_t i = 0; i < n; ++i) {
            if (results[i])
                out.push_back(*results[i]);
            else if (fallback)
                out.push_back(*fallback);
            else
                out.push_back(transient(451, "4.4.0", "no delivery attempt was possible"));
        }
        return out;
    };
    auto all = [&](RecipientOutcome o) {
        for (auto i : pending) results[i] = o;
        return finish(std::nullopt);
    };
    if (n == 0) co_return std::vector<RecipientOutcome>{};
    if (!msg.data) co_return all(make_outcome(Kind::permanent, 554, "5.3.0", "no message data"));

    std::vector<Target> targets;
    if (!cfg_.smarthost.empty()) {
        const bool implicit = cfg_.smarthost_tls == "implicit";
        auto hp = parse_host_port(cfg_.smarthost, implicit ? 465 : 587);
        Target t;
        t.host = hp->first;
        t.port = hp->second;
        t.implicit_tls = implicit;
        t.require_tls = true;
        t.try_tls = !implicit;
        t.auth = !cfg_.smarthost_user.empty();
        targets.push_back(t);
    } else {
        auto mx = co_await dns_->lookup_mx(domain);
        if (!mx) {
            if (mx.error().code == Errc::unavailable)
                co_return all(transient(451, "4.4.3", mx.error().message));
            co_return all(make_outcome(Kind::permanent, 550, "5.1.2", mx.error().message));
        }
        MxPlanOptions po;
        po.local_names = local_names_;
        po.max_hosts = opt_.max_mx_hosts;
        po.seed = opt_.mx_seed;
        MxPlan plan = plan_mx(mx->canonical_name, mx->records, po);
        if (!plan.ok())
            co_return all(make_outcome(Kind::permanent, plan.code, plan.status, plan.text));
        for (const auto& h : plan.hosts) {
            Target t;
            t.host = h.name;
            t.port = cfg_.port;
            t.require_tls = cfg_.tls == "required";
            t.try_tls = cfg_.tls != "none";
            targets.push_back(t);
        }
    }

    std::optional<RecipientOutcome> last_error;
    bool any_host_resolved = false, any_temporary_dns = false;
    std::size_t attempts = 0;
    for (std::size_t ti = 0; ti < targets.size() && !pending.empty(); ++ti) {
        std::vector<std::string> addresses;
        if (is_ip_literal(targets[ti].host)) {
            addresses.push_back(targets[ti].host);
        } else {
            auto a = co_await dns_->lookup_addresses(targets[ti].host);
            if (!a) {
                if (a.error().code == Errc::unavailable) any_temporary_dns = true;
                last_error = transient(451, "4.4.3", a.error().message);
                continue;
            }
            addresses = a->addresses;
            if (addresses.empty()) {
                last_error =
                    transient(451, "4.4.4", "host " + targets[ti].host + " has no address");
                continue;
            }
        }
        any_host_resolved = true;
        for (std::size_t ai = 0; ai < addresses.size() && !pending.empty(); ++ai) {
            if (attempts++ >= opt_.max_addresses) break;
            Attempt a = co_await attempt(targets[ti], addresses[ai], &msg, pending);
            for (std::size_t i = 0; i < n; ++i)
                if (a.results[i]) results[i] = std::move(a.results[i]);
            if (a.host_error) {
                last_error = a.host_error;
                log::info("event=outbound_host_failed host={} address={} error={}",
                          targets[ti].host, addresses[ai], log::quote(a.host_error->text));
            }
            pending = std::move(a.still_pending);
        }
    }
    if (!pending.empty() && !any_host_resolved && !any_temporary_dns && last_error) {
        // No MX host (or the implicit one) has an address at all: nothing
        // will change on retry soon, but DNS data does change; Postfix
        // bounces here (5.4.4), and so do we.
        last_error->kind = Kind::permanent;
        last_error->code = 550;
        last_error->status = "5.4.4";
    }
    // Recipients still pending keep their latest per-recipient transient
    // outcome (4xx to RCPT/DATA) or get the last host error.
    for (auto i : pending)
        if (!results[i] && last_error) results[i] = *last_error;
    co_return finish(last_error);
}

asio::awaitable<std::vector<RecipientOutcome>> OutboundDelivery::deliver_on_strand(
    std::string domain, OutboundMessage msg) {
    const std::size_t n = msg.recipients.size();
    try {
        co_return co_await route(std::move(domain), std::move(msg));
    } catch (const std::exception& e) {
        log::error("event=outbound_internal_error error={}", log::quote(e.what()));
        co_return std::vector<RecipientOutcome>(
            n, transient(451, "4.3.0", std::string("internal error: ") + e.what()));
    }
}

asio::awaitable<std::vector<RecipientOutcome>> OutboundDelivery::deliver(std::string domain,
                                                                         OutboundMessage msg) {
    const std::size_t n = msg.recipients.size();
    try {
        co_return co_await asio::co_spawn(
            strand_, deliver_on_strand(std::move(domain), std::move(msg)), asio::use_awaitable);
    } catch (const std::exception& e) {
        co_return std::vector<RecipientOutcome>(
            n, transient(451, "4.3.0", std::string("internal error: ") + e.what()));
    }
}

}  // namespace postamt::smtp
