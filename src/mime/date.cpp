#include "mime/date.h"

#include <string>
#include <vector>

namespace postamt::mime {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

struct Tok {
    bool number = false;
    std::string_view text;
    char sep = 0;  // punctuation token: ':', '+', '-', ','
};

std::vector<Tok> lex(std::string_view s) {
    std::vector<Tok> out;
    std::size_t p = 0;
    while (p < s.size() && out.size() < 32) {
        char c = s[p];
        if (c == '(') {  // comment, nested
            int depth = 0;
            while (p < s.size()) {
                if (s[p] == '\\') {
                    p += 2;
                    continue;
                }
                if (s[p] == '(') ++depth;
                if (s[p] == ')' && --depth == 0) {
                    ++p;
                    break;
                }
                ++p;
            }
            continue;
        }
        if (c >= '0' && c <= '9') {
            std::size_t b = p;
            while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
            out.push_back(Tok{true, s.substr(b, p - b), 0});
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            std::size_t b = p;
            while (p < s.size() && ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z')))
                ++p;
            out.push_back(Tok{false, s.substr(b, p - b), 0});
        } else if (c == ':' || c == '+' || c == '-' || c == ',' || c == '.') {
            out.push_back(Tok{false, {}, c});
            ++p;
        } else {
            ++p;  // whitespace and other noise
        }
    }
    return out;
}

int month_of(std::string_view w) {
    static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                    "jul", "aug", "sep", "oct", "nov", "dec"};
    if (w.size() < 3) return 0;
    for (int m = 0; m < 12; ++m) {
        bool eq = true;
        for (int k = 0; k < 3; ++k)
            if (lower(w[k]) != kMonths[m][k]) eq = false;
        if (eq) return m + 1;
    }
    return 0;
}

bool is_weekday(std::string_view w) {
    static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (w.size() < 3) return false;
    for (auto d : kDays) {
        bool eq = true;
        for (int k = 0; k < 3; ++k)
            if (lower(w[k]) != d[k]) eq = false;
        if (eq) return true;
    }
    return false;
}

// RFC 5322 4.3 obs-zone; military zones are treated as -0000 (they were
// defined with the wrong sign in RFC 822, so their meaning is unknown).
bool alpha_zone(std::string_view w, int& minutes) {
    std::string z;
    for (char c : w) z += lower(c);
    struct Z {
        const char* n;
        int m;
    };
    static const Z kZones[] = {{"ut", 0},         {"utc", 0},        {"gmt", 0},       {"z", 0},
                               {"est", -5 * 60}, {"edt", -4 * 60}, {"cst", -6 * 60}, {"cdt", -5 * 60},
                               {"mst", -7 * 60}, {"mdt", -6 * 60}, {"pst", -8 * 60}, {"pdt", -7 * 60}};
    for (auto& k : kZones)
        if (z == k.n) {
            minutes = k.m;
            return true;
        }
    if (z.size() == 1 && z[0] != 'j') {
        minutes = 0;
        return true;
    }
    return false;
}

int to_int(std::string_view d) {
    int v = 0;
    for (char c : d.substr(0, 9)) v = v * 10 + (c - '0');
    return v;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<DateTime> parse_date(std::string_view s) {
    auto t = lex(s);
    std::size_t i = 0;
    auto skip_punct = [&](char c) {
        while (i < t.size() && t[i].sep == c) ++i;
    };
    // [day-of-week ","]
    if (i < t.size() && !t[i].number && t[i].sep == 0 && is_weekday(t[i].text)) {
        ++i;
        skip_punct(',');
    }
    skip_punct(',');
    int day = 0, month = 0;
    if (i < t.size() && t[i].number) {
        day = to_int(t[i].text);
        ++i;
        skip_punct('-');
        if (i < t.size() && !t[i].number && t[i].sep == 0) month = month_of(t[i].text);
        ++i;
        skip_punct('-');
    } else if (i < t.size() && !t[i].number && t[i].sep == 0) {
        // "Jan 5 2024" (asctime-like ordering, seen in the wild)
        month = month_of(t[i].text);
        ++i;
        if (i < t.size() && t[i].number) day = to_int(t[i].text);
        ++i;
        skip_punct(',');
    }
    if (month == 0 || day < 1 || day > 31) return std::nullopt;
    if (i >= t.size() || !t[i].number) return std::nullopt;
    std::string_view ytxt = t[i].text;
    int64_t year = to_int(ytxt);
    ++i;
    if (ytxt.size() == 2) year += year < 50 ? 2000 : 1900;  // RFC 5322 4.3
    else if (ytxt.size() == 3) year += 1900;
    else if (ytxt.size() != 4) return std::nullopt;
    // time: hour ":" minute [":" second]
    if (i + 2 >= t.size() || !t[i].number || t[i + 1].sep != ':' || !t[i + 2].number)
        return std::nullopt;
    int hour = to_int(t[i].text), minute = to_int(t[i + 2].text), second = 0;
    if (t[i].text.size() > 2 || t[i + 2].text.size() > 2) return std::nullopt;
    i += 3;
    if (i + 1 < t.size() && t[i].sep == ':' && t[i + 1].number) {
        if (t[i + 1].text.size() > 2) return std::nullopt;
        second = to_int(t[i + 1].text);
        i += 2;
    }
    if (i < t.size() && t[i].sep == '.' && i + 1 < t.size() && t[i + 1].number) i += 2;  // fractions
    int zone = 0;
    if (i < t.size()) {
        if ((t[i].sep == '+' || t[i].sep == '-') && i + 1 < t.size() && t[i + 1].number &&
            t[i + 1].text.size() == 4) {
            int v = to_int(t[i + 1].text);
            int hh = v / 100, mm = v % 100;
            // Real offsets stay within a day (the summary format relies on
            // it); "+9618" is as broken as a minute of 75.
            if (mm > 59 || hh > 23) return std::nullopt;
            zone = (hh * 60 + mm) * (t[i].sep == '-' ? -1 : 1);
        } else if (!t[i].number && t[i].sep == 0) {
            if (!alpha_zone(t[i].text, zone)) zone = 0;  // unknown zone: as -0000
        }
        // Anything else (missing or garbled zone): -0000, i.e. UTC.
    }
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int mdays = kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    if (day > mdays || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    if (second == 60) second = 59;  // leap second: clamp
    DateTime dt;
    dt.unix_seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                      hour * 3600 + minute * 60 + second - int64_t{zone} * 60;
    dt.offset_minutes = zone;
    return dt;
}

}  // namespace postamt::mime
