#include "mime/header.h"

#include <cstring>

namespace postamt::mime {
namespace {

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// End of the line starting at p (index of '\n' or of the CR of a bare CR, or limit).
inline std::size_t line_end(std::string_view buf, std::size_t p, std::size_t limit) {
    const void* nl = std::memchr(buf.data() + p, '\n', limit - p);
    std::size_t e = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) : limit;
    return e;
}

// Next line start after the line ending at e (e is '\n' or limit).
inline std::size_t next_line(std::size_t e, std::size_t limit) { return e < limit ? e + 1 : limit; }

// The content end of a line [p, e): strips the CR before LF.
inline std::size_t content_end(std::string_view buf, std::size_t p, std::size_t e) {
    if (e > p && buf[e - 1] == '\r') return e - 1;
    return e;
}

}  // namespace

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

const HeaderField* HeaderBlock::find(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals_ascii(f.name, name)) return &f;
    return nullptr;
}

HeaderBlock parse_header(std::string_view buf, std::size_t start, std::size_t limit) {
    HeaderBlock hb;
    if (limit > buf.size()) limit = buf.size();
    if (start > limit) start = limit;
    hb.header_start = start;
    hb.body_start = limit;
    std::size_t p = start;
    while (p < limit) {
        std::size_t e = line_end(buf, p, limit);
        std::size_t ce = content_end(buf, p, e);
        if (ce == p) {  // blank line: end of header
            hb.has_blank_line = true;
            hb.body_start = next_line(e, limit);
            return hb;
        }
        // A field: name, optional WSP (obs-optional), colon.
        std::size_t colon = p;
        bool valid = true;
        while (colon < ce && buf[colon] != ':') {
            unsigned char c = static_cast<unsigned char>(buf[colon]);
            if (c < 33 || c == 127) {
                if (c != ' ' && c != '\t') {
                    valid = false;
                    break;
                }
            }
            ++colon;
        }
        if (!valid || colon == ce || colon == p) {
            hb.body_start = p;  // not a header line: the body starts here
            return hb;
        }
        std::size_t name_end = colon;
        while (name_end > p && (buf[name_end - 1] == ' ' || buf[name_end - 1] == '\t')) --name_end;
        bool inner_ws = name_end == p;
        for (std::size_t k = p; k < name_end && !inner_ws; ++k)
            if (buf[k] == ' ' || buf[k] == '\t') inner_ws = true;
        if (inner_ws) {
            hb.body_start = p;
            return hb;
        }
        // Continuation lines start with WSP.
        std::size_t value_end = ce;
        std::size_t q = next_line(e, limit);
        while (q < limit && (buf[q] == ' ' || buf[q] == '\t')) {
            std::size_t e2 = line_end(buf, q, limit);
            value_end = content_end(buf, q, e2);
            q = next_line(e2, limit);
        }
        HeaderField f;
        f.name = buf.substr(p, name_end - p);
        f.raw_value = buf.substr(colon + 1, value_end - (colon + 1));
        f.offset = p;
        hb.fields.push_back(f);
        p = q;
    }
    hb.body_start = limit;
    return hb;
}

std::string unfold(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v)
        if (c != '\r' && c != '\n') out += c;
    std::size_t b = 0;
    while (b < out.size() && (out[b] == ' ' || out[b] == '\t')) ++b;
    std::size_t e = out.size();
    while (e > b && (out[e - 1] == ' ' || out[e - 1] == '\t')) --e;
    return out.substr(b, e - b);
}

}  // namespace postamt::mime
