#include "smtp/address.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/text.h"

namespace postamt::smtp {
namespace {

constexpr std::size_t kMaxLocal = 64;    // RFC 5321 4.5.3.1.1
constexpr std::size_t kMaxDomain = 255;  // RFC 5321 4.5.3.1.2
constexpr std::size_t kMaxPath = 256;    // RFC 5321 4.5.3.1.3
constexpr std::size_t kMaxLabel = 63;

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_let_dig(unsigned char c) { return is_alpha(c) || is_digit(c); }

// RFC 5322 atext.
bool is_atext(unsigned char c) {
    if (is_let_dig(c)) return true;
    return c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool has_non_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return true;
    return false;
}

bool is_valid_label(std::string_view l, bool allow_utf8) {
    if (l.empty() || l.size() > kMaxLabel) return false;
    bool utf8 = has_non_ascii(l);
    if (utf8) {
        // U-label (RFC 6531 3.3): letters, digits, hyphens and non-ASCII
        // characters; full IDNA2008 validation is left to the resolver.
        if (!allow_utf8 || !is_valid_utf8(l)) return false;
        for (unsigned char c : l)
            if (c < 0x80 && !is_let_dig(c) && c != '-') return false;
        return l.front() != '-' && l.back() != '-';
    }
    // sub-domain = Let-dig [Ldh-str]; Ldh-str ends with Let-dig.
    if (!is_let_dig(static_cast<unsigned char>(l.front()))) return false;
    if (!is_let_dig(static_cast<unsigned char>(l.back()))) return false;
    for (unsigned char c : l)
        if (!is_let_dig(c) && c != '-') return false;
    return true;
}

std::string lower_ascii(std::string_view s) { return text::to_lower(s); }

}  // namespace

bool is_dot_string(std::string_view s, bool allow_utf8) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    if (s.find("..") != std::string_view::npos) return false;
    bool utf8 = false;
    for (unsigned char c : s) {
        if (c == '.') continue;
        if (c >= 0x80) {
            utf8 = true;
            continue;
        }
        if (!is_atext(c)) return false;
    }
    if (utf8 && (!allow_utf8 || !is_valid_utf8(s))) return false;
    return true;
}

bool is_valid_domain(std::string_view d, bool allow_utf8) {
    if (d.empty() || d.size() > kMaxDomain) return false;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = d.find('.', start);
        std::string_view label =
            d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
        if (!is_valid_label(label, allow_utf8)) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::optional<std::string> parse_address_literal(std::string_view lit) {
    if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return std::nullopt;
    std::string_view inner = lit.substr(1, lit.size() - 2);
    if (text::istarts_with(inner, "IPv6:")) {
        std::string addr(inner.substr(5));
        if (addr.empty() || addr.size() > 45) return std::nullopt;
        for (char c : addr)
            if (!(is_digit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return std::nullopt;
        unsigned char buf[16];
        if (inet_pton(AF_INET6, addr.c_str(), buf) != 1) return std::nullopt;
        return "[IPv6:" + lower_ascii(addr) + "]";
    }
    // IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT (0-255).
    int parts = 0;
    std::size_t i = 0;
    while (true) {
        std::size_t start = i;
        int value = 0;
        while (i < inner.size() && is_digit(static_cast<unsigned char>(inner[i])) &&
               i - start < 3) {
            value = value * 10 + (inner[i] - '0');
            ++i;
        }
        if (i == start || value > 255) return std::nullopt;
        ++parts;
        if (i == inner.size()) break;
        if (inner[i] != '.' || parts == 4) return std::nullopt;
        ++i;
    }
    if (parts != 4) return std::nullopt;
    // General-address-literal (Standardized-tag ":" ...) has no other
    // registered tag than IPv6; anything else is refused.
    return std::string(lit);
}

std::string quote_local_part(std::string_view local) {
    if (is_dot_string(local, true)) return std::string(local);
    std::string out = "\"";
    for (char c : local) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

std::string Path::mailbox() const {
    if (null) return {};
    if (bare_postmaster) return "postmaster";
    return quote_local_part(local) + "@" + domain;
}

bool Path::is_postmaster() const {
    return bare_postmaster || (!null && text::iequals(local, "postmaster"));
}

std::string resolver_address(const Path& p, std::string_view postmaster_domain) {
    if (p.bare_postmaster) return "postmaster@" + lower_ascii(postmaster_domain);
    return p.mailbox();
}

std::optional<ParsedPath> parse_path(std::string_view in, const PathOptions& opt,
                                     PathError* error) {
    auto fail = [&](PathError e) -> std::optional<ParsedPath> {
        if (error) *error = e;
        return std::nullopt;
    };
    if (error) *error = PathError::none;
    if (in.empty() || in.front() != '<') return fail(PathError::syntax);
    std::size_t close = std::string_view::npos;
    // Find the closing '>' outside a quoted string.
    {
        bool quoted = false;
        for (std::size_t i = 1; i < in.size(); ++i) {
            char c = in[i];
            if (quoted) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '>') {
                close = i;
                break;
            }
        }
    }
    if (close == std::string_view::npos) return fail(PathError::syntax);
    ParsedPath out;
    out.consumed = close + 1;
    std::string_view body = in.substr(1, close - 1);
    if (body.empty()) {
        if (!opt.allow_null) return fail(PathError::not_allowed);
        out.path.null = true;
        return out;
    }
    if (out.consumed > kMaxPath) return fail(PathError::too_long);
    for (unsigned char c : body)
        if (c < 0x20 || c == 0x7f) return fail(PathError::syntax);

    // Source route: "@a,@b:" (RFC 5321 4.1.2 A-d-l), checked and dropped.
    if (body.front() == '@') {
        std::size_t colon = body.find(':');
        if (colon == std::string_view::npos) return fail(PathError::syntax);
        std::string_view adl = body.substr(0, colon);
        std::size_t start = 0;
        while (true) {
            std::size_t comma = adl.find(',', start);
            std::string_view at =
                adl.substr(start, comma == std::string_view::npos ? adl.npos : comma - start);
            if (at.size() < 2 || at.front() != '@') return fail(PathError::syntax);
            std::string_view d = at.substr(1);
            if (d.front() == '[' ? !parse_address_literal(d) : !is_valid_domain(d, true))
                return fail(PathError::syntax);
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        body = body.substr(colon + 1);
        if (body.empty()) return fail(PathError::syntax);
    }

    // Local part.
    std::string local;
    std::size_t pos = 0;
    if (body.front() == '"') {
        pos = 1;
        bool closed = false;
        while (pos < body.size()) {
            unsigned char c = static_cast<unsigned char>(body[pos]);
            if (c == '"') {
                closed = true;
                ++pos;
                break;
            }
            if (c == '\\') {
                // quoted-pairSMTP = %d92 %d32-126
                if (pos + 1 >= body.size()) return fail(PathError::syntax);
                unsigned char e = static_cast<unsigned char>(body[pos + 1]);
                if (e < 32 || e > 126) return fail(PathError::syntax);
                local += static_cast<char>(e);
                pos += 2;
                continue;
            }
            // qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
            if (c < 32 || c == 127) return fail(PathError::syntax);
            local += static_cast<char>(c);
            ++pos;
        }
        if (!closed) return fail(PathError::syntax);
        if (!is_valid_utf8(local)) return fail(PathError::syntax);
    } else {
        std::size_t at = body.rfind('@');
        std::size_t end = at == std::string_view::npos ? body.size() : at;
        std::string_view dot = body.substr(0, end);
        if (!is_dot_string(dot, true)) return fail(PathError::syntax);
        local.assign(dot);
        pos = end;
    }
    std::size_t local_wire_len = pos;
    if (local_wire_len > kMaxLocal) return fail(PathError::too_long);

    if (pos == body.size()) {
        // No domain: only "<postmaster>" (RFC 5321 4.1.1.3, 4.5.1).
        if (body.front() != '"' && text::iequals(local, "postmaster")) {
            if (!opt.allow_bare_postmaster) return fail(PathError::not_allowed);
            out.path.bare_postmaster = true;
            out.path.local = "postmaster";
            return out;
        }
        return fail(PathError::syntax);
    }
    if (body[pos] != '@') return fail(PathError::syntax);
    std::string_view domain = body.substr(pos + 1);
    if (domain.empty()) return fail(PathError::syntax);
    if (domain.size() > kMaxDomain) return fail(PathError::too_long);
    if (domain.front() == '[') {
        auto lit = parse_address_literal(domain);
        if (!lit) return fail(PathError::syntax);
        out.path.domain = *lit;
    } else {
        if (!is_valid_domain(domain, true)) return fail(PathError::syntax);
        out.path.domain = lower_ascii(domain);
    }
    out.path.needs_smtputf8 = has_non_ascii(local) || has_non_ascii(out.path.domain);
    out.path.local = std::move(local);
    return out;
}

}  // namespace postamt::smtp
