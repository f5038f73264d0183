#include "imap/parser_cursor.h"

#include <limits>

#include "common/text.h"
#include "imap/wire_string.h"
#include "mime/date.h"

namespace postamt::imap::detail {

bool is_atom_char_c(char c) { return is_atom_char(c); }

// RFC 9051 9: list-char = ATOM-CHAR / list-wildcards / resp-specials.
bool is_list_char(char c) { return is_atom_char(c) || c == '%' || c == '*' || c == ']'; }

int month_from_name(std::string_view m) {
    static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
    if (m.size() != 3) return 0;
    for (int i = 0; i < 12; ++i)
        if (text::iequals(m, kMonths[i])) return i + 1;
    return 0;
}

Cursor::Depth::Depth(Cursor& c) : c_(c) {
    if (++c_.depth_ > c_.max_depth_) {
        --c_.depth_;
        c_.fail("too deeply nested");
    }
}

void Cursor::expect(char c, const char* what) {
    if (!accept(c)) fail(what);
}

bool Cursor::accept_word(std::string_view w) {
    if (s_.size() - pos_ < w.size()) return false;
    if (!text::iequals(s_.substr(pos_, w.size()), w)) return false;
    if (pos_ + w.size() < s_.size() && is_atom_char(s_[pos_ + w.size()])) return false;
    pos_ += w.size();
    return true;
}

void Cursor::expect_word(std::string_view w) {
    if (!accept_word(w)) fail("expected " + std::string(w));
}

void Cursor::expect_end() {
    if (!at_end()) {
        if (peek() == ' ') fail("unexpected space (arguments are separated by exactly one space)");
        fail("unexpected characters after the command");
    }
}

std::string Cursor::atom() {
    std::size_t start = pos_;
    while (!at_end() && is_atom_char(s_[pos_])) ++pos_;
    if (pos_ == start) fail("expected an atom");
    return std::string(s_.substr(start, pos_ - start));
}

std::string Cursor::upper_atom() {
    std::string a = atom();
    for (auto& ch : a)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    return a;
}

std::string Cursor::tag() {
    std::size_t start = pos_;
    while (!at_end() && is_astring_char(s_[pos_]) && s_[pos_] != '+') ++pos_;
    if (pos_ == start) fail("missing or invalid tag");
    return std::string(s_.substr(start, pos_ - start));
}

std::string Cursor::quoted() {
    expect('"', "expected a quoted string");
    std::string out;
    for (;;) {
        if (at_end()) fail("unterminated quoted string");
        char c = s_[pos_++];
        if (c == '"') return out;
        if (c == '\r' || c == '\n' || c == '\0') fail("CR, LF or NUL in a quoted string");
        if (c == '\\') {
            if (at_end()) fail("unterminated quoted string");
            char e = s_[pos_++];
            if (e != '"' && e != '\\') fail("invalid escape in a quoted string");
            c = e;
        }
        out += c;
    }
}

bool Cursor::at_literal() const { return peek() == '{' || (peek() == '~' && peek_at(1) == '{'); }

std::string Cursor::take_literal(std::size_t size, bool message) {
    if (!lits_ || lit_index_ >= lits_->size()) {
        if (probe_) throw LiteralPending{};
        fail("literal data missing");
    }
    std::string& l = (*lits_)[lit_index_++];
    if (l.size() != size) fail("literal size mismatch");
    // A probe parse runs again later: it must leave the literals in place,
    // and it has no use for message bodies.
    if (probe_) return message ? std::string() : l;
    if (message) return std::move(l);
    return l;
}

std::string Cursor::literal(bool* binary, bool allow_binary, bool message) {
    bool bin = accept('~');
    if (bin && !allow_binary) fail("literal8 is not allowed here");
    expect('{', "expected a literal");
    uint64_t n = number64();
    accept('+');  // LITERAL+ / LITERAL- (RFC 7888)
    expect('}', "malformed literal announcement");
    if (!(accept('\r') && accept('\n'))) fail("literal announcement must end the line");
    if (binary) *binary = bin;
    return take_literal(static_cast<std::size_t>(n), message);
}

std::string Cursor::string() {
    if (peek() == '"') return quoted();
    if (at_literal()) return literal();
    fail("expected a string");
}

std::optional<std::string> Cursor::nstring() {
    if (accept_word("NIL")) return std::nullopt;
    return string();
}

std::string Cursor::astring() {
    if (peek() == '"' || peek() == '{') return string();
    std::size_t start = pos_;
    while (!at_end() && is_astring_char(s_[pos_])) ++pos_;
    if (pos_ == start) fail("expected an atom or a string");
    return std::string(s_.substr(start, pos_ - start));
}

std::string Cursor::list_mailbox() {
    if (peek() == '"' || peek() == '{') return string();
    std::size_t start = pos_;
    while (!at_end() && is_list_char(s_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a mailbox pattern");
    return std::string(s_.substr(start, pos_ - start));
}

uint64_t Cursor::number64() {
    std::size_t start = pos_;
    uint64_t v = 0;
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        uint64_t d = static_cast<uint64_t>(s_[pos_] - '0');
        if (v > (kMax - d) / 10) fail("number too large");
        v = v * 10 + d;
        ++pos_;
    }
    if (pos_ == start) fail("expected a number");
    return v;
}

uint64_t Cursor::nz_number64() {
    uint64_t v = number64();
    if (v == 0) fail("expected a non-zero number");
    return v;
}

uint32_t Cursor::number() {
    std::size_t start = pos_;
    uint64_t v = 0;
    while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        v = v * 10 + static_cast<uint64_t>(s_[pos_] - '0');
        if (v > 0xFFFFFFFFull) fail("number too large");
        ++pos_;
    }
    if (pos_ == start) fail("expected a number");
    return static_cast<uint32_t>(v);
}

uint32_t Cursor::nz_number() {
    if (peek() == '0') fail("expected a non-zero number");
    return number();
}

SequenceSet Cursor::sequence_set() {
    SequenceSet set;
    if (accept('$')) {
        set.saved = true;
        return set;
    }
    auto seq_number = [&]() -> uint32_t {
        if (accept('*')) return 0;
        if (peek() < '0' || peek() > '9') fail("expected a sequence set");
        return nz_number();
    };
    for (;;) {
        SeqRange r;
        r.first = seq_number();
        r.last = accept(':') ? seq_number() : r.first;
        set.ranges.push_back(r);
        if (!accept(',')) break;
    }
    return set;
}

std::string Cursor::flag() {
    std::size_t start = pos_;
    accept('\\');
    while (!at_end() && is_atom_char(s_[pos_])) ++pos_;
    if (pos_ == start || (pos_ == start + 1 && s_[start] == '\\')) fail("expected a flag");
    return std::string(s_.substr(start, pos_ - start));
}

std::vector<std::string> Cursor::flag_list() {
    expect('(', "expected a flag list");
    std::vector<std::string> flags;
    if (accept(')')) return flags;
    for (;;) {
        flags.push_back(flag());
        if (accept(')')) return flags;
        sp();
    }
}

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Date Cursor::date() {
    bool q = accept('"');
    Date d;
    if (!digit(peek())) fail("expected a date (d-Mon-yyyy)");
    d.day = peek() - '0';
    ++pos_;
    if (digit(peek())) d.day = d.day * 10 + (s_[pos_++] - '0');
    expect('-', "expected a date (d-Mon-yyyy)");
    if (s_.size() - pos_ < 3) fail("expected a month name");
    d.month = month_from_name(s_.substr(pos_, 3));
    if (!d.month) fail("expected a month name");
    pos_ += 3;
    expect('-', "expected a date (d-Mon-yyyy)");
    int y = 0;
    for (int i = 0; i < 4; ++i) {
        if (!digit(peek())) fail("expected a four-digit year");
        y = y * 10 + (s_[pos_++] - '0');
    }
    d.year = y;
    if (digit(peek())) fail("expected a four-digit year");
    if (q) expect('"', "unterminated quoted date");
    static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d.day < 1 || d.day > kDays[d.month - 1]) fail("invalid day of month");
    return d;
}

DateTime Cursor::date_time() {
    expect('"', "expected a quoted date-time");
    auto two = [&](const char* what) {
        if (!digit(peek()) || !digit(peek_at(1))) fail(what);
        int v = (s_[pos_] - '0') * 10 + (s_[pos_ + 1] - '0');
        pos_ += 2;
        return v;
    };
    int day;
    if (accept(' ')) {
        if (!digit(peek())) fail("invalid day in date-time");
        day = s_[pos_++] - '0';
    } else {
        if (!digit(peek())) fail("invalid day in date-time");
        day = s_[pos_++] - '0';
        if (digit(peek())) day = day * 10 + (s_[pos_++] - '0');
    }
    expect('-', "invalid date-time");
    if (s_.size() - pos_ < 3) fail("invalid month in date-time");
    int month = month_from_name(s_.substr(pos_, 3));
    if (!month) fail("invalid month in date-time");
    pos_ += 3;
    expect('-', "invalid date-time");
    int year = two("invalid year") * 100;
    year += two("invalid year");
    sp();
    int h = two("invalid time");
    expect(':', "invalid time");
    int mi = two("invalid time");
    expect(':', "invalid time");
    int sec = two("invalid time");
    sp();
    int sign = 0;
    if (accept('+'))
        sign = 1;
    else if (accept('-'))
        sign = -1;
    else
        fail("invalid zone");
    int zh = two("invalid zone");
    int zm = two("invalid zone");
    expect('"', "unterminated date-time");
    static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day < 1 || day > kDays[month - 1] || h > 23 || mi > 59 || sec > 60 || zh > 23 || zm > 59)
        fail("invalid date-time");
    DateTime dt;
    dt.zone_minutes = sign * (zh * 60 + zm);
    dt.unix_seconds =
        mime::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
            86400 +
        h * 3600 + mi * 60 + sec - static_cast<int64_t>(dt.zone_minutes) * 60;
    return dt;
}

std::vector<StatusItem> Cursor::status_items() {
    expect('(', "expected a list of status items");
    std::vector<StatusItem> items;
    for (;;) {
        std::string a = upper_atom();
        if (a == "MESSAGES")
            items.push_back(StatusItem::messages);
        else if (a == "RECENT")
            items.push_back(StatusItem::recent);
        else if (a == "UIDNEXT")
            items.push_back(StatusItem::uidnext);
        else if (a == "UIDVALIDITY")
            items.push_back(StatusItem::uidvalidity);
        else if (a == "UNSEEN")
            items.push_back(StatusItem::unseen);
        else if (a == "DELETED")
            items.push_back(StatusItem::deleted);
        else if (a == "SIZE")
            items.push_back(StatusItem::size);
        else if (a == "HIGHESTMODSEQ")
            items.push_back(StatusItem::highestmodseq);
        else if (a == "APPENDLIMIT")
            items.push_back(StatusItem::appendlimit);
        else if (a == "MAILBOXID")
            items.push_back(StatusItem::mailboxid);
        else
            fail("unknown status item " + a);
        if (accept(')')) return items;
        sp();
    }
}

}  // namespace postamt::imap::detail
