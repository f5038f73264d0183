#include "mime/encoded_word.h"

#include <algorithm>

#include "mime/charset.h"
#include "mime/header.h"
#include "mime/transfer_decode.h"

namespace postamt::mime {
namespace {

struct EncodedWord {
    std::string_view charset;
    char encoding = 0;  // 'B' or 'Q'
    std::string_view text;
    std::size_t length = 0;  // of the whole "=?...?=" token
};

// Finds "next occurrence at or after `from`" with a cached answer, so that
// scanning many "=?" candidates stays linear in the input.
class NextFinder {
public:
    NextFinder(std::string_view s, bool whitespace) : s_(s), ws_(whitespace) {}
    std::size_t at_or_after(std::size_t from) {
        if (valid_ && (cached_ == std::string_view::npos || cached_ >= from) && from >= last_from_)
            return cached_;
        last_from_ = from;
        valid_ = true;
        if (ws_) {
            cached_ = s_.find_first_of(" \t\r\n", from);
        } else {
            cached_ = s_.find("?=", from);
        }
        return cached_;
    }

private:
    std::string_view s_;
    bool ws_;
    bool valid_ = false;
    std::size_t last_from_ = 0;
    std::size_t cached_ = std::string_view::npos;
};

// Parses an encoded word at s[i] (which is '=' followed by '?').
bool parse_encoded_word(std::string_view s, std::size_t i, EncodedWord& w, NextFinder& next_end,
                        NextFinder& next_ws) {
    std::size_t p = i + 2;
    std::size_t limit = std::min(s.size(), p + 76);
    std::size_t q = s.substr(0, limit).find('?', p);
    if (q == std::string_view::npos || q == p) return false;
    w.charset = s.substr(p, q - p);
    for (char c : w.charset)
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '=') return false;
    if (q + 2 >= s.size() || s[q + 2] != '?') return false;
    char enc = s[q + 1];
    if (enc == 'b' || enc == 'B')
        w.encoding = 'B';
    else if (enc == 'q' || enc == 'Q')
        w.encoding = 'Q';
    else
        return false;
    std::size_t t = q + 3;
    std::size_t end = next_end.at_or_after(t);
    if (end == std::string_view::npos) return false;
    std::size_t ws = next_ws.at_or_after(t);
    if (ws != std::string_view::npos && ws < end) return false;  // no whitespace inside
    w.text = s.substr(t, end - t);
    w.length = end + 2 - i;
    return true;
}

}  // namespace

std::string decode_encoded_words(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::string pending;          // decoded bytes not yet converted
    std::string pending_charset;  // their charset
    std::size_t plain_start = 0;  // start of undecoded plain text
    bool last_was_word = false;

    auto flush_pending = [&] {
        if (!pending.empty()) out += to_utf8(pending, pending_charset);
        pending.clear();
        pending_charset.clear();
    };
    auto emit_plain = [&](std::size_t from, std::size_t to) {
        if (from >= to) return;
        std::string_view plain = s.substr(from, to - from);
        if (last_was_word && plain.find_first_not_of(" \t\r\n") == std::string_view::npos)
            return;  // whitespace between encoded words is dropped (RFC 2047 6.2)
        flush_pending();
        out += header_bytes_to_utf8(plain);
        last_was_word = false;
    };

    NextFinder next_end(s, false), next_ws(s, true);
    std::size_t i = 0;
    while (i + 1 < s.size()) {
        std::size_t pos = s.find("=?", i);
        if (pos == std::string_view::npos) break;
        EncodedWord w;
        if (!parse_encoded_word(s, pos, w, next_end, next_ws)) {
            i = pos + 1;
            continue;
        }
        emit_plain(plain_start, pos);
        std::string bytes =
            w.encoding == 'B' ? decode_base64_lenient(w.text) : decode_q_encoding(w.text);
        if (!pending.empty() && !iequals_ascii(pending_charset, w.charset)) flush_pending();
        if (pending.empty()) pending_charset.assign(w.charset);
        pending += bytes;
        last_was_word = true;
        i = pos + w.length;
        plain_start = i;
    }
    emit_plain(plain_start, s.size());
    flush_pending();
    return out;
}

std::string decode_header_text(std::string_view raw_value) {
    std::string unfolded = unfold(raw_value);
    for (auto& c : unfolded)
        if (c == '\t') c = ' ';
    if (unfolded.find("=?") == std::string::npos) return header_bytes_to_utf8(unfolded);
    return decode_encoded_words(unfolded);
}

}  // namespace postamt::mime
