#include "mime/content_type.h"

#include <algorithm>
#include <cstdint>

#include "mime/charset.h"
#include "mime/encoded_word.h"
#include "mime/header.h"

namespace postamt::mime {
namespace {

constexpr std::size_t kMaxParams = 128;
constexpr int kMaxSection = 999;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_tspecial(char c) {
    switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
        case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
            return true;
        default:
            return false;
    }
}

bool is_token_char(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u > 32 && u != 127 && !is_tspecial(c);
}

// Skips whitespace and (nested) comments.
void skip_cfws(std::string_view s, std::size_t& p) {
    while (p < s.size()) {
        if (is_ws(s[p])) {
            ++p;
        } else if (s[p] == '(') {
            int depth = 0;
            while (p < s.size()) {
                char c = s[p];
                if (c == '\\') {
                    p += 2;
                    continue;
                }
                if (c == '(') ++depth;
                if (c == ')' && --depth == 0) {
                    ++p;
                    break;
                }
                ++p;
            }
            if (p > s.size()) p = s.size();
        } else {
            break;
        }
    }
}

std::string_view read_token(std::string_view s, std::size_t& p) {
    std::size_t b = p;
    while (p < s.size() && is_token_char(s[p])) ++p;
    return s.substr(b, p - b);
}

std::string read_quoted(std::string_view s, std::size_t& p) {
    std::string out;
    ++p;  // opening quote
    while (p < s.size() && s[p] != '"') {
        if (s[p] == '\\' && p + 1 < s.size()) ++p;
        if (s[p] != '\r' && s[p] != '\n') out += s[p];
        ++p;
    }
    if (p < s.size()) ++p;  // closing quote
    return out;
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string percent_decode(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
            out += static_cast<char>(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
            i += 2;
        } else {
            out += v[i];
        }
    }
    return out;
}

struct RawParam {
    std::string base;  // lower-cased
    int section = -1;
    bool extended = false;
    std::string value;
};

// charset'language'rest
void split_ext(std::string_view v, std::string& charset, std::string& lang, std::string_view& rest) {
    auto q1 = v.find('\'');
    if (q1 == std::string_view::npos) {
        rest = v;
        return;
    }
    auto q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) {
        rest = v;
        return;
    }
    charset.assign(v.substr(0, q1));
    lang.assign(v.substr(q1 + 1, q2 - q1 - 1));
    rest = v.substr(q2 + 1);
}

std::vector<Param> assemble(std::vector<RawParam>& raw) {
    std::vector<Param> out;
    std::vector<bool> used(raw.size(), false);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (used[i]) continue;
        const std::string base = raw[i].base;
        if (std::any_of(out.begin(), out.end(), [&](const Param& p) { return p.name == base; })) {
            used[i] = true;
            continue;  // duplicate parameter: first wins
        }
        // Gather all entries of this base name.
        std::vector<std::size_t> idx;
        for (std::size_t k = i; k < raw.size(); ++k)
            if (!used[k] && raw[k].base == base) idx.push_back(k);
        Param p;
        p.name = base;
        const RawParam* plain = nullptr;
        const RawParam* single_ext = nullptr;
        std::vector<const RawParam*> sections;
        for (auto k : idx) {
            used[k] = true;
            const RawParam& r = raw[k];
            if (r.section >= 0)
                sections.push_back(&r);
            else if (r.extended && !single_ext)
                single_ext = &r;
            else if (!r.extended && !plain)
                plain = &r;
        }
        if (!sections.empty()) {
            std::stable_sort(sections.begin(), sections.end(),
                             [](const RawParam* a, const RawParam* b) { return a->section < b->section; });
            std::string bytes;
            int expect = 0;
            for (const RawParam* r : sections) {
                if (r->section != expect) break;  // gap or duplicate: stop (RFC 2231 3)
                ++expect;
                std::string_view v = r->value;
                if (r->extended) {
                    if (r->section == 0) split_ext(v, p.charset, p.language, v);
                    bytes += percent_decode(v);
                } else {
                    bytes += v;
                }
            }
            if (expect > 0) {
                p.value = p.charset.empty() ? header_bytes_to_utf8(bytes) : to_utf8(bytes, p.charset);
                if (p.charset.empty() && sections[0]->extended == false &&
                    p.value.find("=?") != std::string::npos)
                    p.value = decode_encoded_words(p.value);
                out.push_back(std::move(p));
                continue;
            }
        }
        if (single_ext) {
            std::string_view rest;
            split_ext(single_ext->value, p.charset, p.language, rest);
            std::string bytes = percent_decode(rest);
            p.value = p.charset.empty() ? header_bytes_to_utf8(bytes) : to_utf8(bytes, p.charset);
            out.push_back(std::move(p));
            continue;
        }
        if (plain) {
            // Encoded words inside parameter values violate RFC 2047 5 but are
            // what many mailers send for filenames; decode them leniently.
            p.value = plain->value.find("=?") != std::string::npos
                          ? decode_encoded_words(plain->value)
                          : header_bytes_to_utf8(plain->value);
            out.push_back(std::move(p));
        }
    }
    return out;
}

}  // namespace

std::vector<Param> parse_params(std::string_view s, std::size_t p) {
    std::vector<RawParam> raw;
    while (p < s.size() && raw.size() < kMaxParams) {
        // Find the next ';'.
        skip_cfws(s, p);
        if (p >= s.size()) break;
        if (s[p] != ';') {
            // Garbage: skip to the next ';' (outside quotes).
            bool inq = false;
            while (p < s.size() && (inq || s[p] != ';')) {
                if (s[p] == '"') inq = !inq;
                if (s[p] == '\\') ++p;
                ++p;
            }
            continue;
        }
        ++p;
        skip_cfws(s, p);
        std::string_view attr = read_token(s, p);
        skip_cfws(s, p);
        if (attr.empty() || p >= s.size() || s[p] != '=') continue;
        ++p;
        skip_cfws(s, p);
        RawParam r;
        if (p < s.size() && s[p] == '"') {
            r.value = read_quoted(s, p);
        } else {
            std::size_t b = p;
            while (p < s.size() && s[p] != ';') ++p;
            std::string_view v = s.substr(b, p - b);
            // Drop a trailing comment: "us-ascii (Plain text)".
            for (std::size_t k = 1; k < v.size(); ++k)
                if (v[k] == '(' && is_ws(v[k - 1])) {
                    v = v.substr(0, k);
                    break;
                }
            while (!v.empty() && is_ws(v.back())) v.remove_suffix(1);
            std::string clean;
            for (char c : v)
                if (c != '\r' && c != '\n') clean += c;
            r.value = std::move(clean);
        }
        std::string name = to_lower_ascii(attr);
        // RFC 2231: name*  name*N  name*N*
        auto star = name.find('*');
        if (star == std::string::npos) {
            r.base = name;
        } else {
            r.base = name.substr(0, star);
            std::string_view rest = std::string_view(name).substr(star + 1);
            if (rest.empty()) {
                r.extended = true;
            } else {
                int n = 0;
                std::size_t k = 0;
                while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9' && n <= kMaxSection)
                    n = n * 10 + (rest[k++] - '0');
                if (k == 0 || n > kMaxSection) {
                    r.base = name;  // not 2231 syntax; keep literally
                } else {
                    r.section = n;
                    std::string_view tail = rest.substr(k);
                    if (tail == "*")
                        r.extended = true;
                    else if (!tail.empty())
                        r.base = name, r.section = -1;
                }
            }
        }
        if (r.base.empty()) continue;
        raw.push_back(std::move(r));
    }
    return assemble(raw);
}

ContentType parse_content_type(std::string_view s) {
    ContentType ct;
    std::size_t p = 0;
    skip_cfws(s, p);
    std::string_view type = read_token(s, p);
    skip_cfws(s, p);
    if (!type.empty() && p < s.size() && s[p] == '/') {
        ++p;
        skip_cfws(s, p);
        std::string_view sub = read_token(s, p);
        if (!sub.empty()) {
            ct.type = to_lower_ascii(type);
            ct.subtype = to_lower_ascii(sub);
            ct.valid = true;
            ct.params = parse_params(s, p);
            return ct;
        }
    }
    // RFC 2045 5.2: invalid Content-Type means text/plain; charset=us-ascii.
    ct.type = "text";
    ct.subtype = "plain";
    ct.params.push_back(Param{"charset", "us-ascii", {}, {}});
    return ct;
}

DispositionValue parse_disposition(std::string_view s) {
    DispositionValue d;
    std::size_t p = 0;
    skip_cfws(s, p);
    d.type = to_lower_ascii(read_token(s, p));
    d.params = parse_params(s, p);
    return d;
}

std::vector<std::string> parse_language_list(std::string_view s) {
    std::vector<std::string> out;
    std::size_t p = 0;
    while (p < s.size() && out.size() < 64) {
        skip_cfws(s, p);
        if (p >= s.size()) break;
        std::string_view tok = read_token(s, p);
        if (!tok.empty()) {
            out.emplace_back(tok);
        } else {
            ++p;  // ',' or garbage
        }
    }
    return out;
}

std::string parse_token_value(std::string_view s) {
    std::size_t p = 0;
    skip_cfws(s, p);
    return to_lower_ascii(read_token(s, p));
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
    for (const auto& p : params)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace postamt::mime
