#include "imap/mutf7.h"

#include <cstdint>
#include <vector>

namespace postamt::imap {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

bool printable(uint32_t cp) { return cp >= 0x20 && cp <= 0x7e; }

// Next code point of `s` at `i` (advanced); U+FFFD for an invalid sequence
// (one byte consumed).
uint32_t next_code_point(std::string_view s, std::size_t& i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) {
        ++i;
        return c;
    }
    int n = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        ++i;
        return 0xfffd;
    }
    if (i + static_cast<std::size_t>(n) >= s.size()) {  // truncated sequence
        ++i;
        return 0xfffd;
    }
    for (int k = 1; k <= n; ++k) {
        unsigned char d = b(i + k);
        if ((d & 0xc0) != 0x80) {
            ++i;
            return 0xfffd;
        }
        cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        ++i;
        return 0xfffd;
    }
    i += n + 1;
    return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
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

void flush_run(std::string& out, const std::vector<uint16_t>& units) {
    out += '&';
    uint32_t bits = 0;
    int nbits = 0;
    for (uint16_t u : units) {
        bits = (bits << 16) | u;
        nbits += 16;
        while (nbits >= 6) {
            nbits -= 6;
            out += kAlphabet[(bits >> nbits) & 63];
        }
        bits &= (1u << nbits) - 1;
    }
    if (nbits > 0) out += kAlphabet[(bits << (6 - nbits)) & 63];
    out += '-';
}

}  // namespace

std::string utf8_to_mutf7(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    std::vector<uint16_t> run;
    std::size_t i = 0;
    while (i < s.size()) {
        uint32_t cp = next_code_point(s, i);
        if (printable(cp)) {
            if (!run.empty()) {
                flush_run(out, run);
                run.clear();
            }
            if (cp == '&')
                out += "&-";
            else
                out += static_cast<char>(cp);
            continue;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            run.push_back(static_cast<uint16_t>(0xd800 | (cp >> 10)));
            run.push_back(static_cast<uint16_t>(0xdc00 | (cp & 0x3ff)));
        } else {
            run.push_back(static_cast<uint16_t>(cp));
        }
    }
    if (!run.empty()) flush_run(out, run);
    return out;
}

std::optional<std::string> mutf7_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    bool after_run = false;  // the previous token was an encoded run
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c != '&') {
            if (!printable(c)) return std::nullopt;  // 8-bit or control, must be encoded
            out += static_cast<char>(c);
            ++i;
            after_run = false;
            continue;
        }
        ++i;
        if (i < s.size() && s[i] == '-') {  // "&-" is "&"
            out += '&';
            ++i;
            after_run = false;
            continue;
        }
        // RFC 3501 5.1.3: runs are as long as possible, so a run right
        // after a run is not canonical.
        if (after_run) return std::nullopt;
        uint32_t bits = 0;
        int nbits = 0;
        uint32_t high = 0;  // pending high surrogate
        bool any = false;
        for (;;) {
            if (i >= s.size()) return std::nullopt;  // unterminated
            char d = s[i++];
            if (d == '-') break;
            int v = sextet(d);
            if (v < 0) return std::nullopt;
            bits = (bits << 6) | static_cast<uint32_t>(v);
            nbits += 6;
            if (nbits < 16) continue;
            nbits -= 16;
            uint32_t unit = (bits >> nbits) & 0xffff;
            bits &= (1u << nbits) - 1;
            any = true;
            if (high) {
                if (unit < 0xdc00 || unit > 0xdfff) return std::nullopt;
                append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
                high = 0;
            } else if (unit >= 0xd800 && unit <= 0xdbff) {
                high = unit;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
                return std::nullopt;  // low surrogate first
            } else if (printable(unit)) {
                return std::nullopt;  // must have been written directly
            } else {
                append_utf8(out, unit);
            }
        }
        // Spare bits: fewer than a sextet, all zero; at least one unit.
        if (!any || high || nbits >= 6 || bits != 0) return std::nullopt;
        after_run = true;
    }
    return out;
}

}  // namespace postamt::imap
