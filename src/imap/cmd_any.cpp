// Commands valid in any state (CAPABILITY, NOOP, LOGOUT, ID) and the small
// authenticated ones (ENABLE, NAMESPACE).
#include "common/log.h"
#include "common/text.h"
#include "imap/executors.h"
#include "imap/wire_string.h"

namespace postamt::imap {

asio::awaitable<Reply> exec_capability(SessionPtr s, CommandPtr) {
    s->send("* CAPABILITY " + capability_list(s->capability_state()) + "\r\n");
    co_return Reply::ok("CAPABILITY completed");
}

asio::awaitable<Reply> exec_noop(SessionPtr s, CommandPtr) {
    // RFC 9051 6.1.2: NOOP is the polling command: look for changes now
    // even if the doorbell has not rung (the runner sends them).
    if (s->selected) co_await s->pull_changes(true);
    co_return Reply::ok("NOOP completed");
}

asio::awaitable<Reply> exec_logout(SessionPtr s, CommandPtr) {
    s->send("* BYE Postamt IMAP signing off\r\n");
    s->state = SessionState::logout;
    Reply r = Reply::ok("LOGOUT completed");
    r.close = true;
    co_return r;
}

asio::awaitable<Reply> exec_id(SessionPtr s, CommandPtr c) {
    const auto& id = std::get<IdCmd>(c->body);
    if (id.fields) {
        // RFC 2971: useful in logs to tell clients apart; values are
        // client-supplied, so quoted and only name/version.
        std::string name, version;
        for (const auto& [k, v] : *id.fields) {
            if (text::iequals(k, "name") && v) name = v->substr(0, 64);
            if (text::iequals(k, "version") && v) version = v->substr(0, 64);
        }
        log::info("event=imap_client_id conn={} name={} version={}", s->conn->id(),
                  log::quote(name), log::quote(version));
    }
    s->send(
        "* ID (\"name\" \"Postamt\" \"vendor\" \"Postamt\" \"support-url\" "
        "\"https://postamt.example/\")\r\n");
    co_return Reply::ok("ID completed");
}

asio::awaitable<Reply> exec_enable(SessionPtr s, CommandPtr c) {
    const auto& en = std::get<EnableCmd>(c->body);
    // RFC 5161 3.1: only extensions we support and that were not enabled
    // before are listed; unknown ones are ignored.
    std::string enabled;
    auto add = [&enabled](const char* name) {
        enabled += ' ';
        enabled += name;
    };
    for (const auto& cap : en.capabilities) {
        if (!enableable(cap)) continue;
        if (cap == "IMAP4REV2" && !s->rev2) {
            s->rev2 = true;
            add("IMAP4rev2");
        } else if (cap == "CONDSTORE" && !s->condstore) {
            s->condstore = true;
            add("CONDSTORE");
        } else if (cap == "QRESYNC" && !s->qresync) {
            // RFC 7162 3.2.3: QRESYNC implies CONDSTORE.
            s->qresync = true;
            s->condstore = true;
            add("QRESYNC");
        } else if (cap == "UTF8=ACCEPT" && !s->utf8_on) {
            s->utf8_on = true;
            add("UTF8=ACCEPT");
        }
    }
    s->send("* ENABLED" + enabled + "\r\n");
    co_return Reply::ok("ENABLE completed");
}

asio::awaitable<Reply> exec_namespace(SessionPtr s, CommandPtr) {
    // RFC 2342: one personal namespace, the root, '/' separated.
    s->send("* NAMESPACE ((\"\" \"/\")) ((\"Shared/\" \"/\")) NIL\r\n");  // shared_mailboxes.h
    co_return Reply::ok("NAMESPACE completed");
}

}  // namespace postamt::imap
