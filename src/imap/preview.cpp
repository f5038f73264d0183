#include "imap/preview.h"

#include <algorithm>

#include "mime/charset.h"
#include "mime/transfer_decode.h"

namespace postamt::imap {
namespace {

bool is_attachment(const mime::Part& p) {
    return p.disposition && p.disposition->type == "attachment";
}

uint32_t find_first(const mime::ParsedMessage& msg, std::string_view subtype) {
    // Iterative depth-first walk over multipart children only.
    std::vector<uint32_t> stack{0};
    std::size_t steps = 0;
    while (!stack.empty() && steps++ < msg.parts.size() + 1) {
        uint32_t idx = stack.back();
        stack.pop_back();
        if (idx >= msg.parts.size()) continue;
        const mime::Part& p = msg.parts[idx];
        if (p.is_multipart()) {
            for (auto it = p.children.rbegin(); it != p.children.rend(); ++it) stack.push_back(*it);
        } else if (p.is_text() && p.subtype == subtype && !is_attachment(p)) {
            return idx;
        }
    }
    return mime::kNoIndex;
}

bool lower_starts_with(std::string_view s, std::size_t pos, std::string_view prefix) {
    if (pos + prefix.size() > s.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[pos + i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c != prefix[i]) return false;
    }
    return true;
}

// "<name" at pos followed by the end of the tag name ('>', '/', whitespace).
bool tag_is(std::string_view s, std::size_t pos, std::string_view open) {
    if (!lower_starts_with(s, pos, open)) return false;
    std::size_t k = pos + open.size();
    if (k >= s.size()) return true;
    char c = s[k];
    return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Position after the closing tag `</name ...>` at or after pos, or npos.
std::size_t skip_element(std::string_view s, std::size_t pos, std::string_view close) {
    for (std::size_t k = pos; k < s.size(); ++k)
        if (s[k] == '<' && tag_is(s, k, close)) {
            std::size_t gt = s.find('>', k);
            return gt == std::string_view::npos ? s.size() : gt + 1;
        }
    return s.size();
}

void append_code_point(std::string& out, uint32_t cp) {
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// An entity at s[pos] == '&': appends its text and returns the length
// consumed, or 0 when it is not one we know (the '&' is then kept).
std::size_t entity(std::string_view s, std::size_t pos, std::string& out) {
    std::size_t semi = s.find(';', pos);
    if (semi == std::string_view::npos || semi - pos > 10) return 0;
    std::string_view name = s.substr(pos + 1, semi - pos - 1);
    if (name.size() >= 2 && name[0] == '#') {
        uint32_t cp = 0;
        bool hex = name[1] == 'x' || name[1] == 'X';
        std::size_t i = hex ? 2 : 1;
        if (i >= name.size()) return 0;
        for (; i < name.size(); ++i) {
            char c = name[i];
            uint32_t d;
            if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
            else if (hex && c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
            else if (hex && c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
            else return 0;
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10ffff) return 0;
        }
        append_code_point(out, cp);
        return semi - pos + 1;
    }
    static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
    };
    for (const auto& [n, v] : kNamed)
        if (name == n) {
            out += v;
            return semi - pos + 1;
        }
    return 0;
}

std::string strip_html(std::string_view s) {
    std::string out;
    out.reserve(s.size() / 2);
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c == '<') {
            if (lower_starts_with(s, i, "<!--")) {
                std::size_t e = s.find("-->", i + 4);
                i = e == std::string_view::npos ? s.size() : e + 3;
            } else if (tag_is(s, i, "<head")) {
                i = skip_element(s, i + 5, "</head");
            } else if (tag_is(s, i, "<style")) {
                i = skip_element(s, i + 6, "</style");
            } else if (tag_is(s, i, "<script")) {
                i = skip_element(s, i + 7, "</script");
            } else {
                std::size_t e = s.find('>', i);
                i = e == std::string_view::npos ? s.size() : e + 1;
            }
            // A tag may separate words (<br>, <p>, <td>); extra spaces collapse later.
            out += ' ';
            continue;
        }
        if (c == '&') {
            std::size_t n = entity(s, i, out);
            if (n) {
                i += n;
                continue;
            }
        }
        out += c;
        ++i;
    }
    return out;
}

// Controls and whitespace (incl. U+00A0) become one space; trimmed; at most
// kPreviewMaxChars characters; a trailing U+FFFD (a cut-off character) dropped.
std::string collapse(std::string_view s) {
    std::string out;
    std::size_t chars = 0;
    bool pending_space = false;
    std::size_t i = 0;
    while (i < s.size() && chars < kPreviewMaxChars) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (i + len > s.size()) break;
        bool space = c < 0x20 || c == ' ' || c == 0x7f ||
                     (c == 0xc2 && static_cast<unsigned char>(s[i + 1]) == 0xa0);
        if (space) {
            pending_space = !out.empty();
        } else {
            if (pending_space) {
                out += ' ';
                ++chars;
                pending_space = false;
                if (chars >= kPreviewMaxChars) break;
            }
            out.append(s.substr(i, len));
            ++chars;
        }
        i += len;
    }
    while (out.size() >= 3 && out.compare(out.size() - 3, 3, "\xEF\xBF\xBD") == 0) {
        out.resize(out.size() - 3);
        while (!out.empty() && out.back() == ' ') out.pop_back();
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

}  // namespace

uint32_t preview_part(const mime::ParsedMessage& msg) {
    if (msg.parts.empty()) return mime::kNoIndex;
    uint32_t p = find_first(msg, "plain");
    if (p != mime::kNoIndex) return p;
    return find_first(msg, "html");
}

std::string preview_from_body(const mime::Part& part, std::string_view encoded_body) {
    encoded_body = encoded_body.substr(0, std::min<uint64_t>(encoded_body.size(), kPreviewReadLimit));
    std::string raw = mime::decode_transfer_encoding(encoded_body, part.encoding);
    const std::string* cs = part.param("charset");
    // to_utf8 never fails; its result is valid UTF-8 (bad bytes become U+FFFD).
    std::string text = mime::to_utf8(raw, cs ? std::string_view(*cs) : std::string_view("us-ascii"));
    text = mime::repair_utf8(text);  // to_utf8 should give valid UTF-8; make sure
    if (part.subtype == "html") text = strip_html(text);
    return collapse(text);
}

std::string make_preview(const mime::ParsedMessage& msg, std::string_view message) {
    uint32_t idx = preview_part(msg);
    if (idx == mime::kNoIndex) return {};
    const mime::Part& p = msg.parts[idx];
    uint64_t b = std::min<uint64_t>(p.body_start, message.size());
    uint64_t e = std::min<uint64_t>(std::max(p.end, p.body_start), message.size());
    return preview_from_body(p, message.substr(b, e - b));
}

}  // namespace postamt::imap
