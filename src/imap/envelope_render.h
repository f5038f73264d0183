#pragma once
// ENVELOPE (RFC 9051 7.5.2, RFC 3501 7.4.2) on the wire, from the data the
// mime parser keeps. Pure text rendering: no blob access.
#include <string>
#include <vector>

#include "mime/message_parser.h"

namespace postamt::imap {

// Appends "(date subject from sender reply-to to cc bcc in-reply-to
// message-id)". Strings keep what the header said (encoded words intact, no
// decoding); absent fields are NIL, empty address lists NIL. Sender and
// Reply-To fall back to From when absent or empty (RFC 3501 7.4.2: the
// server fills them; the parser already does, this repeats it for
// envelopes built by hand). Text with 8-bit bytes goes out as a literal, or
// as a quoted UTF-8 string when `utf8` (UTF8=ACCEPT enabled) and the bytes
// are valid UTF-8 (see wire_string.h quotable()).
void append_envelope(std::string& out, const mime::Envelope& env, bool utf8);

// "(" 1*address ")" or NIL. Addresses: (name adl mailbox host) with NIL for
// an empty name/adl; a group is (NIL NIL "group" NIL) ... (NIL NIL NIL NIL).
// A mailbox without a domain gets host "" (not NIL: NIL would make it read
// as a group start), an empty local part mailbox "".
void append_address_list(std::string& out, const std::vector<mime::Address>& list, bool utf8);

}  // namespace postamt::imap
