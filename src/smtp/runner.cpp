#include "smtp/runner.h"

#include <algorithm>

#include "common/log.h"
#include "auth/await_auth.h"
#include "net/await_store.h"

namespace postamt::smtp {
namespace {

namespace asio = net::asio;

// A command longer than kMaxCommandLine (command_parser.h) is handed to the
// session as an overlong line. DATA lines may be long (HTML mail without line breaks): bounded by
// the message size limit, beyond which the session rejects the message anyway.
constexpr std::size_t kMaxChunkRead = 1 << 20;

LineEnd to_session_end(net::LineEnd e) {
    return e == net::LineEnd::bare_lf ? LineEnd::lf : LineEnd::crlf;
}

TlsInfo tls_info(const net::Connection& c) { return TlsInfo{c.tls_version(), c.tls_cipher(), 0}; }

// RFC 4954 4: servers accept SASL response lines of at least 12288 octets.
constexpr std::size_t kMaxSaslLine = 12288;

// Sends a reply: flushed when the step asks for it or when the client has
// nothing more buffered (RFC 2920 3.2: the reply to the last command of a
// group goes out at once).

asio::awaitable<bool> send(std::shared_ptr<net::Connection> c, std::string text, bool flush) {
    c->append(text);
    if (flush || !c->has_buffered_input()) co_return co_await c->flush();
    co_return true;
}

}  // namespace

asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                  std::shared_ptr<const RunnerContext> ctx) {
    Session session(ctx->options, ctx->env);
    std::shared_ptr<auth::Authenticator> au = ctx->auth;
    PeerInfo peer;
    peer.ip = conn->peer_address();
    peer.local_port = conn->local_port();
    peer.loopback = conn->peer_is_loopback();
    const std::string ip = peer.ip;
    if (conn->is_tls()) peer.tls = tls_info(*conn);
    peer.too_many_connections = conn->admission() != net::Admission::ok;
    const std::size_t data_line_max =
        static_cast<std::size_t>(ctx->options.max_message_size) + 1024;
    // g++ 12.2 misplaces reference and pointer locals in long coroutine
    // frames (docs/networking.md): values are copied into named locals
    // before every co_await, and the store is reached through ctx.
    std::shared_ptr<store::Store> st = ctx->store;

    Step step = session.on_connect(peer);
    // A client that sends before the greeting is a spam bot or confused
    // (Postfix logs "improper command pipelining after CONNECT"; postscreen
    // rejects the pregreet): 554 and close.
    if (!conn->is_tls() && conn->admission() == net::Admission::ok && conn->input_pending())
        step = session.on_early_input();
    for (;;) {
        // Perform steps until the session wants input.
        bool want_input = false;
        while (!want_input) {
            if (std::holds_alternative<step::Reply>(step)) {
                std::string text = std::get<step::Reply>(step).text;
                bool flush = std::get<step::Reply>(step).flush;
                if (!co_await send(conn, text, flush)) co_return;
                want_input = true;
            } else if (std::holds_alternative<step::ReplyAndClose>(step)) {
                conn->append(std::get<step::ReplyAndClose>(step).text);
                co_await conn->flush();
                conn->close();
                co_return;
            } else if (std::holds_alternative<step::StartTls>(step)) {
                std::string text = std::get<step::StartTls>(step).text;
                if (!co_await send(conn, text, true)) co_return;
                // start_tls() drops whatever the client pipelined after
                // STARTTLS (RFC 3207 4.2).
                if (!co_await conn->start_tls()) co_return;
                session.on_tls_started(tls_info(*conn));
                want_input = true;
            } else if (std::holds_alternative<step::NeedLookup>(step)) {
                std::string address = std::get<step::NeedLookup>(step).address;
                auto res = co_await net::await_store<store::Resolution>(
                    [&](auto done) { st->resolve_recipient(address, std::move(done)); });
                step = session.on_lookup_result(std::move(res));
            } else if (std::holds_alternative<step::NeedQuota>(step)) {
                store::AccountId account = std::get<step::NeedQuota>(step).account;
                int64_t bytes = std::get<step::NeedQuota>(step).bytes;
                auto res = co_await net::await_store<Unit>(
                    [&](auto done) { st->check_quota(account, bytes, std::move(done)); });
                std::optional<int64_t> limit;
                if (!res.ok() && res.error().code == Errc::over_quota) {
                    auto acct = co_await net::await_store<std::optional<store::Account>>(
                        [&](auto done) { st->get_account(account, std::move(done)); });
                    if (acct.ok() && *acct) limit = (*acct)->quota_bytes;
                }
                step = session.on_quota_result(res.ok() ? ok_status() : Status(res.error()), limit);
            } else if (std::holds_alternative<step::NeedDelivery>(step)) {
                store::NewMessage msg = std::move(std::get<step::NeedDelivery>(step).message);
                auto res = co_await net::await_store<std::vector<store::DeliveredCopy>>(
                    [&](auto done) { st->deliver(std::move(msg), std::move(done)); });
                step = session.on_delivery_result(std::move(res));
            } else if (std::holds_alternative<step::ReadChunk>(step)) {
                auto n = static_cast<std::size_t>(
                    std::min<uint64_t>(std::get<step::ReadChunk>(step).remaining, kMaxChunkRead));
                auto data = co_await conn->read_exact(n);
                if (data.end != net::ReadEnd::ok) {
                    if (data.end == net::ReadEnd::timeout)
                        step = session.on_timeout();
                    else
                        co_return;
                    continue;
                }
                step = session.on_chunk_data(data.data);
            } else if (std::holds_alternative<step::VerifyPassword>(step)) {
                std::string login = std::get<step::VerifyPassword>(step).login;
                std::string password = std::move(std::get<step::VerifyPassword>(step).password);
                step = step::None{};
                auth::AuthResult r;
                if (au) r = co_await auth::await_password(au, std::move(login), std::move(password), ip, auth::Service::smtp);
                step = session.on_password_result(std::move(r));
            } else if (std::holds_alternative<step::LookupScram>(step)) {
                std::string login = std::get<step::LookupScram>(step).login;
                auth::ScramLookup r;
                if (au) r = co_await auth::await_scram_lookup(au, std::move(login), ip, auth::Service::smtp);
                step = session.on_scram_lookup(std::move(r));
            } else if (std::holds_alternative<step::ReportScram>(step)) {
                std::string login = std::get<step::ReportScram>(step).login;
                bool ok = std::get<step::ReportScram>(step).ok;
                std::string reason = std::get<step::ReportScram>(step).reason;
                std::chrono::milliseconds delay{0};
                if (au) delay = au->report_scram(login, ip, auth::Service::smtp, ok, reason);
                if (!ok && delay.count() > 0) {
                    asio::steady_timer timer(conn->executor(), delay);
                    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                }
                step = session.on_scram_reported();
            } else if (std::holds_alternative<step::Delivered>(step)) {
                if (!std::get<step::Delivered>(step).report.retry.empty() && ctx->on_retry)
                    ctx->on_retry(std::get<step::Delivered>(step).report);
                std::string text = std::get<step::Delivered>(step).text;
                if (!co_await send(conn, text, true)) co_return;
                want_input = true;
            } else {
                want_input = true;  // step::None
            }
        }

        bool data = session.in_data();
        // One byte over the limit, so an overlong line is seen as such.
        const std::size_t command_max = session.in_sasl() ? kMaxSaslLine + 1 : kMaxCommandLine + 1;
        net::LineResult line =
            co_await conn->read_line(data ? data_line_max : command_max,
                                     data ? net::ReadMode::data : net::ReadMode::command);
        switch (line.end) {
            case net::LineEnd::crlf:
            case net::LineEnd::bare_lf:
                step = session.on_line(line.line, to_session_end(line.end),
                                       conn->has_buffered_input());
                break;
            case net::LineEnd::too_long: {
                // The rest of the line was discarded and the stream is in
                // sync: the session sees an overlong line (500 5.5.2, or an
                // oversized message in DATA).
                Step first = session.on_line(line.line, LineEnd::none, true);
                if (!std::holds_alternative<step::None>(first)) {
                    step = std::move(first);
                    break;
                }
                step = session.on_line("", LineEnd::crlf, conn->has_buffered_input());
                break;
            }
            case net::LineEnd::timeout:
                step = session.on_timeout();
                break;
            case net::LineEnd::shutdown:
                step = session.on_shutdown();
                break;
            case net::LineEnd::eof:
            case net::LineEnd::error:
                co_return;
        }
    }
}

}  // namespace postamt::smtp
