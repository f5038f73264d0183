// The TRANSACTION state (RFC 1939 5: STAT, LIST, RETR, DELE, NOOP, RSET,
// TOP, UIDL) on the snapshot, and the UPDATE state entered by QUIT.
#include <fmt/core.h>

#include "common/log.h"
#include "pop3/session_state.h"

namespace postamt::pop3 {
namespace {

// The -ERR for a message number that is out of range or marked deleted
// (RFC 1939 5: a deleted message may not be referred to).
std::optional<std::string> refuse_message(const Maildrop& md, std::uint32_t msgno) {
    switch (md.lookup(msgno)) {
        case Lookup::ok:
            return std::nullopt;
        case Lookup::deleted:
            return err_line(fmt::format("Message {} is deleted", msgno));
        case Lookup::no_such_message:
            break;
    }
    return err_line(fmt::format("No such message, only {} in the maildrop", md.size()));
}

}  // namespace

Step Session::State::enter_transaction(store::Pop3Maildrop md) {
    maildrop = Maildrop(std::move(md));
    phase = Phase::transaction;
    log::info(
        "event=pop3_login conn={} user={} rip={} via={} tls={} messages={} octets={} expired={}",
        peer.conn_id, log::quote(login), log::quote(peer.ip), via, tls ? "yes" : "no",
        maildrop.live_count(), maildrop.live_octets(), stats.expired);
    return reply(ok_line(fmt::format("Logged in, {} messages ({} octets)", maildrop.live_count(),
                                     maildrop.live_octets())));
}

Step Session::State::transaction(const Command& c) {
    switch (c.verb) {
        case Verb::stat:
            return reply(
                ok_line(fmt::format("{} {}", maildrop.live_count(), maildrop.live_octets())));
        case Verb::list:
        case Verb::uidl: {
            bool list = c.verb == Verb::list;
            if (c.msg) {
                if (auto e = refuse_message(maildrop, *c.msg)) return reply(std::move(*e));
                return reply(list ? ok_line(fmt::format("{} {}", *c.msg, maildrop.octets(*c.msg)))
                                  : ok_line(fmt::format("{} {}", *c.msg, maildrop.uidl(*c.msg))));
            }
            // Rows only: sizes and UIDLs come from the snapshot, never a body.
            std::string lines;
            lines.reserve(static_cast<std::size_t>(maildrop.live_count()) * (list ? 16 : 28));
            for (std::uint32_t n = 1; n <= maildrop.size(); ++n) {
                if (maildrop.is_deleted(n)) continue;
                if (list)
                    fmt::format_to(std::back_inserter(lines), "{} {}\r\n", n, maildrop.octets(n));
                else
                    fmt::format_to(std::back_inserter(lines), "{} {}\r\n", n, maildrop.uidl(n));
            }
            return reply(multiline(list ? fmt::format("{} messages ({} octets)",
                                                      maildrop.live_count(), maildrop.live_octets())
                                        : std::string("Unique-ID listing follows"),
                                   lines));
        }
        case Verb::retr:
        case Verb::top: {
            if (auto e = refuse_message(maildrop, *c.msg)) return reply(std::move(*e));
            const auto& m = maildrop.message(*c.msg);
            step::SendMessage s;
            s.blob = m.blob;
            s.msgno = *c.msg;
            if (c.verb == Verb::retr) {
                s.status = ok_line(fmt::format("{} octets", m.blob.size));
            } else {
                s.status = ok_line("Top of message follows");
                s.top_lines = c.lines;
            }
            sending = *c.msg;
            sending_retr = c.verb == Verb::retr;
            phase = Phase::wait_send;
            return s;
        }
        case Verb::dele:
            if (auto e = refuse_message(maildrop, *c.msg)) return reply(std::move(*e));
            maildrop.mark_deleted(*c.msg);
            ++stats.dele;
            return reply(ok_line(fmt::format("Message {} deleted", *c.msg)));
        case Verb::noop:
            return reply(ok_line());
        case Verb::rset: {
            // RFC 1939 5: unmark every message marked as deleted.
            std::uint32_t n = maildrop.unmark_all();
            stats.dele = 0;
            return reply(
                ok_line(fmt::format("{} messages undeleted; maildrop has {} messages ({} octets)",
                                    n, maildrop.live_count(), maildrop.live_octets())));
        }
        case Verb::quit:
            return quit_transaction();
        case Verb::user:
        case Verb::pass:
        case Verb::apop:
        case Verb::auth:
            // RFC 5034 4: a further AUTH after a successful one gets -ERR.
            return bad_command("Already logged in");
        case Verb::stls:
            return bad_command("STLS is only valid before login");
        case Verb::capa:
            break;
    }
    return internal_error("unhandled command");
}

Step Session::on_message_sent(SendOutcome outcome) {
    auto& s = *s_;
    if (s.phase != Phase::wait_send) return s.internal_error("message result out of order");
    s.phase = Phase::transaction;
    std::uint32_t n = s.sending;
    if (outcome == SendOutcome::unreadable) {
        log::error("event=pop3_message_unreadable conn={} user={} msg={} uid={}", s.peer.conn_id,
                   log::quote(s.login), n, s.maildrop.message(n).uid);
        return s.reply(err_line(fmt::format("Message {} cannot be read now, try again later", n),
                                RespCode::sys_temp));
    }
    if (s.sending_retr) {
        s.maildrop.mark_retrieved(n);
        ++s.stats.retr;
        s.stats.retr_octets += s.maildrop.octets(n);
    } else {
        ++s.stats.top;
    }
    return step::None{};
}

// RFC 1939 6: QUIT in TRANSACTION enters UPDATE: the messages marked deleted
// are removed, then the connection closes.
Step Session::State::quit_transaction() {
    step::Commit c;
    c.mailbox = maildrop.mailbox_id();
    c.deleted = maildrop.deleted_uids();
    c.retrieved = maildrop.retrieved_kept_uids();
    if (c.deleted.empty() && c.retrieved.empty()) {
        log_logout("quit");
        maildrop_open = false;
        return close_with(ok_line("Logging out"));
    }
    phase = Phase::wait_commit;
    return c;
}

Step Session::on_commit_result(Result<store::ExpungeResult> r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_commit) return s.internal_error("commit result out of order");
    s.maildrop_open = false;
    if (!r) {
        log::error("event=pop3_update_failed conn={} user={} error={}", s.peer.conn_id,
                   log::quote(s.login), log::quote(r.error().message));
        s.log_logout("update_failed");
        // RFC 1939 6: "-ERR some deleted messages not removed".
        return s.close_with(err_line("Some deleted messages were not removed, try again later",
                                     RespCode::sys_temp));
    }
    s.log_logout("quit");
    return s.close_with(
        ok_line(fmt::format("Logging out, {} messages deleted", s.maildrop.deleted_count())));
}

}  // namespace postamt::pop3
