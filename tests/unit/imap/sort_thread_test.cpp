// SORT and THREAD (RFC 5256, RFC 5957) over store::SortRow: the RFC's
// examples, the collation (RFC 5051), message-id normalisation, and what
// real mailboxes do (cycles in References, missing parents, duplicate ids,
// Re:/Fwd: subjects, very long chains).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "imap/sort_thread.h"
#include "mime/message_parser.h"

namespace postamt::imap {
namespace {

using store::SortRow;
using store::Uid;

SortRow row(Uid uid, std::string subject, int64_t date = 0) {
    SortRow r;
    r.uid = uid;
    r.internal_date = 1000000 + uid;
    r.size = 100;
    r.fields.subject = subject;
    r.fields.base_subject = mime::base_subject(subject);
    r.fields.sent_date = date;
    return r;
}

SortRow msg(Uid uid, std::string id, std::string refs, int64_t date, std::string subject = "") {
    SortRow r = row(uid, subject.empty() ? "s" + std::to_string(uid) : subject, date);
    r.fields.message_id = id.empty() ? "" : "<" + id + "@x>";
    r.references = refs;
    return r;
}

std::string ids(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += "<" + n + "@x> ";
    return s;
}

std::string threads(const std::vector<SortRow>& rows, ThreadAlgorithm alg) {
    return format_threads(thread_messages(rows, alg), [](Uid u) { return u; });
}

std::vector<Uid> sorted(const std::vector<SortRow>& rows, std::vector<SortCriterion> c) {
    return sort_messages(rows, c);
}

SortCriterion key(SortKey k, bool reverse = false) { return SortCriterion{k, reverse}; }

// ---- SORT ---------------------------------------------------------------------

TEST(Sort, SubjectUsesBaseSubjectAndTiesKeepMailboxOrder) {
    std::vector<SortRow> rows{row(1, "Re: banana"), row(2, "apple"), row(3, "[list] Fwd: Banana"),
                              row(4, "APPLE (fwd)"), row(5, "")};
    EXPECT_EQ(sorted(rows, {key(SortKey::subject)}), (std::vector<Uid>{5, 2, 4, 1, 3}));
    // REVERSE reverses the key only, not the implicit sequence order (RFC 5256 section 3).
    EXPECT_EQ(sorted(rows, {key(SortKey::subject, true)}), (std::vector<Uid>{1, 3, 2, 4, 5}));
}

TEST(Sort, RfcExampleSubjectThenReverseDate) {
    // A283 SORT (SUBJECT REVERSE DATE) -> 5 3 4 1 2
    std::vector<SortRow> rows{row(1, "b", 100), row(2, "c", 50), row(3, "a", 10), row(4, "b", 200),
                              row(5, "a", 20)};
    EXPECT_EQ(sorted(rows, {key(SortKey::subject), key(SortKey::date, true)}), (std::vector<Uid>{5, 3, 4, 1, 2}));
}

TEST(Sort, DateFallsBackToInternalDate) {
    auto a = row(1, "x", 5000000);
    auto b = row(2, "x", 0);  // no valid Date: internal date 1000002
    auto c = row(3, "x", 1000001);
    EXPECT_EQ(sorted({a, b, c}, {key(SortKey::date)}), (std::vector<Uid>{3, 2, 1}));
    EXPECT_EQ(sorted({a, b, c}, {key(SortKey::arrival, true)}), (std::vector<Uid>{3, 2, 1}));
}

TEST(Sort, SizeAndArrival) {
    auto a = row(1, "x"), b = row(2, "x"), c = row(3, "x");
    a.size = 300;
    b.size = 100;
    c.size = 100;
    EXPECT_EQ(sorted({a, b, c}, {key(SortKey::size)}), (std::vector<Uid>{2, 3, 1}));
    EXPECT_EQ(sorted({a, b, c}, {key(SortKey::size, true)}), (std::vector<Uid>{1, 2, 3}));
    EXPECT_EQ(sorted({a, b, c}, {key(SortKey::arrival)}), (std::vector<Uid>{1, 2, 3}));
    EXPECT_EQ(sorted({a, b, c}, {}), (std::vector<Uid>{1, 2, 3}));
}

TEST(Sort, AddressKeysUseAddrMailboxCaseInsensitively) {
    auto a = row(1, "x"), b = row(2, "x"), c = row(3, "x"), d = row(4, "x");
    a.fields.from_mailbox = "zed";
    a.fields.from = "Anna Zed";
    b.fields.from_mailbox = "Bob";
    b.fields.from = "bob@example.org";
    c.fields.from_mailbox = "alice";
    c.fields.from = "Zora";
    // d has no From: the empty string collates first
    EXPECT_EQ(sorted({a, b, c, d}, {key(SortKey::from)}), (std::vector<Uid>{4, 3, 2, 1}));
    EXPECT_EQ(sorted({a, b, c, d}, {key(SortKey::display_from)}), (std::vector<Uid>{4, 1, 2, 3}));
    a.fields.to_mailbox = "b";
    b.fields.to_mailbox = "a";
    a.fields.cc_mailbox = "a";
    b.fields.cc_mailbox = "b";
    EXPECT_EQ(sorted({a, b}, {key(SortKey::to)}), (std::vector<Uid>{2, 1}));
    EXPECT_EQ(sorted({a, b}, {key(SortKey::cc)}), (std::vector<Uid>{1, 2}));
    a.fields.to = "Zeta";
    b.fields.to = "alpha";
    EXPECT_EQ(sorted({a, b}, {key(SortKey::display_to)}), (std::vector<Uid>{2, 1}));
}

TEST(Sort, NonAsciiCollatesWithUnicodeCasemap) {
    auto a = row(1, "Zebra"), b = row(2, "Ärger"), c = row(3, "apfel"), d = row(4, "APFEL"), e = row(5, "ärger");
    EXPECT_EQ(sorted({a, b, c, d, e}, {key(SortKey::subject)}), (std::vector<Uid>{3, 4, 2, 5, 1}));
}

TEST(Sort, NeedsNameTheExtraData) {
    EXPECT_EQ(sort_needs({key(SortKey::subject), key(SortKey::date)}), store::kSortBasic);
    EXPECT_EQ(sort_needs({key(SortKey::cc)}), store::kSortAddresses);
    EXPECT_EQ(sort_needs({key(SortKey::display_from)}), store::kSortBasic);
    EXPECT_EQ(thread_needs(ThreadAlgorithm::references), store::kSortThreading);
    EXPECT_EQ(thread_needs(ThreadAlgorithm::ordered_subject), store::kSortBasic);
    ThreadAlgorithm alg;
    EXPECT_TRUE(parse_thread_algorithm("references", &alg));
    EXPECT_EQ(alg, ThreadAlgorithm::references);
    EXPECT_TRUE(parse_thread_algorithm("ORDEREDSUBJECT", &alg));
    EXPECT_EQ(alg, ThreadAlgorithm::ordered_subject);
    EXPECT_FALSE(parse_thread_algorithm("REFS", &alg));
    EXPECT_FALSE(parse_thread_algorithm("", &alg));
}

// ---- collation and parsing building blocks -------------------------------------

TEST(UnicodeCasemap, Rfc5051Examples) {
    // U+01C4 -> titlecase U+01C5 -> U+0044 U+017E -> U+0044 U+007A U+030C (RFC 5051 section 2)
    EXPECT_EQ(unicode_casemap_key("\u01C4"), "Dz\u030C");
    EXPECT_EQ(unicode_casemap_key("abc"), "ABC");
    EXPECT_EQ(unicode_casemap_key("äÄ"), "A\u0308A\u0308");
    // U+FB01 (LATIN SMALL LIGATURE FI) has no single-character titlecase
    // mapping in UnicodeData.txt; its compatibility decomposition is "fi".
    EXPECT_EQ(unicode_casemap_key("\uFB01"), "fi");
    EXPECT_EQ(unicode_casemap_key(""), "");
    std::string invalid = "a\xff" "b";
    EXPECT_EQ(unicode_casemap_key(invalid), invalid);  // not UTF-8: octets as they are
}

TEST(MessageIds, NormalisedAndValidated) {
    EXPECT_EQ(parse_message_ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"),
              (std::vector<std::string>{"<01KF8JCEOCBS0045PS@xxx.yyy.com>"}));
    EXPECT_EQ(parse_message_ids(" <a@b>\r\n\t<c@d> (comment <x@y>) <e@f>"),
              (std::vector<std::string>{"<a@b>", "<c@d>", "<e@f>"}));
    EXPECT_EQ(parse_message_ids("<no-at-sign> <@nolocal> <nodomain@> <ok@x>"), (std::vector<std::string>{"<ok@x>"}));
    EXPECT_EQ(parse_message_ids("Your message of Monday <a@b> to <c@d>"), (std::vector<std::string>{"<a@b>", "<c@d>"}));
    EXPECT_EQ(parse_message_ids("<unterminated@x <real@y>"), (std::vector<std::string>{"<real@y>"}));
    EXPECT_EQ(parse_message_ids("<a @ b>"), (std::vector<std::string>{"<a@b>"}));
    EXPECT_TRUE(parse_message_ids("").empty());
    EXPECT_TRUE(parse_message_ids("(((unclosed comment <a@b>").empty());
}

TEST(ReplyOrForward, BaseSubjectRules) {
    EXPECT_TRUE(is_reply_or_forward("Re: hello"));
    EXPECT_TRUE(is_reply_or_forward("RE:hello"));
    EXPECT_TRUE(is_reply_or_forward("Fwd: hello"));
    EXPECT_TRUE(is_reply_or_forward("fw: hello"));
    EXPECT_TRUE(is_reply_or_forward("[list] Re: hello"));
    EXPECT_TRUE(is_reply_or_forward("Re [2]: hello"));
    EXPECT_TRUE(is_reply_or_forward("hello (fwd)"));
    EXPECT_TRUE(is_reply_or_forward("[Fwd: hello]"));
    EXPECT_FALSE(is_reply_or_forward("hello"));
    EXPECT_FALSE(is_reply_or_forward("[list] hello"));
    EXPECT_FALSE(is_reply_or_forward("Reply needed"));
    EXPECT_FALSE(is_reply_or_forward("Regarding: x"));
    EXPECT_FALSE(is_reply_or_forward(""));
}

// ---- THREAD -------------------------------------------------------------------

TEST(Thread, RfcResponseExampleShape) {
    // "(2)(3 6 (4 23)(44 7 96))" (RFC 5256 section 4)
    std::vector<SortRow> rows{
        msg(2, "m2", "", 10),
        msg(3, "m3", "", 20),
        msg(4, "m4", ids({"m3", "m6"}), 40),
        msg(6, "m6", ids({"m3"}), 30),
        msg(7, "m7", ids({"m3", "m6", "m44"}), 60),
        msg(23, "m23", ids({"m3", "m6", "m4"}), 45),
        msg(44, "m44", ids({"m3", "m6"}), 50),
        msg(96, "m96", ids({"m3", "m6", "m44", "m7"}), 70),
    };
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(2)(3 6 (4 23)(44 7 96))");
}

TEST(Thread, SiblingsOfAMissingParentShareADummy) {
    // "((3)(5))": 3 and 5 reply to a message that is not in the mailbox.
    std::vector<SortRow> rows{msg(3, "a", ids({"gone"}), 10), msg(5, "b", ids({"gone"}), 20)};
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "((3)(5))");
    // A single child of a missing parent is promoted to the top.
    EXPECT_EQ(threads({msg(3, "a", ids({"gone"}), 10)}, ThreadAlgorithm::references), "(3)");
}

TEST(Thread, MissingMiddleMessageIsSplicedOut) {
    std::vector<SortRow> rows{msg(1, "a", "", 10), msg(2, "c", ids({"a", "b"}), 30)};
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(1 2)");
}

TEST(Thread, InReplyToWhenNoReferences) {
    auto r = msg(2, "b", "", 20);
    r.in_reply_to = "Your message of Monday <a@x> and <zzz@x>";
    EXPECT_EQ(threads({msg(1, "a", "", 10), r}, ThreadAlgorithm::references), "(1 2)");
    // References win over In-Reply-To.
    r.references = ids({"zzz"});
    EXPECT_EQ(threads({msg(1, "a", "", 10), r}, ThreadAlgorithm::references), "(1)(2)");
}

TEST(Thread, CyclesInReferencesDoNotLoop) {
    std::vector<SortRow> rows{msg(1, "a", ids({"b"}), 10), msg(2, "b", ids({"a"}), 20),
                              msg(3, "c", ids({"c"}), 30),  // refers to itself
                              msg(4, "d", ids({"e", "d", "e"}), 40)};
    // 1 is already below 2 (2 was a dummy when 1 named it as parent), so
    // 2 cannot become 1's child: no loop is made.
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(2 1)(3)(4)");
}

TEST(Thread, DuplicateMessageIdsKeepEveryMessage) {
    std::vector<SortRow> rows{msg(1, "same", "", 10), msg(2, "same", "", 20), msg(3, "r", ids({"same"}), 30)};
    // Only the first keeps the id; the reply threads under it.
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(1 3)(2)");
}

TEST(Thread, SubjectMergingOfReplies) {
    // No references at all: "Re: hello" joins "hello" as its child.
    std::vector<SortRow> rows{msg(1, "a", "", 10, "hello"), msg(2, "b", "", 20, "Re: hello"),
                              msg(3, "c", "", 30, "Fwd: HELLO")};
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(1 (2)(3))");
    // Two originals with the same subject get a dummy parent.
    std::vector<SortRow> twins{msg(1, "a", "", 10, "hello"), msg(2, "b", "", 20, "hello")};
    EXPECT_EQ(threads(twins, ThreadAlgorithm::references), "((1)(2))");
    // Replies only: the earlier stays in the table, a dummy groups them.
    std::vector<SortRow> replies{msg(1, "a", "", 10, "Re: x"), msg(2, "b", "", 20, "Re: x")};
    EXPECT_EQ(threads(replies, ThreadAlgorithm::references), "((1)(2))");
    // An empty subject never merges.
    std::vector<SortRow> empty{msg(1, "a", "", 10, "Re:"), msg(2, "b", "", 20, "Re:")};
    EXPECT_EQ(threads(empty, ThreadAlgorithm::references), "(1)(2)");
}

TEST(Thread, SubjectMergingKeepsTheOriginalAsParentEvenWhenLater) {
    // The reply is older than the original; the original becomes the parent.
    std::vector<SortRow> rows{msg(1, "a", "", 10, "Re: topic"), msg(2, "b", "", 20, "topic")};
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(2 1)");
}

TEST(Thread, DummyThreadsMergeBySubject) {
    std::vector<SortRow> rows{msg(1, "a", ids({"p"}), 10, "Re: t"), msg(2, "b", ids({"p"}), 20, "Re: t"),
                              msg(3, "c", ids({"q"}), 30, "Re: t"), msg(4, "d", ids({"q"}), 40, "Re: t")};
    // Two dummies (p, q) with the same thread subject become one.
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "((1)(2)(3)(4))");
}

TEST(Thread, SiblingsSortedByDateWithSequenceTieBreak) {
    std::vector<SortRow> rows{msg(1, "root", "", 10), msg(2, "x", ids({"root"}), 50),
                              msg(3, "y", ids({"root"}), 30), msg(4, "z", ids({"root"}), 30)};
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(1 (3)(4)(2))");
    // Top level: by date; no Date falls back to the internal date.
    auto undated = msg(5, "u", "", 0);  // internal date 1000005, later than all
    rows.push_back(undated);
    rows.push_back(msg(7, "early", "", 5));
    EXPECT_EQ(threads(rows, ThreadAlgorithm::references), "(7)(1 (3)(4)(2))(5)");
}

TEST(Thread, OrderedSubject) {
    std::vector<SortRow> rows{msg(1, "", "", 30, "b"), msg(2, "", "", 10, "Re: a"), msg(3, "", "", 20, "a"),
                              msg(4, "", "", 40, "b"), msg(5, "", "", 50, "Fwd: A"), msg(6, "", "", 5, "c")};
    // Threads by the date of their first message: c(6) 5, a(2) 10, b(1) 30.
    EXPECT_EQ(threads(rows, ThreadAlgorithm::ordered_subject), "(6)(2 (3)(5))(1 4)");
}

TEST(Thread, FormatUsesTheCallersNumbers) {
    std::vector<SortRow> rows{msg(10, "a", "", 10), msg(20, "b", ids({"a"}), 20), msg(30, "c", "", 30)};
    auto t = thread_messages(rows, ThreadAlgorithm::references);
    EXPECT_EQ(format_threads(t, [](Uid u) { return u / 10; }), "(1 2)(3)");
    EXPECT_EQ(format_threads({}, [](Uid u) { return u; }), "");
    EXPECT_EQ(threads({}, ThreadAlgorithm::references), "");
    EXPECT_EQ(threads({}, ThreadAlgorithm::ordered_subject), "");
}

TEST(Thread, VeryLongReplyChainNeedsNoDeepStack) {
    constexpr int kN = 200000;
    std::vector<SortRow> rows;
    rows.reserve(kN);
    std::string prev;
    for (int i = 1; i <= kN; ++i) {
        std::string id = "m" + std::to_string(i);
        // Only the direct parent (a truncated References header).
        rows.push_back(msg(static_cast<Uid>(i), id, prev.empty() ? "" : "<" + prev + "@x>", i));
        prev = id;
    }
    std::string out = threads(rows, ThreadAlgorithm::references);
    EXPECT_EQ(out.substr(0, 8), "(1 2 3 4");
    EXPECT_EQ(out.back(), ')');
    EXPECT_EQ(std::count(out.begin(), out.end(), '('), 1);
}

TEST(Thread, RandomReferenceGraphsKeepEveryMessageOnce) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 200; ++round) {
        int n = 1 + static_cast<int>(rng() % 40);
        std::vector<SortRow> rows;
        for (int i = 1; i <= n; ++i) {
            std::string refs;
            int k = static_cast<int>(rng() % 4);
            for (int j = 0; j < k; ++j) refs += "<m" + std::to_string(1 + rng() % (n + 5)) + "@x> ";
            std::string id = (rng() % 10 == 0) ? "" : "m" + std::to_string(1 + rng() % (n + 2));
            const char* subjects[] = {"a", "Re: a", "b", "Fwd: b", "", "[x] a"};
            rows.push_back(msg(static_cast<Uid>(i), id, refs, static_cast<int64_t>(rng() % 5),
                               subjects[rng() % 6]));
        }
        for (auto alg : {ThreadAlgorithm::references, ThreadAlgorithm::ordered_subject}) {
            auto t = thread_messages(rows, alg);
            std::multiset<Uid> seen;
            std::vector<const ThreadNode*> stack;
            for (const auto& x : t) stack.push_back(&x);
            while (!stack.empty()) {
                const ThreadNode* p = stack.back();
                stack.pop_back();
                if (p->uid) seen.insert(p->uid);
                for (const auto& c : p->children) stack.push_back(&c);
            }
            ASSERT_EQ(seen.size(), static_cast<std::size_t>(n)) << "round " << round;
            for (int i = 1; i <= n; ++i) ASSERT_EQ(seen.count(static_cast<Uid>(i)), 1u);
            std::string f = format_threads(t, [](Uid u) { return u; });
            ASSERT_EQ(std::count(f.begin(), f.end(), '('), std::count(f.begin(), f.end(), ')'));
        }
    }
}

}  // namespace
}  // namespace postamt::imap
