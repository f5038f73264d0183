#pragma once
// The text SEARCH matches against, extracted from a stored message the same
// way whether it goes into the FTS index (search_index.cpp) or is scanned
// directly (a message not indexed yet): one definition, so an indexed and an
// unindexed copy of a message always give the same answer.
//
// RFC 9051 6.4.4: "[MIME-IMB] content transfer encodings and [MIME-HDRS]
// strings in [RFC5322]/[MIME-IMB] headers MUST be decoded before comparing
// text", and strings match as case-insensitive substrings. We go beyond the
// ASCII range: both sides are put through Unicode NFKC_Casefold (ICU), so
// "ÄPFEL" finds "äpfel" and "STRASSE" finds "straße".
#include <cstdint>
#include <string>
#include <string_view>

namespace postamt::mime {
struct ParsedMessage;
}

namespace postamt::store {

// NFKC_Casefold of UTF-8 text (invalid sequences become U+FFFD first).
std::string fold_for_search(std::string_view utf8);

// Number of Unicode code points in valid UTF-8 (the FTS5 trigram tokenizer
// can use its index only for terms of at least 3 of them).
std::size_t utf8_length(std::string_view utf8);

struct SearchText {
    // The top-level header, one field per line, each line "\n<name>: <value>"
    // with the name lower-cased and the value unfolded and RFC 2047-decoded;
    // folded with fold_for_search(). Line breaks inside values are spaces, so
    // "\n<name>:" starts a field and nothing else.
    std::string headers;
    // The decoded text of every text/* part (transfer encoding removed,
    // charset converted to UTF-8, HTML tags stripped) and every header below
    // the top-level one (MIME part headers, attached messages' headers), in
    // the same form as `headers`, folded. Parts are separated by "\n".
    std::string body;
    // false when the body was cut at the size limit: such a message is
    // always scanned, never answered from the index.
    bool complete = true;
};

inline constexpr std::size_t kMaxSearchBodyBytes = 8u << 20;

// `message` is the canonical (CRLF) message; `parsed` its stored summary.
SearchText extract_search_text(std::string_view message, const mime::ParsedMessage& parsed,
                               std::size_t max_body_bytes = kMaxSearchBodyBytes);

// Does the header field `folded_name` (lower-case, no colon) occur in
// `headers` (SearchText::headers form) with a value containing
// `folded_value`? An empty value asks whether the field is present.
bool header_field_contains(std::string_view headers, std::string_view folded_name, std::string_view folded_value);

// What SORT/THREAD need that mail.db does not keep (stored per blob in the
// search database, computed from the blob when it is not indexed yet).
struct SortExtras {
    std::string from_mailbox;  // addr-mailbox of the first From address
    std::string to_mailbox;
    std::string cc_mailbox;
    std::string in_reply_to;   // raw, unfolded
    std::string references;    // raw, unfolded
    // The Date: header's own calendar day (in the header's time zone) as the
    // unix time of that day's 00:00 UTC; INT64_MIN when there is no valid Date.
    // SEARCH SENTBEFORE/SENTON/SENTSINCE compare this (RFC 9051 6.4.4:
    // "disregarding time and timezone").
    int64_t sent_day = INT64_MIN;
};

SortExtras extract_sort_extras(std::string_view message, const mime::ParsedMessage& parsed);

// Crude HTML to text for searching: tags, comments, <script> and <style>
// contents dropped, the common entities and numeric references decoded.
std::string html_to_text(std::string_view html);

}  // namespace postamt::store
