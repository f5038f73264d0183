// Session entry points, replies, the command dispatch, HELO/EHLO, STARTTLS
// and the small commands (RSET, NOOP, QUIT, HELP, VRFY, EXPN, AUTH).
#include "smtp/session.h"

#include <fmt/core.h>

#include "common/log.h"
#include "smtp/queue_id.h"
#include "smtp/session_state.h"

namespace postamt::smtp {

SessionOptions SessionOptions::from_config(const Config& cfg, Mode mode, bool tls_available) {
    SessionOptions o;
    o.mode = mode;
    o.hostname = cfg.server.hostname.empty() ? "localhost" : cfg.server.hostname;
    o.banner = cfg.smtp.banner;
    o.postmaster_domain =
        cfg.server.default_domain.empty() ? o.hostname : cfg.server.default_domain;
    o.max_message_size = cfg.limits.max_message_size;
    o.max_recipients = cfg.smtp.max_recipients;
    o.max_errors = cfg.limits.max_errors;
    o.helo_required = cfg.smtp.helo_required;
    o.tls_available = tls_available;
    o.plaintext_auth_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    o.submission_max_recipients = cfg.submission.max_recipients;
    o.received = cfg.submission.received_header == "full"   ? ReceivedPolicy::full
                 : cfg.submission.received_header == "none" ? ReceivedPolicy::none
                                                            : ReceivedPolicy::hide_client;
    if (mode == Mode::inbound) o.received = ReceivedPolicy::full;
    return o;
}

Session::Session(SessionOptions opt, SessionEnv env) : s_(std::make_unique<State>()) {
    s_->opt = std::move(opt);
    s_->env = std::move(env);
}

Session::~Session() = default;

bool Session::closed() const { return s_->phase == Phase::closed; }
bool Session::awaiting_result() const {
    switch (s_->phase) {
        case Phase::wait_lookup:
        case Phase::wait_quota:
        case Phase::wait_delivery:
        case Phase::wait_tls:
        case Phase::wait_auth:
        case Phase::wait_sender:
        case Phase::chunk:
            return true;
        default:
            return false;
    }
}
bool Session::in_data() const { return s_->phase == Phase::data; }
uint32_t Session::error_count() const { return s_->errors; }

// ---- replies ------------------------------------------------------------------

std::chrono::system_clock::time_point Session::State::now() const {
    return env.now ? env.now() : std::chrono::system_clock::now();
}

std::string Session::State::next_queue_id() {
    return env.next_queue_id ? env.next_queue_id() : make_queue_id(now());
}

std::string Session::State::tls_log() const { return tls ? tls->version : std::string("no"); }

Step Session::State::reply(const Reply& r, bool flush) {
    if (r.is_error()) ++errors;
    return step::Reply{r.wire(), flush || r.is_error()};
}

Step Session::State::reply(int code, std::string_view enh, std::string text, bool flush) {
    return reply(Reply{code, std::string(enh), std::move(text)}, flush);
}

Step Session::State::reply_close(int code, std::string_view enh, std::string text) {
    phase = Phase::closed;
    return step::ReplyAndClose{Reply{code, std::string(enh), std::move(text)}.wire()};
}

Step Session::State::internal_error(std::string_view what) {
    log::error("event=smtp_internal_error what={} rip={}", log::quote(what), log::quote(peer.ip));
    return reply_close(421, "4.3.0", opt.hostname + " Error: internal error, closing connection");
}

void Session::State::reset_transaction() {
    txn.reset();
    pending.reset();
    pending_mail.reset();
    data.reset();
    delivery.reset();
}

// ---- events -------------------------------------------------------------------

Step Session::on_connect(const PeerInfo& peer) {
    auto& s = *s_;
    if (s.phase != Phase::idle) return s.internal_error("on_connect twice");
    s.peer = peer;
    s.tls = peer.tls;
    if (peer.too_many_connections) {
        log::info("event=smtp_rejected reason=too_many_connections rip={}", log::quote(peer.ip));
        return s.reply_close(421, "4.7.0", s.opt.hostname + " Error: too many connections");
    }
    s.phase = Phase::command;
    // RFC 5321 4.3.1 / RFC 2034 3: the greeting carries no enhanced code.
    return step::Reply{Reply{220, "", s.opt.hostname + " " + s.opt.banner}.wire(), true};
}

Step Session::on_early_input() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return step::None{};
    log::info("event=smtp_rejected reason=pregreet rip={}", log::quote(s.peer.ip));
    return s.reply_close(
        554, "5.5.0", s.opt.hostname + " Error: protocol error, client spoke before the greeting");
}

Step Session::on_timeout() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return step::None{};
    log::info("event=smtp_timeout rip={} helo={}", log::quote(s.peer.ip), log::quote(s.helo));
    return s.reply_close(421, "4.4.2", s.opt.hostname + " Error: timeout exceeded");
}

Step Session::on_shutdown() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return step::None{};
    return s.reply_close(421, "4.3.2", s.opt.hostname + " Service shutting down, try again later");
}

Step Session::on_line(std::string_view bytes, LineEnd end, bool more_pending) {
    auto& s = *s_;
    switch (s.phase) {
        case Phase::closed:
        case Phase::idle:
            return step::None{};
        case Phase::data:
            return s.data_line(bytes, end);
        case Phase::sasl:
        case Phase::sasl_final:
            // RFC 4954 4: an overlong response ends the exchange with
            // 500 5.5.6, once the line has ended (the session stays in sync).
            if (end == LineEnd::none) {
                s.line_too_long = true;
                return step::None{};
            }
            if (s.line_too_long) {
                s.line_too_long = false;
                return s.end_sasl(500, "5.5.6", "Authentication exchange line is too long");
            }
            return s.sasl_response(bytes);
        case Phase::command:
            break;
        default:
            return s.internal_error("line while waiting for a result");
    }
    if (end == LineEnd::none) {
        // A fragment: keep up to the limit, then only remember "too long"
        // and answer once when the line ends (so the session stays in sync).
        if (!s.line_too_long) {
            if (s.line_buf.size() + bytes.size() > kMaxCommandLine) {
                s.line_too_long = true;
                s.line_buf.clear();
            } else {
                s.line_buf.append(bytes);
            }
        }
        return step::None{};
    }
    // RFC 5321 2.3.8 wants CRLF; a command ending in a bare LF is read as if
    // it ended in CRLF (as Postfix does). In DATA a bare LF is refused.
    if (s.line_too_long || s.line_buf.size() + bytes.size() > kMaxCommandLine) {
        s.line_too_long = false;
        s.line_buf.clear();
        if (s.opt.max_errors && s.errors >= s.opt.max_errors)
            return s.reply_close(421, "4.7.0", s.opt.hostname + " Error: too many errors");
        return s.reply(500, "5.5.2", "Error: line too long");
    }
    if (s.line_buf.empty()) return s.command_line(bytes, more_pending);
    std::string line = std::move(s.line_buf);
    s.line_buf.clear();
    line.append(bytes);
    return s.command_line(line, more_pending);
}

Step Session::on_chunk_data(std::string_view bytes) {
    auto& s = *s_;
    if (s.phase != Phase::chunk)
        return s.phase == Phase::closed ? Step{step::None{}}
                                        : s.internal_error("unexpected chunk data");
    return s.chunk_data(bytes);
}

void Session::on_tls_started(const TlsInfo& tls) {
    auto& s = *s_;
    if (s.phase != Phase::wait_tls) return;
    s.tls = tls;
    // RFC 3207 4.2: discard all knowledge obtained from the client.
    s.helo.clear();
    s.esmtp = false;
    s.user.reset();
    s.reset_transaction();
    s.phase = Phase::command;
}

Step Session::on_lookup_result(Result<store::Resolution> r) {
    auto& s = *s_;
    if (s.phase == Phase::wait_sender) return s.sender_result(std::move(r));
    if (s.phase != Phase::wait_lookup) return s.internal_error("unexpected lookup result");
    return s.lookup_result(std::move(r));
}

Step Session::on_quota_result(Status st, std::optional<int64_t> quota_limit) {
    auto& s = *s_;
    if (s.phase != Phase::wait_quota) return s.internal_error("unexpected quota result");
    return s.quota_result(std::move(st), quota_limit);
}

Step Session::on_delivery_result(Result<std::vector<store::DeliveredCopy>> r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_delivery) return s.internal_error("unexpected delivery result");
    return s.delivery_result(std::move(r));
}

// ---- commands -----------------------------------------------------------------

Step Session::State::command_line(std::string_view line, bool more_pending) {
    // Too many errors (limits.max_errors): the next command gets 421.
    if (opt.max_errors && errors >= opt.max_errors) {
        log::info("event=smtp_rejected reason=too_many_errors errors={} rip={} helo={}", errors,
                  log::quote(peer.ip), log::quote(helo));
        return reply_close(421, "4.7.0", opt.hostname + " Error: too many errors");
    }
    Command c = parse_command(line);
    if (c.error) {
        if (c.verb == Verb::bdat) {
            // The chunk follows the command whatever we think of it.
            if (c.lost_sync) {
                ++errors;
                return reply_close(c.error->code, c.error->enhanced,
                                   c.error->text + " (closing: chunk size unknown)");
            }
            Command copy = c;
            return cmd_bdat(copy);
        }
        return reply(*c.error, ends_pipeline_group(c.verb));
    }
    return dispatch(std::move(c), more_pending);
}

Step Session::State::dispatch(Command c, bool more_pending) {
    const bool flush = ends_pipeline_group(c.verb);
    switch (c.verb) {
        case Verb::ehlo:
        case Verb::helo:
            return cmd_helo(c);
        case Verb::mail:
            return cmd_mail(std::move(c));
        case Verb::rcpt:
            return cmd_rcpt(std::move(c));
        case Verb::data:
            return cmd_data();
        case Verb::bdat:
            return cmd_bdat(c);
        case Verb::rset:
            reset_transaction();
            return reply(250, "2.0.0", "Ok", flush);
        case Verb::noop:
            return reply(250, "2.0.0", "Ok", flush);
        case Verb::quit:
            phase = Phase::closed;
            return step::ReplyAndClose{Reply{221, "2.0.0", "Bye"}.wire()};
        case Verb::help:
            return reply(
                214, "2.0.0",
                "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY STARTTLS AUTH; "
                "see RFC 5321",
                flush);
        case Verb::vrfy:
            // Never confirm or deny a user (address harvesting).
            return reply(252, "2.5.0",
                         "Cannot VRFY user, but will accept message and attempt delivery", flush);
        case Verb::expn:
            return reply(502, "5.5.1", "Error: EXPN not available", flush);
        case Verb::starttls:
            return cmd_starttls(more_pending);
        case Verb::auth:
            return cmd_auth(c);
        case Verb::unknown:
            break;
    }
    return reply(500, "5.5.1", "Error: command not recognized");
}

Step Session::State::cmd_helo(const Command& c) {
    // RFC 5321 4.1.4: EHLO/HELO anywhere resets the transaction.
    reset_transaction();
    helo = c.argument;
    esmtp = c.verb == Verb::ehlo;
    if (!esmtp) return step::Reply{Reply{250, "", opt.hostname}.wire(), true};
    // RFC 2034 3: no enhanced codes in the EHLO response.
    std::vector<std::string> lines{
        opt.hostname, "PIPELINING", fmt::format("SIZE {}", opt.max_message_size),
        "8BITMIME",   "SMTPUTF8",   "ENHANCEDSTATUSCODES",
        "CHUNKING"};
    if (opt.tls_available && !tls) lines.emplace_back("STARTTLS");
    // RFC 4954 3: AUTH only on submission, and only where credentials are
    // safe (after TLS, or loopback when allowed); port 25 never offers it.
    if (opt.mode == Mode::submission && plaintext_auth_ok() && !user) {
        std::string mechs = "AUTH";
        for (auto m : auth::advertised_mechanisms(true)) {
            mechs += ' ';
            mechs += m;
        }
        lines.push_back(std::move(mechs));
    }
    return step::Reply{multiline_wire(250, lines), true};
}

Step Session::State::cmd_starttls(bool more_pending) {
    if (tls) return reply(503, "5.5.1", "Error: TLS already active", true);
    if (!opt.tls_available) return reply(502, "5.5.1", "Error: command not implemented", true);
    if (more_pending) {
        // RFC 3207 / CVE-2011-0411: commands pipelined after STARTTLS were
        // sent in plaintext; like Postfix we answer 220 and the runner
        // discards them (step::StartTls), so none is ever read as if it had
        // come through TLS.
        log::warn("event=smtp_pipelining_after_starttls rip={} helo={}", log::quote(peer.ip),
                  log::quote(helo));
    }
    phase = Phase::wait_tls;
    return step::StartTls{Reply{220, "2.0.0", "Ready to start TLS"}.wire()};
}

}  // namespace postamt::smtp
