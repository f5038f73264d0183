#pragma once
// The FTS5 tokenizer of the search index: trigrams of Unicode code points
// (like SQLite's built-in "trigram"), but each distinct trigram of a
// document emitted once. With detail=none the index records only which
// rows hold a trigram, so repeats are pure cost: a typical 9 KB message has
// ~9,000 trigrams of which ~1,200 differ, and FTS5 fills ~3x faster without
// the repeats (measured on the benchmark corpus).
//
// A search asks for the rows holding every trigram of the term
// (trigram_match()) and then checks the stored text: without positions the
// index narrows, it does not decide (except for a 3-character term).
#include <sqlite3.h>

#include <string>
#include <string_view>

namespace postamt::store {

inline constexpr const char* kTrigramTokenizer = "postamt_trigram";

// Registers the tokenizer on `db` (every connection that touches the FTS
// tables must). false when FTS5 is unavailable.
bool register_trigram_tokenizer(sqlite3* db);

// An FTS5 MATCH expression requiring the trigrams of `folded_term` (at
// least 3 code points): at most `max_trigrams` of them, spread over the
// term, always the first and the last.
std::string trigram_match(std::string_view folded_term, std::size_t max_trigrams = 16);

}  // namespace postamt::store
