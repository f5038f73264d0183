#include "store/search_plan.h"

#include <algorithm>

#include "store/search_text.h"

namespace postamt::store {
namespace {

using Kind = SearchNode::Kind;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string ascii_lower_trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == ':')) s.remove_suffix(1);
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

PlanNode constant(bool v) {
    PlanNode p;
    p.kind = v ? Kind::all : Kind::none;
    return p;
}

PlanNode build(const SearchNode& n, int* leaves, int depth) {
    // The IMAP parser bounds nesting; this guards other callers.
    if (depth > 200) return constant(false);
    PlanNode p;
    p.kind = n.kind;
    switch (n.kind) {
        case Kind::all:
        case Kind::none:
            return p;
        case Kind::and_:
        case Kind::or_: {
            bool is_and = n.kind == Kind::and_;
            for (const auto& c : n.children) {
                PlanNode pc = build(c, leaves, depth + 1);
                if (pc.kind == n.kind) {
                    for (auto& g : pc.children) p.children.push_back(std::move(g));
                } else if (pc.kind == (is_and ? Kind::all : Kind::none)) {
                    continue;  // neutral element
                } else if (pc.kind == (is_and ? Kind::none : Kind::all)) {
                    return constant(!is_and);  // absorbing element
                } else {
                    p.children.push_back(std::move(pc));
                }
            }
            if (p.children.empty()) return constant(is_and);
            if (p.children.size() == 1) return std::move(p.children[0]);
            return p;
        }
        case Kind::not_: {
            PlanNode inner;
            if (n.children.size() == 1) {
                inner = build(n.children[0], leaves, depth + 1);
            } else {
                SearchNode conj;
                conj.kind = Kind::and_;
                conj.children = n.children;
                inner = build(conj, leaves, depth + 1);
            }
            if (inner.kind == Kind::all) return constant(false);
            if (inner.kind == Kind::none) return constant(true);
            if (inner.kind == Kind::not_) return std::move(inner.children[0]);
            p.children.push_back(std::move(inner));
            return p;
        }
        case Kind::uids: {
            for (const auto& r : n.uids)
                if (r.first <= r.last) p.uids.push_back(r);
            std::sort(p.uids.begin(), p.uids.end(), [](const UidRange& a, const UidRange& b) { return a.first < b.first; });
            std::vector<UidRange> merged;
            for (const auto& r : p.uids) {
                if (!merged.empty() && static_cast<uint64_t>(r.first) <= static_cast<uint64_t>(merged.back().last) + 1)
                    merged.back().last = std::max(merged.back().last, r.last);
                else
                    merged.push_back(r);
            }
            p.uids = std::move(merged);
            if (p.uids.empty()) return constant(false);
            if (p.uids.size() == 1 && p.uids[0].first <= 1 && p.uids[0].last == 0xFFFFFFFFu) return constant(true);
            return p;
        }
        case Kind::flags_set:
        case Kind::flags_clear:
            p.number = n.number;
            if (n.number == 0) return constant(true);
            return p;
        case Kind::keyword:
        case Kind::no_keyword:
            p.term = ascii_lower_trim(n.value);
            if (p.term.empty() || p.term.find(' ') != std::string::npos) return constant(n.kind == Kind::no_keyword);
            return p;
        case Kind::internal_date:
        case Kind::sent_date:
        case Kind::save_date:
            p.date_from = n.date_from;
            p.date_to = n.date_to;
            if (p.date_from >= p.date_to) return constant(false);
            return p;
        case Kind::larger:
        case Kind::smaller:
        case Kind::modseq:
            p.number = n.number;
            return p;
        case Kind::email_id: {
            auto id = parse_email_id(n.value);
            if (!id) return constant(false);
            p.number = *id;
            return p;
        }
        case Kind::thread_id:
            // No thread ids are assigned yet (OBJECTID THREADID is NIL), so
            // no message has the one asked for.
            return constant(false);
        case Kind::header:
        case Kind::body:
        case Kind::text: {
            p.term = fold_for_search(n.value);
            p.term_chars = utf8_length(p.term);
            if (n.kind == Kind::header) {
                p.field = ascii_lower_trim(n.field);
                if (p.field.empty()) return constant(false);
            } else if (p.term.empty()) {
                return constant(true);  // the empty string is a substring of anything (RFC 9051 6.4.4)
            }
            p.leaf = (*leaves)++;
            return p;
        }
    }
    return constant(false);
}

void renumber(PlanNode& p, int* next) {
    if (p.leaf >= 0) p.leaf = (*next)++;
    for (auto& c : p.children) renumber(c, next);
}

}  // namespace

PlanNode make_plan(const SearchNode& query, int* text_leaves) {
    int n = 0;
    PlanNode p = build(query, &n, 0);
    // Leaves dropped by simplification leave gaps: number densely.
    int next = 0;
    renumber(p, &next);
    *text_leaves = next;
    return p;
}

bool sql_decides(const PlanNode& n) {
    switch (n.kind) {
        case Kind::all:
        case Kind::none:
        case Kind::flags_set:
        case Kind::flags_clear:
        case Kind::keyword:
        case Kind::no_keyword:
        case Kind::internal_date:
        case Kind::save_date:
        case Kind::larger:
        case Kind::smaller:
        case Kind::modseq:
        case Kind::email_id:
        case Kind::thread_id:
            return true;
        case Kind::uids:
            return n.uids.size() <= 64;  // long sequence sets are cheaper in C++
        case Kind::and_:
        case Kind::or_:
        case Kind::not_:
            return std::all_of(n.children.begin(), n.children.end(), sql_decides);
        case Kind::sent_date:
        case Kind::header:
        case Kind::body:
        case Kind::text:
            return false;
    }
    return false;
}

void append_sql(const PlanNode& n, std::string& sql, std::vector<SqlParam>& params) {
    auto param = [&](SqlParam v) {
        params.push_back(std::move(v));
        sql += '?';
    };
    switch (n.kind) {
        case Kind::all:
            sql += "1";
            return;
        case Kind::none:
        case Kind::thread_id:
            sql += "0";
            return;
        case Kind::and_:
        case Kind::or_: {
            sql += '(';
            for (std::size_t i = 0; i < n.children.size(); ++i) {
                if (i) sql += n.kind == Kind::and_ ? " AND " : " OR ";
                append_sql(n.children[i], sql, params);
            }
            sql += ')';
            return;
        }
        case Kind::not_:
            sql += "NOT (";
            append_sql(n.children.at(0), sql, params);
            sql += ')';
            return;
        case Kind::uids:
            sql += '(';
            for (std::size_t i = 0; i < n.uids.size(); ++i) {
                if (i) sql += " OR ";
                sql += "uid BETWEEN ";
                param(int64_t{n.uids[i].first});
                sql += " AND ";
                param(int64_t{n.uids[i].last});
            }
            sql += ')';
            return;
        case Kind::flags_set:
            sql += "(flags & ";
            param(n.number);
            sql += ") = ";
            param(n.number);
            return;
        case Kind::flags_clear:
            sql += "(flags & ";
            param(n.number);
            sql += ") = 0";
            return;
        case Kind::keyword:
        case Kind::no_keyword:
            // Keywords are stored space-separated; SQLite's lower() folds ASCII.
            sql += n.kind == Kind::keyword ? "instr(' ' || lower(keywords) || ' ', " : "NOT instr(' ' || lower(keywords) || ' ', ";
            param(" " + n.term + " ");
            sql += ")";
            return;
        case Kind::internal_date:
        case Kind::save_date: {
            const char* col = n.kind == Kind::internal_date ? "internal_date" : "save_date";
            sql += '(';
            sql += col;
            sql += " >= ";
            param(n.date_from);
            sql += " AND ";
            sql += col;
            sql += " < ";
            param(n.date_to);
            sql += ')';
            return;
        }
        case Kind::larger:
            sql += "size > ";
            param(n.number);
            return;
        case Kind::smaller:
            sql += "size < ";
            param(n.number);
            return;
        case Kind::modseq:
            sql += "modseq >= ";
            param(n.number);
            return;
        case Kind::email_id:
            sql += "id = ";
            param(n.number);
            return;
        case Kind::sent_date:
        case Kind::header:
        case Kind::body:
        case Kind::text:
            sql += "0";  // never asked: sql_decides() is false for these
            return;
    }
}

std::optional<int64_t> parse_email_id(std::string_view v) {
    if (!v.empty() && v[0] == 'M') v.remove_prefix(1);  // imap renders "M<id>"; ids are case-sensitive
    if (v.empty() || v.size() > 18) return std::nullopt;
    int64_t id = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        id = id * 10 + (c - '0');
    }
    if (id <= 0) return std::nullopt;
    return id;
}

bool has_keyword(std::string_view stored, std::string_view kw) {
    std::size_t i = 0;
    while (i < stored.size()) {
        std::size_t j = stored.find(' ', i);
        if (j == std::string_view::npos) j = stored.size();
        if (j - i == kw.size()) {
            bool eq = true;
            for (std::size_t k = 0; k < kw.size(); ++k)
                if (lower(stored[i + k]) != kw[k]) {
                    eq = false;
                    break;
                }
            if (eq) return true;
        }
        i = j + 1;
    }
    return false;
}

bool uid_in(const std::vector<UidRange>& ranges, Uid uid) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), uid,
                               [](Uid u, const UidRange& r) { return u < r.first; });
    if (it == ranges.begin()) return false;
    --it;
    return uid >= it->first && uid <= it->last;
}

}  // namespace postamt::store
