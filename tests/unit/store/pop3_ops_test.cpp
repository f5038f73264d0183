// The store calls POP3 uses: the maildrop snapshot and the download times
// behind the retention policy (schema v4).
#include <filesystem>

#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

TEST_F(StoreFixture, Pop3MaildropListsInboxRowsInUidOrder) {
    deliver_one(sample_message("one"), bob.id);
    deliver_one(sample_message("two", std::string(1000, 'x') + "\r\n"), bob.id);
    deliver_one(sample_message("elsewhere"), bob.id, mailbox(bob.id, "Archive").id);
    auto md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(bob.id, cb)));
    EXPECT_EQ(md.inbox.id, inbox.id);
    EXPECT_EQ(md.inbox.name, "INBOX");
    auto r = rows(inbox.id);
    ASSERT_EQ(md.messages.size(), 2u);
    for (std::size_t i = 0; i < r.size(); ++i) {
        EXPECT_EQ(md.messages[i].uid, r[i].uid);
        EXPECT_EQ(md.messages[i].blob.id, r[i].blob.id);
        EXPECT_EQ(md.messages[i].blob.size, r[i].blob.size);
        EXPECT_EQ(md.messages[i].retrieved_at, 0);
        // One UIDL format for MessageRow and Pop3Message.
        EXPECT_EQ(pop3_uidl(md.messages[i], md.inbox.uid_validity),
                  pop3_uidl(r[i], md.inbox.uid_validity));
    }
    EXPECT_EQ(pop3_uidl(md.messages[1], 0x1234ABCDu), "000000021234ABCD");
}

TEST_F(StoreFixture, Pop3MaildropReadsNoMessageBody) {
    for (int i = 0; i < 20; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id);
    store->close();
    store.reset();
    // Without the blob files a body read would fail: the snapshot must not need them.
    std::filesystem::remove_all(dir + "/blobs");
    std::filesystem::create_directories(dir + "/blobs");
    reopen();
    auto md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(bob.id, cb)));
    ASSERT_EQ(md.messages.size(), 20u);
    EXPECT_EQ(md.messages[19].uid, 20u);
    EXPECT_GT(md.messages[19].blob.size, 100);
    EXPECT_FALSE(SYNC(std::string, store->read_blob(md.messages[0].blob, 0, -1, cb)).ok());
}

TEST_F(StoreFixture, Pop3RetrievedTimeIsKeptPerMessageAndGoesWithTheRow) {
    for (int i = 0; i < 3; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id);
    must(SYNC(Unit, store->pop3_mark_retrieved(inbox.id, {1, 3, 99}, 1000, cb)));
    must(SYNC(Unit, store->pop3_mark_retrieved(inbox.id, {3}, 2000, cb)));
    auto md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(bob.id, cb)));
    ASSERT_EQ(md.messages.size(), 3u);
    EXPECT_EQ(md.messages[0].retrieved_at, 1000);
    EXPECT_EQ(md.messages[1].retrieved_at, 0);
    EXPECT_EQ(md.messages[2].retrieved_at, 1000) << "first download time is kept";
    // Marking is not a change IMAP sees: no new MODSEQ.
    EXPECT_EQ(mailbox(bob.id, "INBOX").highest_modseq, md.inbox.highest_modseq);
    // Moved out of INBOX and back: a new row, never downloaded.
    auto archive = mailbox(bob.id, "Archive");
    auto moved =
        must(SYNC(CopyResult, store->copy(CopyRequest{inbox.id, archive.id, {{1, 1}}, true}, cb)));
    ASSERT_EQ(moved.mapping.size(), 1u);
    must(SYNC(
        CopyResult,
        store->copy(
            CopyRequest{
                archive.id, inbox.id, {{moved.mapping[0].second, moved.mapping[0].second}}, true},
            cb)));
    md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(bob.id, cb)));
    ASSERT_EQ(md.messages.size(), 3u);
    EXPECT_EQ(md.messages[2].uid, 4u);
    EXPECT_EQ(md.messages[2].retrieved_at, 0);
}

TEST_F(StoreFixture, Pop3MaildropOfAnAccountWithoutInboxFails) {
    auto r = SYNC(Pop3Maildrop, store->pop3_maildrop(bob.id + 1000, cb));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
}

}  // namespace
}  // namespace postamt::store::testing
