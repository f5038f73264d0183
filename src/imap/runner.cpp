// The IMAP connection loop: greeting, reading commands (lines and
// literals through CommandReader), the decisions about literals before the
// client sends them, dispatch through the command table, untagged updates
// where RFC 9051 7.4.1 allows them, the tagged reply, autologout and
// graceful shutdown. The executors (cmd_*.cpp) do the rest.
#include "imap/runner.h"

#include "common/log.h"
#include "imap/command_reader.h"
#include "imap/command_table.h"
#include "imap/executors.h"
#include "imap/notify.h"
#include "imap/session.h"
#include "imap/shared_mailboxes.h"

namespace postamt::imap {
namespace {

ReaderLimits reader_limits(const LimitsConfig& l) {
    ReaderLimits r;
    r.max_literal_size = l.max_literal_size;
    r.max_message_size = l.max_message_size;
    // A MULTIAPPEND may carry several messages; all of them are held until
    // the store commits them together.
    r.max_append_bytes = l.max_message_size * 4;
    r.max_command_bytes =
        std::max<std::size_t>(1 << 20, static_cast<std::size_t>(l.max_literal_size) * 4);
    return r;
}

// Reads one line for the reader, handling the ways a read can end. On
// anything but a line the session ends (after a BYE where one is due).
asio::awaitable<std::optional<std::string>> read_command_line(SessionPtr s, bool mid_command) {
    std::size_t max = s->ctx->limits.max_line_length;
    net::LineResult r = co_await s->conn->read_line(
        max, mid_command ? net::ReadMode::data : net::ReadMode::command);
    switch (r.end) {
        case net::LineEnd::crlf:
        case net::LineEnd::bare_lf:
            co_return std::move(r.line);
        case net::LineEnd::too_long:
            // The rest of the line is gone, and with it any literal
            // announcement at its end: continuing could read literal data
            // as commands. Close cleanly instead (RFC 9051 leaves the
            // limit to the server).
            s->send("* BYE [TOOBIG] Command line too long\r\n");
            break;
        case net::LineEnd::timeout:
            // RFC 9051 5.4: autologout after at least 30 minutes.
            s->send("* BYE Autologout; idle for too long\r\n");
            break;
        case net::LineEnd::shutdown:
            s->send("* BYE Server shutting down\r\n");
            break;
        case net::LineEnd::eof:
        case net::LineEnd::error:
            break;
    }
    co_return std::nullopt;
}

// What to do with a synchronising literal before answering "+".
asio::awaitable<std::optional<Reply>> decide_sync_literal(SessionPtr s, CommandReader::Literal lit,
                                                          LiteralProbe probe) {
    if (probe.kind == LiteralProbe::Kind::error) co_return Reply::bad(probe.error);
    if (lit.too_big) {
        if (lit.message || probe.is_message)
            co_return Reply::no("Message is larger than the server accepts (" +
                                    std::to_string(s->ctx->limits.max_message_size) + " bytes)",
                                "TOOBIG");
        co_return Reply::bad("Literal too large", "TOOBIG");
    }
    if (probe.is_message) {
        auto r = co_await append_precheck(s, probe, lit.size);
        co_return r;
    }
    co_return std::nullopt;
}

std::string greeting(const SessionPtr& s) {
    return "* OK [CAPABILITY " + capability_list(s->capability_state()) +
           "] Postamt IMAP ready\r\n";
}

bool state_allows(const Session& s, const CommandSpec& spec) {
    switch (s.state) {
        case SessionState::not_authenticated:
            return spec.states & kNotAuthenticated;
        case SessionState::authenticated:
            return spec.states & kAuthenticated;
        case SessionState::selected:
            return spec.states & kSelected;
        case SessionState::logout:
            return false;
    }
    return false;
}

const char* state_refusal(const Session& s, const CommandSpec& spec) {
    if (s.state == SessionState::not_authenticated) return "Log in first";
    if ((spec.states & kSelected) && !(spec.states & kAuthenticated))
        return "Select a mailbox first";
    if (spec.states == kNotAuthenticated) return "Already logged in";
    return "Command not valid in this state";
}

}  // namespace

std::shared_ptr<const RunnerContext> make_runner_context(const Config& cfg,
                                                         std::shared_ptr<store::Store> store,
                                                         std::shared_ptr<auth::Authenticator> auth,
                                                         bool tls_available) {
    auto c = std::make_shared<RunnerContext>();
    c->store = std::move(store);
    c->auth = std::move(auth);
    c->limits = cfg.limits;
    c->hostname = cfg.server.hostname;
    c->tls_available = tls_available;
    c->allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    return c;
}

namespace {

// How reading one command ended.
enum class ReadOutcome {
    command,  // complete: reader.take() has it
    dropped,  // refused before a synchronising literal (the reply is queued)
    lost,     // the session ends (a BYE is queued where one is due)
};

enum class AfterLiteral { complete, need_literal, lost };

// Reads one literal the runner accepted (or discards one it will not keep)
// and the line that continues the command. Flat on purpose: g++ 12
// mis-destroys block-scoped locals of long coroutines (see DESIGN.md).
asio::awaitable<AfterLiteral> read_literal(SessionPtr s, std::shared_ptr<CommandReader> reader,
                                           CommandReader::Literal lit, uint64_t discard_cap) {
    auto buf = std::make_shared<std::string>();
    net::ReadEnd end = net::ReadEnd::ok;
    std::optional<std::string> more;
    if (lit.too_big || reader->failed()) {
        // A non-synchronising literal we will not keep (RFC 7888 4): read
        // and discard it, or end the session when even that is unreasonable.
        if (lit.size > discard_cap) {
            s->send("* BYE [TOOBIG] Literal too large\r\n");
            co_return AfterLiteral::lost;
        }
        end = co_await s->conn->read_chunks(lit.size, [](std::string_view) {});
    } else {
        buf->reserve(static_cast<std::size_t>(lit.size));
        // The sink captures a plain pointer: g++ 12 destroys temporaries of a
        // co_await expression twice (GCC PR 99576), which a captured
        // shared_ptr does not survive.
        std::string* sink = buf.get();
        end = co_await s->conn->read_chunks(
            lit.size, [sink](std::string_view piece) { sink->append(piece); });
    }
    if (end != net::ReadEnd::ok) {
        if (end == net::ReadEnd::timeout) s->send("* BYE Autologout; idle for too long\r\n");
        co_return AfterLiteral::lost;
    }
    if (lit.too_big) {
        std::string why =
            lit.message ? "Message is larger than the server accepts" : "Literal too large";
        reader->on_literal_discarded("TOOBIG", why, lit.message);
    } else {
        reader->on_literal(std::move(*buf));
    }
    buf.reset();
    // The command goes on after the literal.
    more = co_await read_command_line(s, true);
    if (!more) co_return AfterLiteral::lost;
    auto st = reader->on_line(*more);
    co_return st == CommandReader::State::complete ? AfterLiteral::complete
                                                   : AfterLiteral::need_literal;
}

// One command from the wire into `reader`: lines and literals, with the
// decisions about synchronising literals made before "+" is sent.
asio::awaitable<ReadOutcome> read_command(SessionPtr s, std::shared_ptr<CommandReader> reader,
                                          uint64_t discard_cap) {
    std::optional<std::string> first = co_await read_command_line(s, false);
    if (!first) co_return ReadOutcome::lost;
    CommandReader::State st = reader->on_line(*first);
    first.reset();
    std::optional<Reply> refuse;
    LiteralProbe probe;
    AfterLiteral step = AfterLiteral::complete;
    while (st == CommandReader::State::need_literal) {
        CommandReader::Literal lit = reader->literal();
        if (lit.sync) {
            probe = reader->probe();
            refuse = co_await decide_sync_literal(s, lit, probe);
            if (refuse) {
                std::string tag = reader->tag().empty() ? "*" : reader->tag();
                s->send(format_reply(tag, *refuse));
                reader->reset();
                co_return ReadOutcome::dropped;
            }
            s->send("+ Ready for literal data\r\n");
            if (!co_await s->conn->flush()) co_return ReadOutcome::lost;
        }
        step = co_await read_literal(s, reader, lit, discard_cap);
        if (step == AfterLiteral::lost) co_return ReadOutcome::lost;
        st = step == AfterLiteral::complete ? CommandReader::State::complete
                                            : CommandReader::State::need_literal;
    }
    co_return ReadOutcome::command;
}

// Runs one parsed command: state check, executor, pending updates, tagged
// reply. false: the session ends.
asio::awaitable<bool> run_command(SessionPtr s, std::shared_ptr<Command> cmd) {
    const CommandSpec spec = command_spec(cmd->id);
    bool allow_expunge = expunge_allowed(spec, cmd->uid);
    const std::string tag = cmd->tag;
    s->running = cmd->id;
    Executor ex = executor_for(cmd->id);
    Reply reply;
    if (!ex) {
        reply = Reply::bad(std::string(command_name(cmd->id)) + " is not supported");
    } else if (!state_allows(*s, spec)) {
        reply = Reply::bad(state_refusal(*s, spec));
    } else {
        // Another user's mailbox: its ACL may have changed since SELECT.
        std::optional<Reply> denied;
        if (s->selected && (spec.states & kSelected) && !(spec.states & kAuthenticated) &&
            cmd->id != CommandId::close && cmd->id != CommandId::unselect)
            denied = co_await recheck_selected_rights(s);
        if (denied)
            reply = *denied;
        else
            reply = co_await ex(s, cmd);
    }
    cmd.reset();
    if (reply.already_sent) {
        s->running = CommandId::noop;
        co_return !(reply.close || s->state == SessionState::logout);
    }
    // NOTIFY SET (selected (MessageNew MessageExpunge ...)): the client gave
    // up sequence numbers, expunges may come at the end of any command
    // (RFC 5465 5.3, 6.1.1; SELECTED-DELAYED keeps RFC 9051 7.4.1).
    if (s->notify && s->notify->spec.has_selected && !s->notify->spec.selected_delayed &&
        s->notify->spec.selected.message_expunge)
        allow_expunge = true;
    if (spec.sends_updates && s->selected && s->state == SessionState::selected)
        co_await s->send_updates(allow_expunge);
    // Other mailboxes (NOTIFY): at every command end.
    if (s->notify && !reply.close &&
        (s->state == SessionState::authenticated || s->state == SessionState::selected))
        co_await send_notify_updates(s);
    s->running = CommandId::noop;
    // The selected mailbox vanished: the BYE is queued; no tagged reply after it.
    if (s->state == SessionState::logout && !reply.close) co_return false;
    s->send(format_reply(tag, reply));
    if (reply.close) co_return false;
    bool ok = true;
    if (!s->conn->has_buffered_input())
        ok = co_await s->conn->flush();
    else
        ok = co_await s->flush_if_large();
    co_return ok;
}

}  // namespace

net::asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                       std::shared_ptr<const RunnerContext> ctx) {
    if (conn->admission() != net::Admission::ok) {
        std::string busy = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
        co_await conn->write(busy);
        co_return;
    }
    auto s = std::make_shared<Session>(conn, ctx);
    conn->set_idle_timeout(ctx->limits.imap_idle_timeout);
    log::debug("event=imap_connect conn={} rip={} tls={}", conn->id(), conn->peer_address(),
               conn->is_tls());
    s->send(greeting(s));
    bool go_on = co_await conn->flush();
    auto reader = std::make_shared<CommandReader>(reader_limits(ctx->limits));
    const uint64_t discard_cap = ctx->limits.max_message_size * 2;
    ReadOutcome outcome = ReadOutcome::command;
    std::shared_ptr<Command> cmd;
    CommandReader::Taken taken;
    std::string tag;
    Reply refusal;

    while (go_on) {
        if (s->state == SessionState::logout) break;
        if (conn->shutting_down()) {
            s->send("* BYE Server shutting down\r\n");
            break;
        }
        outcome = co_await read_command(s, reader, discard_cap);
        if (outcome == ReadOutcome::lost) break;
        if (outcome == ReadOutcome::dropped) {
            if (!conn->has_buffered_input()) go_on = co_await conn->flush();
            continue;
        }
        taken = reader->take();
        if (!taken.result.ok()) {
            tag = taken.result.tag.empty() ? "*" : taken.result.tag;
            refusal = taken.answer_no
                          ? Reply::no(taken.result.error, taken.code)
                          : Reply::bad("Syntax error: " + taken.result.error, taken.code);
            s->send(format_reply(tag, refusal));
            if (!conn->has_buffered_input()) go_on = co_await conn->flush();
            continue;
        }
        cmd = std::make_shared<Command>(std::move(*taken.result.command));
        taken = CommandReader::Taken{};
        go_on = co_await run_command(s, std::move(cmd));
    }
    co_await conn->flush();
    s->unselect();
    conn->close();
    log::debug("event=imap_disconnect conn={} user={}", conn->id(), log::quote(s->log_user()));
}

}  // namespace postamt::imap
