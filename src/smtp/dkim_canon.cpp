#include "smtp/dkim_canon.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "mime/header.h"

namespace postamt::smtp::dkim {
namespace {

inline bool is_wsp(char c) { return c == ' ' || c == '\t'; }
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim_fws(std::string_view s) {
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && ws(s.front())) s.remove_prefix(1);
    while (!s.empty() && ws(s.back())) s.remove_suffix(1);
    return s;
}

// Relaxed value rules of 3.4.2: unfold (CRLF removed), WSP runs -> one SP,
// WSP at the start (after the colon) and at the end removed.
void append_relaxed_value(std::string& out, std::string_view v) {
    bool pending_space = false;
    bool any = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\r' && i + 1 < v.size() && v[i + 1] == '\n') {
            ++i;  // unfolding; the WSP that follows is collapsed below
            continue;
        }
        if (is_wsp(c)) {
            pending_space = true;
            continue;
        }
        if (pending_space && any) out += ' ';
        pending_space = false;
        any = true;
        out += c;
    }
}

}  // namespace

std::optional<CanonPair> parse_canon_pair(std::string_view c) {
    auto one = [](std::string_view s) -> std::optional<Canon> {
        if (mime::iequals_ascii(s, "simple")) return Canon::simple;
        if (mime::iequals_ascii(s, "relaxed")) return Canon::relaxed;
        return std::nullopt;
    };
    c = trim_fws(c);
    CanonPair p;
    auto slash = c.find('/');
    auto h = one(trim_fws(c.substr(0, slash)));
    if (!h) return std::nullopt;
    p.header = *h;
    if (slash != std::string_view::npos) {
        auto b = one(trim_fws(c.substr(slash + 1)));
        if (!b) return std::nullopt;
        p.body = *b;
    }
    return p;
}

SplitMessage split_message(std::string_view message) {
    SplitMessage sm;
    auto hb = mime::parse_header(message, 0, message.size());
    sm.fields.reserve(hb.fields.size());
    for (const auto& f : hb.fields) {
        const char* end = f.raw_value.data() + f.raw_value.size();
        sm.fields.emplace_back(message.data() + f.offset, static_cast<std::size_t>(end - (message.data() + f.offset)));
    }
    sm.body = message.substr(hb.body_start);
    return sm;
}

std::string_view field_name(std::string_view field) {
    auto colon = field.find(':');
    std::string_view n = field.substr(0, colon);
    while (!n.empty() && is_wsp(n.back())) n.remove_suffix(1);
    return n;
}

std::string canon_header(std::string_view field, Canon c) {
    std::string out;
    if (c == Canon::simple) {
        out.reserve(field.size() + 2);
        out.append(field);
        out += "\r\n";
        return out;
    }
    // 3.4.2: name lower-cased, WSP around the colon deleted, value relaxed.
    auto colon = field.find(':');
    std::string_view name = field_name(field);
    out.reserve(field.size() + 2);
    for (char ch : name) out += lower(ch);
    out += ':';
    if (colon != std::string_view::npos) append_relaxed_value(out, field.substr(colon + 1));
    out += "\r\n";
    return out;
}

void canon_body(std::string_view body, Canon c, const std::function<void(std::string_view)>& out) {
    // Empty lines at the end are ignored (both algorithms), so they are only
    // counted and written out when a non-empty line follows.
    std::size_t pending_empty = 0;
    bool wrote = false;
    std::string line;
    std::size_t p = 0;
    static const std::string kCrlfs = [] {
        std::string s;
        for (int i = 0; i < 64; ++i) s += "\r\n";
        return s;
    }();
    auto flush_empty = [&] {
        while (pending_empty > 0) {
            std::size_t n = std::min<std::size_t>(pending_empty, 64);
            out(std::string_view(kCrlfs).substr(0, n * 2));
            pending_empty -= n;
        }
    };
    while (p < body.size()) {
        std::size_t e = body.find("\r\n", p);
        std::size_t next = (e == std::string_view::npos) ? body.size() : e + 2;
        // A last line without CRLF is a line like the others (one CRLF is
        // added, 3.4.3/3.4.4), so its trailing WSP goes too in relaxed: that
        // is what a verifier computes after SMTP transport added the CRLF.
        if (e == std::string_view::npos) e = body.size();
        std::string_view content = body.substr(p, e - p);
        if (c == Canon::relaxed) {
            // 3.4.4: WSP at the end of a line deleted, WSP runs -> one SP.
            line.clear();
            bool pending_space = false;
            for (char ch : content) {
                if (is_wsp(ch)) {
                    pending_space = true;
                    continue;
                }
                if (pending_space) line += ' ';
                pending_space = false;
                line += ch;
            }
            content = line;
        }
        if (content.empty()) {
            ++pending_empty;
        } else {
            flush_empty();
            out(content);
            out("\r\n");
            wrote = true;
        }
        p = next;
    }
    // 3.4.3: an empty (or all-empty-lines) body is a single CRLF in simple;
    // 3.4.4: nothing in relaxed.
    if (!wrote && c == Canon::simple) out("\r\n");
}

std::string canon_body(std::string_view body, Canon c) {
    std::string s;
    canon_body(body, c, [&s](std::string_view piece) { s.append(piece); });
    return s;
}

std::string body_hash(std::string_view body, Canon c, std::optional<uint64_t> length_limit, HashAlg alg,
                      uint64_t* canonical_length) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), alg == HashAlg::sha256 ? EVP_sha256() : EVP_sha1(), nullptr) != 1)
        throw std::runtime_error("EVP_DigestInit_ex failed");
    uint64_t total = 0;
    canon_body(body, c, [&](std::string_view piece) {
        uint64_t take = piece.size();
        if (length_limit) take = total >= *length_limit ? 0 : std::min<uint64_t>(take, *length_limit - total);
        if (take > 0) EVP_DigestUpdate(ctx.get(), piece.data(), take);
        total += piece.size();
    });
    if (canonical_length) *canonical_length = total;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    return std::string(reinterpret_cast<const char*>(md), len);
}

std::vector<std::string_view> select_fields(const std::vector<std::string_view>& fields,
                                            const std::vector<std::string>& names) {
    std::vector<std::string_view> out;
    // Per name, how many instances were taken so far (from the bottom).
    std::vector<std::pair<std::string, std::size_t>> used;
    for (const auto& n : names) {
        std::size_t* count = nullptr;
        for (auto& u : used)
            if (mime::iequals_ascii(u.first, n)) count = &u.second;
        if (!count) {
            used.emplace_back(n, 0);
            count = &used.back().second;
        }
        std::size_t skip = *count;
        for (std::size_t i = fields.size(); i-- > 0;) {
            if (!mime::iequals_ascii(field_name(fields[i]), n)) continue;
            if (skip == 0) {
                out.push_back(fields[i]);
                break;
            }
            --skip;
        }
        ++*count;
    }
    return out;
}

std::vector<std::string> parse_h_tag(std::string_view h) {
    std::vector<std::string> names;
    std::size_t p = 0;
    while (p <= h.size()) {
        auto colon = h.find(':', p);
        auto end = colon == std::string_view::npos ? h.size() : colon;
        auto n = trim_fws(h.substr(p, end - p));
        if (!n.empty()) names.emplace_back(n);
        if (colon == std::string_view::npos) break;
        p = colon + 1;
    }
    return names;
}

std::string without_b_value(std::string_view field) {
    // Walk the tag list after the colon; find the tag whose name is exactly
    // "b" and drop everything between its '=' and the next ';' (or the end).
    auto colon = field.find(':');
    if (colon == std::string_view::npos) return std::string(field);
    std::size_t p = colon + 1;
    while (p < field.size()) {
        auto semi = field.find(';', p);
        auto end = semi == std::string_view::npos ? field.size() : semi;
        auto eq = field.find('=', p);
        if (eq != std::string_view::npos && eq < end && trim_fws(field.substr(p, eq - p)) == "b") {
            std::string out(field.substr(0, eq + 1));
            out.append(field.substr(end));
            return out;
        }
        if (semi == std::string_view::npos) break;
        p = semi + 1;
    }
    return std::string(field);
}

std::string header_hash_input(const std::vector<std::string_view>& selected, std::string_view sig_field, Canon c) {
    std::string out;
    for (auto f : selected) out += canon_header(f, c);
    std::string s = canon_header(sig_field, c);
    s.resize(s.size() - 2);  // 3.7: the signature field without its trailing CRLF
    out += s;
    return out;
}

std::optional<std::vector<Tag>> parse_tag_list(std::string_view text) {
    std::vector<Tag> tags;
    std::size_t p = 0;
    while (p <= text.size()) {
        auto semi = text.find(';', p);
        auto end = semi == std::string_view::npos ? text.size() : semi;
        auto spec = trim_fws(text.substr(p, end - p));
        if (spec.empty()) {
            // Only a trailing ";" may leave an empty spec (3.2).
            if (semi != std::string_view::npos && !trim_fws(text.substr(semi + 1)).empty()) return std::nullopt;
            break;
        }
        auto eq = spec.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        Tag t{std::string(trim_fws(spec.substr(0, eq))), std::string(trim_fws(spec.substr(eq + 1)))};
        if (t.name.empty()) return std::nullopt;
        for (char ch : t.name) {
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
            if (!ok) return std::nullopt;
        }
        for (const auto& o : tags)
            if (o.name == t.name) return std::nullopt;  // 3.2: duplicate tags are an error
        tags.push_back(std::move(t));
        if (semi == std::string_view::npos) break;
        p = semi + 1;
    }
    return tags;
}

}  // namespace postamt::smtp::dkim
