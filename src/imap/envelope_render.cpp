#include "imap/envelope_render.h"

#include "imap/wire_string.h"

namespace postamt::imap {
namespace {

void append_name(std::string& out, const std::string& s, bool utf8) {
    if (s.empty()) {
        out += "NIL";
        return;
    }
    append_string(out, s, utf8);
}

void append_address(std::string& out, const mime::Address& a, bool utf8) {
    using K = mime::Address::Kind;
    switch (a.kind) {
        case K::group_start:
            // RFC 9051 9 addr-mailbox: non-NIL with a NIL host is the group name.
            out += "(NIL NIL ";
            append_string(out, a.name, utf8);
            out += " NIL)";
            return;
        case K::group_end:
            out += "(NIL NIL NIL NIL)";
            return;
        case K::mailbox:
            break;
    }
    out += '(';
    append_name(out, a.name, utf8);
    out += ' ';
    append_name(out, a.adl, utf8);
    out += ' ';
    append_string(out, a.mailbox, utf8);
    out += ' ';
    append_string(out, a.host, utf8);
    out += ')';
}

}  // namespace

void append_address_list(std::string& out, const std::vector<mime::Address>& list, bool utf8) {
    if (list.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (const auto& a : list) append_address(out, a, utf8);
    out += ')';
}

void append_envelope(std::string& out, const mime::Envelope& env, bool utf8) {
    out += '(';
    append_nstring(out, env.date, utf8);
    out += ' ';
    append_nstring(out, env.subject, utf8);
    out += ' ';
    append_address_list(out, env.from, utf8);
    out += ' ';
    append_address_list(out, env.sender.empty() ? env.from : env.sender, utf8);
    out += ' ';
    append_address_list(out, env.reply_to.empty() ? env.from : env.reply_to, utf8);
    out += ' ';
    append_address_list(out, env.to, utf8);
    out += ' ';
    append_address_list(out, env.cc, utf8);
    out += ' ';
    append_address_list(out, env.bcc, utf8);
    out += ' ';
    append_nstring(out, env.in_reply_to, utf8);
    out += ' ';
    append_nstring(out, env.message_id, utf8);
    out += ')';
}

}  // namespace postamt::imap
