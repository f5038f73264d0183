#pragma once
// Small ASCII text helpers: case, whitespace, splitting, and the size and
// duration notations the configuration file uses ("50M", "1h30m").
// Locale-independent on purpose: protocol keywords and config values are ASCII.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::text {

// ASCII only; bytes >= 0x80 are left unchanged.
constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Strips spaces, tabs, CR and LF from both ends.
std::string_view trim(std::string_view s);

// Splits at every `sep`; keeps empty fields, so split("a,,b", ',') is
// {"a", "", "b"} and split("", ',') is {""}. The views point into `s`.
std::vector<std::string_view> split(std::string_view s, char sep);

// "50M", "512k", "1G", "10MiB", "64 MB", "4096" (bytes). Units are binary
// (K = 1024) and case-insensitive; a trailing "B" or "iB" is optional.
// Whole numbers only. nullopt on syntax error or overflow of 64 bits.
std::optional<std::uint64_t> parse_size(std::string_view s);

// "30s", "5m", "2h", "30d", "1w", combinations in decreasing order such as
// "1h30m", and a bare number of seconds ("90"). Units are case-insensitive.
// nullopt on syntax error, repeated or out-of-order units, or overflow.
std::optional<std::chrono::seconds> parse_duration(std::string_view s);

// Inverse notations for messages and docs: the largest unit that divides the
// value exactly ("50M", "1536K", "0"); durations as "1h30m", "0s".
std::string format_size(std::uint64_t bytes);
std::string format_duration(std::chrono::seconds d);

// Edit distance counting insertions, deletions, substitutions and adjacent
// transpositions (ASCII case-insensitive), for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace postamt::text
