// Import of a Dovecot-layout Maildir++ built here, checked through the store.
#include "cli/import_maildir.h"

#include <utime.h>

#include <algorithm>

#include "cli_test_util.h"

namespace postamt::cli::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string crlf(const std::string& lf) {
    std::string out;
    for (char c : lf) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

std::string message(const std::string& subject) {
    return "From: alice@example.net\nTo: bob@example.org\nSubject: " + subject + "\nMessage-ID: <" + subject +
           "@example.net>\n\nBody of " + subject + ".\n";
}

void put(const std::string& path, const std::string& data, time_t mtime) {
    spit(path, data);
    struct utimbuf t{mtime, mtime};
    ASSERT_EQ(::utime(path.c_str(), &t), 0);
}

// The maildir every import test uses (Dovecot 2.3 layout).
void build_maildir(const std::string& root) {
    namespace fs = std::filesystem;
    for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(root + "/" + d);
    // INBOX: UIDs 1 and 3 listed (4 listed but its file is gone), one new
    // message not yet in the list, one file in tmp/ (in delivery: skipped).
    spit(root + "/dovecot-uidlist",
         "3 V1234567 N5 G3085f01b7f11094c501100008c4a11c1\n"
         "1 W130 P000a :1000.M1P1.host,S=125\n"
         "3 W140 :1001.M2P1.host,S=135\n"
         "4 :1002.M3P1.host,S=10\n");
    spit(root + "/dovecot-keywords", "0 $Forwarded\n1 Work\n");
    put(root + "/cur/1000.M1P1.host,S=125:2,S", message("one"), 1000000000);
    put(root + "/cur/1001.M2P1.host,S=135:2,FRab", message("three"), 1000000100);
    put(root + "/new/1003.M4P1.host,S=130", message("five"), 1000000200);
    put(root + "/tmp/1004.M5P1.host", message("in-delivery"), 1000000300);
    // Subscriptions, version 2 (tab = hierarchy separator).
    spit(root + "/subscriptions", "V\t2\n\nINBOX\nEntw&APw-rfe\nArchive\t2024\n");

    // Entwürfe: modified UTF-7 folder name, its own UIDVALIDITY and keywords.
    std::string e = root + "/.Entw&APw-rfe";
    for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(e + "/" + d);
    spit(e + "/maildirfolder", "");
    spit(e + "/dovecot-uidlist", "3 V77 N10 G00\n7 W99 Pdraft-uidl :2000.M1.host\n");
    put(e + "/cur/2000.M1.host:2,D", message("draft"), 1100000000);

    // Archive/2024: version 1 uidlist; keyword file with Work at 'b'.
    std::string a = root + "/.Archive.2024";
    for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(a + "/" + d);
    spit(a + "/dovecot-uidlist", "1 555 3\n2 3000.host:2,S\n");
    spit(a + "/dovecot-keywords", "0 Old\n1 Work\n");
    put(a + "/cur/3000.host:2,Sb", message("archived"), 1200000000);

    // Sent exists in a new account (empty, \Sent): it takes UIDVALIDITY 999.
    std::string s = root + "/.Sent";
    for (const char* d : {"cur", "new", "tmp"}) fs::create_directories(s + "/" + d);
    spit(s + "/dovecot-uidlist", "3 V999 N2\n1 :4000.host\n");
    put(s + "/cur/4000.host:2,S", message("sent"), 1300000000);
}

class ImportTest : public CliTest {
protected:
    void SetUp() override {
        CliTest::SetUp();
        maildir = dir + "/Maildir";
        build_maildir(maildir);
        store::StoreOptions o;
        o.data_dir = data;
        o.min_free_bytes = 0;
        st = must(store::Store::open(o));
        must(SYNC(store::Domain, st->add_domain("example.org", cb)));
        bob = must(SYNC(store::Account, st->add_account(store::NewAccount{"bob@example.org", {}, 0, 0}, cb)));
    }
    void TearDown() override {
        if (st) st->close();
        st.reset();
        CliTest::TearDown();
    }
    store::Mailbox mailbox(const std::string& name) {
        auto mb = must(SYNC(std::optional<store::Mailbox>, st->get_mailbox(bob.id, name, cb)));
        EXPECT_TRUE(mb) << name;
        return mb.value_or(store::Mailbox{});
    }
    std::vector<store::MessageRow> rows(const store::Mailbox& mb) {
        return must(SYNC(std::vector<store::MessageRow>, st->fetch_rows(mb.id, {}, cb)));
    }
    std::string bytes(const store::MessageRow& r) {
        return must(SYNC(std::string, st->read_blob(r.blob, 0, -1, cb)));
    }

    std::string maildir;
    std::shared_ptr<store::Store> st;
    store::Account bob;
};

TEST_F(ImportTest, KeepsUidsFlagsKeywordsUidlsAndSubscriptions) {
    auto r = import_maildir(*st, bob, maildir);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->folders, 4);
    EXPECT_EQ(r->messages, 6);
    EXPECT_EQ(r->subscriptions, 3);

    // INBOX: listed UIDs kept; the unlisted message gets N (5), not 4.
    auto inbox = mailbox("INBOX");
    auto in = rows(inbox);
    ASSERT_EQ(in.size(), 3u);
    EXPECT_EQ(in[0].uid, 1u);
    EXPECT_EQ(in[1].uid, 3u);
    EXPECT_EQ(in[2].uid, 5u);
    EXPECT_EQ(inbox.uid_next, 6u);
    EXPECT_EQ(inbox.uid_validity, 1234567u) << "INBOX keeps the old server's UIDVALIDITY";
    EXPECT_EQ(in[0].flags.system, store::kSeen);
    EXPECT_TRUE(in[0].flags.keywords.empty());
    EXPECT_EQ(in[1].flags.system, store::kFlagged | store::kAnswered);
    EXPECT_EQ(in[1].flags.keywords, (std::vector<std::string>{"$Forwarded", "Work"}));
    EXPECT_EQ(in[2].flags.system, 0u);
    EXPECT_EQ(in[0].internal_date, 1000000000);
    EXPECT_EQ(in[1].internal_date, 1000000100);
    EXPECT_EQ(in[2].internal_date, 1000000200);
    EXPECT_EQ(bytes(in[0]), crlf(message("one")));
    EXPECT_EQ(bytes(in[2]), crlf(message("five")));
    // POP3 UIDLs: the imported P value, else Dovecot's %08Xu%08Xv of the
    // imported UIDVALIDITY (1234567 = 0x12D687).
    EXPECT_EQ(store::pop3_uidl(in[0], inbox.uid_validity), "000a");
    EXPECT_EQ(store::pop3_uidl(in[1], inbox.uid_validity), "000000030012D687");
    EXPECT_EQ(store::pop3_uidl(in[2], inbox.uid_validity), "000000050012D687");

    // Entwürfe: decoded name, UIDVALIDITY, UID, UIDNEXT from N, draft flag.
    auto drafts = mailbox("Entwürfe");
    EXPECT_EQ(drafts.uid_validity, 77u);
    EXPECT_EQ(drafts.uid_next, 10u);
    auto dr = rows(drafts);
    ASSERT_EQ(dr.size(), 1u);
    EXPECT_EQ(dr[0].uid, 7u);
    EXPECT_EQ(dr[0].flags.system, store::kDraft);
    EXPECT_EQ(store::pop3_uidl(dr[0], drafts.uid_validity), "draft-uidl");
    EXPECT_EQ(dr[0].internal_date, 1100000000);

    // Archive/2024 (uidlist version 1, per-folder keywords).
    auto archive = mailbox("Archive/2024");
    EXPECT_EQ(archive.uid_validity, 555u);
    EXPECT_EQ(archive.uid_next, 3u);
    auto ar = rows(archive);
    ASSERT_EQ(ar.size(), 1u);
    EXPECT_EQ(ar[0].uid, 2u);
    EXPECT_EQ(ar[0].flags.system, store::kSeen);
    EXPECT_EQ(ar[0].flags.keywords, (std::vector<std::string>{"Work"}));
    EXPECT_EQ(bytes(ar[0]), crlf(message("archived")));
    EXPECT_EQ(mailbox("Archive").special_use, "\\Archive");

    // Sent existed (empty): recreated with the imported UIDVALIDITY, still \Sent.
    auto sent = mailbox("Sent");
    EXPECT_EQ(sent.uid_validity, 999u);
    EXPECT_EQ(sent.special_use, "\\Sent");
    auto se = rows(sent);
    ASSERT_EQ(se.size(), 1u);
    EXPECT_EQ(se[0].uid, 1u);
    EXPECT_EQ(store::pop3_uidl(se[0], sent.uid_validity), "0000000100000" "3E7");

    auto subs = must(SYNC(std::vector<std::string>, st->list_subscriptions(bob.id, cb)));
    EXPECT_THAT(subs, Contains("INBOX"));
    EXPECT_THAT(subs, Contains("Entwürfe"));
    EXPECT_THAT(subs, Contains("Archive/2024"));

    auto acct = must(SYNC(std::optional<store::Account>, st->get_account(bob.id, cb)));
    EXPECT_EQ(acct->used_messages, 6);
    int64_t expected_bytes = 0;
    for (const char* s : {"one", "three", "five", "draft", "archived", "sent"})
        expected_bytes += static_cast<int64_t>(crlf(message(s)).size());
    EXPECT_EQ(r->bytes, expected_bytes);
}

TEST_F(ImportTest, SecondImportIsRefusedAndChangesNothing) {
    ASSERT_TRUE(import_maildir(*st, bob, maildir).ok());
    auto again = import_maildir(*st, bob, maildir);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::already_exists);
    EXPECT_THAT(again.error().message, HasSubstr("already holds"));
    EXPECT_EQ(rows(mailbox("INBOX")).size(), 3u);
    EXPECT_EQ(rows(mailbox("Entwürfe")).size(), 1u);
}

TEST_F(ImportTest, NotAMaildir) {
    std::filesystem::create_directories(dir + "/empty");
    auto r = import_maildir(*st, bob, dir + "/empty");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid);
    spit(maildir + "/.Broken/dovecot-uidlist", "9 what\n");
    std::filesystem::create_directories(maildir + "/.Broken/cur");
    auto bad = import_maildir(*st, bob, maildir);
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("Broken"));
    EXPECT_EQ(rows(mailbox("INBOX")).size(), 0u);  // checked before anything was stored
}

TEST_F(ImportTest, ThroughTheCommandLine) {
    st->close();
    st.reset();
    auto r = pm({"import", "maildir", maildir, "bob@example.org"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("imported 4 folders, 6 messages"));
    EXPECT_THAT(r.out, HasSubstr("3 subscriptions"));

    auto cat = pm({"message", "cat", "bob@example.org", "Entwürfe", "7"});
    ASSERT_EQ(cat.code, 0) << cat.err;
    EXPECT_EQ(cat.out, crlf(message("draft")));
    auto list = pm({"mailbox", "list", "bob@example.org"});
    EXPECT_THAT(list.out, HasSubstr("Entwürfe"));
    EXPECT_THAT(list.out, HasSubstr("555"));

    auto again = pm({"import", "maildir", maildir, "bob@example.org"});
    EXPECT_EQ(again.code, 1);
    EXPECT_THAT(again.err, HasSubstr("already"));
    EXPECT_EQ(pm({"import", "maildir", maildir, "nobody@example.org"}).code, 1);
}

}  // namespace
}  // namespace postamt::cli::testing
