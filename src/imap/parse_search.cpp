// Search keys (RFC 9051 6.4.4 and 9 "search-key", RFC 3501 NEW/OLD/RECENT,
// RFC 7162 3.1.5 MODSEQ, RFC 5032 WITHIN, RFC 8514 SAVEDATE, RFC 8474
// OBJECTID) and ESEARCH return options (RFC 4731, RFC 5182, RFC 5267).
#include "imap/parser_cursor.h"

#include "common/text.h"

namespace postamt::imap::detail {
namespace {

using K = SearchKey::Kind;

SearchKey make(K k) {
    SearchKey s;
    s.kind = k;
    return s;
}

std::string objectid(Cursor& c) {
    std::string id = c.astring();
    if (id.empty() || id.size() > 255) c.fail("invalid object id");
    for (char ch : id)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-')
            c.fail("invalid object id");
    return id;
}

SearchKey search_key(Cursor& c);

SearchKey key_list(Cursor& c) {
    Cursor::Depth d(c);
    SearchKey k = make(K::and_);
    for (;;) {
        if (k.children.size() >= 1000) c.fail("too many search keys");
        k.children.push_back(search_key(c));
        if (c.accept(')')) return k;
        c.sp();
    }
}

SearchKey search_key(Cursor& c) {
    if (c.accept('(')) return key_list(c);
    char p = c.peek();
    if ((p >= '0' && p <= '9') || p == '*' || p == '$') {
        SearchKey k = make(K::seqset);
        k.set = c.sequence_set();
        return k;
    }
    std::string w = c.upper_atom();
    struct Simple {
        const char* name;
        K kind;
    };
    static constexpr Simple kSimple[] = {
        {"ALL", K::all},
        {"ANSWERED", K::answered},
        {"DELETED", K::deleted},
        {"DRAFT", K::draft},
        {"FLAGGED", K::flagged},
        {"SEEN", K::seen},
        {"UNANSWERED", K::unanswered},
        {"UNDELETED", K::undeleted},
        {"UNDRAFT", K::undraft},
        {"UNFLAGGED", K::unflagged},
        {"UNSEEN", K::unseen},
        {"NEW", K::new_},
        {"OLD", K::old},
        {"RECENT", K::recent},
        {"SAVEDATESUPPORTED", K::savedatesupported},
    };
    for (const auto& s : kSimple)
        if (w == s.name) return make(s.kind);
    static constexpr Simple kString[] = {
        {"BCC", K::bcc},         {"BODY", K::body}, {"CC", K::cc}, {"FROM", K::from},
        {"SUBJECT", K::subject}, {"TEXT", K::text}, {"TO", K::to},
    };
    for (const auto& s : kString)
        if (w == s.name) {
            SearchKey k = make(s.kind);
            c.sp();
            k.str = c.astring();
            return k;
        }
    static constexpr Simple kDate[] = {
        {"BEFORE", K::before},           {"ON", K::on},           {"SINCE", K::since},
        {"SENTBEFORE", K::sentbefore},   {"SENTON", K::senton},   {"SENTSINCE", K::sentsince},
        {"SAVEDBEFORE", K::savedbefore}, {"SAVEDON", K::savedon}, {"SAVEDSINCE", K::savedsince},
    };
    for (const auto& s : kDate)
        if (w == s.name) {
            SearchKey k = make(s.kind);
            c.sp();
            k.date = c.date();
            return k;
        }
    if (w == "KEYWORD" || w == "UNKEYWORD") {
        SearchKey k = make(w == "KEYWORD" ? K::keyword : K::unkeyword);
        c.sp();
        k.str = c.atom();
        return k;
    }
    if (w == "HEADER") {
        SearchKey k = make(K::header);
        c.sp();
        k.field = c.astring();
        if (k.field.empty()) c.fail("empty header field name");
        c.sp();
        k.str = c.astring();
        return k;
    }
    if (w == "LARGER" || w == "SMALLER") {
        SearchKey k = make(w == "LARGER" ? K::larger : K::smaller);
        c.sp();
        k.number = c.number64();
        return k;
    }
    if (w == "UID") {
        SearchKey k = make(K::uid);
        c.sp();
        k.set = c.sequence_set();
        return k;
    }
    if (w == "NOT") {
        Cursor::Depth d(c);
        SearchKey k = make(K::not_);
        c.sp();
        k.children.push_back(search_key(c));
        return k;
    }
    if (w == "OR") {
        Cursor::Depth d(c);
        SearchKey k = make(K::or_);
        c.sp();
        k.children.push_back(search_key(c));
        c.sp();
        k.children.push_back(search_key(c));
        return k;
    }
    if (w == "MODSEQ") {
        // RFC 7162 3.1.5: MODSEQ [SP entry-name SP entry-type-req] SP value.
        SearchKey k = make(K::modseq);
        c.sp();
        if (c.peek() == '"') {
            std::string entry = c.quoted();
            if (!text::istarts_with(entry, "/flags/")) c.fail("invalid MODSEQ entry name");
            c.sp();
            std::string type = c.upper_atom();
            if (type != "PRIV" && type != "SHARED" && type != "ALL")
                c.fail("invalid MODSEQ entry type");
            c.sp();
        }
        k.number = c.number64();
        return k;
    }
    if (w == "OLDER" || w == "YOUNGER") {
        SearchKey k = make(w == "OLDER" ? K::older : K::younger);
        c.sp();
        k.number = c.nz_number();
        return k;
    }
    if (w == "EMAILID" || w == "THREADID") {
        SearchKey k = make(w == "EMAILID" ? K::emailid : K::threadid);
        c.sp();
        k.str = objectid(c);
        return k;
    }
    c.fail("unknown search key " + w);
}

}  // namespace

SearchKey parse_search_keys(Cursor& c) {
    SearchKey top = make(K::and_);
    do {
        c.sp();
        if (top.children.size() >= 1000) c.fail("too many search keys");
        top.children.push_back(search_key(c));
    } while (!c.at_end());
    return top;
}

std::optional<SearchReturn> parse_search_return(Cursor& c, bool sort) {
    std::size_t save = c.pos();
    if (!c.accept_word("RETURN")) return std::nullopt;
    if (!c.accept_sp()) {
        c.set_pos(save);
        return std::nullopt;
    }
    SearchReturn r;
    c.expect('(', "expected ( after RETURN");
    if (c.accept(')')) {
        r.all = true;  // RFC 4731 3.1: RETURN () means RETURN (ALL)
        return r;
    }
    for (;;) {
        std::string o = c.upper_atom();
        if (o == "MIN")
            r.min = true;
        else if (o == "MAX")
            r.max = true;
        else if (o == "ALL")
            r.all = true;
        else if (o == "COUNT")
            r.count = true;
        else if (o == "SAVE" && !sort)
            r.save = true;
        else
            c.fail("unknown search return option " + o);
        if (c.accept(')')) return r;
        c.sp();
    }
}

}  // namespace postamt::imap::detail
