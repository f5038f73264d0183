#include "imap/wire_string.h"

#include "common/utf8.h"

namespace postamt::imap {
namespace {

// Beyond this a literal is easier on clients and on us than a long quoted
// string (Dovecot switches at a similar length).
constexpr std::size_t kMaxQuoted = 1024;

}  // namespace

bool is_atom_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;  // CTL, SP, 8-bit
    switch (c) {
        case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
            return false;
        default:
            return true;
    }
}

bool is_astring_char(char c) { return c == ']' || is_atom_char(c); }

bool quotable(std::string_view s, bool utf8) {
    if (s.size() > kMaxQuoted) return false;
    bool eight_bit = false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u == 0 || c == '\r' || c == '\n') return false;
        if (u >= 0x80) {
            if (!utf8) return false;
            eight_bit = true;
        }
    }
    // RFC 9051 9 QUOTED-CHAR allows UTF-8 only as well-formed UTF8-2/3/4;
    // raw Latin-1 header bytes must go as a literal even under UTF8=ACCEPT.
    return !eight_bit || is_valid_utf8(s);
}

void append_literal(std::string& out, std::string_view s, bool binary) {
    if (binary) out += '~';
    out += '{';
    out += std::to_string(s.size());
    out += "}\r\n";
    out.append(s);
}

void append_string(std::string& out, std::string_view s, bool utf8) {
    // RFC 9051 9: neither a quoted string nor a literal (CHAR8) may carry
    // NUL; header text with NUL bytes (invalid mail) loses them.
    if (s.find('\0') != std::string_view::npos) {
        std::string clean;
        clean.reserve(s.size());
        for (char c : s)
            if (c != '\0') clean += c;
        return append_string(out, clean, utf8);
    }
    if (!quotable(s, utf8)) return append_literal(out, s);
    out += '"';
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8) {
    if (!s) {
        out += "NIL";
        return;
    }
    append_string(out, *s, utf8);
}

void append_astring(std::string& out, std::string_view s, bool utf8) {
    bool atom = !s.empty();
    for (char c : s) atom = atom && is_astring_char(c);
    // "NIL" as an atom would read as nil where an nstring is also allowed.
    if (atom && !(s.size() == 3 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'i' && (s[2] | 0x20) == 'l')) {
        out.append(s);
        return;
    }
    append_string(out, s, utf8);
}

}  // namespace postamt::imap
