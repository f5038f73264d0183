#include "mime/transfer_decode.h"

#include <array>
#include <cstdint>

#include "mime/charset.h"
#include "mime/message_parser.h"

namespace postamt::mime {
namespace {

constexpr std::array<int8_t, 256> make_b64() {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr auto kB64 = make_b64();

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::string decode_base64_lenient(std::string_view in, bool* clean) {
    std::string out;
    out.reserve(in.size() / 4 * 3 + 3);
    uint32_t acc = 0;
    int bits = 0;
    bool ok = true;
    bool padded = false;
    for (char ch : in) {
        int8_t v = kB64[static_cast<unsigned char>(ch)];
        if (v < 0) {
            if (ch == '=') {
                padded = true;
                continue;
            }
            if (ch != '\r' && ch != '\n' && ch != ' ' && ch != '\t') ok = false;
            continue;
        }
        if (padded) {
            // Data after padding: concatenated base64 chunks (seen in the wild).
            ok = false;
            padded = false;
            acc = 0;
            bits = 0;
        }
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    if (bits >= 6) ok = false;  // a lone sextet cannot encode a byte
    if (clean) *clean = ok;
    return out;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    const std::size_t n = in.size();
    while (i < n) {
        // One line at a time so trailing whitespace can be dropped (6.7 rule 3).
        std::size_t eol = i;
        while (eol < n && in[eol] != '\r' && in[eol] != '\n') ++eol;
        std::size_t line_end = eol;
        while (line_end > i && (in[line_end - 1] == ' ' || in[line_end - 1] == '\t')) --line_end;
        bool soft = false;
        for (std::size_t k = i; k < line_end; ++k) {
            char c = in[k];
            if (c != '=') {
                out += c;
                continue;
            }
            if (k + 1 == line_end) {  // soft line break
                soft = true;
                break;
            }
            int h = k + 2 < line_end ? hexval(in[k + 1]) : -1;
            int l = k + 2 < line_end ? hexval(in[k + 2]) : -1;
            if (h >= 0 && l >= 0) {
                out += static_cast<char>(h * 16 + l);
                k += 2;
            } else {
                out += '=';
            }
        }
        if (eol == n) break;
        std::size_t next = eol + ((in[eol] == '\r' && eol + 1 < n && in[eol + 1] == '\n') ? 2 : 1);
        if (!soft) out += "\r\n";
        i = next;
    }
    return out;
}

std::string decode_q_encoding(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t k = 0; k < in.size(); ++k) {
        char c = in[k];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && k + 2 < in.size() && hexval(in[k + 1]) >= 0 &&
                   hexval(in[k + 2]) >= 0) {
            out += static_cast<char>(hexval(in[k + 1]) * 16 + hexval(in[k + 2]));
            k += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string decode_transfer_encoding(std::string_view body, std::string_view encoding) {
    if (iequals(encoding, "base64")) return decode_base64_lenient(body);
    if (iequals(encoding, "quoted-printable")) return decode_quoted_printable(body);
    return std::string(body);
}

std::string part_body_bytes(std::string_view message, const Part& part) {
    if (part.body_start > message.size() || part.end > message.size() || part.end < part.body_start)
        return {};
    return std::string(message.substr(part.body_start, part.end - part.body_start));
}

std::string part_decoded(std::string_view message, const Part& part) {
    if (part.body_start > message.size() || part.end > message.size() || part.end < part.body_start)
        return {};
    return decode_transfer_encoding(message.substr(part.body_start, part.end - part.body_start),
                                    part.encoding);
}

std::string part_text_utf8(std::string_view message, const Part& part) {
    std::string raw = part_decoded(message, part);
    const std::string* cs = part.param("charset");
    return to_utf8(raw, cs ? std::string_view(*cs) : std::string_view("us-ascii"));
}

}  // namespace postamt::mime
