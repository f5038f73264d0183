#include "smtp/dsn.h"

#include <fmt/core.h>

#include "mime/header.h"
#include "smtp/received_header.h"

namespace postamt::smtp {
namespace {

bool has_8bit(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return true;
    return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A value for one DSN field: lines joined, control characters made spaces,
// runs of spaces collapsed; non-ASCII replaced when the report must be ASCII.
std::string field_text(std::string_view s, bool allow_utf8) {
    std::string out;
    bool space = false;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            space = !out.empty();
            continue;
        }
        if (c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += (c >= 0x80 && !allow_utf8) ? '?' : static_cast<char>(c);
    }
    // Bounded: a reply of many lines must not make a huge report; cut on
    // a UTF-8 character boundary.
    constexpr std::size_t kMax = 2000;
    if (out.size() > kMax) {
        std::size_t cut = kMax;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
        out += "...";
    }
    return out;
}

// "Name: value" folded at spaces so that lines stay within 78 characters
// where the words allow it; ends in CRLF.
std::string folded_field(std::string_view name, std::string_view value) {
    std::string out(name);
    out += ':';
    std::size_t line = out.size();
    std::size_t p = 0;
    while (p < value.size()) {
        auto sp = value.find(' ', p);
        std::string_view word = value.substr(p, sp == std::string_view::npos ? std::string_view::npos : sp - p);
        // A word too long for any line (RFC 5322 2.1.1: 998) is split.
        if (word.size() > 900) {
            word = word.substr(0, 900);
            sp = p + 900 - 1;
        }
        if (line + 1 + word.size() > 78 && line > name.size() + 1) {
            out += "\r\n";
            line = 0;
        }
        out += ' ';
        out += word;
        line += 1 + word.size();
        if (sp == std::string_view::npos) break;
        p = sp + 1;
    }
    out += "\r\n";
    return out;
}

// Text for the human-readable part: words wrapped at 76 columns behind an
// indent, over-long words split.
std::string wrapped(std::string_view indent, std::string_view value) {
    std::string f = folded_field("X", value);  // " word word\r\n word..." after "X:"
    std::string out;
    std::size_t p = 2;  // skip "X:"
    while (p < f.size()) {
        auto e = f.find("\r\n", p);
        std::string_view line = std::string_view(f).substr(p, e - p);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        out += indent;
        out += line;
        out += "\r\n";
        p = e + 2;
    }
    return out;
}

const char* address_type(std::string_view addr) { return has_8bit(addr) ? "utf-8" : "rfc822"; }

// Original-Recipient: the ORCPT's address type and its xtext-decoded
// address (RFC 3461 6.3 (i), RFC 3464 2.3.1).
std::string original_recipient(std::string_view orcpt, bool global) {
    auto semi = orcpt.find(';');
    if (semi == std::string_view::npos) return field_text(xtext_decode(orcpt), global);
    std::string type = mime::to_lower_ascii(field_text(orcpt.substr(0, semi), false));
    return type + ";" + field_text(xtext_decode(orcpt.substr(semi + 1)), global);
}

std::string diagnostic_code(std::string_view diag, bool global) {
    std::string text = field_text(diag, global);
    // "smtp" when it is an SMTP reply (RFC 3464 2.3.6 diagnostic-type).
    bool smtp = text.size() >= 3 && is_digit(text[0]) && is_digit(text[1]) && is_digit(text[2]) &&
                (text.size() == 3 || text[3] == ' ' || text[3] == '-');
    return std::string(smtp ? "smtp; " : "x-postamt; ") + text;
}

}  // namespace

const char* dsn_action_name(DsnAction a) {
    switch (a) {
        case DsnAction::failed:
            return "failed";
        case DsnAction::delayed:
            return "delayed";
        case DsnAction::delivered:
            return "delivered";
        case DsnAction::relayed:
            return "relayed";
        case DsnAction::expanded:
            return "expanded";
    }
    return "failed";
}

std::string xtext_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;  // RFC 3461 4: upper-case hex only
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

Dsn build_dsn(const DsnInput& in) {
    Dsn dsn;
    bool any_failed = false, any_delayed = false;
    bool utf8_addresses = has_8bit(in.sender);
    for (const auto& r : in.recipients) {
        any_failed |= r.action == DsnAction::failed;
        any_delayed |= r.action == DsnAction::delayed;
        utf8_addresses |= has_8bit(r.final_recipient) || has_8bit(r.original_recipient);
    }
    // RFC 6533: the global types when the original needed SMTPUTF8 or an
    // address in the report is UTF-8.
    bool global = in.smtputf8 || utf8_addresses;
    dsn.global = global;

    auto header_end = mime::parse_header(in.original, 0, in.original.size()).body_start;
    bool full = in.ret != DsnRet::hdrs && in.original.size() <= in.max_returned_size;
    std::string_view returned = full ? in.original : in.original.substr(0, header_end);
    dsn.full_original = full;

    auto now_secs = std::chrono::duration_cast<std::chrono::seconds>(in.now.time_since_epoch()).count();
    const char* kind = any_failed ? "f" : any_delayed ? "d" : "s";
    dsn.message_id = fmt::format("<{}.{}.dsn-{}@{}>", now_secs, in.queue_id, kind, in.reporting_mta);
    // A boundary that cannot occur in the parts (RFC 2046 5.1.1).
    std::string boundary = fmt::format("=_postamt_{}_{}", in.queue_id, now_secs);
    for (int n = 1; returned.find(boundary) != std::string_view::npos; ++n)
        boundary = fmt::format("=_postamt_{}_{}_{}", in.queue_id, now_secs, n);

    const char* subject = any_failed    ? "Undelivered Mail Returned to Sender"
                          : any_delayed ? "Delayed Mail (still being retried)"
                                        : "Successful Mail Delivery Report";

    std::string m;
    m += "From: Mail Delivery System <MAILER-DAEMON@" + in.reporting_mta + ">\r\n";
    m += "To: <" + in.sender + ">\r\n";
    m += std::string("Subject: ") + subject + "\r\n";
    m += "Date: " + rfc5322_date(in.now) + "\r\n";
    m += "Message-ID: " + dsn.message_id + "\r\n";
    m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 5
    m += "MIME-Version: 1.0\r\n";
    m += std::string("Content-Type: multipart/report; report-type=") +
         (global ? "global-delivery-status" : "delivery-status") + ";\r\n\tboundary=\"" + boundary + "\"\r\n";
    m += "\r\n";
    m += "This is a MIME-encapsulated message.\r\n\r\n";

    // 1. What happened, for people.
    std::string text;
    text += "This is the mail system at host " + in.reporting_mta + ".\r\n\r\n";
    if (any_failed) {
        text += "Your message could not be delivered to one or more recipients.\r\n";
        text += "It is attached below" + std::string(full ? "" : " (its header only)") + ".\r\n";
    } else if (any_delayed) {
        text += "Your message has not been delivered yet to one or more recipients.\r\n";
        text += "The mail system keeps trying; you do not need to send it again.\r\n";
    } else {
        text += "Your message was delivered to the recipients below.\r\n";
    }
    if (!in.postmaster.empty())
        text += "\r\nFor help, write to <" + in.postmaster + "> and include this report.\r\n";
    text += "\r\n";
    for (const auto& r : in.recipients) {
        std::string line = "<" + field_text(r.final_recipient, true) + ">: " + dsn_action_name(r.action);
        if (!r.remote_mta.empty()) line += " (host " + field_text(r.remote_mta, true) + ")";
        text += line + "\r\n";
        if (!r.diagnostic.empty()) text += wrapped("    ", field_text(r.diagnostic, true));
        if (r.action == DsnAction::delayed && r.will_retry_until)
            text += "    will be retried until " + rfc5322_date(*r.will_retry_until) + "\r\n";
    }
    bool text_8bit = has_8bit(text);
    m += "--" + boundary + "\r\n";
    m += std::string("Content-Type: text/plain; charset=") + (text_8bit ? "utf-8" : "us-ascii") + "\r\n";
    m += "Content-Description: Notification\r\n";
    m += std::string("Content-Transfer-Encoding: ") + (text_8bit ? "8bit" : "7bit") + "\r\n\r\n";
    m += text;

    // 2. The machine-readable report (RFC 3464 2.2, 2.3).
    m += "\r\n--" + boundary + "\r\n";
    m += std::string("Content-Type: message/") + (global ? "global-delivery-status" : "delivery-status") + "\r\n";
    m += "Content-Description: Delivery report\r\n\r\n";
    m += "Reporting-MTA: dns; " + field_text(in.reporting_mta, global) + "\r\n";
    if (!in.queue_id.empty()) m += "X-Postamt-Queue-ID: " + field_text(in.queue_id, false) + "\r\n";
    if (!in.envid.empty()) m += "Original-Envelope-Id: " + field_text(in.envid, false) + "\r\n";  // xtext as received
    m += "Arrival-Date: " + rfc5322_date(in.arrival) + "\r\n";
    for (const auto& r : in.recipients) {
        m += "\r\n";
        if (!r.original_recipient.empty())
            m += folded_field("Original-Recipient", original_recipient(r.original_recipient, global));
        m += folded_field("Final-Recipient", std::string(address_type(r.final_recipient)) + "; " +
                                                 field_text(r.final_recipient, global));
        m += std::string("Action: ") + dsn_action_name(r.action) + "\r\n";
        m += "Status: " + field_text(r.status, false) + "\r\n";
        if (!r.remote_mta.empty()) m += "Remote-MTA: dns; " + field_text(r.remote_mta, global) + "\r\n";
        if (!r.diagnostic.empty()) m += folded_field("Diagnostic-Code", diagnostic_code(r.diagnostic, global));
        if (r.last_attempt) m += "Last-Attempt-Date: " + rfc5322_date(*r.last_attempt) + "\r\n";
        if (r.action == DsnAction::delayed && r.will_retry_until)
            m += "Will-Retry-Until: " + rfc5322_date(*r.will_retry_until) + "\r\n";
    }

    // 3. The original, whole or its header (RFC 3461 4.3 RET, RFC 3462 3).
    m += "\r\n--" + boundary + "\r\n";
    if (full) {
        m += std::string("Content-Type: message/") + (global ? "global" : "rfc822") + "\r\n";
        m += "Content-Description: Undelivered message\r\n";
    } else {
        m += std::string("Content-Type: ") + (global ? "message/global-headers" : "text/rfc822-headers") + "\r\n";
        m += "Content-Description: Undelivered message headers\r\n";
    }
    // message/rfc822 may only be 7bit, 8bit or binary (RFC 2046 5.2.1).
    if (has_8bit(returned)) m += "Content-Transfer-Encoding: 8bit\r\n";
    m += "\r\n";
    m += returned;
    if (returned.size() < 2 || returned.substr(returned.size() - 2) != "\r\n") m += "\r\n";
    m += "\r\n--" + boundary + "--\r\n";
    dsn.message = std::move(m);
    return dsn;
}

}  // namespace postamt::smtp
