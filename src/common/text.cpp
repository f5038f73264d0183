#include "common/text.h"

#include <algorithm>
#include <limits>

namespace postamt::text {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a run of decimal digits at s[i...]; false if none or on overflow.
bool read_number(std::string_view s, std::size_t& i, std::uint64_t& out) {
    std::size_t start = i;
    std::uint64_t v = 0;
    while (i < s.size() && is_digit(s[i])) {
        auto d = static_cast<std::uint64_t>(s[i] - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
        v = v * 10 + d;
        ++i;
    }
    out = v;
    return i > start;
}

// Size units: b, k, m, g, t are 2^0, 2^10, 2^20, ... (binary, as admins
// expect from "50M").
std::optional<int> unit_shift(char c) {
    constexpr std::string_view kLetters = "bkmgt";
    std::size_t pos = kLetters.find(to_lower(c));
    if (pos == std::string_view::npos) return std::nullopt;
    return static_cast<int>(pos) * 10;
}

struct DurationUnit {
    char letter;
    std::uint64_t seconds;
    int rank;  // larger units first in "1h30m"
};
constexpr DurationUnit kDurationUnits[] = {
    {'s', 1, 0}, {'m', 60, 1}, {'h', 3600, 2}, {'d', 86400, 3}, {'w', 7 * 86400, 4}};

const DurationUnit* find_duration_unit(char c) {
    for (const auto& u : kDurationUnits)
        if (u.letter == to_lower(c)) return &u;
    return nullptr;
}

bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return true;
    out = a * b;
    return false;
}

}  // namespace

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
    s = trim(s);
    std::size_t i = 0;
    std::uint64_t n = 0;
    if (!read_number(s, i, n)) return std::nullopt;
    std::string_view unit = s.substr(i);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    std::uint64_t mult = 1;
    if (!unit.empty()) {
        auto shift = unit_shift(unit.front());
        if (!shift) return std::nullopt;
        mult = 1ull << *shift;
        std::string_view rest = unit.substr(1);
        bool is_byte_unit = to_lower(unit.front()) == 'b';
        if (is_byte_unit) {
            if (!rest.empty()) return std::nullopt;
        } else if (!(rest.empty() || iequals(rest, "b") || iequals(rest, "ib"))) {
            return std::nullopt;
        }
    }
    std::uint64_t out = 0;
    if (mul_overflows(n, mult, out)) return std::nullopt;
    return out;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view s) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    std::size_t i = 0;
    std::uint64_t total = 0;
    int last_rank = 100;  // units must come in decreasing order: w d h m s
    // Largest duration representable in std::chrono::seconds (int64).
    constexpr std::uint64_t kMax =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    while (i < s.size()) {
        std::uint64_t n = 0;
        if (!read_number(s, i, n)) return std::nullopt;
        if (i == s.size()) {
            // A bare number is seconds, but only on its own ("90", not "1m30").
            if (last_rank != 100) return std::nullopt;
            if (n > kMax) return std::nullopt;
            return std::chrono::seconds(static_cast<std::int64_t>(n));
        }
        const DurationUnit* unit = find_duration_unit(s[i]);
        if (!unit) return std::nullopt;
        std::uint64_t mult = unit->seconds;
        int rank = unit->rank;
        ++i;
        if (rank >= last_rank) return std::nullopt;
        last_rank = rank;
        std::uint64_t part = 0;
        if (mul_overflows(n, mult, part)) return std::nullopt;
        if (part > kMax - total) return std::nullopt;
        total += part;
    }
    return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::string format_size(std::uint64_t bytes) {
    if (bytes == 0) return "0";
    static constexpr struct {
        int shift;
        char unit;
    } kUnits[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (const auto& u : kUnits) {
        std::uint64_t m = 1ull << u.shift;
        if (bytes % m == 0) return std::to_string(bytes / m) + u.unit;
    }
    return std::to_string(bytes);
}

std::string format_duration(std::chrono::seconds d) {
    std::int64_t v = d.count();
    if (v <= 0) return std::to_string(v) + "s";
    static constexpr struct {
        std::int64_t secs;
        char unit;
    } kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    std::string out;
    for (const auto& u : kUnits) {
        if (v >= u.secs) {
            out += std::to_string(v / u.secs);
            out += u.unit;
            v %= u.secs;
        }
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment: Levenshtein plus adjacent transpositions,
    // the most common typing slip ("lgo" for "log").
    const std::size_t w = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * w);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * w + j]; };
    for (std::size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
    for (std::size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            bool same = to_lower(a[i - 1]) == to_lower(b[j - 1]);
            std::size_t v =
                std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same ? 0 : 1)});
            if (i > 1 && j > 1 && to_lower(a[i - 1]) == to_lower(b[j - 2]) &&
                to_lower(a[i - 2]) == to_lower(b[j - 1]))
                v = std::min(v, at(i - 2, j - 2) + 1);
            at(i, j) = v;
        }
    }
    return at(a.size(), b.size());
}

}  // namespace postamt::text
