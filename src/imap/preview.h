#pragma once
// PREVIEW (RFC 8970): a short plain-text extract of the message's first
// readable text part.
#include <cstdint>
#include <string>
#include <string_view>

#include "mime/message_parser.h"

namespace postamt::imap {

// RFC 8970 3.3: SHOULD stay within 200 characters, MUST within 256.
inline constexpr std::size_t kPreviewMaxChars = 200;
// Encoded body octets make_preview() looks at; the caller may read just this
// prefix of the part (a longer HTML head/style block yields less text).
inline constexpr uint64_t kPreviewReadLimit = 64 * 1024;

// The part a preview is made from: the first text/plain leaf in depth-first
// order that is not a Content-Disposition "attachment" and is not inside an
// attached message (message/rfc822 is not descended into); failing that the
// first such text/html. kNoIndex when there is none (RFC 8970 3.2: the
// preview is then the empty string).
uint32_t preview_part(const mime::ParsedMessage& msg);

// The preview text of `part` from (a prefix of) its encoded body: transfer
// decoding and charset conversion (mime helpers), HTML markup, <head>,
// <style>, <script> and comments removed and common entities decoded for
// text/html, controls and runs of whitespace turned into one space, trimmed,
// cut at a character boundary after kPreviewMaxChars characters. Always
// valid UTF-8; a character cut off at the end of a prefix is dropped.
std::string preview_from_body(const mime::Part& part, std::string_view encoded_body);

// Both steps on the whole canonical message.
std::string make_preview(const mime::ParsedMessage& msg, std::string_view message);

}  // namespace postamt::imap
