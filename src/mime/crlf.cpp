// canonicalize_crlf / is_canonical_crlf (parsed_message.h): messages are
// stored in canonical CRLF form (DESIGN.md "Storage invariants").
#include <cstring>

#include "mime/parsed_message.h"

namespace postamt::mime {

std::string canonicalize_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32 + 2);
    const char* p = in.data();
    const char* end = p + in.size();
    while (p < end) {
        // Copy runs without CR/LF in one go.
        const char* q = p;
        while (q < end && *q != '\r' && *q != '\n') ++q;
        out.append(p, static_cast<std::size_t>(q - p));
        if (q == end) break;
        if (*q == '\r') {
            out += "\r\n";
            q += (q + 1 < end && q[1] == '\n') ? 2 : 1;
        } else {  // bare LF
            out += "\r\n";
            ++q;
        }
        p = q;
    }
    return out;
}

bool is_canonical_crlf(std::string_view in) {
    const char* p = in.data();
    const char* end = p + in.size();
    while (p < end) {
        const void* cr = std::memchr(p, '\r', static_cast<std::size_t>(end - p));
        const char* stop = cr ? static_cast<const char*>(cr) : end;
        if (std::memchr(p, '\n', static_cast<std::size_t>(stop - p))) return false;  // bare LF
        if (!cr) return true;
        if (stop + 1 >= end || stop[1] != '\n') return false;  // bare CR
        p = stop + 2;
    }
    return true;
}

}  // namespace postamt::mime
