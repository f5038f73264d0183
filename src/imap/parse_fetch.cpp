// FETCH attributes (RFC 9051 6.4.5 and 9 "fetch-att"; RFC 3516 BINARY;
// RFC 7162 MODSEQ; RFC 8474 EMAILID/THREADID; RFC 8514 SAVEDATE; RFC 8970 PREVIEW).
#include "imap/parser_cursor.h"

namespace postamt::imap::detail {
namespace {

bool name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
}

std::string upper_name(Cursor& c) {
    std::string n;
    while (!c.at_end() && name_char(c.peek())) {
        char ch = c.peek();
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
        n += ch;
        c.set_pos(c.pos() + 1);
    }
    if (n.empty()) c.fail("expected a fetch attribute");
    return n;
}

std::vector<uint32_t> section_part(Cursor& c) {
    std::vector<uint32_t> part;
    for (;;) {
        if (part.size() >= 64) c.fail("section part too deep");
        part.push_back(c.nz_number());
        // "1.2" continues with a number; "1.HEADER" with a section text.
        if (c.peek() == '.' && c.peek_at(1) >= '0' && c.peek_at(1) <= '9') {
            c.accept('.');
            continue;
        }
        return part;
    }
}

std::vector<std::string> header_list(Cursor& c) {
    c.sp();
    c.expect('(', "expected a list of header field names");
    std::vector<std::string> fields;
    for (;;) {
        std::string f = c.astring();
        if (f.empty()) c.fail("empty header field name");
        for (char ch : f)
            if (static_cast<unsigned char>(ch) <= 32 || static_cast<unsigned char>(ch) >= 127 ||
                ch == ':')
                c.fail("invalid header field name");
        fields.push_back(std::move(f));
        if (c.accept(')')) return fields;
        c.sp();
    }
}

// section-msgtext / section-text after "[" or "[1.2.".
void section_text(Cursor& c, Section& s, bool after_part) {
    std::string w;
    while (!c.at_end() && (std::isalpha(static_cast<unsigned char>(c.peek())) || c.peek() == '.')) {
        char ch = c.peek();
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
        w += ch;
        c.set_pos(c.pos() + 1);
    }
    if (w == "HEADER") {
        s.text = SectionText::header;
    } else if (w == "HEADER.FIELDS") {
        s.text = SectionText::header_fields;
        s.fields = header_list(c);
    } else if (w == "HEADER.FIELDS.NOT") {
        s.text = SectionText::header_fields_not;
        s.fields = header_list(c);
    } else if (w == "TEXT") {
        s.text = SectionText::text;
    } else if (w == "MIME" && after_part) {
        s.text = SectionText::mime;
    } else {
        c.fail("invalid section");
    }
}

Section section(Cursor& c, bool binary) {
    c.expect('[', "expected [");
    Section s;
    if (c.accept(']')) return s;
    if (c.peek() >= '0' && c.peek() <= '9') {
        s.part = section_part(c);
        if (!binary && c.accept('.')) section_text(c, s, true);
    } else {
        if (binary) c.fail("BINARY takes only part numbers");
        section_text(c, s, false);
    }
    c.expect(']', "expected ]");
    return s;
}

std::optional<Partial> partial(Cursor& c) {
    if (!c.accept('<')) return std::nullopt;
    Partial p;
    p.offset = c.number64();
    c.expect('.', "expected <offset.count>");
    p.count = c.nz_number64();
    c.expect('>', "expected >");
    return p;
}

}  // namespace

FetchItem parse_fetch_att(Cursor& c) {
    FetchItem it;
    std::string n = upper_name(c);
    if (n == "ENVELOPE")
        it.attr = FetchAttr::envelope;
    else if (n == "FLAGS")
        it.attr = FetchAttr::flags;
    else if (n == "INTERNALDATE")
        it.attr = FetchAttr::internaldate;
    else if (n == "RFC822")
        it.attr = FetchAttr::rfc822;
    else if (n == "RFC822.HEADER")
        it.attr = FetchAttr::rfc822_header;
    else if (n == "RFC822.SIZE")
        it.attr = FetchAttr::rfc822_size;
    else if (n == "RFC822.TEXT")
        it.attr = FetchAttr::rfc822_text;
    else if (n == "BODYSTRUCTURE")
        it.attr = FetchAttr::bodystructure;
    else if (n == "UID")
        it.attr = FetchAttr::uid;
    else if (n == "MODSEQ")
        it.attr = FetchAttr::modseq;
    else if (n == "EMAILID")
        it.attr = FetchAttr::emailid;
    else if (n == "THREADID")
        it.attr = FetchAttr::threadid;
    else if (n == "SAVEDATE")
        it.attr = FetchAttr::savedate;
    else if (n == "PREVIEW") {
        it.attr = FetchAttr::preview;
        // RFC 8970 3.1: "PREVIEW (LAZY)"; LAZY only allows us to omit work.
        if (c.peek() == ' ' && c.peek_at(1) == '(') {
            std::size_t save = c.pos();
            c.sp();
            c.accept('(');
            if (c.accept_word("LAZY") && c.accept(')')) return it;
            c.set_pos(save);
        }
    } else if (n == "BODY" || n == "BODY.PEEK") {
        if (c.peek() != '[') {
            if (n == "BODY.PEEK") c.fail("BODY.PEEK needs a section");
            it.attr = FetchAttr::body;
            return it;
        }
        it.attr = FetchAttr::body_section;
        it.peek = n == "BODY.PEEK";
        it.section = section(c, false);
        it.partial = partial(c);
    } else if (n == "BINARY" || n == "BINARY.PEEK") {
        it.attr = FetchAttr::binary_section;
        it.peek = n == "BINARY.PEEK";
        it.section = section(c, true);
        it.partial = partial(c);
    } else if (n == "BINARY.SIZE") {
        it.attr = FetchAttr::binary_size;
        it.section = section(c, true);
    } else {
        c.fail("unknown fetch attribute " + n);
    }
    return it;
}

std::vector<FetchItem> parse_fetch_atts(Cursor& c, bool allow_macro) {
    std::vector<FetchItem> items;
    if (c.accept('(')) {
        Cursor::Depth d(c);
        for (;;) {
            if (items.size() >= 256) c.fail("too many fetch attributes");
            items.push_back(parse_fetch_att(c));
            if (c.accept(')')) return items;
            c.sp();
        }
    }
    if (allow_macro) {
        auto simple = [](FetchAttr a) {
            FetchItem i;
            i.attr = a;
            return i;
        };
        bool all = c.accept_word("ALL"), fast = !all && c.accept_word("FAST"),
             full = !all && !fast && c.accept_word("FULL");
        if (all || fast || full) {
            items = {simple(FetchAttr::flags), simple(FetchAttr::internaldate),
                     simple(FetchAttr::rfc822_size)};
            if (all || full) items.push_back(simple(FetchAttr::envelope));
            if (full) items.push_back(simple(FetchAttr::body));
            return items;
        }
    }
    items.push_back(parse_fetch_att(c));
    return items;
}

}  // namespace postamt::imap::detail
