#pragma once
// MIME structured header values: Content-Type (RFC 2045 5.1),
// Content-Disposition (RFC 2183), Content-Language (RFC 3282) and
// parameters with RFC 2231 continuations and charset'lang'value encoding.
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

struct Param {
    std::string name;      // lower-cased, without RFC 2231 "*n*" suffixes
    std::string value;     // decoded to UTF-8 when encoded (2231, or 2047 leniently); else as written
    std::string charset;   // RFC 2231 charset when the value was encoded, else empty
    std::string language;  // RFC 2231 language, else empty
    bool operator==(const Param&) const = default;
};

struct ContentType {
    std::string type;     // lower-cased; "text" when absent or invalid
    std::string subtype;  // lower-cased; "plain" when absent or invalid
    std::vector<Param> params;
    bool valid = false;   // false: the defaults were applied
};

// `value` is the raw (possibly folded) header value.
ContentType parse_content_type(std::string_view value);

struct DispositionValue {
    std::string type;  // lower-cased ("inline", "attachment", ...); empty if invalid
    std::vector<Param> params;
};
DispositionValue parse_disposition(std::string_view value);

// Parses ";"-separated parameters starting at `p` (RFC 2231 assembled).
std::vector<Param> parse_params(std::string_view value, std::size_t p = 0);

// Content-Language: comma-separated language tags, comments and spaces dropped.
std::vector<std::string> parse_language_list(std::string_view value);

// Lower-cased token with comments and whitespace removed (Content-Transfer-Encoding).
std::string parse_token_value(std::string_view value);

const Param* find_param(const std::vector<Param>& params, std::string_view name);

}  // namespace postamt::mime
