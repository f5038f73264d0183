// RFC 5256 section 2.1: base subject extraction, on a decoded UTF-8 subject.
#include <string>

#include "mime/message_parser.h"

namespace postamt::mime {
namespace {

constexpr std::size_t npos = std::string::npos;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool istarts(const std::string& s, std::size_t p, std::string_view w) {
    if (s.size() - p < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
        if (lower(s[p + k]) != w[k]) return false;
    return true;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP
std::size_t match_blob(const std::string& s, std::size_t p) {
    if (p >= s.size() || s[p] != '[') return npos;
    std::size_t q = p + 1;
    while (q < s.size() && s[q] != '[' && s[q] != ']') ++q;
    if (q >= s.size() || s[q] != ']') return npos;
    ++q;
    while (q < s.size() && s[q] == ' ') ++q;
    return q;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
std::size_t match_refwd(const std::string& s, std::size_t p) {
    std::size_t q;
    if (istarts(s, p, "re"))
        q = p + 2;
    else if (istarts(s, p, "fwd"))
        q = p + 3;
    else if (istarts(s, p, "fw"))
        q = p + 2;
    else
        return npos;
    while (q < s.size() && s[q] == ' ') ++q;
    std::size_t b = match_blob(s, q);
    if (b != npos) q = b;
    if (q < s.size() && s[q] == ':') return q + 1;
    return npos;
}

}  // namespace

std::string base_subject(std::string_view decoded) {
    // (1) whitespace runs (incl. TAB and line breaks) become one space.
    std::string s;
    s.reserve(decoded.size());
    for (char c : decoded) {
        bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (ws) {
            if (!s.empty() && s.back() == ' ') continue;
            s += ' ';
        } else {
            s += c;
        }
    }
    for (int guard = 0; guard < 64; ++guard) {
        // (2) trailing subj-trailer: "(fwd)" / WSP
        for (;;) {
            if (!s.empty() && s.back() == ' ') {
                s.pop_back();
            } else if (s.size() >= 5 && istarts(s, s.size() - 5, "(fwd)")) {
                s.resize(s.size() - 5);
            } else {
                break;
            }
        }
        // (3)-(5) leading subj-leader and subj-blob, repeatedly
        std::size_t p = 0;
        for (;;) {
            if (p < s.size() && s[p] == ' ') {
                ++p;
                continue;
            }
            std::size_t q = p;
            std::size_t last_blob = std::string::npos;
            while (true) {
                std::size_t b = match_blob(s, q);
                if (b == npos) break;
                last_blob = q;
                q = b;
            }
            std::size_t r = match_refwd(s, q);
            if (r != npos) {
                p = r;
                continue;
            }
            // (4) blobs are removed while a non-empty base remains; (3) would
            // fail again at the same place, so strip the whole run at once.
            if (last_blob != npos) {
                std::size_t np = q < s.size() ? q : last_blob;
                if (np > p) {
                    p = np;
                    continue;
                }
            }
            break;
        }
        s.erase(0, p);
        // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]"
        if (s.size() >= 6 && istarts(s, 0, "[fwd:") && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            continue;
        }
        break;
    }
    return s;
}

}  // namespace postamt::mime
