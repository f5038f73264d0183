// The administration commands end to end through the real binary.
#include "cli_test_util.h"

namespace postamt::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(CliTest, DomainAddListRemove) {
    auto add = pm({"domain", "add", "Example.ORG"});
    EXPECT_EQ(add.code, 0) << add.err;
    EXPECT_EQ(add.out, "added domain example.org\n");
    EXPECT_EQ(pm({"domain", "add", "second.example"}).code, 0);
    auto list = pm({"domain", "list"});
    EXPECT_EQ(list.code, 0);
    EXPECT_EQ(list.out, "example.org\nsecond.example\n");
    auto rm = pm({"domain", "remove", "second.example"});
    EXPECT_EQ(rm.code, 0) << rm.err;
    EXPECT_EQ(pm({"domain", "list"}).out, "example.org\n");
}

TEST_F(CliTest, UserListQuotaRemove) {
    add_bob();
    ASSERT_EQ(pm({"domain", "add", "other.org"}).code, 0);
    auto add = pm({"user", "add", "alice@other.org", "--quota", "1G", "--quota-messages", "500", "--password-argv",
                   "pw-alice"});
    ASSERT_EQ(add.code, 0) << add.err;
    EXPECT_THAT(add.out, HasSubstr("quota 1G, 500 messages"));

    auto all = pm({"user", "list"});
    EXPECT_EQ(all.code, 0);
    EXPECT_THAT(all.out, HasSubstr("ADDRESS"));
    EXPECT_THAT(all.out, HasSubstr("bob@example.org"));
    EXPECT_THAT(all.out, HasSubstr("alice@other.org"));
    auto one = pm({"user", "list", "other.org"});
    EXPECT_THAT(one.out, HasSubstr("alice@other.org"));
    EXPECT_THAT(one.out, Not(HasSubstr("bob@example.org")));

    auto q = pm({"user", "quota", "bob@example.org", "2G", "--messages", "1000"});
    ASSERT_EQ(q.code, 0) << q.err;
    {
        auto st = open_store(data);
        auto bob = must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
        ASSERT_TRUE(bob);
        EXPECT_EQ(bob->quota_bytes, int64_t{2} << 30);
        EXPECT_EQ(bob->quota_messages, 1000);
        st->close();
    }
    // Without --messages the message quota stays; "unlimited" clears bytes.
    ASSERT_EQ(pm({"user", "quota", "bob@example.org", "unlimited"}).code, 0);
    {
        auto st = open_store(data);
        auto bob = must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
        EXPECT_EQ(bob->quota_bytes, 0);
        EXPECT_EQ(bob->quota_messages, 1000);
        st->close();
    }

    // Removing needs --yes without a terminal.
    auto refused = pm({"user", "remove", "alice@other.org"});
    EXPECT_EQ(refused.code, 2);
    EXPECT_THAT(refused.err, HasSubstr("--yes"));
    EXPECT_THAT(pm({"user", "list"}).out, HasSubstr("alice@other.org"));
    auto rm = pm({"user", "remove", "alice@other.org", "--yes"});
    EXPECT_EQ(rm.code, 0) << rm.err;
    EXPECT_THAT(pm({"user", "list"}).out, Not(HasSubstr("alice@other.org")));
    EXPECT_EQ(pm({"resolve", "alice@other.org"}).out, "unknown\n");
    EXPECT_EQ(pm({"domain", "remove", "other.org"}).code, 0);
}

TEST_F(CliTest, AliasesAndResolve) {
    add_bob();
    EXPECT_EQ(pm({"resolve", "bob@example.org"}).out, "local bob@example.org\n");
    EXPECT_EQ(pm({"resolve", "bob+lists@example.org"}).out, "local bob@example.org\n");
    EXPECT_EQ(pm({"resolve", "nobody@example.org"}).out, "unknown\n");
    EXPECT_EQ(pm({"resolve", "someone@elsewhere.net"}).out, "not-local\n");

    ASSERT_EQ(pm({"alias", "add", "info@example.org", "bob@example.org"}).code, 0);
    ASSERT_EQ(pm({"alias", "add", "info@example.org", "friend@remote.example"}).code, 0);
    ASSERT_EQ(pm({"alias", "add", "fwd@example.org", "friend@remote.example"}).code, 0);
    auto r = pm({"resolve", "info@example.org"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "local bob@example.org\nforward friend@remote.example\n");
    EXPECT_EQ(pm({"resolve", "fwd@example.org"}).out, "forward friend@remote.example\n");

    auto list = pm({"alias", "list"});
    EXPECT_THAT(list.out, HasSubstr("info@example.org -> bob@example.org\n"));
    EXPECT_THAT(list.out, HasSubstr("info@example.org -> friend@remote.example\n"));
    EXPECT_EQ(pm({"alias", "list", "other.org"}).out, "");

    // Remove one target, then the whole alias.
    ASSERT_EQ(pm({"alias", "remove", "info@example.org", "friend@remote.example"}).code, 0);
    EXPECT_EQ(pm({"resolve", "info@example.org"}).out, "local bob@example.org\n");
    ASSERT_EQ(pm({"alias", "remove", "info@example.org"}).code, 0);
    EXPECT_EQ(pm({"resolve", "info@example.org"}).out, "unknown\n");

    // Catch-all.
    ASSERT_EQ(pm({"alias", "add", "@Example.org", "bob@example.org"}).code, 0);
    EXPECT_THAT(pm({"alias", "list", "example.org"}).out, HasSubstr("@example.org -> bob@example.org\n"));
    EXPECT_EQ(pm({"resolve", "anything@example.org"}).out, "local bob@example.org\n");
    ASSERT_EQ(pm({"alias", "remove", "@example.org"}).code, 0);
    EXPECT_EQ(pm({"resolve", "anything@example.org"}).out, "unknown\n");
}

TEST_F(CliTest, MailboxListAndMessageCat) {
    add_bob();
    // Binary-safe: NUL and 8-bit bytes come back exactly as stored.
    const char raw[] = "Subject: bin\r\n\r\nbytes: \x01\x00\xff\xfe end\r\n";
    std::string body(raw, sizeof(raw) - 1);
    {
        auto st = open_store(data);
        auto bob = *must(SYNC(std::optional<store::Account>, st->find_account("bob@example.org", cb)));
        store::NewMessage m;
        m.data = body;
        m.targets = {store::DeliveryTarget{bob.id, 0, {}}};
        auto c = must(SYNC(std::vector<store::DeliveredCopy>, st->deliver(std::move(m), cb)));
        ASSERT_EQ(c.at(0).error, Errc::ok);
        ASSERT_EQ(c.at(0).uid, 1u);
        must(SYNC(store::Mailbox, st->create_mailbox(bob.id, "Projekte/Größe", "", 4242, cb)));
        st->close();
    }
    auto list = pm({"mailbox", "list", "bob@example.org"});
    ASSERT_EQ(list.code, 0) << list.err;
    EXPECT_THAT(list.out, HasSubstr("SPECIAL-USE"));
    EXPECT_THAT(list.out, HasSubstr("\\Sent"));
    EXPECT_THAT(list.out, HasSubstr("Projekte/Größe"));
    EXPECT_THAT(list.out, HasSubstr("4242"));
    // INBOX: 1 message, 1 unseen, uidnext 2.
    std::string inbox_line;
    std::istringstream lines(list.out);
    for (std::string l; std::getline(lines, l);)
        if (l.rfind("INBOX ", 0) == 0) inbox_line = l;
    std::istringstream fields(inbox_line);
    std::string name, special, messages, unseen, uidv, uidnext;
    fields >> name >> special >> messages >> unseen >> uidv >> uidnext;
    EXPECT_EQ(messages, "1");
    EXPECT_EQ(unseen, "1");
    EXPECT_EQ(uidnext, "2");

    auto cat = pm({"message", "cat", "bob@example.org", "INBOX", "1"});
    ASSERT_EQ(cat.code, 0) << cat.err;
    EXPECT_EQ(cat.out, body);
}

}  // namespace
}  // namespace postamt::cli::testing
