// libFuzzer target for what SEARCH, SORT and THREAD parse out of mail:
// search text extraction (store/search_text.h: headers, bodies, HTML,
// case folding), message-id lists, reply/forward subjects, the
// i;unicode-casemap key, and threading of arbitrary reference graphs
// (imap/sort_thread.h). Crashes, sanitizer reports and broken invariants
// (abort) are bugs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "imap/sort_thread.h"
#include "mime/message_parser.h"
#include "store/search_text.h"

using namespace postamt;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t j = s.find(sep, i);
        if (j == std::string_view::npos) j = s.size();
        out.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

void fuzz_message(std::string_view data) {
    std::string msg = mime::canonicalize_crlf(data);
    auto pm = mime::parse_message(msg);
    auto t = store::extract_search_text(msg, pm, 1 << 16);
    check(t.headers.empty() || t.headers[0] == '\n');
    check(is_valid_utf8(t.headers) && is_valid_utf8(t.body));
    for (std::string_view name : {"subject", "from", "x"}) {
        store::header_field_contains(t.headers, name, "");
        store::header_field_contains(t.headers, name, "a");
    }
    auto x = store::extract_sort_extras(msg, pm);
    (void)x;
}

void fuzz_strings(std::string_view s) {
    std::string folded = store::fold_for_search(s);
    check(is_valid_utf8(folded));
    check(store::fold_for_search(folded) == folded);  // folding is idempotent
    store::html_to_text(s);
    for (const auto& id : imap::parse_message_ids(s)) {
        check(id.size() >= 5 && id.front() == '<' && id.back() == '>');
        check(id.find('@') != std::string::npos);
    }
    imap::is_reply_or_forward(s);
    std::string key = imap::unicode_casemap_key(s);
    if (is_valid_utf8(s)) check(is_valid_utf8(key));
}

// Lines "message-id|references|subject|date": one row each, then both
// algorithms must place every message exactly once.
void fuzz_threads(std::string_view s) {
    std::vector<store::SortRow> rows;
    store::Uid uid = 0;
    for (auto line : split(s, '\n')) {
        if (rows.size() >= 200) break;
        auto f = split(line, '|');
        store::SortRow r;
        r.uid = ++uid;
        r.internal_date = uid;
        r.fields.message_id = std::string(f[0]);
        if (f.size() > 1) r.references = std::string(f[1]);
        if (f.size() > 2) {
            r.fields.subject = std::string(f[2]);
            r.fields.base_subject = mime::base_subject(r.fields.subject);
        }
        if (f.size() > 3 && !f[3].empty()) r.fields.sent_date = static_cast<unsigned char>(f[3][0]) % 4;
        if (f.size() > 4) r.in_reply_to = std::string(f[4]);
        rows.push_back(std::move(r));
    }
    for (auto alg : {imap::ThreadAlgorithm::references, imap::ThreadAlgorithm::ordered_subject}) {
        auto threads = imap::thread_messages(rows, alg);
        std::multiset<store::Uid> seen;
        std::vector<const imap::ThreadNode*> stack;
        for (const auto& t : threads) stack.push_back(&t);
        while (!stack.empty()) {
            const auto* n = stack.back();
            stack.pop_back();
            if (n->uid) seen.insert(n->uid);
            for (const auto& c : n->children) stack.push_back(&c);
        }
        check(seen.size() == rows.size());
        for (const auto& r : rows) check(seen.count(r.uid) == 1);
        std::string out = imap::format_threads(threads, [](store::Uid u) { return u; });
        int depth = 0;
        for (char c : out) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            check(depth >= 0);
        }
        check(depth == 0);
    }
    std::vector<imap::SortCriterion> all{{imap::SortKey::subject, false}, {imap::SortKey::date, true},
                                         {imap::SortKey::display_from, false}};
    check(imap::sort_messages(rows, all).size() == rows.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0 || size > (1 << 16)) return 0;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0: fuzz_message(in); break;
        case 1: fuzz_strings(in); break;
        default: fuzz_threads(in); break;
    }
    return 0;
}
