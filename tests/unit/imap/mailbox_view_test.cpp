// The selected-mailbox view: sequence numbers, pulled changes and the
// rules for when EXPUNGE / EXISTS / FETCH may be sent (RFC 9051 7.4.1).
#include <gtest/gtest.h>

#include "imap/mailbox_view.h"
#include "imap/sequence_set.h"

namespace postamt::imap {
namespace {

store::MessageRow row(store::Uid uid, store::ModSeq ms, uint32_t flags = 0,
                      std::vector<std::string> kw = {}) {
    store::MessageRow r;
    r.message_id = uid * 10;
    r.uid = uid;
    r.modseq = ms;
    r.flags.system = flags;
    r.flags.keywords = std::move(kw);
    r.blob = store::BlobRef{static_cast<store::BlobId>(uid) + 100, 1000 + uid};
    r.internal_date = 1700000000 + uid;
    return r;
}

store::Mailbox mailbox(store::ModSeq highest, store::Uid uid_next) {
    store::Mailbox mb;
    mb.id = 7;
    mb.uid_validity = 42;
    mb.uid_next = uid_next;
    mb.highest_modseq = highest;
    return mb;
}

MailboxView make_view(std::vector<store::MessageRow> rows, store::Uid recent_after = 1000) {
    MailboxView v;
    store::ModSeq hi = 0;
    store::Uid next = 1;
    for (const auto& r : rows) {
        hi = std::max(hi, r.modseq);
        next = r.uid + 1;
    }
    v.open(mailbox(hi, next), rows, recent_after);
    return v;
}

const MailboxView::RecentClaim kNoRecent = [](store::Uid highest) { return highest; };
const MailboxView::Wording kRev1{false, false, true};

TEST(MailboxView, OpenAndLookups) {
    auto v = make_view({row(3, 5, store::kSeen), row(7, 6), row(9, 7, 0, {"$Junk"})}, 7);
    EXPECT_EQ(v.exists(), 3u);
    EXPECT_EQ(v.uid_validity(), 42u);
    EXPECT_EQ(v.uid_next(), 10u);
    EXPECT_EQ(v.known_modseq(), 7u);
    EXPECT_EQ(v.max_uid(), 9u);
    EXPECT_EQ(v.at_seq(2).uid, 7u);
    EXPECT_EQ(v.seq_of(9), 3u);
    EXPECT_FALSE(v.seq_of(8));
    EXPECT_EQ(v.recent_count(), 1u);  // only UID 9 is above 7
    EXPECT_EQ(v.first_unseen(), 2u);
    ASSERT_EQ(v.keywords().size(), 1u);
    EXPECT_EQ(v.seqs_in({{1, 7}}), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(v.seqs_in({{8, 100}}), (std::vector<uint32_t>{3}));
    EXPECT_FALSE(v.has_pending());
}

TEST(MailboxView, NewMessagesBecomeExists) {
    auto v = make_view({row(1, 1), row(2, 2)});
    store::MailboxChanges ch;
    ch.highest_modseq = 4;
    ch.uid_next = 5;
    ch.changed = {row(3, 3), row(4, 4)};
    v.apply(ch);
    EXPECT_TRUE(v.has_pending());
    EXPECT_EQ(v.exists(), 2u);  // not before the client is told
    EXPECT_EQ(v.known_modseq(), 4u);
    store::Uid claimed_up_to = 0;
    std::string out = v.take_updates(false, kRev1, [&](store::Uid highest) {
        claimed_up_to = highest;
        return store::Uid{3};  // UID 4 is recent for us
    });
    EXPECT_EQ(out, "* 4 EXISTS\r\n* 1 RECENT\r\n");
    EXPECT_EQ(claimed_up_to, 4u);
    EXPECT_EQ(v.exists(), 4u);
    EXPECT_TRUE(v.at_seq(4).flags & MailboxView::kRecent);
    EXPECT_FALSE(v.has_pending());
}

TEST(MailboxView, ExpungeWaitsUntilAllowed) {
    auto v = make_view({row(1, 1), row(2, 2), row(3, 3), row(4, 4)});
    store::MailboxChanges ch;
    ch.highest_modseq = 6;
    ch.uid_next = 6;
    ch.expunged = {2, 4};
    ch.changed = {row(5, 6)};
    v.apply(ch);
    // During FETCH/STORE/SEARCH: the new message may be announced, the
    // expunges not; sequence numbers stay as they were.
    std::string out = v.take_updates(false, kRev1, kNoRecent);
    EXPECT_EQ(out, "* 5 EXISTS\r\n* 0 RECENT\r\n");
    EXPECT_EQ(v.exists(), 5u);
    EXPECT_EQ(v.seq_of(4), 4u);
    EXPECT_TRUE(v.is_expunged(2));
    EXPECT_TRUE(v.has_pending_expunges());
    // The expunged message's data stays available from the view's cache.
    EXPECT_EQ(v.at_seq(2).blob, 102);
    // Then at a point that allows it: highest sequence number first.
    out = v.take_updates(true, kRev1, kNoRecent);
    EXPECT_EQ(out, "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\n");
    EXPECT_EQ(v.exists(), 3u);
    EXPECT_EQ(v.at_seq(2).uid, 3u);
    EXPECT_EQ(v.at_seq(3).uid, 5u);
}

TEST(MailboxView, VanishedUnderQresync) {
    auto v = make_view({row(1, 1), row(2, 2), row(3, 3), row(5, 4)});
    store::MailboxChanges ch;
    ch.highest_modseq = 9;
    ch.uid_next = 6;
    ch.expunged = {1, 2, 5};
    v.apply(ch);
    MailboxView::Wording q{true, true, false};
    EXPECT_EQ(v.take_updates(true, q, kNoRecent), "* VANISHED 1:2,5\r\n");
    EXPECT_EQ(v.exists(), 1u);
}

TEST(MailboxView, FlagChangesAndOwnChanges) {
    auto v = make_view({row(1, 1), row(2, 2)});
    store::MailboxChanges ch;
    ch.highest_modseq = 5;
    ch.uid_next = 3;
    ch.changed = {row(2, 5, store::kFlagged, {"$Important"})};
    v.apply(ch);
    std::string out = v.take_updates(false, MailboxView::Wording{false, true, true}, kNoRecent);
    // A new keyword first repeats FLAGS/PERMANENTFLAGS, then the FETCH with UID and MODSEQ.
    EXPECT_NE(out.find("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)\r\n"),
              std::string::npos);
    EXPECT_NE(out.find("* 2 FETCH (FLAGS (\\Flagged $Important) UID 2 MODSEQ (5))\r\n"),
              std::string::npos);
    // A change this session made and reported itself is not repeated when
    // the same row comes back from the store.
    v.note_rows({row(1, 6, store::kSeen)});
    store::MailboxChanges again;
    again.highest_modseq = 6;
    again.uid_next = 3;
    again.changed = {row(1, 6, store::kSeen)};
    v.apply(again);
    EXPECT_FALSE(v.has_pending());
    EXPECT_TRUE(v.at_seq(1).flags & store::kSeen);
}

TEST(MailboxView, NewThenExpungedBeforeAnnouncedIsSilent) {
    auto v = make_view({row(1, 1)});
    store::MailboxChanges a;
    a.highest_modseq = 2;
    a.uid_next = 3;
    a.changed = {row(2, 2)};
    v.apply(a);
    store::MailboxChanges b;
    b.highest_modseq = 3;
    b.uid_next = 3;
    b.expunged = {2};
    v.apply(b);
    EXPECT_FALSE(v.has_pending());
    EXPECT_EQ(v.take_updates(true, kRev1, kNoRecent), "");
    EXPECT_EQ(v.exists(), 1u);
}

TEST(MailboxView, OwnExpungeIsAnnouncedAndPulledTombstonesIgnored) {
    auto v = make_view({row(1, 1), row(2, 2), row(3, 3)});
    v.note_expunged({1, 3});
    EXPECT_EQ(v.take_updates(true, kRev1, kNoRecent), "* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n");
    store::MailboxChanges ch;  // the same expunges seen again through the doorbell
    ch.highest_modseq = 4;
    ch.uid_next = 4;
    ch.expunged = {1, 3};
    v.apply(ch);
    EXPECT_FALSE(v.has_pending());
    EXPECT_EQ(v.exists(), 1u);
    EXPECT_EQ(v.known_modseq(), 4u);
}

TEST(MailboxView, FlagFetchFormatting) {
    auto r = row(12, 99, store::kSeen | store::kDeleted, {"$Forwarded"});
    EXPECT_EQ(format_flags_fetch(3, r, true, true, true),
              "* 3 FETCH (FLAGS (\\Deleted \\Seen \\Recent $Forwarded) UID 12 MODSEQ (99))\r\n");
    EXPECT_EQ(format_flags_fetch(3, r, false, false, false),
              "* 3 FETCH (FLAGS (\\Deleted \\Seen $Forwarded))\r\n");
}

}  // namespace
}  // namespace postamt::imap
