#pragma once
// RFC 5322 section 3.3 date-time, with the section 4.3 obsolete forms
// (2- and 3-digit years, alphabetic zones, missing seconds or weekday,
// comments anywhere) and common deviations (missing zone, extra spaces).
#include <cstdint>
#include <optional>
#include <string_view>

namespace postamt::mime {

struct DateTime {
    int64_t unix_seconds = 0;  // UTC
    int offset_minutes = 0;    // the zone as written (+0130 -> 90); 0 for -0000/unknown
    bool operator==(const DateTime&) const = default;
};

// Invalid dates (bad month, day 31 in April, hour 25, ...) yield nullopt.
std::optional<DateTime> parse_date(std::string_view raw_value);

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace postamt::mime
