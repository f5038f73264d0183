#include "imap/sort_thread.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "common/utf8.h"

namespace postamt::imap {
namespace {

using store::SortRow;
using store::Uid;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool istarts(std::string_view s, std::size_t p, std::string_view w) {
    if (p > s.size() || s.size() - p < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
        if (lower(s[p + k]) != w[k]) return false;
    return true;
}

constexpr std::size_t npos = std::string_view::npos;

// subj-blob = "[" *BLOBCHAR "]" *WSP
std::size_t match_blob(std::string_view s, std::size_t p) {
    if (p >= s.size() || s[p] != '[') return npos;
    std::size_t q = p + 1;
    while (q < s.size() && s[q] != '[' && s[q] != ']') ++q;
    if (q >= s.size() || s[q] != ']') return npos;
    ++q;
    while (q < s.size() && s[q] == ' ') ++q;
    return q;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
std::size_t match_refwd(std::string_view s, std::size_t p) {
    std::size_t q;
    if (istarts(s, p, "re"))
        q = p + 2;
    else if (istarts(s, p, "fwd"))
        q = p + 3;
    else if (istarts(s, p, "fw"))
        q = p + 2;
    else
        return npos;
    while (q < s.size() && s[q] == ' ') ++q;
    std::size_t b = match_blob(s, q);
    if (b != npos) q = b;
    if (q < s.size() && s[q] == ':') return q + 1;
    return npos;
}

void append_utf8(std::string& out, UChar32 cp) {
    char buf[4];
    int32_t n = 0;
    UBool err = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buf), n, 4, cp, err);
    if (!err) out.append(buf, static_cast<std::size_t>(n));
}

// ---- SORT ---------------------------------------------------------------------

int64_t sent_or_internal(const SortRow& r) {
    // RFC 5256 2.2: without a valid Date:, the internal date is the sent date.
    return r.fields.sent_date != 0 ? r.fields.sent_date : r.internal_date;
}

// ---- THREAD=REFERENCES containers ---------------------------------------------

constexpr int kNone = -1;

struct Container {
    int msg = kNone;  // row index; kNone: dummy
    int parent = kNone;
    std::vector<int> children;
};

class Threader {
public:
    explicit Threader(const std::vector<SortRow>& rows) : rows_(rows) {
        subject_key_.resize(rows.size());
        reply_.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            subject_key_[i] = unicode_casemap_key(rows[i].fields.base_subject);
            reply_[i] = is_reply_or_forward(rows[i].fields.subject);
        }
    }

    std::vector<ThreadNode> references() {
        link_references();
        std::vector<int> roots;
        for (int c = 0; c < static_cast<int>(cs_.size()); ++c)
            if (cs_[c].parent == kNone) roots.push_back(c);
        roots = prune(roots);
        sort_siblings(roots);  // step 4 (top level; dummies by their first child)
        roots = merge_subjects(roots);
        sort_all(roots);  // step 6
        std::vector<ThreadNode> out;
        for (int r : roots) out.push_back(to_node(r));
        return out;
    }

    std::vector<ThreadNode> ordered_subject() {
        std::vector<int> order(rows_.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            int c = subject_key_[a].compare(subject_key_[b]);
            if (c != 0) return c < 0;
            return date_before(a, b);
        });
        std::vector<std::vector<int>> threads;
        for (std::size_t i = 0; i < order.size(); ++i) {
            if (i == 0 || subject_key_[order[i]] != subject_key_[order[i - 1]]) threads.emplace_back();
            threads.back().push_back(order[i]);
        }
        std::stable_sort(threads.begin(), threads.end(),
                         [&](const std::vector<int>& a, const std::vector<int>& b) { return date_before(a[0], b[0]); });
        std::vector<ThreadNode> out;
        for (const auto& t : threads) {
            ThreadNode root{rows_[t[0]].uid, {}};
            // No grandchildren: every later message is a child of the first.
            for (std::size_t k = 1; k < t.size(); ++k) root.children.push_back(ThreadNode{rows_[t[k]].uid, {}});
            out.push_back(std::move(root));
        }
        return out;
    }

private:
    // Sent date, then mailbox order (RFC 5256 2.2).
    bool date_before(int a, int b) const {
        int64_t da = sent_or_internal(rows_[a]), db = sent_or_internal(rows_[b]);
        if (da != db) return da < db;
        return a < b;
    }

    int new_container(int msg) {
        cs_.push_back(Container{msg, kNone, {}});
        return static_cast<int>(cs_.size()) - 1;
    }

    int container_for_id(const std::string& id) {
        auto it = ids_.find(id);
        if (it != ids_.end()) return it->second;
        int c = new_container(kNone);
        ids_.emplace(id, c);
        return c;
    }

    // Is `a` `b` or below it?
    bool within(int a, int b) const {
        // The common case, linking under a new message, is O(1); the walk
        // up is bounded by the number of containers (no cycles exist).
        if (cs_[b].children.empty()) return a == b;
        for (std::size_t steps = 0; a != kNone && steps <= cs_.size(); ++steps) {
            if (a == b) return true;
            a = cs_[a].parent;
        }
        return false;
    }

    void unlink(int c) {
        int p = cs_[c].parent;
        if (p == kNone) return;
        auto& ch = cs_[p].children;
        ch.erase(std::find(ch.begin(), ch.end(), c));
        cs_[c].parent = kNone;
    }

    void link(int parent, int child) {
        cs_[child].parent = parent;
        cs_[parent].children.push_back(child);
    }

    // Step 1.
    void link_references() {
        for (int i = 0; i < static_cast<int>(rows_.size()); ++i) {
            const SortRow& r = rows_[i];
            auto own = parse_message_ids(r.fields.message_id);
            int me;
            auto it = own.empty() ? ids_.end() : ids_.find(own[0]);
            if (own.empty()) {
                me = new_container(i);  // no Message-ID: a unique one
            } else if (it == ids_.end()) {
                me = new_container(i);
                ids_.emplace(own[0], me);
            } else if (cs_[it->second].msg == kNone) {
                me = it->second;  // a dummy created by an earlier reference
                cs_[me].msg = i;
            } else {
                me = new_container(i);  // duplicate Message-ID: only the first keeps it
            }
            auto refs = parse_message_ids(r.references);
            if (refs.empty()) {
                auto irt = parse_message_ids(r.in_reply_to);
                if (!irt.empty()) refs.push_back(irt[0]);
            }
            // (A) link consecutive references, never changing an existing
            // parent and never making a loop.
            int prev = kNone;
            for (const auto& id : refs) {
                int c = container_for_id(id);
                if (prev != kNone && c != prev && cs_[c].parent == kNone && !within(prev, c)) link(prev, c);
                prev = c;
            }
            // (B) the last reference is this message's parent.
            unlink(me);
            if (prev != kNone && prev != me && !within(prev, me)) link(prev, me);
        }
    }

    // Step 3: dummies without children go; a dummy's children move up to
    // its level, except at the top when there is more than one of them.
    std::vector<int> prune(const std::vector<int>& roots) {
        // Post-order without recursion: reference chains can be long.
        std::vector<int> post;
        std::vector<std::pair<int, std::size_t>> stack;
        for (int r : roots) {
            stack.emplace_back(r, 0);
            while (!stack.empty()) {
                auto& [c, k] = stack.back();
                if (k < cs_[c].children.size()) {
                    int child = cs_[c].children[k++];
                    stack.emplace_back(child, 0);
                } else {
                    post.push_back(c);
                    stack.pop_back();
                }
            }
        }
        for (int c : post) {
            std::vector<int> kept;
            for (int ch : cs_[c].children) {
                if (cs_[ch].msg != kNone) {
                    kept.push_back(ch);
                    continue;
                }
                for (int g : cs_[ch].children) {
                    cs_[g].parent = c;
                    kept.push_back(g);
                }
                cs_[ch].children.clear();
            }
            cs_[c].children = std::move(kept);
        }
        std::vector<int> top;
        for (int r : roots) {
            if (cs_[r].msg != kNone) {
                top.push_back(r);
            } else if (cs_[r].children.size() == 1) {
                int only = cs_[r].children[0];
                cs_[only].parent = kNone;
                top.push_back(only);
            } else if (cs_[r].children.size() > 1) {
                top.push_back(r);
            }
        }
        return top;
    }

    // The message a container sorts and is named by: itself, or a dummy's
    // first child (children sorted first).
    int representative(int c) const {
        for (std::size_t steps = 0; cs_[c].msg == kNone && !cs_[c].children.empty() && steps <= cs_.size(); ++steps)
            c = cs_[c].children[0];
        return cs_[c].msg;
    }

    void sort_list(std::vector<int>& list) {
        std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
            int ma = representative(a), mb = representative(b);
            if (ma == kNone || mb == kNone) return ma != kNone && mb == kNone;  // empty dummies last
            return date_before(ma, mb);
        });
    }

    void sort_siblings(std::vector<int>& roots) {
        for (int r : roots)
            if (cs_[r].msg == kNone) sort_list(cs_[r].children);
        sort_list(roots);
    }

    // Step 5.
    std::vector<int> merge_subjects(std::vector<int> roots) {
        auto subject_of = [&](int c) -> const std::string* {
            int m = representative(c);
            if (m == kNone) return nullptr;
            const std::string& s = subject_key_[m];
            return s.empty() ? nullptr : &s;
        };
        std::unordered_map<std::string, int> table;
        for (int c : roots) {
            const std::string* s = subject_of(c);
            if (!s) continue;
            auto it = table.find(*s);
            if (it == table.end()) {
                table.emplace(*s, c);
                continue;
            }
            int t = it->second;
            bool t_dummy = cs_[t].msg == kNone, c_dummy = cs_[c].msg == kNone;
            if (!t_dummy && (c_dummy || (reply_[cs_[t].msg] && !reply_[cs_[c].msg]))) it->second = c;
        }
        std::vector<char> gone(cs_.size(), 0);
        std::vector<int> order = roots;  // positions; dummies replace their table entry's place
        for (int c : roots) {
            if (gone[c]) continue;
            const std::string* s = subject_of(c);
            if (!s) continue;
            auto it = table.find(*s);
            int t = it->second;
            if (t == c) continue;
            bool t_dummy = cs_[t].msg == kNone, c_dummy = cs_[c].msg == kNone;
            if (t_dummy && c_dummy) {
                for (int g : cs_[c].children) link(t, g);
                cs_[c].children.clear();
                gone[c] = 1;
            } else if (t_dummy) {
                link(t, c);
                gone[c] = 1;
            } else if (!c_dummy && reply_[cs_[c].msg] && !reply_[cs_[t].msg]) {
                link(t, c);
                gone[c] = 1;
            } else {
                int d = new_container(kNone);
                gone.push_back(0);
                std::replace(order.begin(), order.end(), t, d);
                link(d, t);
                link(d, c);
                gone[c] = 1;
                gone[t] = 1;  // now under d, which took its place
                it->second = d;
            }
        }
        std::vector<int> out;
        for (int c : order)
            if (!gone[c]) out.push_back(c);
        return out;
    }

    // Step 6: every set of siblings by sent date, deepest first.
    void sort_all(std::vector<int>& roots) {
        std::vector<int> post;
        std::vector<std::pair<int, std::size_t>> stack;
        for (int r : roots) {
            stack.emplace_back(r, 0);
            while (!stack.empty()) {
                auto& [c, k] = stack.back();
                if (k < cs_[c].children.size()) {
                    int child = cs_[c].children[k++];
                    stack.emplace_back(child, 0);
                } else {
                    post.push_back(c);
                    stack.pop_back();
                }
            }
        }
        for (int c : post) sort_list(cs_[c].children);
        sort_list(roots);
    }

    ThreadNode to_node(int root) const {
        ThreadNode out;
        // Iterative copy of the subtree.
        std::vector<std::pair<int, ThreadNode*>> stack{{root, &out}};
        while (!stack.empty()) {
            auto [c, node] = stack.back();
            stack.pop_back();
            node->uid = cs_[c].msg == kNone ? 0 : rows_[cs_[c].msg].uid;
            node->children.resize(cs_[c].children.size());
            for (std::size_t k = 0; k < cs_[c].children.size(); ++k)
                stack.emplace_back(cs_[c].children[k], &node->children[k]);
        }
        return out;
    }

    const std::vector<SortRow>& rows_;
    std::vector<std::string> subject_key_;
    std::vector<char> reply_;
    std::vector<Container> cs_;
    std::unordered_map<std::string, int> ids_;
};

}  // namespace

ThreadNode::~ThreadNode() {
    std::vector<ThreadNode> pending = std::move(children);
    while (!pending.empty()) {
        ThreadNode n = std::move(pending.back());
        pending.pop_back();
        for (auto& c : n.children) pending.push_back(std::move(c));
        n.children.clear();  // now childless: its destructor does not recurse
    }
}

unsigned sort_needs(const std::vector<SortCriterion>& criteria) {
    unsigned n = store::kSortBasic;
    for (const auto& c : criteria)
        if (c.key == SortKey::from || c.key == SortKey::to || c.key == SortKey::cc) n |= store::kSortAddresses;
    return n;
}

unsigned thread_needs(ThreadAlgorithm alg) {
    return alg == ThreadAlgorithm::references ? store::kSortThreading : store::kSortBasic;
}

bool parse_thread_algorithm(std::string_view name, ThreadAlgorithm* out) {
    if (name.size() == 14 && istarts(name, 0, "orderedsubject")) {
        *out = ThreadAlgorithm::ordered_subject;
        return true;
    }
    if (name.size() == 10 && istarts(name, 0, "references")) {
        *out = ThreadAlgorithm::references;
        return true;
    }
    return false;
}

std::string unicode_casemap_key(std::string_view s) {
    if (!is_valid_utf8(s)) return std::string(s);
    bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
        // Titlecase of ASCII is upper case; no decompositions.
        std::string out(s);
        for (char& c : out)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        return out;
    }
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(st);
    std::string out;
    out.reserve(s.size());
    int32_t i = 0, n = static_cast<int32_t>(s.size());
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    while (i < n) {
        UChar32 cp;
        U8_NEXT(p, i, n, cp);
        if (cp < 0) return std::string(s);
        UChar32 t = u_totitle(cp);
        icu::UnicodeString d;
        if (U_SUCCESS(st) && nfkd && nfkd->getDecomposition(t, d)) {
            std::string part;
            d.toUTF8String(part);
            out += part;
        } else {
            append_utf8(out, t);
        }
    }
    return out;
}

std::vector<std::string> parse_message_ids(std::string_view v) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < v.size()) {
        char c = v[i];
        if (c == '(') {
            // A comment (may nest, may hold quoted pairs).
            int depth = 0;
            for (; i < v.size(); ++i) {
                if (v[i] == '\\') {
                    ++i;
                } else if (v[i] == '(') {
                    ++depth;
                } else if (v[i] == ')' && --depth == 0) {
                    ++i;
                    break;
                }
            }
            continue;
        }
        if (c != '<') {
            ++i;
            continue;
        }
        // msg-id = "<" id-left "@" id-right ">", with quoted strings in
        // id-left (obsolete forms): quotes and escapes go, whitespace too.
        std::string id = "<";
        bool in_quote = false, ok = false;
        std::size_t j = i + 1;
        for (; j < v.size(); ++j) {
            char d = v[j];
            if (in_quote) {
                if (d == '\\' && j + 1 < v.size()) {
                    id += v[++j];
                } else if (d == '"') {
                    in_quote = false;
                } else {
                    id += d;
                }
                continue;
            }
            if (d == '"') {
                in_quote = true;
            } else if (d == '>') {
                ok = true;
                break;
            } else if (d == '<') {
                break;  // unbalanced: start again here
            } else if (d != ' ' && d != '\t' && d != '\r' && d != '\n') {
                id += d;
            }
        }
        if (ok) {
            id += '>';
            std::size_t at = id.find('@');
            if (at != std::string::npos && at > 1 && at + 2 < id.size()) out.push_back(std::move(id));
            i = j + 1;
        } else {
            i = (j < v.size() && v[j] == '<') ? j : j + 1;
        }
    }
    return out;
}

bool is_reply_or_forward(std::string_view subject) {
    // RFC 5256 2.1 steps (1)-(6), noting whether a subj-refwd, a "(fwd)"
    // trailer or a "[fwd: ...]" wrapper was removed.
    std::string s;
    for (char c : subject) {
        bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (ws) {
            if (!s.empty() && s.back() == ' ') continue;
            s += ' ';
        } else {
            s += c;
        }
    }
    bool reply = false;
    for (int round = 0; round < 100; ++round) {
        // (2) trailers
        for (;;) {
            while (!s.empty() && s.back() == ' ') s.pop_back();
            if (s.size() >= 5 && istarts(s, s.size() - 5, "(fwd)")) {
                s.resize(s.size() - 5);
                reply = true;
                continue;
            }
            break;
        }
        // (3)-(5) leaders and blobs
        for (;;) {
            bool any = false;
            std::size_t p = 0;
            while (p < s.size() && s[p] == ' ') ++p;
            if (p) {
                s.erase(0, p);
                any = true;
            }
            std::size_t q = 0;
            for (std::size_t b; (b = match_blob(s, q)) != npos;) q = b;
            std::size_t r = match_refwd(s, q);
            if (r != npos) {
                s.erase(0, r);
                reply = true;
                continue;
            }
            std::size_t b = match_blob(s, 0);
            if (b != npos && b < s.size()) {
                s.erase(0, b);
                any = true;
            }
            if (!any) break;
        }
        // (6) [fwd: ...]
        if (s.size() >= 6 && istarts(s, 0, "[fwd:") && s.back() == ']') {
            s = s.substr(5, s.size() - 6);
            reply = true;
            continue;
        }
        break;
    }
    return reply;
}

std::vector<Uid> sort_messages(const std::vector<SortRow>& rows, const std::vector<SortCriterion>& criteria) {
    // Keys computed once per row and criterion.
    struct Keys {
        std::vector<std::string> str;
        std::vector<int64_t> num;
    };
    std::vector<Keys> keys(criteria.size());
    for (std::size_t k = 0; k < criteria.size(); ++k) {
        auto key = criteria[k].key;
        bool numeric = key == SortKey::arrival || key == SortKey::date || key == SortKey::size;
        if (numeric) {
            keys[k].num.reserve(rows.size());
            for (const auto& r : rows)
                keys[k].num.push_back(key == SortKey::arrival ? r.internal_date
                                      : key == SortKey::size  ? r.size
                                                              : sent_or_internal(r));
            continue;
        }
        keys[k].str.reserve(rows.size());
        for (const auto& r : rows) {
            const std::string* f = nullptr;
            switch (key) {
                case SortKey::subject: f = &r.fields.base_subject; break;
                case SortKey::from: f = &r.fields.from_mailbox; break;
                case SortKey::to: f = &r.fields.to_mailbox; break;
                case SortKey::cc: f = &r.fields.cc_mailbox; break;
                case SortKey::display_from: f = &r.fields.from; break;
                case SortKey::display_to: f = &r.fields.to; break;
                default: break;
            }
            keys[k].str.push_back(f ? unicode_casemap_key(*f) : std::string());
        }
    }
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        for (std::size_t k = 0; k < criteria.size(); ++k) {
            int c;
            if (!keys[k].num.empty()) {
                int64_t x = keys[k].num[a], y = keys[k].num[b];
                c = x < y ? -1 : (x > y ? 1 : 0);
            } else {
                // The empty string collates first (RFC 5256 section 3).
                c = keys[k].str[a].compare(keys[k].str[b]);
                c = c < 0 ? -1 : (c > 0 ? 1 : 0);
            }
            if (criteria[k].reverse) c = -c;
            if (c != 0) return c < 0;
        }
        return a < b;  // sequence number (REVERSE does not touch it)
    });
    std::vector<Uid> out;
    out.reserve(rows.size());
    for (auto i : order) out.push_back(rows[i].uid);
    return out;
}

std::vector<ThreadNode> thread_messages(const std::vector<SortRow>& rows, ThreadAlgorithm alg) {
    Threader t(rows);
    return alg == ThreadAlgorithm::references ? t.references() : t.ordered_subject();
}

std::string format_threads(const std::vector<ThreadNode>& threads, const std::function<uint32_t(Uid)>& number_of) {
    // thread-list = "(" (thread-members / thread-nested) ")": a node with
    // one child continues the line ("3 6"), one with several opens a
    // sub-list per child ("(4 23)(44 7 96)"); a dummy contributes no number.
    // Iterative, so a long reply chain cannot exhaust the stack.
    enum class Op { open, close, node };
    struct Item {
        Op op;
        const ThreadNode* node;
        bool after_number;  // a number precedes on this line
    };
    std::string out;
    std::vector<Item> stack;
    for (const auto& t : threads) {
        stack.push_back(Item{Op::close, nullptr, false});
        stack.push_back(Item{Op::node, &t, false});
        stack.push_back(Item{Op::open, nullptr, false});
        while (!stack.empty()) {
            Item it = stack.back();
            stack.pop_back();
            if (it.op == Op::open) {
                out += '(';
                continue;
            }
            if (it.op == Op::close) {
                out += ')';
                continue;
            }
            const ThreadNode* n = it.node;
            bool after = it.after_number;
            if (n->uid != 0) {
                if (after) out += ' ';
                out += std::to_string(number_of(n->uid));
                after = true;
            }
            if (n->uid != 0 && n->children.size() == 1) {
                stack.push_back(Item{Op::node, &n->children[0], true});
            } else if (!n->children.empty()) {
                if (after) out += ' ';
                for (auto c = n->children.rbegin(); c != n->children.rend(); ++c) {
                    stack.push_back(Item{Op::close, nullptr, false});
                    stack.push_back(Item{Op::node, &*c, false});
                    stack.push_back(Item{Op::open, nullptr, false});
                }
            }
        }
    }
    return out;
}

}  // namespace postamt::imap
