#include "store/search_text.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <cstring>

#include "common/utf8.h"
#include "mime/charset.h"
#include "mime/encoded_word.h"
#include "mime/header.h"
#include "mime/message_parser.h"
#include "mime/transfer_decode.h"

namespace postamt::store {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool is_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
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

// Control characters (CR, LF, TAB, ...) inside a header value become
// spaces so that "\n" only ever starts a header line.
void append_value(std::string& out, std::string_view v) {
    for (char c : v) out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
}

void append_header_lines(std::string& out, std::string_view message, uint64_t start, uint64_t limit) {
    if (start > message.size() || limit > message.size() || limit < start) return;
    auto block = mime::parse_header(message, static_cast<std::size_t>(start), static_cast<std::size_t>(limit));
    for (const auto& f : block.fields) {
        out += '\n';
        for (char c : f.name) out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : lower(c);
        out += ": ";
        append_value(out, mime::decode_header_text(f.raw_value));
    }
}

bool iequals_at(std::string_view s, std::size_t p, std::string_view w) {
    if (s.size() - p < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
        if (lower(s[p + k]) != w[k]) return false;
    return true;
}

}  // namespace

std::string fold_for_search(std::string_view utf8) {
    // ASCII is common and needs only lower-casing (NFKC_Casefold maps
    // ASCII to itself apart from case).
    if (is_ascii(utf8)) {
        std::string out(utf8);
        for (char& c : out) c = lower(c);
        return out;
    }
    std::string valid = is_valid_utf8(utf8) ? std::string(utf8) : mime::repair_utf8(utf8);
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(st);
    if (U_FAILURE(st) || !n) {
        for (char& c : valid) c = lower(c);
        return valid;
    }
    std::string out;
    out.reserve(valid.size());
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(valid.size()));
    n->normalizeUTF8(0, icu::StringPiece(valid.data(), static_cast<int32_t>(valid.size())), sink, nullptr, st);
    if (U_FAILURE(st)) {
        for (char& c : valid) c = lower(c);
        return valid;
    }
    return out;
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string html_to_text(std::string_view h) {
    std::string out;
    out.reserve(h.size());
    std::size_t i = 0;
    auto skip_past = [&](std::string_view close) {
        // Case-insensitive search for `close` (lower-case) from i.
        while (i < h.size() && !iequals_at(h, i, close)) ++i;
        i = (i < h.size()) ? i + close.size() : h.size();
    };
    while (i < h.size()) {
        char c = h[i];
        if (c == '<') {
            if (h.compare(i, 4, "<!--") == 0) {
                i += 4;
                skip_past("-->");
                continue;
            }
            bool script = iequals_at(h, i, "<script"), style = iequals_at(h, i, "<style");
            // Tags that separate words get a space; inline ones (<b>) do not.
            static constexpr std::string_view kBreaks[] = {"<br", "<p", "</p", "<div", "</div", "<td", "<th",
                                                           "<tr", "<li", "<h", "</h", "<table", "<hr"};
            bool brk = false;
            for (auto b : kBreaks)
                if (iequals_at(h, i, b)) brk = true;
            skip_past(">");
            if (script) skip_past("</script>");
            if (style) skip_past("</style>");
            if (brk || script || style) out += ' ';
            continue;
        }
        if (c == '&') {
            std::size_t semi = h.find(';', i);
            if (semi != std::string_view::npos && semi - i <= 10) {
                std::string_view ent = h.substr(i + 1, semi - i - 1);
                uint32_t cp = 0;
                if (!ent.empty() && ent[0] == '#') {
                    bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
                    std::string_view digits = ent.substr(hex ? 2 : 1);
                    bool ok = !digits.empty();
                    for (char d : digits) {
                        int v = (d >= '0' && d <= '9')             ? d - '0'
                                : (hex && d >= 'a' && d <= 'f')    ? d - 'a' + 10
                                : (hex && d >= 'A' && d <= 'F')    ? d - 'A' + 10
                                                                   : -1;
                        if (v < 0 || cp > 0x10FFFF) {
                            ok = false;
                            break;
                        }
                        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
                    }
                    if (!ok) cp = 0;
                } else if (ent == "amp") {
                    cp = '&';
                } else if (ent == "lt") {
                    cp = '<';
                } else if (ent == "gt") {
                    cp = '>';
                } else if (ent == "quot") {
                    cp = '"';
                } else if (ent == "apos") {
                    cp = '\'';
                } else if (ent == "nbsp") {
                    cp = ' ';
                }
                if (cp) {
                    append_utf8(out, cp);
                    i = semi + 1;
                    continue;
                }
            }
        }
        out += c;
        ++i;
    }
    return out;
}

SearchText extract_search_text(std::string_view message, const mime::ParsedMessage& pm, std::size_t max_body) {
    SearchText t;
    if (pm.parts.empty()) {
        t.body = fold_for_search(message);
        return t;
    }
    std::string headers;
    const auto& root = pm.parts[0];
    append_header_lines(headers, message, root.header_start, root.body_start);
    t.headers = fold_for_search(headers);

    std::string body;
    for (std::size_t i = 0; i < pm.parts.size() && body.size() < max_body; ++i) {
        const auto& p = pm.parts[i];
        // Every header below the top-level one is body text of this message:
        // MIME part headers (RFC 9051 6.4.4: TEXT covers "MIME header
        // fields"; an attachment's file name is found by it, as in Dovecot)
        // and the header of an attached message/rfc822.
        if (i > 0) append_header_lines(body, message, p.header_start, p.body_start);
        if (p.truncated) continue;
        if (p.is_text()) {
            std::string text = mime::part_text_utf8(message, p);
            if (p.subtype == "html") text = html_to_text(text);
            body += '\n';
            body += text;
        }
    }
    if (body.size() > max_body) {
        body.resize(max_body);
        t.complete = false;
    }
    t.body = fold_for_search(body);
    return t;
}

bool header_field_contains(std::string_view headers, std::string_view name, std::string_view value) {
    std::string key;
    key.reserve(name.size() + 2);
    key += '\n';
    key += name;
    key += ':';
    std::size_t p = 0;
    while ((p = headers.find(key, p)) != std::string_view::npos) {
        std::size_t v = p + key.size();
        std::size_t end = headers.find('\n', v);
        if (end == std::string_view::npos) end = headers.size();
        if (value.empty() || headers.substr(v, end - v).find(value) != std::string_view::npos) return true;
        p = end;
    }
    return false;
}

SortExtras extract_sort_extras(std::string_view message, const mime::ParsedMessage& pm) {
    SortExtras x;
    if (pm.envelopes.empty() || pm.parts.empty()) return x;
    const auto& env = pm.envelopes[0];
    auto first = [](const std::vector<mime::Address>& list) -> std::string {
        for (const auto& a : list)
            if (a.kind == mime::Address::Kind::mailbox) return a.mailbox;
        return {};
    };
    x.from_mailbox = first(env.from);
    x.to_mailbox = first(env.to);
    x.cc_mailbox = first(env.cc);
    if (env.in_reply_to) x.in_reply_to = mime::unfold(*env.in_reply_to);
    const auto& root = pm.parts[0];
    if (root.body_start <= message.size() && root.header_start <= root.body_start) {
        auto block = mime::parse_header(message, static_cast<std::size_t>(root.header_start),
                                        static_cast<std::size_t>(root.body_start));
        if (const auto* f = block.find("References")) x.references = mime::unfold(f->raw_value);
    }
    if (env.parsed_date) {
        int64_t local = env.parsed_date->unix_seconds + int64_t{env.parsed_date->offset_minutes} * 60;
        int64_t day = local / 86400;
        if (local % 86400 < 0) --day;
        x.sent_day = day * 86400;
    }
    return x;
}

}  // namespace postamt::store
