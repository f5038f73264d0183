#include "mime/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <cstdint>
#include <vector>

namespace postamt::mime {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// windows-1252 0x80..0x9F; 0 where undefined (then read as Latin-1 C1).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string latin1_to_utf8(std::string_view s, bool cp1252) {
    std::string out;
    out.reserve(s.size() + s.size() / 4);
    for (unsigned char c : s) {
        uint32_t cp = c;
        if (cp1252 && c >= 0x80 && c <= 0x9F && kCp1252High[c - 0x80]) cp = kCp1252High[c - 0x80];
        append_utf8(out, cp);
    }
    return out;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid.
std::size_t utf8_seq_len(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return n;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

std::string_view strip_lang(std::string_view cs) {
    // RFC 2231 section 5: charset*language in encoded words.
    auto star = cs.find('*');
    if (star != std::string_view::npos) cs = cs.substr(0, star);
    while (!cs.empty() && (cs.front() == ' ' || cs.front() == '"')) cs.remove_prefix(1);
    while (!cs.empty() && (cs.back() == ' ' || cs.back() == '"')) cs.remove_suffix(1);
    return cs;
}

}  // namespace

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_seq_len(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
    return out;
}

std::string header_bytes_to_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string(s);
    return latin1_to_utf8(s, true);
}

std::string to_utf8(std::string_view bytes, std::string_view charset_in) {
    std::string_view cs = strip_lang(charset_in);
    if (cs.empty() || iequals(cs, "us-ascii") || iequals(cs, "ascii") || iequals(cs, "utf-8") ||
        iequals(cs, "utf8")) {
        if (is_valid_utf8(bytes)) return std::string(bytes);
        // Mislabelled 8-bit text is far more often Latin-1/cp1252 than broken UTF-8.
        if (iequals(cs, "utf-8") || iequals(cs, "utf8")) return repair_utf8(bytes);
        return latin1_to_utf8(bytes, true);
    }
    if (iequals(cs, "iso-8859-1") || iequals(cs, "latin1") || iequals(cs, "iso_8859-1"))
        return latin1_to_utf8(bytes, false);
    if (iequals(cs, "windows-1252") || iequals(cs, "cp1252")) return latin1_to_utf8(bytes, true);
    // ASCII bytes mean the same in every ASCII-compatible charset; the
    // 7-bit stateful and wide encodings (ISO-2022-*, UTF-7, HZ, UTF-16/32,
    // UCS-2/4) still need ICU.
    if (is_ascii(bytes) && !istarts_with(cs, "iso-2022") && !istarts_with(cs, "utf-") &&
        !istarts_with(cs, "utf7") && !istarts_with(cs, "utf1") && !istarts_with(cs, "utf3") &&
        !istarts_with(cs, "ucs") && !istarts_with(cs, "hz") && !istarts_with(cs, "unicode") &&
        !istarts_with(cs, "csiso2022"))
        return std::string(bytes);

    std::string name(cs.substr(0, 64));
    UErrorCode err = U_ZERO_ERROR;
    UConverter* conv = ucnv_open(name.c_str(), &err);
    if (U_FAILURE(err) || !conv) {
        if (conv) ucnv_close(conv);
        return header_bytes_to_utf8(bytes);
    }
    // Substitution (U+FFFD) is ICU's default callback for toUnicode.
    std::vector<UChar> u16(bytes.size() * 2 + 16);
    err = U_ZERO_ERROR;
    int32_t n16 = ucnv_toUChars(conv, u16.data(), static_cast<int32_t>(u16.size()), bytes.data(),
                                static_cast<int32_t>(bytes.size()), &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        u16.resize(static_cast<std::size_t>(n16) + 1);
        err = U_ZERO_ERROR;
        n16 = ucnv_toUChars(conv, u16.data(), static_cast<int32_t>(u16.size()), bytes.data(),
                            static_cast<int32_t>(bytes.size()), &err);
    }
    ucnv_close(conv);
    if (U_FAILURE(err)) return header_bytes_to_utf8(bytes);
    std::string out(static_cast<std::size_t>(n16) * 3 + 4, '\0');
    int32_t n8 = 0;
    err = U_ZERO_ERROR;
    u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &n8, u16.data(), n16, 0xFFFD,
                       nullptr, &err);
    if (U_FAILURE(err)) return header_bytes_to_utf8(bytes);
    out.resize(static_cast<std::size_t>(n8));
    return out;
}

}  // namespace postamt::mime
