#pragma once
// A SearchNode tree prepared for evaluation (search_eval.cpp): simplified
// (nested AND/OR flattened, double NOT removed, constants folded), text
// terms case-folded once, and the parts that SQL can answer on the messages
// table turned into a WHERE clause. Pure: no database handles here.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/search_query.h"

namespace postamt::store {

struct PlanNode {
    using Kind = SearchNode::Kind;
    Kind kind = Kind::all;
    std::vector<PlanNode> children;
    std::vector<UidRange> uids;  // sorted, merged
    int64_t number = 0;
    int64_t date_from = 0;
    int64_t date_to = INT64_MAX;
    std::string field;         // header: lower-case field name
    std::string term;          // header/body/text: folded value; keyword: lower-case keyword
    std::size_t term_chars = 0;
    int leaf = -1;             // header/body/text: index into the evaluator's per-leaf state
};

// Turns the caller's tree into a plan; text leaves are numbered 0..n-1.
PlanNode make_plan(const SearchNode& query, int* text_leaves);

// Can SQL on the messages table (columns uid, id, flags, keywords,
// internal_date, save_date, size, modseq) decide this node by itself?
bool sql_decides(const PlanNode& n);

using SqlParam = std::variant<int64_t, std::string>;
// Appends a boolean SQL expression for a node sql_decides() accepted.
void append_sql(const PlanNode& n, std::string& sql, std::vector<SqlParam>& params);

// OBJECTID EMAILID (RFC 8474) values are the decimal MessageId, optionally
// prefixed by "M" (what FETCH EMAILID sends); nullopt for anything else.
std::optional<int64_t> parse_email_id(std::string_view value);

// Case-insensitive keyword test on the stored space-separated list.
bool has_keyword(std::string_view stored_keywords, std::string_view lower_keyword);

bool uid_in(const std::vector<UidRange>& sorted_ranges, Uid uid);

}  // namespace postamt::store
