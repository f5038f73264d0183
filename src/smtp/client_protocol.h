#pragma once
// The pure pieces of the outbound SMTP client (smtp_client.h): what the
// far side offers (EHLO keywords), the MAIL/RCPT commands we send for a
// message, the DATA payload, and how replies become per-recipient
// outcomes. No I/O; unit-tested without sockets.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/client_reply.h"
#include "smtp/dsn.h"

namespace postamt::smtp {

// RFC 3461 4.1 NOTIFY, as a bit set; 0: not specified (no NOTIFY sent).
enum DsnNotify : std::uint8_t {
    notify_unspecified = 0,
    notify_never = 1,
    notify_success = 2,
    notify_failure = 4,
    notify_delay = 8,
};

// RFC 3461 4.3 RET: DsnRet from dsn.h (one type for the client and the
// reports).

struct OutboundRecipient {
    std::string address;  // "local@domain" in RFC 5321 form (local part quoted when needed)
    std::string orcpt;    // RFC 3461 4.2 "addr-type;xtext" exactly as received, or ""
    std::uint8_t notify = notify_unspecified;
};

struct OutboundMessage {
    std::string sender;  // "" for the null reverse-path (bounces)
    std::vector<OutboundRecipient> recipients;
    std::string envid;  // RFC 3461 4.4 ENVID, xtext-decoded (encoded on the wire), or ""
    DsnRet ret = DsnRet::unspecified;
    // Sender, a recipient or a header field is UTF-8 (RFC 6531): the far
    // side must offer SMTPUTF8.
    bool smtputf8 = false;
    bool body_8bit = false;                   // 8-bit bytes in the body: BODY=8BITMIME (RFC 6152)
    std::shared_ptr<const std::string> data;  // the message, CRLF line ends, not dot-stuffed
};

struct RecipientOutcome {
    enum class Kind { delivered, transient, permanent };
    Kind kind = Kind::transient;
    int code = 0;                // the remote reply code, or ours (e.g. 451 for a timeout)
    std::string status;          // RFC 3463 "x.y.z"
    std::string text;            // the remote reply ("550 5.1.1 ...") or our reason
    std::string remote_mta;      // host name that gave the outcome (DSN Remote-MTA), "" if none
    std::string remote_address;  // its IP address
    // Delivered to a server without DSN support while NOTIFY asked for
    // SUCCESS: the queue sends a "relayed" DSN itself (RFC 3461 4.1).
    bool relayed_without_dsn = false;
};

const char* outcome_kind_name(RecipientOutcome::Kind k);

struct EhloCapabilities {
    bool esmtp = false;  // EHLO was accepted (else HELO: no extensions)
    bool pipelining = false, starttls = false, eightbitmime = false, smtputf8 = false, dsn = false;
    bool enhanced_status_codes = false, chunking = false;
    bool has_size = false;
    std::uint64_t size = 0;         // SIZE limit; 0: none announced (RFC 1870 4)
    std::vector<std::string> auth;  // mechanisms, upper-case
};

// The EHLO reply's lines after the first (RFC 5321 4.1.1.1); unknown
// keywords are ignored, keywords are case-insensitive.
EhloCapabilities parse_ehlo(const ServerReply& r);

// RFC 3461 4: xtext ("+" and "=" and non-printables as "+XX").
std::string xtext_encode(std::string_view s);
std::string notify_param(std::uint8_t notify);  // "SUCCESS,FAILURE", "NEVER", ""
bool is_ascii(std::string_view s);

// MAIL FROM:<sender> with SIZE (when offered), BODY=8BITMIME (8-bit body and
// offered), SMTPUTF8 (needed and offered), RET/ENVID (DSN offered).
std::string mail_command(const OutboundMessage& m, const EhloCapabilities& caps);
// RCPT TO:<address> with NOTIFY/ORCPT when the far side offers DSN.
std::string rcpt_command(const OutboundRecipient& r, const EhloCapabilities& caps);

// The DATA payload: dot-stuffed (RFC 5321 4.5.2), bare CR or LF sent as
// CRLF (RFC 5321 2.3.8), a final CRLF added when missing, then ".\r\n".
std::string data_payload(std::string_view message);

// Why a message cannot go to this server at all, before MAIL: SIZE too
// small (552 5.3.4, RFC 1870), or SMTPUTF8 needed but not offered (553
// 5.6.7, RFC 6531 3.2). nullopt: go ahead. `recipient_needs_utf8` is set per
// recipient: those get 5.6.7 when SMTPUTF8 is missing even if the rest of
// the message is ASCII.
struct Refusal {
    int code = 0;
    std::string status, text;
};
std::optional<Refusal> refuse_before_mail(const OutboundMessage& m, const EhloCapabilities& caps);
bool recipient_needs_utf8(const OutboundRecipient& r);

// A reply to a RCPT or to the end of data (or DATA itself) as the outcome
// for a recipient. The enhanced code defaults to the reply class ("4.0.0").
RecipientOutcome outcome_from_reply(const ServerReply& r);
RecipientOutcome make_outcome(RecipientOutcome::Kind k, int code, std::string status,
                              std::string text);

}  // namespace postamt::smtp
