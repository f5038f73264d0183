#pragma once
// BODY and BODYSTRUCTURE (RFC 9051 7.5.2 and section 9 "body"), rendered
// from the part tree the mime parser keeps. Pure text rendering.
#include <cstdint>
#include <string>
#include <vector>

#include "mime/message_parser.h"

namespace postamt::imap {

// Appends the "body" of parts[part_index] (0: the whole message).
// `extensible` false gives BODY (no extension data), true BODYSTRUCTURE:
// single parts add md5, disposition, language, location; multiparts add
// params, disposition, language, location.
//
// Media type, subtype, parameter names, disposition type and encoding are
// sent upper-cased as quoted strings ("TEXT" "PLAIN" ("CHARSET" "utf-8")
// ... "BASE64"); parameter values as the parser decoded them. A parameter
// value that is not ASCII is re-encoded so the answer stays 7-bit and
// readable by every client: an RFC 2231 parameter as NAME* "utf-8'lang'%XX",
// any other (RFC 2047 in a parameter, raw 8-bit) as one RFC 2047 word
// "=?utf-8?B?...?=". id, description, md5 and location are sent as the
// header had them (literal when 8-bit, unless `utf8`).
//
// Size is the octets of the encoded body; text/* and message/rfc822 (and
// message/global) carry their line count; message parts carry the nested
// ENVELOPE and body. Malformed structures stay valid on the wire: a
// multipart without parts gets one empty text/plain part (a multipart needs
// at least one body, RFC 9051 9 body-type-mpart), as does a message part
// without a nested message; nesting deeper than the parser's bound renders
// the same empty part. An out-of-range part_index renders the empty part.
void append_body_structure(std::string& out, const mime::ParsedMessage& msg, uint32_t part_index,
                           bool extensible, bool utf8);

// body-fld-param: ("NAME" "value" ...) or NIL when empty (exposed for tests
// and for the fuzz target).
void append_body_params(std::string& out, const std::vector<mime::Param>& params);

}  // namespace postamt::imap
