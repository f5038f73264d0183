// backup / restore round trip through the binary.
#include "cli_test_util.h"

namespace postamt::cli::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(CliTest, BackupRestoreRoundTrip) {
    add_bob();
    std::vector<std::string> sent;
    {
        auto st = open_store(data);
        auto bob = *must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
        auto work = must(SYNC(store::Mailbox, st->create_mailbox(bob.id, "Work/Projects", "", 0, cb)));
        for (int i = 0; i < 5; ++i) {
            store::NewMessage m;
            m.data = "Subject: message " + std::to_string(i) + "\r\n\r\n" + std::string(1000 * (i + 1), 'a' + i) + "\r\n";
            sent.push_back(m.data);
            m.targets = {store::DeliveryTarget{bob.id, i % 2 ? work.id : 0, store::Flags{store::kSeen, {"Work"}}}};
            auto c = must(SYNC(std::vector<store::DeliveredCopy>, st->deliver(std::move(m), cb)));
            ASSERT_EQ(c.at(0).error, Errc::ok);
        }
        st->close();
    }
    ASSERT_EQ(pm({"alias", "add", "info@example.org", "bob@example.org"}).code, 0);

    std::string backup_dir = dir + "/backup";
    auto b = pm({"backup", backup_dir});
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_TRUE(std::filesystem::exists(backup_dir + "/mail.db"));
    // A non-empty target is refused.
    auto b2 = pm({"backup", backup_dir});
    EXPECT_EQ(b2.code, 1);
    EXPECT_THAT(b2.err, HasSubstr("not empty"));

    // Restore refuses the (non-empty) live data directory...
    auto r1 = pm({"restore", backup_dir});
    EXPECT_EQ(r1.code, 1);
    EXPECT_THAT(r1.err, HasSubstr("not empty"));
    // ...and restores into a fresh one.
    std::string restored = dir + "/restored";
    auto r2 = pm_in(restored, {"restore", backup_dir});
    ASSERT_EQ(r2.code, 0) << r2.err;

    // Same mailboxes, same messages, same bytes.
    auto a = open_store(data);
    auto c = open_store(restored);
    auto acct_a = *must(SYNC(std::optional<store::Account>, a->find_account("bob@example.org", cb)));
    auto acct_c = *must(SYNC(std::optional<store::Account>, c->find_account("bob@example.org", cb)));
    EXPECT_EQ(acct_c.credentials.password_hash, acct_a.credentials.password_hash);
    EXPECT_EQ(acct_c.used_bytes, acct_a.used_bytes);
    auto boxes_a = must(SYNC(std::vector<store::Mailbox>, a->list_mailboxes(acct_a.id, cb)));
    auto boxes_c = must(SYNC(std::vector<store::Mailbox>, c->list_mailboxes(acct_c.id, cb)));
    ASSERT_EQ(boxes_a.size(), boxes_c.size());
    int compared = 0;
    for (std::size_t i = 0; i < boxes_a.size(); ++i) {
        EXPECT_EQ(boxes_a[i].name, boxes_c[i].name);
        EXPECT_EQ(boxes_a[i].uid_validity, boxes_c[i].uid_validity);
        EXPECT_EQ(boxes_a[i].uid_next, boxes_c[i].uid_next);
        EXPECT_EQ(boxes_a[i].special_use, boxes_c[i].special_use);
        auto ra = must(SYNC(std::vector<store::MessageRow>, a->fetch_rows(boxes_a[i].id, {}, cb)));
        auto rc = must(SYNC(std::vector<store::MessageRow>, c->fetch_rows(boxes_c[i].id, {}, cb)));
        ASSERT_EQ(ra.size(), rc.size()) << boxes_a[i].name;
        for (std::size_t j = 0; j < ra.size(); ++j) {
            EXPECT_EQ(ra[j].uid, rc[j].uid);
            EXPECT_EQ(ra[j].flags, rc[j].flags);
            auto ba = must(SYNC(std::string, a->read_blob(ra[j].blob, 0, -1, cb)));
            auto bc = must(SYNC(std::string, c->read_blob(rc[j].blob, 0, -1, cb)));
            EXPECT_EQ(ba, bc);
            EXPECT_NE(std::find(sent.begin(), sent.end(), bc), sent.end());
            ++compared;
        }
    }
    EXPECT_EQ(compared, 5);
    a->close();
    c->close();
    // The restored store works through the CLI too.
    EXPECT_EQ(pm_in(restored, {"resolve", "info@example.org"}).out, "local bob@example.org\n");
    auto cat = pm_in(restored, {"message", "cat", "bob@example.org", "Work/Projects", "2"});
    ASSERT_EQ(cat.code, 0) << cat.err;
    EXPECT_EQ(cat.out, sent[3]);
}

}  // namespace
}  // namespace postamt::cli::testing
