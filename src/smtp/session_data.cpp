// DATA and BDAT: reading the content, the trace headers, the one store
// delivery per transaction and the reply that covers it.
#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "common/log.h"
#include "common/server_metrics.h"
#include "common/text.h"
#include "smtp/received_header.h"
#include "smtp/session_state.h"
#include "smtp/submission_headers.h"

namespace postamt::smtp {

store::OutboundRecipient outbound_recipient(const std::string& address, const RcptParams& p) {
    store::OutboundRecipient r;
    r.address = address;
    r.orcpt = p.orcpt;
    // RFC 3461 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY.
    for (auto word : text::split(p.notify, ',')) {
        if (word == "NEVER") r.notify |= store::kNotifyNever;
        if (word == "SUCCESS") r.notify |= store::kNotifySuccess;
        if (word == "FAILURE") r.notify |= store::kNotifyFailure;
        if (word == "DELAY") r.notify |= store::kNotifyDelay;
    }
    return r;
}

std::string find_message_id(std::string_view msg) {
    std::size_t pos = 0;
    while (pos < msg.size()) {
        std::size_t eol = msg.find('\n', pos);
        if (eol == std::string_view::npos) eol = msg.size();
        std::string_view line = msg.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header
        if (text::istarts_with(line, "message-id:")) {
            std::string value(line.substr(11));
            // Unfold continuation lines.
            std::size_t next = eol + 1;
            while (next < msg.size() && (msg[next] == ' ' || msg[next] == '\t')) {
                std::size_t e2 = msg.find('\n', next);
                if (e2 == std::string_view::npos) e2 = msg.size();
                std::string_view cont = msg.substr(next, e2 - next);
                if (!cont.empty() && cont.back() == '\r') cont.remove_suffix(1);
                value.append(cont);
                next = e2 + 1;
            }
            std::string v(text::trim(value));
            if (v.size() > 250) v.resize(250);
            return v;
        }
        pos = eol + 1;
    }
    return {};
}

void Session::State::log_rejected_message(int code, std::string_view enh, std::string_view reason,
                                          uint64_t size) {
    log::info(
        "event=smtp_message_rejected qid={} from={} size={} code={} status={} reason={} rip={} "
        "helo={} tls={}",
        txn ? txn->queue_id : std::string("-"),
        log::quote(txn ? txn->sender.mailbox() : std::string()), size, code, enh, reason,
        log::quote(peer.ip), log::quote(helo), log::quote(tls_log()));
}

Step Session::State::cmd_data() {
    if (!txn) return reply(503, "5.5.1", "Error: need MAIL command", true);
    if (txn->bdat_used) return reply(503, "5.5.1", "Error: DATA after BDAT", true);  // RFC 3030 2
    if (txn->rcpts.empty()) {
        // RFC 5321 3.3: 554 when every RCPT was refused, 503 when none was sent.
        if (txn->rcpt_attempts > 0) return reply(554, "5.5.1", "Error: no valid recipients", true);
        return reply(503, "5.5.1", "Error: need RCPT command", true);
    }
    data = std::make_unique<DataReader>(opt.max_message_size);
    phase = Phase::data;
    // 3xx has no enhanced status code (RFC 3463 defines classes 2, 4, 5 only).
    return step::Reply{Reply{354, "", "End data with <CR><LF>.<CR><LF>"}.wire(), true};
}

Step Session::State::data_line(std::string_view bytes, LineEnd end) {
    switch (data->feed(bytes, end)) {
        case DataReader::Status::more:
            return step::None{};
        case DataReader::Status::bare_lf:
            log_rejected_message(521, "5.5.2", "bare_lf", data->size());
            reset_transaction();
            return reply_close(521, "5.5.2", opt.hostname + " Error: bare <LF> received");
        case DataReader::Status::bare_cr:
            log_rejected_message(521, "5.5.2", "bare_cr", data->size());
            reset_transaction();
            return reply_close(521, "5.5.2", opt.hostname + " Error: bare <CR> received");
        case DataReader::Status::done:
            break;
    }
    phase = Phase::command;
    if (data->too_big()) {
        log_rejected_message(552, "5.3.4", "too_big", data->size());
        reset_transaction();
        return reply(552, "5.3.4", "Message size exceeds fixed limit", true);
    }
    std::string body = data->take();
    data.reset();
    return deliver(std::move(body));
}

Step Session::State::cmd_bdat(const Command& c) {
    // RFC 3030 2: the chunk is sent whatever the reply will be, so it is read
    // (and discarded when the command fails) before answering.
    chunk_remaining = c.bdat_size;
    chunk_last = c.bdat_last;
    chunk_error.reset();
    if (c.bdat_size > opt.max_message_size) {
        // Reading a chunk larger than the whole limit only to discard it
        // would let a client stream without bound: refuse and close.
        if (txn) log_rejected_message(552, "5.3.4", "bdat_chunk_too_big", c.bdat_size);
        reset_transaction();
        ++errors;
        return reply_close(552, "5.3.4", "Message size exceeds fixed limit");
    }
    if (c.error)
        chunk_error = *c.error;
    else if (!txn)
        chunk_error = Reply{503, "5.5.1", "Error: need MAIL command"};
    else if (txn->rcpts.empty())
        chunk_error = txn->rcpt_attempts > 0 ? Reply{554, "5.5.1", "Error: no valid recipients"}
                                             : Reply{503, "5.5.1", "Error: need RCPT command"};
    if (!chunk_error) {
        if (!txn->chunks) txn->chunks = std::make_unique<ChunkAccumulator>(opt.max_message_size);
        txn->bdat_used = true;
    }
    phase = Phase::chunk;
    if (chunk_remaining == 0) return finish_chunk();
    return step::ReadChunk{chunk_remaining};
}

Step Session::State::chunk_data(std::string_view bytes) {
    if (bytes.size() > chunk_remaining) bytes = bytes.substr(0, chunk_remaining);
    chunk_remaining -= bytes.size();
    if (!chunk_error) txn->chunks->append(bytes);
    if (chunk_remaining > 0) return step::ReadChunk{chunk_remaining};
    return finish_chunk();
}

Step Session::State::finish_chunk() {
    phase = Phase::command;
    if (chunk_error) {
        Reply r = *chunk_error;
        chunk_error.reset();
        return reply(r, true);
    }
    if (txn->chunks->too_big()) {
        // RFC 3030 2: a failed chunk fails the transaction; later chunks get 503.
        log_rejected_message(552, "5.3.4", "too_big", txn->chunks->size());
        reset_transaction();
        return reply(552, "5.3.4", "Message size exceeds fixed limit", true);
    }
    if (!chunk_last)
        return reply(250, "2.0.0", fmt::format("Ok: {} octets received", txn->chunks->size()));
    std::string body = txn->chunks->take();
    return deliver(std::move(body));
}

Step Session::State::deliver(std::string body) {
    // One delivery per transaction: every accepted account once, however
    // many RCPTs reached it (aliases, duplicates).
    std::vector<store::AccountId> targets;
    std::vector<std::string> forwards;
    std::vector<store::OutboundRecipient> remote;
    for (const auto& r : txn->rcpts) {
        targets.insert(targets.end(), r.accounts.begin(), r.accounts.end());
        forwards.insert(forwards.end(), r.forward_to.begin(), r.forward_to.end());
        if (r.remote) remote.push_back(outbound_recipient(r.address, r.params));
    }
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    std::sort(forwards.begin(), forwards.end());
    forwards.erase(std::unique(forwards.begin(), forwards.end()), forwards.end());
    if (!opt.forwarding_available && !forwards.empty()) {
        // Mixed aliases (local + remote) while there is no outbound queue.
        log::warn("event=smtp_forward_skipped qid={} count={}", txn->queue_id, forwards.size());
        forwards.clear();
    }

    auto when = now();
    TraceInfo t;
    t.helo = helo;
    t.esmtp = esmtp;
    t.peer_ip = peer.ip;
    t.peer_rdns = peer.rdns;
    t.tls = tls;
    t.authenticated = user.has_value();
    t.hide_client = opt.mode == Mode::submission && opt.received == SessionOptions::ReceivedPolicy::hide_client;
    t.smtputf8 = txn->params.smtputf8;
    t.hostname = opt.hostname;
    t.queue_id = txn->queue_id;
    if (txn->rcpts.size() == 1) t.single_recipient = txn->rcpts.front().address;
    t.when = when;

    InFlight f;
    f.queue_id = txn->queue_id;
    f.targets = targets;
    f.forward_to = forwards;
    f.remote = remote.size();
    f.size = body.size();
    f.message_id = find_message_id(body);
    delivery = std::move(f);

    step::NeedDelivery d;
    d.queue_id = txn->queue_id;
    d.forward_to = std::move(forwards);
    std::string head;
    if (opt.mode == Mode::inbound || opt.received != SessionOptions::ReceivedPolicy::none)
        head = received_header(t);
    if (opt.mode == Mode::submission)
        head += missing_submission_fields(body, txn->queue_id, opt.hostname, when);
    if (opt.mode == Mode::submission && env.sign) {
        // DKIM (RFC 6376) once, at enqueue, over the message as it leaves;
        // the signature fields go first (RFC 6376 5.6).
        std::string signed_part = head + body;
        std::string sig = env.sign(signed_part);
        d.message.data = return_path_header(txn->sender) + sig + signed_part;
    } else {
        d.message.data = return_path_header(txn->sender) + head + body;
    }
    body.clear();
    // Remote recipients (submission) and remote alias targets go to the
    // outbound queue in the same transaction as the local copies.
    for (const auto& fwd : forwards) remote.push_back(store::OutboundRecipient{fwd, {}, 0});
    if (!remote.empty()) {
        store::OutboundEnvelope env_out;
        env_out.queue_id = txn->queue_id;
        env_out.sender = txn->sender.null ? std::string() : txn->sender.mailbox();
        env_out.sender_account = user ? user->id : 0;
        env_out.envid = txn->params.envid;
        env_out.ret = txn->params.ret == "FULL" ? 1 : txn->params.ret == "HDRS" ? 2 : 0;
        env_out.smtputf8 = txn->params.smtputf8;
        env_out.body_8bit = txn->params.body == BodyType::eight_bit_mime;
        env_out.recipients = std::move(remote);
        d.message.outbound = std::move(env_out);
    }
    d.message.internal_date =
        std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
    d.message.enforce_quota = true;
    // A copy that fails while others succeed waits in the store's delivery
    // queue (same transaction), so the one 250 for all is safe.
    d.message.queue_failures = true;
    for (auto a : targets) d.message.targets.push_back(store::DeliveryTarget{a, 0, {}});
    phase = Phase::wait_delivery;
    return d;
}

Step Session::State::delivery_result(Result<std::vector<store::DeliveredCopy>> r) {
    phase = Phase::command;
    InFlight f = std::move(*delivery);
    delivery.reset();
    DeliveryReport report;
    report.queue_id = f.queue_id;
    report.forward_to = f.forward_to;

    std::size_t ok = 0;
    bool any_unavailable = false, all_over_quota = true;
    std::string first_error;
    if (!r) {
        any_unavailable = r.error().code == Errc::unavailable;
        all_over_quota = false;
        first_error = r.error().message;
    } else {
        std::map<store::AccountId, std::vector<std::string>> who;
        for (const auto& rc : txn->rcpts)
            for (auto a : rc.accounts) who[a].push_back(rc.address);
        for (const auto& c : r.value()) {
            if (c.error == Errc::ok) {
                ++ok;
                if (!report.stored_message_id) report.stored_message_id = c.message_id;
                continue;
            }
            if (c.error == Errc::unavailable) any_unavailable = true;
            if (c.error != Errc::over_quota) all_over_quota = false;
            if (first_error.empty()) first_error = c.error_message;
            report.retry.push_back(
                FailedDelivery{c.account, who[c.account], c.error, c.error_message});
        }
    }
    // Remote recipients were queued in the same transaction: a successful
    // delivery call means they are safe even with no local copy.
    const bool queued_remote = r && (f.remote > 0 || !f.forward_to.empty());
    const bool accepted = ok > 0 || queued_remote;
    std::string to;
    for (const auto& rc : txn->rcpts) to += (to.empty() ? "" : ",") + rc.address;
    auto delay = std::chrono::duration<double>(now() - txn->started).count();
    std::string status = accepted ? (report.retry.empty() ? "sent" : "partial") : "deferred";
    log::info(
        "event=smtp_delivered qid={} msgid={} from={} to={} size={} delay={:.3f} status={} rip={} "
        "helo={} tls={}{}",
        f.queue_id, log::quote(f.message_id), log::quote(txn->sender.mailbox()), log::quote(to),
        f.size, delay, status, log::quote(peer.ip), log::quote(helo), log::quote(tls_log()),
        first_error.empty() ? std::string() : " error=" + log::quote(first_error));
    reset_transaction();

    if (!accepted) {
        report.retry.clear();  // nothing stored: the client keeps the message and retries
        if (any_unavailable) return reply(452, "4.3.1", "Error: insufficient system storage", true);
        if (r && all_over_quota && !r.value().empty())
            return reply(452, "4.2.2", "Error: mailbox full, try again later", true);
        return reply(451, "4.3.0", "Error: local delivery failed, try again later", true);
    }
    report.accepted = true;
    metrics::message_received(opt.mode == Mode::submission ? Protocol::submission : Protocol::smtp, ok);
    return step::Delivered{Reply{250, "2.0.0", "Ok: queued as " + f.queue_id}.wire(),
                           std::move(report)};
}

}  // namespace postamt::smtp
