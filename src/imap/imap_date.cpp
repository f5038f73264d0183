#include "imap/imap_date.h"

#include <algorithm>
#include <cstdio>

#include "mime/date.h"

namespace postamt::imap {
namespace {

constexpr const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
    static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Inverse of days_from_civil (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) ++y;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string_view unquote(std::string_view s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& v) {
    if (pos + n > s.size()) return false;
    v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

std::optional<unsigned> month_at(std::string_view s, std::size_t pos) {
    if (pos + 3 > s.size()) return std::nullopt;
    for (unsigned m = 0; m < 12; ++m) {
        bool eq = true;
        for (int k = 0; k < 3; ++k) {
            char a = s[pos + k], b = kMonths[m][k];
            if ((a | 0x20) != (b | 0x20) || !((a | 0x20) >= 'a' && (a | 0x20) <= 'z')) eq = false;
        }
        if (eq) return m + 1;
    }
    return std::nullopt;
}

// "d-Mon-yyyy" / "dd-Mon-yyyy" / " d-Mon-yyyy" (if `space_day`) from pos;
// `pos` is advanced past the year.
std::optional<CivilDate> date_at(std::string_view s, std::size_t& pos, bool space_day) {
    unsigned day = 0;
    if (space_day && pos < s.size() && s[pos] == ' ') ++pos;  // date-day-fixed SP DIGIT
    if (digits(s, pos, 2, day)) {
        pos += 2;
    } else if (digits(s, pos, 1, day)) {
        pos += 1;
    } else {
        return std::nullopt;
    }
    if (pos >= s.size() || s[pos] != '-') return std::nullopt;
    auto m = month_at(s, pos + 1);
    if (!m) return std::nullopt;
    pos += 4;
    if (pos >= s.size() || s[pos] != '-') return std::nullopt;
    unsigned year = 0;
    if (!digits(s, pos + 1, 4, year)) return std::nullopt;
    pos += 5;
    if (day < 1 || day > days_in_month(year, *m)) return std::nullopt;
    return CivilDate{static_cast<int>(year), *m, day};
}

}  // namespace

int64_t CivilDate::days() const { return mime::days_from_civil(year, month, day); }

CivilDate civil_date_of(int64_t unix_seconds, int offset_minutes) {
    // Far beyond any mail date, and keeps the arithmetic below from overflowing.
    constexpr int64_t kLimit = int64_t{1} << 50;
    unix_seconds = std::clamp(unix_seconds, -kLimit, kLimit);
    if (offset_minutes <= -24 * 60 || offset_minutes >= 24 * 60) offset_minutes = 0;
    int64_t local = unix_seconds + static_cast<int64_t>(offset_minutes) * 60;
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(floor_div(local, 86400), y, m, d);
    return CivilDate{static_cast<int>(y), m, d};
}

std::string format_date_time(int64_t unix_seconds, int offset_minutes) {
    // Keep the year within four digits (RFC 9051 date-year = 4DIGIT).
    constexpr int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
    constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
    if (offset_minutes <= -24 * 60 || offset_minutes >= 24 * 60) offset_minutes = 0;
    unix_seconds = std::clamp(unix_seconds, kMin - 86400, kMax + 86400);  // no overflow below
    int64_t local = unix_seconds + static_cast<int64_t>(offset_minutes) * 60;
    if (local < kMin) local = kMin;
    if (local > kMax) local = kMax;
    int64_t days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02u-%s-%04d %02d:%02d:%02d %c%02d%02d", d, kMonths[m - 1],
                  static_cast<int>(y), static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                  offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    return buf;
}

std::optional<ImapDateTime> parse_date_time(std::string_view s) {
    s = unquote(s);
    std::size_t pos = 0;
    auto date = date_at(s, pos, true);
    if (!date) return std::nullopt;
    unsigned hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
    // SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP ("+" / "-") 4DIGIT
    if (s.size() != pos + 15) return std::nullopt;
    if (s[pos] != ' ' || !digits(s, pos + 1, 2, hh) || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, mm) || s[pos + 6] != ':' || !digits(s, pos + 7, 2, ss) ||
        s[pos + 9] != ' ' || (s[pos + 10] != '+' && s[pos + 10] != '-') ||
        !digits(s, pos + 11, 2, zh) || !digits(s, pos + 13, 2, zm))
        return std::nullopt;
    if (hh > 23 || mm > 59 || ss > 59 || zh > 23 || zm > 59) return std::nullopt;
    int offset = static_cast<int>(zh * 60 + zm);
    if (s[pos + 10] == '-') offset = -offset;
    int64_t local = date->days() * 86400 + hh * 3600 + mm * 60 + ss;
    return ImapDateTime{local - static_cast<int64_t>(offset) * 60, offset};
}

std::optional<CivilDate> parse_search_date(std::string_view s) {
    s = unquote(s);
    std::size_t pos = 0;
    auto date = date_at(s, pos, false);
    if (!date || pos != s.size()) return std::nullopt;
    return date;
}

}  // namespace postamt::imap
