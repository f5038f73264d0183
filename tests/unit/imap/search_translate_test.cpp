// SEARCH keys -> store::SearchNode: sequence numbers and "$" to UIDs,
// \Recent, dates, WITHIN, charsets.
#include <gtest/gtest.h>

#include "imap/search_translate.h"
#include "wire_feed.h"

namespace postamt::imap {
namespace {

using N = store::SearchNode::Kind;

MailboxView view_of(std::vector<store::Uid> uids, store::Uid recent_after) {
    std::vector<store::MessageRow> rows;
    for (auto u : uids) {
        store::MessageRow r;
        r.uid = u;
        r.modseq = u;
        r.blob.id = u + 100;
        rows.push_back(r);
    }
    store::Mailbox mb;
    mb.id = 1;
    mb.uid_next = uids.empty() ? 1 : uids.back() + 1;
    MailboxView v;
    v.open(mb, rows, recent_after);
    return v;
}

SearchKey keys(const std::string& wire) {
    Command c = testing::parse_ok("a SEARCH " + wire);
    return std::get<SearchCmd>(c.body).key;
}

store::SearchNode translate(const std::string& wire, const MailboxView& v,
                            const std::vector<store::Uid>* saved = nullptr,
                            std::optional<std::string_view> charset = std::nullopt) {
    SearchInputs in;
    in.view = &v;
    in.saved = saved;
    in.now = 1'700'000'000;
    auto r = translate_search(keys(wire), charset, in);
    EXPECT_TRUE(r.ok()) << wire;
    // The top level is the and_ of the keys; return the single key.
    return r->node.children.size() == 1 ? r->node.children[0] : r->node;
}

TEST(SearchTranslate, SequenceNumbersBecomeUids) {
    auto v = view_of({10, 20, 30, 40}, 1000);
    auto n = translate("2:3", v);
    ASSERT_EQ(n.kind, N::uids);
    ASSERT_EQ(n.uids.size(), 1u);
    EXPECT_EQ(n.uids[0].first, 20u);
    EXPECT_EQ(n.uids[0].last, 30u);
    n = translate("3:*", v);
    EXPECT_EQ(n.uids[0].first, 30u);
    EXPECT_EQ(n.uids[0].last, 40u);
    // Beyond the mailbox matches nothing instead of failing.
    EXPECT_EQ(translate("9", v).kind, N::none);
    n = translate("UID 15:*", v);
    EXPECT_EQ(n.uids[0].first, 15u);
    EXPECT_EQ(n.uids[0].last, 40u);
}

TEST(SearchTranslate, SavedResultAndRecent) {
    auto v = view_of({1, 2, 3, 4, 5}, 3);
    EXPECT_EQ(translate("$", v).kind, N::none);  // nothing saved yet
    std::vector<store::Uid> saved{2, 3, 5};
    auto n = translate("$", v, &saved);
    ASSERT_EQ(n.kind, N::uids);
    ASSERT_EQ(n.uids.size(), 2u);
    EXPECT_EQ(n.uids[0].last, 3u);
    n = translate("RECENT", v);
    ASSERT_EQ(n.kind, N::uids);
    EXPECT_EQ(n.uids[0].first, 4u);
    EXPECT_EQ(n.uids[0].last, 5u);
    n = translate("NEW", v);
    ASSERT_EQ(n.kind, N::and_);
    EXPECT_EQ(n.children[1].kind, N::flags_clear);
    EXPECT_EQ(n.children[1].number, store::kSeen);
    EXPECT_EQ(translate("OLD", v).kind, N::not_);
}

TEST(SearchTranslate, FlagsDatesSizes) {
    auto v = view_of({1}, 1000);
    auto n = translate("UNANSWERED", v);
    EXPECT_EQ(n.kind, N::flags_clear);
    EXPECT_EQ(n.number, store::kAnswered);
    n = translate("ON 1-Feb-1994", v);
    EXPECT_EQ(n.kind, N::internal_date);
    EXPECT_EQ(n.date_from, 760060800);  // 1994-02-01T00:00:00Z
    EXPECT_EQ(n.date_to, 760060800 + 86400);
    n = translate("SENTBEFORE 1-Feb-1994", v);
    EXPECT_EQ(n.kind, N::sent_date);
    EXPECT_EQ(n.date_to, 760060800);
    n = translate("SAVEDSINCE 1-Feb-1994", v);
    EXPECT_EQ(n.kind, N::save_date);
    EXPECT_EQ(n.date_from, 760060800);
    n = translate("OLDER 60", v);
    EXPECT_EQ(n.kind, N::internal_date);
    EXPECT_EQ(n.date_to, 1'700'000'000 - 60 + 1);
    n = translate("YOUNGER 60", v);
    EXPECT_EQ(n.date_from, 1'700'000'000 - 60);
    n = translate("LARGER 100", v);
    EXPECT_EQ(n.kind, N::larger);
    EXPECT_EQ(n.number, 100);
    EXPECT_EQ(translate("SAVEDATESUPPORTED", v).kind, N::all);
    n = translate("KEYWORD $Junk", v);
    EXPECT_EQ(n.kind, N::keyword);
    EXPECT_EQ(n.value, "$Junk");
}

TEST(SearchTranslate, TextKeysAndNesting) {
    auto v = view_of({1}, 1000);
    auto n = translate("FROM smith", v);
    EXPECT_EQ(n.kind, N::header);
    EXPECT_EQ(n.field, "From");
    EXPECT_EQ(n.value, "smith");
    n = translate("HEADER X-Spam \"\"", v);
    EXPECT_EQ(n.field, "X-Spam");
    EXPECT_EQ(n.value, "");
    n = translate("OR BODY a NOT TEXT b", v);
    ASSERT_EQ(n.kind, N::or_);
    EXPECT_EQ(n.children[0].kind, N::body);
    EXPECT_EQ(n.children[1].kind, N::not_);
    EXPECT_EQ(n.children[1].children[0].kind, N::text);
    // EMAILID is the blob (object_id.h): the shown messages with that content.
    n = translate("EMAILID M101", v);
    ASSERT_EQ(n.kind, N::uids);
    EXPECT_EQ(n.uids[0].first, 1u);
    EXPECT_EQ(n.uids[0].last, 1u);
    EXPECT_EQ(translate("EMAILID M999", v).kind, N::none);
    EXPECT_EQ(translate("EMAILID x1", v).kind, N::none);
    SearchInputs in;
    in.view = &v;
    auto r = translate_search(keys("MODSEQ 5"), std::nullopt, in);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->uses_modseq);
}

TEST(SearchTranslate, Charsets) {
    auto v = view_of({1}, 1000);
    // ISO-8859-1 "\xe4" is U+00E4.
    auto n = translate("BODY \"\xe4pfel\"", v, nullptr, std::string_view("ISO-8859-1"));
    EXPECT_EQ(n.value, "\xc3\xa4pfel");
    n = translate("BODY \"\xc3\xa4pfel\"", v, nullptr, std::string_view("utf-8"));
    EXPECT_EQ(n.value, "\xc3\xa4pfel");
    SearchInputs in;
    in.view = &v;
    auto r = translate_search(keys("ALL"), std::string_view("X-NO-SUCH-CHARSET"), in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "BADCHARSET");
    EXPECT_TRUE(search_charset_supported("us-ascii"));
    EXPECT_TRUE(search_charset_supported("windows-1252"));
    EXPECT_FALSE(search_charset_supported(""));
}

}  // namespace
}  // namespace postamt::imap
