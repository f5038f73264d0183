#pragma once
// SORT and THREAD (RFC 5256) with DISPLAYFROM/DISPLAYTO (RFC 5957), over the
// rows store::Store::sort_data() returns. Pure: no I/O, no store calls.
//
// Rows must be given in mailbox order (ascending UID, which is sequence
// number order): that order is the final tie-breaker of every sort (RFC
// 5256 section 3, "an implicit sort criterion of sequence number").
// Strings compare with i;unicode-casemap (RFC 5051).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/command.h"
#include "store/store.h"

namespace postamt::imap {

// What sort_data() has to fill for these criteria / this algorithm.
unsigned sort_needs(const std::vector<SortCriterion>& criteria);
enum class ThreadAlgorithm { ordered_subject, references };
unsigned thread_needs(ThreadAlgorithm alg);
// "ORDEREDSUBJECT" / "REFERENCES" (any case); false for anything else.
bool parse_thread_algorithm(std::string_view name, ThreadAlgorithm* out);

// UIDs in sorted order.
std::vector<store::Uid> sort_messages(const std::vector<store::SortRow>& rows,
                                      const std::vector<SortCriterion>& criteria);

struct ThreadNode {
    store::Uid uid = 0;  // 0: a dummy (a parent that is not among the rows)
    std::vector<ThreadNode> children;

    ThreadNode() = default;
    ThreadNode(store::Uid u, std::vector<ThreadNode> c) : uid(u), children(std::move(c)) {}
    ThreadNode(ThreadNode&&) noexcept = default;
    ThreadNode& operator=(ThreadNode&&) noexcept = default;
    ThreadNode(const ThreadNode&) = delete;  // deep copies of long chains are never needed
    ThreadNode& operator=(const ThreadNode&) = delete;
    // Iterative: a reply chain of 100,000 messages must not recurse that deep.
    ~ThreadNode();
};

std::vector<ThreadNode> thread_messages(const std::vector<store::SortRow>& rows, ThreadAlgorithm alg);

// The THREAD response data (RFC 5256 section 4), e.g. "(2)(3 6 (4 23)(44 7 96))";
// `number_of` maps a UID to the number the client gets (sequence number for
// THREAD, the UID itself for UID THREAD).
std::string format_threads(const std::vector<ThreadNode>& threads,
                           const std::function<uint32_t(store::Uid)>& number_of);

// ---- building blocks (exposed for tests) -------------------------------------

// RFC 5051 "titlecased canonicalized UTF-8": each code point titlecased,
// then fully decomposed (NFKD). Invalid UTF-8 is returned unchanged (the
// RFC then compares octets).
std::string unicode_casemap_key(std::string_view utf8);

// Message IDs in a References/In-Reply-To/Message-ID value, normalised
// (RFC 5256 section 3: quoting removed, so <"a b"@x> equals <a b@x>, and
// whitespace/comments dropped). Only "<local@domain>" forms count as valid.
std::vector<std::string> parse_message_ids(std::string_view value);

// Would RFC 5256 base subject extraction remove a "Re:"/"Fwd:" leader, a
// "(fwd)" trailer or a "[fwd: ...]" wrapper from this subject?
bool is_reply_or_forward(std::string_view subject);

}  // namespace postamt::imap
