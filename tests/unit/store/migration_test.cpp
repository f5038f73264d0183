#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/schema.h"
#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

std::string read_file(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void exec_sql(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << msg;
}

const std::string kFixtures = std::string(POSTAMT_SOURCE_DIR) + "/tests/unit/store/fixtures";

// A data directory as schema `version` left it (DDL of that version plus
// fixtures/schema_v<version>_data.sql and the v1 blob segment), opened by
// the current store, which migrates it.
std::shared_ptr<Store> open_fixture(int version, const std::string& dir) {
    exec_sql(dir + "/mail.db", schema_sql_up_to(version));
    exec_sql(dir + "/mail.db", read_file(kFixtures + "/schema_v" + std::to_string(version) + "_data.sql"));
    std::filesystem::create_directories(dir + "/blobs");
    std::filesystem::copy_file(kFixtures + "/v1/00000001.seg", dir + "/blobs/00000001.seg");
    StoreOptions o;
    o.data_dir = dir;
    o.min_free_bytes = 0;
    return must(Store::open(o));
}

TEST(Migration, FromVersion1Fixture) {
    std::string dir = temp_dir("migrate");
    auto store = open_fixture(1, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    EXPECT_EQ(acct.highest_modseq, 3u);
    // Subscriptions moved from the column to their own table.
    auto subs = must(SYNC(std::vector<std::string>, store->list_subscriptions(acct.id, cb)));
    EXPECT_EQ(subs, (std::vector<std::string>{"INBOX"}));
    auto boxes = must(SYNC(std::vector<Mailbox>, store->list_mailboxes(acct.id, cb)));
    ASSERT_EQ(boxes.size(), 2u);
    EXPECT_EQ(boxes[0].name, "INBOX");
    EXPECT_TRUE(boxes[0].subscribed);
    EXPECT_EQ(boxes[0].uid_validity, 1700000001u);
    EXPECT_FALSE(boxes[1].subscribed);
    auto rows = must(SYNC(std::vector<MessageRow>, store->fetch_rows(boxes[0].id, {}, cb)));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].flags.keywords, (std::vector<std::string>{"Legacy"}));
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(rows[0].blob, 0, -1, cb))),
              read_file(kFixtures + "/v1/00000001.seg"));
    // New features work on the migrated store: ACLs, and new deliveries
    // continue the UID and MODSEQ sequences.
    must(SYNC(Unit, store->set_acl(boxes[0].id, AclEntry{"anyone", "lr"}, cb)));
    NewMessage m;
    m.data = sample_message("after-upgrade");
    m.targets = {{acct.id, 0, {}}};
    auto c = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(c.at(0).uid, 2u);
    EXPECT_EQ(c.at(0).modseq, 4u);
    auto created = must(SYNC(Mailbox, store->create_mailbox(acct.id, "New", "", 0, cb)));
    EXPECT_GT(created.uid_validity, 1700000002u);
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, FromVersion2Fixture) {
    std::string dir = temp_dir("migrate2");
    auto store = open_fixture(2, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    auto inbox = *must(SYNC(std::optional<Mailbox>, store->get_mailbox(acct.id, "INBOX", cb)));
    auto acl = must(SYNC(std::vector<AclEntry>, store->get_acl(inbox.id, cb)));
    ASSERT_EQ(acl.size(), 1u);
    EXPECT_EQ(acl[0].rights, "lr");
    auto subs = must(SYNC(std::vector<std::string>, store->list_subscriptions(acct.id, cb)));
    EXPECT_EQ(subs, (std::vector<std::string>{"Gone But Subscribed", "INBOX"}));
    // Version 3's delivery queue works on the upgraded store.
    auto st = must(SYNC(QueueRunStats, store->run_delivery_queue(3600, cb)));
    EXPECT_EQ(st.remaining, 0);
    auto rows = must(SYNC(std::vector<MessageRow>, store->fetch_rows(inbox.id, {}, cb)));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(rows[0].blob, 0, -1, cb))),
              read_file(kFixtures + "/v1/00000001.seg"));
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, FromVersion3Fixture) {
    std::string dir = temp_dir("migrate3");
    auto store = open_fixture(3, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    // Version 3's queue entry survived (not due before 2100).
    auto qs = must(SYNC(QueueRunStats, store->run_delivery_queue(400 * 86400, cb)));
    EXPECT_EQ(qs.remaining, 1);
    EXPECT_EQ(qs.delivered, 0);
    // Version 4: every existing message counts as never downloaded by POP3;
    // UIDLs are those the old version reported (imported one wins).
    auto md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(acct.id, cb)));
    EXPECT_EQ(md.inbox.uid_validity, 1700000001u);
    ASSERT_EQ(md.messages.size(), 2u);
    EXPECT_EQ(md.messages[0].uid, 1u);
    EXPECT_EQ(md.messages[0].retrieved_at, 0);
    EXPECT_EQ(md.messages[0].blob.size, 66);
    EXPECT_EQ(pop3_uidl(md.messages[0], md.inbox.uid_validity), "000000016553F101");
    EXPECT_EQ(pop3_uidl(md.messages[1], md.inbox.uid_validity), "imported-uidl-42");
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(md.messages[1].blob, 0, -1, cb))),
              read_file(kFixtures + "/v1/00000001.seg"));
    // The new column works on the upgraded store, and a first download time
    // is kept when the message is downloaded again.
    must(SYNC(Unit, store->pop3_mark_retrieved(md.inbox.id, {2}, 1800000000, cb)));
    must(SYNC(Unit, store->pop3_mark_retrieved(md.inbox.id, {2}, 1900000000, cb)));
    md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(acct.id, cb)));
    EXPECT_EQ(md.messages[0].retrieved_at, 0);
    EXPECT_EQ(md.messages[1].retrieved_at, 1800000000);
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, FromVersion4Fixture) {
    std::string dir = temp_dir("migrate4");
    auto store = open_fixture(4, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    auto friend_ = *must(SYNC(std::optional<Account>, store->find_account("friend@example.org", cb)));
    // Version 4 data is untouched: the POP3 download time and the ACL.
    auto md = must(SYNC(Pop3Maildrop, store->pop3_maildrop(acct.id, cb)));
    ASSERT_EQ(md.messages.size(), 1u);
    EXPECT_EQ(md.messages[0].retrieved_at, 1700000100);
    auto archive = *must(SYNC(std::optional<Mailbox>, store->get_mailbox(acct.id, "Archive", cb)));
    auto acl = must(SYNC(std::vector<AclEntry>, store->get_acl(archive.id, cb)));
    ASSERT_EQ(acl.size(), 1u);
    EXPECT_EQ(acl[0].rights, "lr");
    // Version 5: no annotations yet; server and mailbox ones can be stored,
    // /private per user, /shared once.
    MetadataScope server{acct.id, 0, acct.id};
    MetadataScope box_owner{acct.id, archive.id, acct.id};
    MetadataScope box_friend{acct.id, archive.id, friend_.id};
    EXPECT_TRUE(must(SYNC(std::vector<MetadataEntry>, store->get_metadata(server, {"/shared/comment"}, 0, cb))).empty());
    must(SYNC(Unit, store->set_metadata(server, {{"/shared/comment", "hello"}}, {}, cb)));
    must(SYNC(Unit, store->set_metadata(box_owner, {{"/private/comment", "mine"}, {"/shared/comment", "ours"}}, {}, cb)));
    auto got = must(SYNC(std::vector<MetadataEntry>,
                         store->get_metadata(box_friend, {"/private/comment", "/shared/comment"}, 0, cb)));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].name, "/shared/comment");
    EXPECT_EQ(got[0].value, "ours");
    // Deleting the mailbox drops its annotations (trigger), not the server's.
    must(SYNC(Unit, store->delete_mailbox(acct.id, "Archive", cb)));
    auto nb = must(SYNC(Mailbox, store->create_mailbox(acct.id, "Archive", "", 0, cb)));
    EXPECT_TRUE(must(SYNC(std::vector<MetadataEntry>,
                          store->get_metadata({acct.id, nb.id, acct.id}, {"/shared"}, -1, cb)))
                    .empty());
    got = must(SYNC(std::vector<MetadataEntry>, store->get_metadata(server, {"/shared/comment"}, 0, cb)));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].value, "hello");
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, FromVersion5Fixture) {
    std::string dir = temp_dir("migrate5");
    auto store = open_fixture(5, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    // Version 5 data is untouched: annotations and the local delivery queue
    // entry (not due before 2100), which still holds its blob reference.
    auto got = must(SYNC(std::vector<MetadataEntry>,
                         store->get_metadata({acct.id, 0, acct.id}, {"/shared/comment"}, 0, cb)));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].value, "server note");
    auto qs = must(SYNC(QueueRunStats, store->run_delivery_queue(400 * 86400, cb)));
    EXPECT_EQ(qs.remaining, 1);
    // Version 6: the outbound queue starts empty and works on the upgraded
    // store, in one transaction with a local copy.
    EXPECT_TRUE(must(SYNC(std::vector<OutboundEntry>, store->list_outbound(cb))).empty());
    NewMessage m;
    m.data = sample_message("after-upgrade");
    m.targets = {{acct.id, 0, {}}};
    m.outbound.emplace();
    m.outbound->queue_id = "UPGRADED1";
    m.outbound->sender = "old@example.org";
    m.outbound->recipients = {{"someone@remote.example", "", 0}};
    auto c = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(c.at(0).uid, 2u);
    auto q = must(SYNC(std::vector<OutboundEntry>, store->list_outbound(cb)));
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].recipients.at(0).domain, "remote.example");
    // Deleting the queue entry leaves the old blob alone (two references).
    must(SYNC(Unit, store->delete_outbound("UPGRADED1", cb)));
    EXPECT_EQ(must(SYNC(CompactionStats, store->compact(-1, cb))).blobs_deleted, 0);
    auto inbox = *must(SYNC(std::optional<Mailbox>, store->get_mailbox(acct.id, "INBOX", cb)));
    auto rows = must(SYNC(std::vector<MessageRow>, store->fetch_rows(inbox.id, {}, cb)));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(rows[0].blob, 0, -1, cb))),
              read_file(kFixtures + "/v1/00000001.seg"));
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, FromVersion6Fixture) {
    std::string dir = temp_dir("migrate6");
    auto store = open_fixture(6, dir);
    auto acct = *must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)));
    // Version 7: existing accounts stay enabled; the rest is untouched.
    EXPECT_FALSE(acct.disabled);
    EXPECT_EQ(acct.credentials.password_hash, "{PLAIN}x");
    auto q = must(SYNC(std::vector<OutboundEntry>, store->list_outbound(cb)));
    ASSERT_EQ(q.size(), 1u);
    EXPECT_EQ(q[0].queue_id, "OLDQ1");
    // The new column works on the upgraded store and does not stop delivery.
    must(SYNC(Unit, store->set_disabled(acct.id, true, cb)));
    EXPECT_TRUE((*must(SYNC(std::optional<Account>, store->find_account("old@example.org", cb)))).disabled);
    NewMessage m;
    m.data = sample_message("to-disabled");
    m.targets = {{acct.id, 0, {}}};
    auto c = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(c.at(0).uid, 2u);
    must(SYNC(Unit, store->set_disabled(acct.id, false, cb)));
    auto list = must(SYNC(std::vector<Account>, store->list_accounts("", cb)));
    ASSERT_EQ(list.size(), 1u);
    EXPECT_FALSE(list[0].disabled);
    auto missing = SYNC(Unit, store->set_disabled(999, true, cb));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, Errc::not_found);
    store->close();
    std::filesystem::remove_all(dir);
}

TEST(Migration, NewerSchemaIsRefused) {
    std::string dir = temp_dir("newer");
    exec_sql(dir + "/mail.db", "CREATE TABLE x(y); PRAGMA user_version = 99;");
    StoreOptions o;
    o.data_dir = dir;
    auto r = Store::open(o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid);
    EXPECT_NE(r.error().message.find("newer than this postamt"), std::string::npos) << r.error().message;
    std::filesystem::remove_all(dir);
}

TEST(Migration, FreshStoreIsAtLatestVersion) {
    std::string dir = temp_dir("fresh");
    StoreOptions o;
    o.data_dir = dir;
    auto store = must(Store::open(o));
    store->close();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/mail.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
    sqlite3_finalize(st);
    // WAL with synchronous=FULL is the durability contract.
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace postamt::store::testing
