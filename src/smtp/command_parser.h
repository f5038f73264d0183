#pragma once
// Parses one SMTP command line (the bytes without the CRLF) into a Command.
// Pure: no state, no I/O. Syntax errors come back as the reply to send
// (Command::error); what a well-formed command *means* in the current state
// is the session's business (session.h).
//
// Tolerated: lower-case verbs and keywords, trailing spaces/tabs, one space
// after "MAIL FROM:" / "RCPT TO:" (as Postfix does). Not tolerated: a path
// without angle brackets, two spaces, NUL or other control bytes, invalid
// UTF-8.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/address.h"
#include "smtp/reply.h"

namespace postamt::smtp {

enum class Verb {
    unknown,
    ehlo,
    helo,
    mail,
    rcpt,
    data,
    bdat,
    rset,
    noop,
    quit,
    help,
    vrfy,
    expn,
    starttls,
    auth
};

std::string_view verb_name(Verb v);

// RFC 2920 3.1: commands after which the client must wait for the reply
// (the last command of a pipelined group); the runner flushes after them.
bool ends_pipeline_group(Verb v);

enum class BodyType { unspecified, seven_bit, eight_bit_mime, binary_mime };

struct MailParams {
    std::optional<uint64_t> size;           // RFC 1870; saturated at UINT64_MAX
    BodyType body = BodyType::unspecified;  // RFC 6152, RFC 3030
    bool smtputf8 = false;                  // RFC 6531
    std::string ret;                        // RFC 3461: "FULL" / "HDRS" (upper-cased)
    std::string envid;                      // RFC 3461: xtext as sent
    std::optional<std::string> auth;        // RFC 4954 5: xtext as sent ("<>" allowed)
};

struct RcptParams {
    std::string notify;  // RFC 3461: "NEVER" or a list of SUCCESS,FAILURE,DELAY (upper-cased)
    std::string orcpt;   // RFC 3461: "addr-type;xtext" as sent
};

struct Command {
    Verb verb = Verb::unknown;
    // EHLO/HELO: the domain or address literal; NOOP/HELP/VRFY/EXPN: the
    // argument text; AUTH: the mechanism (upper-cased).
    std::string argument;
    std::string initial_response;  // AUTH
    Path path;                     // MAIL / RCPT
    MailParams mail;
    RcptParams rcpt;
    uint64_t bdat_size = 0;
    bool bdat_last = false;
    // BDAT whose chunk size could not be read: the byte stream cannot be
    // followed any more, the session must close after the error reply.
    bool lost_sync = false;
    std::optional<Reply> error;  // set when the line is malformed
};

// RFC 5321 4.5.3.1.4 says 512 octets; extensions (SIZE, BODY, SMTPUTF8,
// ENVID, AUTH, ORCPT) each add to it, so we allow what Postfix does.
constexpr std::size_t kMaxCommandLine = 2048;

Command parse_command(std::string_view line);

}  // namespace postamt::smtp
