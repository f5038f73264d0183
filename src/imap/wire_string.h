#pragma once
// IMAP response string forms (RFC 9051 4.3, 9): quoted when the text allows
// it, a literal otherwise; NIL for an absent nstring. Appends to `out` so a
// response is built in one buffer.
#include <optional>
#include <string>
#include <string_view>

namespace postamt::imap {

// True when `s` can be sent as a quoted string: no CR, LF or NUL, no 8-bit
// byte unless `utf8` (UTF8=ACCEPT enabled) and the text is valid UTF-8, and
// short enough to read well.
bool quotable(std::string_view s, bool utf8 = false);

// "text" with \ and " escaped, or {n}\r\ntext. NUL bytes are dropped: no
// IMAP string can carry them (use append_literal(.., binary) for data).
void append_string(std::string& out, std::string_view s, bool utf8 = false);
// NIL or a string.
void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8 = false);
// An atom when `s` is a non-empty atom (RFC 9051 9 ASTRING-CHAR), else a string.
void append_astring(std::string& out, std::string_view s, bool utf8 = false);
// {n}\r\n followed by the bytes (for BODY[] data and anything 8-bit/binary);
// `binary` uses the ~{n} literal8 form of RFC 3516.
void append_literal(std::string& out, std::string_view s, bool binary = false);

bool is_atom_char(char c);          // ATOM-CHAR
bool is_astring_char(char c);       // ASTRING-CHAR (ATOM-CHAR or ']')

}  // namespace postamt::imap
