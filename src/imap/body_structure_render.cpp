#include "imap/body_structure_render.h"

#include "imap/envelope_render.h"
#include "imap/wire_string.h"

namespace postamt::imap {
namespace {

// Deeper than anything parse_message() builds (kMaxDepth multipart/message
// levels, each message adding its root): only a hand-made tree gets here.
constexpr uint32_t kMaxRenderDepth = 2 * mime::kMaxDepth + 8;

std::string upper(std::string_view s) {
    std::string r(s);
    for (char& c : r)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return r;
}

// append_string(out, upper(s)) without the temporary for the common case
// (media types, parameter names, encodings are short ASCII tokens).
void append_upper(std::string& out, std::string_view s, std::string_view suffix = {}) {
    bool simple = s.size() + suffix.size() <= 64;
    for (char c : s) simple = simple && c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    if (!simple) {
        append_string(out, upper(s) + std::string(suffix));
        return;
    }
    out += '"';
    for (char c : s) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    out.append(suffix);
    out += '"';
}

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

void append_base64(std::string& out, std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    std::size_t rest = in.size() - i;
    if (rest == 0) return;
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
}

// RFC 2231 7 attribute-char: CHAR except SPACE, CTLs, "*", "'", "%" and
// RFC 2045 tspecials.
bool is_attribute_char(unsigned char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
        case '*': case '\'': case '%': case '(': case ')': case '<': case '>': case '@':
        case ',': case ';': case ':': case '\\': case '"': case '/': case '[': case ']':
        case '?': case '=':
            return false;
        default:
            return true;
    }
}

std::string rfc2231_value(const mime::Param& p) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string v = "utf-8'";
    for (char c : p.language)
        if (is_attribute_char(static_cast<unsigned char>(c))) v += c;
    v += '\'';
    for (char c : p.value) {
        auto u = static_cast<unsigned char>(c);
        if (is_attribute_char(u)) {
            v += c;
        } else {
            v += '%';
            v += kHex[u >> 4];
            v += kHex[u & 15];
        }
    }
    return v;
}

void append_param(std::string& out, const mime::Param& p) {
    if (is_ascii(p.value)) {
        append_upper(out, p.name);
        out += ' ';
        append_string(out, p.value);
    } else if (!p.charset.empty()) {
        // The value was RFC 2231 encoded; it is UTF-8 now, so say utf-8.
        append_upper(out, p.name, "*");
        out += ' ';
        append_string(out, rfc2231_value(p));
    } else {
        append_upper(out, p.name);
        out += ' ';
        std::string w = "=?utf-8?B?";
        append_base64(w, p.value);
        w += "?=";
        append_string(out, w);
    }
}

void append_language(std::string& out, const std::vector<std::string>& lang, bool utf8) {
    if (lang.empty()) {
        out += "NIL";
    } else if (lang.size() == 1) {
        append_string(out, lang[0], utf8);
    } else {
        out += '(';
        for (std::size_t i = 0; i < lang.size(); ++i) {
            if (i) out += ' ';
            append_string(out, lang[i], utf8);
        }
        out += ')';
    }
}

void append_disposition(std::string& out, const std::optional<mime::Disposition>& d) {
    if (!d) {
        out += "NIL";
        return;
    }
    out += '(';
    append_upper(out, d->type);
    out += ' ';
    append_body_params(out, d->params);
    out += ')';
}

// Extension data after md5 (single part) or params (multipart).
void append_ext_tail(std::string& out, const mime::Part& p, bool utf8) {
    out += ' ';
    append_disposition(out, p.disposition);
    out += ' ';
    append_language(out, p.language, utf8);
    out += ' ';
    append_nstring(out, p.location, utf8);
}

void append_empty_text_part(std::string& out, bool extensible) {
    out += "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0";
    if (extensible) out += " NIL NIL NIL NIL";
    out += ')';
}

class Renderer {
public:
    Renderer(std::string& out, const mime::ParsedMessage& msg, bool extensible, bool utf8)
        : out_(out), msg_(msg), ext_(extensible), utf8_(utf8) {}

    void body(uint32_t idx, uint32_t depth) {
        if (idx >= msg_.parts.size() || depth > kMaxRenderDepth) {
            append_empty_text_part(out_, ext_);
            return;
        }
        const mime::Part& p = msg_.parts[idx];
        if (p.is_multipart()) {
            multipart(p, depth);
        } else {
            single(p, depth);
        }
    }

private:
    void multipart(const mime::Part& p, uint32_t depth) {
        out_ += '(';
        if (p.children.empty()) {
            append_empty_text_part(out_, ext_);
        } else {
            for (uint32_t c : p.children) body(c, depth + 1);
        }
        out_ += ' ';
        append_upper(out_, p.subtype);
        if (ext_) {
            out_ += ' ';
            append_body_params(out_, p.params);
            append_ext_tail(out_, p, utf8_);
        }
        out_ += ')';
    }

    void single(const mime::Part& p, uint32_t depth) {
        out_ += '(';
        append_upper(out_, p.type);
        out_ += ' ';
        append_upper(out_, p.subtype);
        out_ += ' ';
        append_body_params(out_, p.params);
        out_ += ' ';
        append_nstring(out_, p.id, utf8_);
        out_ += ' ';
        append_nstring(out_, p.description, utf8_);
        out_ += ' ';
        append_upper(out_, p.encoding);
        out_ += ' ';
        out_ += std::to_string(p.end >= p.body_start ? p.size() : 0);
        if (p.is_message()) {
            out_ += ' ';
            if (p.envelope < msg_.envelopes.size())
                append_envelope(out_, msg_.envelopes[p.envelope], utf8_);
            else
                append_envelope(out_, mime::Envelope{}, utf8_);
            out_ += ' ';
            if (p.children.empty())
                append_empty_text_part(out_, ext_);
            else
                body(p.children[0], depth + 1);
            out_ += ' ';
            out_ += std::to_string(p.lines);
        } else if (p.is_text()) {
            out_ += ' ';
            out_ += std::to_string(p.lines);
        }
        if (ext_) {
            out_ += ' ';
            append_nstring(out_, p.md5, utf8_);
            append_ext_tail(out_, p, utf8_);
        }
        out_ += ')';
    }

    std::string& out_;
    const mime::ParsedMessage& msg_;
    bool ext_;
    bool utf8_;
};

}  // namespace

void append_body_params(std::string& out, const std::vector<mime::Param>& params) {
    if (params.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i) out += ' ';
        append_param(out, params[i]);
    }
    out += ')';
}

void append_body_structure(std::string& out, const mime::ParsedMessage& msg, uint32_t part_index,
                           bool extensible, bool utf8) {
    Renderer(out, msg, extensible, utf8).body(part_index, 0);
}

}  // namespace postamt::imap
