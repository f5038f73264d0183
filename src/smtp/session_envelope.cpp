// MAIL FROM and RCPT TO: the envelope, recipient resolution through the
// store (aliases, postmaster, relay refusal) and the quota check at RCPT.
#include <fmt/core.h>

#include <algorithm>

#include "common/log.h"
#include "common/text.h"
#include "smtp/session_state.h"

namespace postamt::smtp {

Step Session::State::cmd_mail(Command c) {
    if (opt.helo_required && helo.empty())
        return reply(503, "5.5.1", "Error: send HELO/EHLO first");
    if (txn) return reply(503, "5.5.1", "Error: nested MAIL command");
    // RFC 6409 4.3 / RFC 4954 6: submission needs an authenticated user.
    if (opt.mode == Mode::submission && !user) return reply(530, "5.7.0", "Authentication required");
    if (c.mail.body == BodyType::binary_mime)
        // RFC 3030 3: BINARYMIME is not offered (the store keeps CRLF-canonical text).
        return reply(555, "5.5.4", "Unsupported BODY type: BINARYMIME");
    if (c.path.needs_smtputf8 && !c.mail.smtputf8)
        // RFC 6531 3.5.
        return reply(553, "5.6.7", "Error: non-ASCII sender address needs SMTPUTF8");
    if (c.mail.size && *c.mail.size > opt.max_message_size)
        // RFC 1870 6.
        return reply(552, "5.3.4", "Message size exceeds fixed limit");
    if (opt.mode == Mode::submission) {
        // RFC 6409 8.1 allows the MSA to check the sender: it must be an
        // address of the authenticated account (its own, an alias or plus
        // address delivering to it), so users cannot send as each other.
        // The null sender (MDNs, vacation replies) carries no identity.
        if (!c.path.null && text::to_lower(c.path.mailbox()) != user->address()) {
            pending_mail = std::move(c);
            phase = Phase::wait_sender;
            return step::NeedLookup{resolver_address(pending_mail->path, opt.postmaster_domain)};
        }
    }
    return accept_mail(std::move(c));
}

Step Session::State::sender_result(Result<store::Resolution> r) {
    phase = Phase::command;
    Command c = std::move(*pending_mail);
    pending_mail.reset();
    if (!r) {
        log::warn("event=smtp_lookup_failed from={} error={}", log::quote(c.path.mailbox()),
                  log::quote(r.error().message));
        return reply(451, "4.3.0", "Error: temporary lookup failure");
    }
    const auto& acc = r.value().accounts;
    bool owned = r.value().kind == store::RecipientKind::local &&
                 std::find(acc.begin(), acc.end(), user->id) != acc.end();
    if (!owned) {
        log::info("event=smtp_sender_rejected user={} from={} rip={}", log::quote(user->address()),
                  log::quote(c.path.mailbox()), log::quote(peer.ip));
        return reply(553, "5.7.1",
                     "<" + c.path.mailbox() + ">: Sender address rejected: not owned by user " +
                         user->address());
    }
    return accept_mail(std::move(c));
}

Step Session::State::accept_mail(Command c) {
    if (opt.mode == Mode::submission && env.allow_message && !env.allow_message(user->id)) {
        log::info("event=smtp_rate_limited user={} rip={}", log::quote(user->address()),
                  log::quote(peer.ip));
        return reply(450, "4.7.1", "Error: too many messages sent in the last hour, try again later");
    }
    txn.emplace();
    txn->sender = std::move(c.path);
    txn->params = std::move(c.mail);
    txn->queue_id = next_queue_id();
    txn->started = now();
    return reply(250, "2.1.0", "Ok");
}

Step Session::State::reject_rcpt(int code, std::string_view enh, std::string text,
                                 std::string_view reason) {
    std::string to = pending ? pending->address : std::string();
    log::info(
        "event=smtp_rcpt_rejected qid={} from={} to={} code={} status={} reason={} rip={} helo={}",
        txn ? txn->queue_id : std::string("-"),
        log::quote(txn ? txn->sender.mailbox() : std::string()), log::quote(to), code, enh, reason,
        log::quote(peer.ip), log::quote(helo));
    pending.reset();
    phase = Phase::command;
    return reply(code, enh, std::move(text));
}

Step Session::State::cmd_rcpt(Command c) {
    if (!txn) return reply(503, "5.5.1", "Error: need MAIL command");
    if (txn->bdat_used) return reply(503, "5.5.1", "Error: RCPT after BDAT");
    ++txn->rcpt_attempts;
    pending.emplace();
    pending->path = std::move(c.path);
    pending->address = resolver_address(pending->path, opt.postmaster_domain);
    const std::string shown = "<" + pending->path.mailbox() + ">";
    if (pending->path.needs_smtputf8 && !txn->params.smtputf8)
        return reject_rcpt(553, "5.6.7", shown + ": non-ASCII recipient address needs SMTPUTF8",
                           "needs_smtputf8");
    if (txn->rcpts.size() >= opt.max_recipients ||
        (opt.mode == Mode::submission && opt.submission_max_recipients &&
         txn->rcpts.size() >= opt.submission_max_recipients))
        // RFC 5321 4.5.3.1.8: 452 and the client sends the rest later.
        return reject_rcpt(452, "4.5.3", "Error: too many recipients", "too_many_recipients");
    pending->params = std::move(c.rcpt);
    phase = Phase::wait_lookup;
    return step::NeedLookup{pending->address};
}

Step Session::State::lookup_result(Result<store::Resolution> r) {
    const std::string shown = "<" + pending->path.mailbox() + ">";
    if (!r) {
        log::warn("event=smtp_lookup_failed to={} error={}", log::quote(pending->address),
                  log::quote(r.error().message));
        return reject_rcpt(451, "4.3.0", shown + ": Temporary lookup failure", "lookup_failed");
    }
    pending->resolution = std::move(r.value());
    auto& res = pending->resolution;
    switch (res.kind) {
        case store::RecipientKind::not_local:
            if (opt.mode == Mode::submission && user && opt.forwarding_available) {
                // An authenticated user may send anywhere: the outbound queue.
                AcceptedRcpt a;
                a.address = pending->path.mailbox();
                a.remote = true;
                a.params = std::move(pending->params);
                txn->rcpts.push_back(std::move(a));
                pending.reset();
                phase = Phase::command;
                return reply(250, "2.1.5", "Ok");
            }
            // Never an open relay: only our own domains are accepted here.
            return reject_rcpt(554, "5.7.1", shown + ": Relay access denied", "relay_denied");
        case store::RecipientKind::unknown_user:
            return reject_rcpt(550, "5.1.1", shown + ": Recipient address rejected: User unknown",
                               "unknown_user");
        case store::RecipientKind::forward:
            if (!opt.forwarding_available)
                // SessionOptions::forwarding_available: the one place where
                // forward-only recipients are deferred until the queue exists.
                return reject_rcpt(451, "4.3.0",
                                   shown + ": Forwarding not available yet, try again later",
                                   "forwarding_unavailable");
            break;
        case store::RecipientKind::local:
            break;
    }
    std::sort(res.accounts.begin(), res.accounts.end());
    res.accounts.erase(std::unique(res.accounts.begin(), res.accounts.end()), res.accounts.end());
    // RFC 5321 4.5.1: postmaster is always accepted; no quota refusal.
    if (pending->path.is_postmaster()) {
        pending->room = res.accounts;
        pending->next_quota = res.accounts.size();
    }
    return next_quota_or_accept();
}

Step Session::State::next_quota_or_accept() {
    auto& res = pending->resolution;
    if (pending->next_quota < res.accounts.size()) {
        phase = Phase::wait_quota;
        int64_t bytes = txn->params.size
                            ? static_cast<int64_t>(std::min<uint64_t>(*txn->params.size, INT64_MAX))
                            : 0;
        return step::NeedQuota{res.accounts[pending->next_quota], bytes};
    }
    const std::string shown = "<" + pending->path.mailbox() + ">";
    if (!res.accounts.empty() && pending->room.empty()) {
        // Every account behind this address is full. RFC 3463: X.2.2 is
        // "mailbox full" (temporary) unless the message alone exceeds the
        // whole quota, which retrying cannot fix.
        if (pending->all_larger_than_quota)
            return reject_rcpt(552, "5.2.2", shown + ": Message exceeds the mailbox quota",
                               "over_quota");
        return reject_rcpt(452, "4.2.2", shown + ": Mailbox full, try again later", "over_quota");
    }
    // Accounts over quota behind a multi-account alias stay in the delivery:
    // the store refuses those copies and they go to the retry queue.
    AcceptedRcpt a;
    a.address = pending->path.mailbox();
    if (pending->path.bare_postmaster) a.address = pending->address;
    a.accounts = res.accounts;
    a.forward_to = res.forward_to;
    a.params = std::move(pending->params);
    txn->rcpts.push_back(std::move(a));
    pending.reset();
    phase = Phase::command;
    return reply(250, "2.1.5", "Ok");
}

Step Session::State::quota_result(Status st, std::optional<int64_t> limit) {
    store::AccountId acct = pending->resolution.accounts[pending->next_quota];
    ++pending->next_quota;
    if (st) {
        pending->room.push_back(acct);
        pending->all_larger_than_quota = false;
    } else if (st.error().code == Errc::over_quota) {
        uint64_t size = txn->params.size.value_or(0);
        bool larger = limit && *limit > 0 && size > static_cast<uint64_t>(*limit);
        if (!larger) pending->all_larger_than_quota = false;
    } else {
        log::warn("event=smtp_quota_check_failed account={} error={}", acct,
                  log::quote(st.error().message));
        const std::string shown = "<" + pending->path.mailbox() + ">";
        return reject_rcpt(451, "4.3.0", shown + ": Temporary lookup failure",
                           "quota_check_failed");
    }
    return next_quota_or_accept();
}

}  // namespace postamt::smtp
