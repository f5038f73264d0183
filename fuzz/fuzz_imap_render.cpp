// libFuzzer target for the IMAP message-data layer: arbitrary bytes are
// parsed as a message (mime::parse_message, through the stored summary) and
// everything FETCH can send about it is rendered: ENVELOPE, BODY,
// BODYSTRUCTURE of every part, every BODY[section] the structure has (and
// some it has not), BINARY, PREVIEW. The same bytes also go through the
// modified UTF-7 codec and the IMAP date parsers. Any crash, sanitizer report
// or broken invariant (abort) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "imap/message_render.h"
#include "mime/message_parser.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Tokens of rendered ENVELOPE/BODYSTRUCTURE text: only "(", ")", single
// spaces, NIL, numbers, quoted strings and literals; parentheses balanced
// (counted outside strings and literals); no CR/LF outside literals; 8-bit
// only inside literals, or inside quoted strings as valid UTF-8 when utf8.
void check_wire(std::string_view s, bool utf8) {
    int depth = 0;
    std::size_t i = 0;
    check(!s.empty() && s[0] == '(');
    while (i < s.size()) {
        char c = s[i];
        if (c == '(') {
            ++depth;
            ++i;
        } else if (c == ')') {
            check(--depth >= 0);
            ++i;
        } else if (c == ' ') {
            check(i + 1 < s.size() && s[i + 1] != ' ' && s[i + 1] != ')');
            ++i;
        } else if (c == 'N') {
            check(s.substr(i, 3) == "NIL");
            i += 3;
        } else if (c >= '0' && c <= '9') {
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        } else if (c == '"') {
            std::size_t b = ++i;
            std::string unescaped;
            while (true) {
                check(i < s.size());
                char d = s[i];
                check(d != '\r' && d != '\n' && d != '\0');
                if (d == '\\') {
                    check(i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\'));
                    unescaped += s[i + 1];
                    i += 2;
                    continue;
                }
                if (d == '"') break;
                check(utf8 || static_cast<unsigned char>(d) < 0x80);
                unescaped += d;
                ++i;
            }
            (void)b;
            check(is_valid_utf8(unescaped));
            ++i;
        } else if (c == '{') {
            std::size_t n = 0;
            ++i;
            check(i < s.size() && s[i] >= '0' && s[i] <= '9');
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') n = n * 10 + static_cast<std::size_t>(s[i++] - '0');
            check(s.substr(i, 3) == "}\r\n");
            i += 3;
            check(i + n <= s.size());
            check(s.substr(i, n).find('\0') == std::string_view::npos);  // CHAR8: no NUL
            i += n;
        } else {
            check(false);
        }
        if (depth == 0) check(i == s.size());
    }
    check(depth == 0);
}

void check_range(const SectionLocation& l, uint64_t size) {
    check(l.range.offset <= size && l.range.length <= size - l.range.offset);
    if (!l.found) check(l.range.length == 0 && l.part == mime::kNoIndex);
}

void sections(const mime::ParsedMessage& pm, std::string_view m, std::vector<uint32_t>& path, int& budget) {
    if (budget-- <= 0) return;
    Section s;
    s.part = path;
    s.fields = {"subject", "From", "content-TYPE"};
    for (auto t : {SectionText::none, SectionText::header, SectionText::header_fields,
                   SectionText::header_fields_not, SectionText::text, SectionText::mime}) {
        s.text = t;
        SectionLocation l = locate_section(pm, s);
        check_range(l, m.size());
        std::string_view bytes = m.substr(l.range.offset, l.range.length);
        if (l.filter != FieldFilter::none) {
            std::string f = filter_header_fields(bytes, s.fields, l.filter == FieldFilter::fields_not, l.blank_line);
            check(f.size() <= bytes.size() + 2 * (bytes.size() + 1) + 2);
            if (l.blank_line) check(f.size() >= 2 && f.compare(f.size() - 2, 2, "\r\n") == 0);
            if (f.size() >= 2) check(f.compare(f.size() - 2, 2, "\r\n") == 0);
            ByteRange c = clip_range(l.range, Partial{3, 5});
            check(c.offset >= l.range.offset && c.end() <= l.range.end());
            check(clip_text(f, Partial{3, 5}).size() <= 5);
        }
        if (t == SectionText::none && l.found) {
            std::string enc = binary_encoding_for(pm, s);
            auto d = decode_binary(bytes, enc);
            check(d.has_value() == binary_encoding_known(enc));
            auto n = binary_size(bytes, enc);
            check(n.has_value() == d.has_value());
            if (d) check(*n == d->size());
        }
    }
    if (path.size() >= 4) return;
    uint32_t idx = path.empty() ? 0 : pm.find_section(path);
    std::size_t width = idx < pm.parts.size() ? pm.parts[idx].children.size() + 1 : 1;
    if (width > 4) width = 4;
    for (uint32_t k = 0; k <= width && budget > 0; ++k) {
        path.push_back(k);
        sections(pm, m, path, budget);
        path.pop_back();
    }
}

std::size_t utf8_chars(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);

    // Mailbox names: a decodable name is canonical, so it encodes back to
    // exactly the input; encoding output is 7-bit printable and decodes.
    if (auto u = mutf7_to_utf8(raw)) check(utf8_to_mutf7(*u) == raw);
    if (size <= 256) {
        std::string e = utf8_to_mutf7(raw);
        for (char c : e) check(c >= 0x20 && c <= 0x7e);
        auto back = mutf7_to_utf8(e);
        check(back.has_value());
        if (is_valid_utf8(raw)) check(*back == raw);
    }

    // Dates: what parses formats back to something that parses the same.
    if (auto d = parse_date_time(raw)) {
        auto again = parse_date_time(format_date_time(d->unix_seconds, d->offset_minutes));
        check(again && *again == *d);
    }
    if (auto d = parse_search_date(raw)) check(d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31);

    std::string m = mime::canonicalize_crlf(raw);
    auto stored = mime::deserialize(mime::serialize(mime::parse_message(m)));
    check(stored.has_value());
    const mime::ParsedMessage& pm = *stored;

    for (bool utf8 : {false, true}) {
        std::string env;
        append_envelope(env, pm.envelope(), utf8);
        check_wire(env, utf8);
        for (uint32_t i = 0; i < pm.parts.size() && i < 64; ++i) {
            for (bool ext : {false, true}) {
                std::string bs;
                append_body_structure(bs, pm, i, ext, utf8);
                check_wire(bs, utf8);
            }
        }
    }

    std::vector<uint32_t> path;
    int budget = 200;
    sections(pm, m, path, budget);

    std::string preview = make_preview(pm, m);
    check(is_valid_utf8(preview));
    check(utf8_chars(preview) <= kPreviewMaxChars);
    return 0;
}
