#pragma once
// IMAP date and date-time (RFC 9051 9 "date-time", "date"): INTERNALDATE
// output, the APPEND date-time and the SEARCH date (BEFORE, ON, SINCE,
// SENTBEFORE, ...).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postamt::imap {

// "dd-Mon-yyyy hh:mm:ss +zzzz" (without the quotes), day zero-padded
// (RFC 9051 date-day-fixed allows 2DIGIT), in the zone `offset_minutes`
// east of UTC (0: "+0000"). Years outside 0000-9999 are clamped to them.
std::string format_date_time(int64_t unix_seconds, int offset_minutes = 0);

struct ImapDateTime {
    int64_t unix_seconds = 0;  // UTC
    int offset_minutes = 0;    // the zone as written
    bool operator==(const ImapDateTime&) const = default;
};

// RFC 9051 date-time: date-day-fixed "-" date-month "-" date-year SP time SP
// zone, where date-day-fixed is SP DIGIT or 2DIGIT (a 1-digit day without
// the space is accepted too), the month name case-insensitive, the zone
// +/-hhmm with hh < 24 and mm < 60. Surrounding DQUOTEs are optional (the command
// parser may hand the quoted string's content). Rejects anything else:
// impossible dates (30-Feb), hour > 23, minute or second > 59, extra text.
std::optional<ImapDateTime> parse_date_time(std::string_view s);

struct CivilDate {
    int year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
    // Days since 1970-01-01 (proleptic Gregorian).
    int64_t days() const;
    // 00:00:00 UTC of that day, as unix seconds.
    int64_t unix_midnight_utc() const { return days() * 86400; }
    bool operator==(const CivilDate&) const = default;
};

// RFC 9051 date: date-text or DQUOTE date-text DQUOTE, date-text =
// date-day "-" date-month "-" date-year with a 1- or 2-digit day and a
// 4-digit year. Impossible dates are rejected.
std::optional<CivilDate> parse_search_date(std::string_view s);

// The civil date of `unix_seconds` seen in the zone `offset_minutes` east of
// UTC, a zone of a day or more read as 0 (SEARCH compares INTERNALDATE dates
// "disregarding time and timezone";
// the caller chooses the zone).
CivilDate civil_date_of(int64_t unix_seconds, int offset_minutes = 0);

}  // namespace postamt::imap
