#pragma once
// Delivery Status Notifications (RFC 3464) as multipart/report (RFC 6522)
// messages: a human-readable part, the message/delivery-status part and the
// returned original (message/rfc822, or only its header as
// text/rfc822-headers for RET=HDRS and big originals). For SMTPUTF8 mail the
// RFC 6533 types are used (message/global-delivery-status, message/global,
// message/global-headers). Pure: the queue runner decides when a DSN is due
// (never for a null sender, RFC 3461 6.2 / RFC 5321 4.5.5) and enqueues what
// this returns with the null reverse-path.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::smtp {

enum class DsnAction { failed, delayed, delivered, relayed, expanded };
const char* dsn_action_name(DsnAction a);

enum class DsnRet { unspecified, full, hdrs };  // RFC 3461 4.3 RET=

struct DsnRecipient {
    std::string final_recipient;     // the address tried: "user@example.net"
    std::string original_recipient;  // ORCPT as received ("rfc822;user+2Bx@example.net"); empty: none
    DsnAction action = DsnAction::failed;
    std::string status;              // RFC 3463 "5.1.1"
    std::string remote_mta;          // host name that answered; empty: none (e.g. DNS failure)
    // The remote reply, "550 5.1.1 <u@example.net>: user unknown" (several
    // reply lines separated by "\n" or "\r\n"), or our own explanation;
    // reported as "smtp; ..." when it starts with a 3-digit code, else as
    // "x-postamt; ...". Empty: no Diagnostic-Code.
    std::string diagnostic;
    std::optional<std::chrono::system_clock::time_point> last_attempt;
    std::optional<std::chrono::system_clock::time_point> will_retry_until;  // delayed only
};

struct DsnInput {
    std::string reporting_mta;   // our host name (Reporting-MTA: dns; ..., From MAILER-DAEMON@...)
    std::string postmaster;      // postmaster address named in the text part
    std::string sender;          // original envelope sender: the DSN's To (must not be empty)
    std::string envid;           // RFC 3461 ENVID as received (xtext); empty: none
    std::string queue_id;
    std::chrono::system_clock::time_point arrival;  // Arrival-Date
    std::chrono::system_clock::time_point now;      // Date of the DSN
    DsnRet ret = DsnRet::unspecified;
    bool smtputf8 = false;       // the original was sent with SMTPUTF8
    std::string_view original;   // the original message, canonical CRLF
    std::vector<DsnRecipient> recipients;
    std::size_t max_returned_size = 1024 * 1024;  // larger originals: headers only
};

struct Dsn {
    std::string message;       // the complete RFC 5322 message, CRLF
    std::string message_id;    // its Message-ID, with the angle brackets
    bool global = false;       // RFC 6533 types used: send with SMTPUTF8
    bool full_original = false;  // the whole original was attached
};

Dsn build_dsn(const DsnInput& in);

// RFC 3461 4: xtext decoding ("+2B" -> "+"); malformed escapes kept as is.
std::string xtext_decode(std::string_view s);

}  // namespace postamt::smtp
