#include <sqlite3.h>

#include <ctime>
#include <set>
#include <thread>

#include "store/mailbox_name.h"
#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

TEST_F(StoreFixture, NewAccountGetsDefaultMailboxesWithSpecialUse) {
    auto boxes = must(SYNC(std::vector<Mailbox>, store->list_mailboxes(bob.id, cb)));
    std::map<std::string, std::string> got;
    for (auto& b : boxes) got[b.name] = b.special_use;
    std::map<std::string, std::string> want{{"INBOX", ""},         {"Sent", "\\Sent"},   {"Drafts", "\\Drafts"},
                                            {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"}};
    EXPECT_EQ(got, want);
    std::set<uint32_t> validities;
    for (auto& b : boxes) {
        EXPECT_TRUE(b.subscribed) << b.name;
        validities.insert(b.uid_validity);
    }
    EXPECT_EQ(validities.size(), boxes.size()) << "UIDVALIDITY must differ per mailbox";
}

TEST_F(StoreFixture, DeliveredBytesAreCanonicalAndReadBack) {
    auto c = deliver_one("Subject: lf only\nFrom: a@b\n\nline one\nline two\n", bob.id);
    ASSERT_EQ(c.error, Errc::ok);
    EXPECT_EQ(c.uid, 1u);
    auto r = rows(inbox.id);
    ASSERT_EQ(r.size(), 1u);
    std::string expected = "Subject: lf only\r\nFrom: a@b\r\n\r\nline one\r\nline two\r\n";
    EXPECT_EQ(blob(r[0]), expected);
    EXPECT_EQ(r[0].blob.size, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(r[0].blob, 18, 10, cb))), expected.substr(18, 10));
    auto mb = mailbox(bob.id, "INBOX");
    EXPECT_EQ(mb.messages, 1u);
    EXPECT_EQ(mb.unseen, 1u);
    EXPECT_EQ(mb.uid_next, 2u);
    EXPECT_EQ(mb.size, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(account(bob.id).used_bytes, static_cast<int64_t>(expected.size()));
}

TEST_F(StoreFixture, UidsAndModseqsUnderConcurrentWriters) {
    constexpr int kThreads = 8, kPerThread = 25;
    std::vector<std::thread> threads;
    std::mutex mu;
    std::vector<DeliveredCopy> all;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                auto c = deliver_one(sample_message("t" + std::to_string(t) + "-" + std::to_string(i)), bob.id);
                std::lock_guard lk(mu);
                all.push_back(c);
            }
        });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
    std::set<Uid> uids;
    std::set<ModSeq> modseqs;
    for (auto& c : all) {
        EXPECT_EQ(c.error, Errc::ok);
        uids.insert(c.uid);
        modseqs.insert(c.modseq);
    }
    EXPECT_EQ(uids.size(), all.size()) << "UIDs must be unique";
    EXPECT_EQ(*uids.begin(), 1u);
    EXPECT_EQ(*uids.rbegin(), static_cast<Uid>(all.size()));
    EXPECT_EQ(modseqs.size(), all.size()) << "each delivery gets its own MODSEQ";
    // UID order and MODSEQ order agree: both are assigned at commit.
    auto r = rows(inbox.id);
    for (std::size_t i = 1; i < r.size(); ++i) EXPECT_LT(r[i - 1].modseq, r[i].modseq);
    EXPECT_EQ(mailbox(bob.id, "INBOX").highest_modseq, r.back().modseq);
}

TEST_F(StoreFixture, FlagChangesBumpModseqOnlyWhenSomethingChanges) {
    for (int i = 0; i < 3; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id);
    auto before = mailbox(bob.id, "INBOX");
    FlagChange ch;
    ch.mailbox = inbox.id;
    ch.uids = {{1, 2}};
    ch.op = FlagOp::add;
    ch.flags.system = kSeen;
    ch.flags.keywords = {"$Forwarded", "Work"};
    auto res = must(SYNC(FlagChangeResult, store->change_flags(ch, cb)));
    ASSERT_EQ(res.changed.size(), 2u);
    EXPECT_GT(res.highest_modseq, before.highest_modseq);
    EXPECT_EQ(res.changed[0].modseq, res.changed[1].modseq) << "one STORE, one MODSEQ (RFC 7162 3.1)";
    EXPECT_EQ(mailbox(bob.id, "INBOX").unseen, 1u);
    // Same again: nothing changes, no new MODSEQ.
    auto again = must(SYNC(FlagChangeResult, store->change_flags(ch, cb)));
    EXPECT_TRUE(again.changed.empty());
    EXPECT_EQ(again.highest_modseq, res.highest_modseq);
    // UNCHANGEDSINCE older than the message's MODSEQ fails for it.
    FlagChange cond = ch;
    cond.op = FlagOp::remove;
    cond.flags = Flags{kSeen, {}};
    cond.uids = {{1, 3}};
    cond.unchanged_since = before.highest_modseq;
    auto c = must(SYNC(FlagChangeResult, store->change_flags(cond, cb)));
    EXPECT_EQ(c.failed, (std::vector<Uid>{1, 2}));
    ASSERT_EQ(c.changed.size(), 0u) << "uid 3 had no \\Seen to remove";
    auto r = rows(inbox.id);
    EXPECT_EQ(r[0].flags.keywords, (std::vector<std::string>{"$Forwarded", "Work"}));
    // Replace.
    FlagChange rep;
    rep.mailbox = inbox.id;
    rep.uids = {{1, 1}};
    rep.op = FlagOp::replace;
    rep.flags = Flags{kFlagged, {"Home"}};
    must(SYNC(FlagChangeResult, store->change_flags(rep, cb)));
    r = rows(inbox.id);
    EXPECT_EQ(r[0].flags, (Flags{kFlagged, {"Home"}}));
    EXPECT_EQ(mailbox(bob.id, "INBOX").unseen, 2u);
}

TEST_F(StoreFixture, ExpungeLeavesTombstonesForQresync) {
    for (int i = 0; i < 4; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id);
    auto mid = mailbox(bob.id, "INBOX").highest_modseq;
    FlagChange del{inbox.id, {{2, 3}}, FlagOp::add, Flags{kDeleted, {}}, std::nullopt};
    must(SYNC(FlagChangeResult, store->change_flags(del, cb)));
    ExpungeRequest ex;
    ex.mailbox = inbox.id;
    auto res = must(SYNC(ExpungeResult, store->expunge(ex, cb)));
    EXPECT_EQ(res.expunged, (std::vector<Uid>{2, 3}));
    auto r = rows(inbox.id);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].uid, 1u);
    EXPECT_EQ(r[1].uid, 4u);
    auto ch = must(SYNC(MailboxChanges, store->changes_since(inbox.id, mid, cb)));
    EXPECT_EQ(ch.expunged, (std::vector<Uid>{2, 3}));
    EXPECT_TRUE(ch.changed.empty());
    EXPECT_TRUE(ch.expunges_complete);
    EXPECT_EQ(ch.highest_modseq, res.highest_modseq);
    auto mb = mailbox(bob.id, "INBOX");
    EXPECT_EQ(mb.messages, 2u);
    EXPECT_EQ(mb.uid_next, 5u) << "UIDs are never reused";
    EXPECT_EQ(account(bob.id).used_messages, 2);
    // Prune every tombstone: the horizon moves and older syncs are incomplete.
    must(SYNC(CompactionStats, store->compact(-1, cb)));
    auto st = must(SYNC(CompactionStats, store->compact(0, cb)));
    (void)st;
    auto later = must(SYNC(MailboxChanges, store->changes_since(inbox.id, mid, cb)));
    // expunged_at < now - 0 only matches tombstones from earlier seconds; make
    // the check independent of timing:
    if (later.expunged.empty()) {
        EXPECT_FALSE(later.expunges_complete);
    }
}

TEST_F(StoreFixture, QuotaRefusesAndAccountsUsage) {
    must(SYNC(Unit, store->set_quota(bob.id, 0, 2, cb)));
    EXPECT_EQ(deliver_one(sample_message("a"), bob.id).error, Errc::ok);
    EXPECT_EQ(deliver_one(sample_message("b"), bob.id).error, Errc::ok);
    auto third = deliver_one(sample_message("c"), bob.id);
    EXPECT_EQ(third.error, Errc::over_quota);
    auto q = SYNC(Unit, store->check_quota(bob.id, 10, cb));
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().code, Errc::over_quota);
    // Byte quota.
    must(SYNC(Unit, store->set_quota(bob.id, 100, 0, cb)));
    EXPECT_EQ(deliver_one(std::string(200, 'x'), bob.id).error, Errc::over_quota);
    must(SYNC(Unit, store->set_quota(bob.id, 0, 0, cb)));
    EXPECT_EQ(deliver_one(std::string(200, 'x'), bob.id).error, Errc::ok);
    auto a = account(bob.id);
    EXPECT_EQ(a.used_messages, 3);
    int64_t sum = 0;
    for (auto& r : rows(inbox.id)) sum += r.blob.size;
    EXPECT_EQ(a.used_bytes, sum);
}

TEST_F(StoreFixture, OneRecipientOverQuotaDoesNotUndoTheOthers) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    auto dave = must(SYNC(Account, store->add_account(NewAccount{"dave@example.org", {}, 1, 0}, cb)));
    auto res = deliver(sample_message("multi"), {{bob.id, 0, {}}, {dave.id, 0, {}}, {carol.id, 0, {}}});
    ASSERT_EQ(res.size(), 3u);
    EXPECT_EQ(res[0].error, Errc::ok);
    EXPECT_EQ(res[1].error, Errc::over_quota);
    EXPECT_EQ(res[2].error, Errc::ok);
    EXPECT_EQ(rows(mailbox(carol.id, "INBOX").id).size(), 1u);
    EXPECT_EQ(rows(mailbox(dave.id, "INBOX").id).size(), 0u);
    EXPECT_EQ(account(dave.id).used_messages, 0);
}

TEST_F(StoreFixture, DeliveryToSeveralRecipientsSharesOneBlob) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    auto res = deliver(sample_message("shared"), {{bob.id, 0, {}}, {carol.id, 0, {}}});
    auto rb = rows(inbox.id);
    auto rc = rows(mailbox(carol.id, "INBOX").id);
    ASSERT_EQ(rb.size(), 1u);
    ASSERT_EQ(rc.size(), 1u);
    EXPECT_EQ(rb[0].blob.id, rc[0].blob.id) << "dedup within one delivery";
    auto other = deliver_one(sample_message("shared"), bob.id);
    auto rb2 = rows(inbox.id);
    EXPECT_NE(rb2[1].blob.id, rb[0].blob.id) << "no dedup across deliveries";
    (void)other;
    (void)res;
}

TEST_F(StoreFixture, CopyAndMoveKeepFlagsAndMapUids) {
    for (int i = 0; i < 3; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id, 0, Flags{kSeen, {"K"}});
    auto archive = mailbox(bob.id, "Archive");
    CopyRequest cp{inbox.id, archive.id, {{1, 2}}, false};
    auto c = must(SYNC(CopyResult, store->copy(cp, cb)));
    EXPECT_EQ(c.dest_uid_validity, archive.uid_validity);
    EXPECT_EQ(c.mapping, (std::vector<std::pair<Uid, Uid>>{{1, 1}, {2, 2}}));
    EXPECT_TRUE(c.expunged.empty());
    auto ar = rows(archive.id);
    ASSERT_EQ(ar.size(), 2u);
    EXPECT_EQ(ar[0].flags, (Flags{kSeen, {"K"}}));
    EXPECT_EQ(account(bob.id).used_messages, 5);
    CopyRequest mv{inbox.id, archive.id, {{3, 3}}, true};
    auto m = must(SYNC(CopyResult, store->copy(mv, cb)));
    EXPECT_EQ(m.mapping, (std::vector<std::pair<Uid, Uid>>{{3, 3}}));
    EXPECT_EQ(m.expunged, (std::vector<Uid>{3}));
    EXPECT_EQ(rows(inbox.id).size(), 2u);
    EXPECT_EQ(rows(archive.id).size(), 3u);
    EXPECT_EQ(account(bob.id).used_messages, 5);
    EXPECT_EQ(blob(rows(archive.id)[2]), sample_message("m2"));
}

TEST_F(StoreFixture, MailboxCreateRenameDelete) {
    auto work = must(SYNC(Mailbox, store->create_mailbox(bob.id, "Work/Projects/Ünïcødé", "", 0, cb)));
    EXPECT_EQ(work.name, "Work/Projects/Ünïcødé");
    EXPECT_EQ(mailbox(bob.id, "Work").name, "Work") << "superiors are created";
    auto dup = SYNC(Mailbox, store->create_mailbox(bob.id, "Work", "", 0, cb));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::already_exists);
    for (const char* bad : {"", "/x", "x/", "a//b", "a/../b", "a*", "%", "bad\x01name", "\xff\xfe"}) {
        auto r = SYNC(Mailbox, store->create_mailbox(bob.id, bad, "", 0, cb));
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid) << bad;
    }
    deliver_one(sample_message("w"), bob.id, work.id);
    must(SYNC(Unit, store->rename_mailbox(bob.id, "Work", "Job", cb)));
    auto renamed = mailbox(bob.id, "Job/Projects/Ünïcødé");
    EXPECT_EQ(renamed.id, work.id);
    EXPECT_EQ(renamed.uid_validity, work.uid_validity);
    EXPECT_EQ(rows(renamed.id).size(), 1u);
    auto subs = must(SYNC(std::vector<std::string>, store->list_subscriptions(bob.id, cb)));
    auto del_parent = SYNC(Unit, store->delete_mailbox(bob.id, "Job", cb));
    ASSERT_FALSE(del_parent.ok());
    EXPECT_EQ(del_parent.error().code, Errc::conflict);
    must(SYNC(Unit, store->delete_mailbox(bob.id, "Job/Projects/Ünïcødé", cb)));
    EXPECT_EQ(account(bob.id).used_messages, 0);
    auto inbox_del = SYNC(Unit, store->delete_mailbox(bob.id, "inbox", cb));
    EXPECT_FALSE(inbox_del.ok());
    // Case-insensitive INBOX.
    EXPECT_EQ(mailbox(bob.id, "InBoX").id, inbox.id);
}

TEST_F(StoreFixture, RenamingInboxMovesItsMessages) {
    deliver_one(sample_message("a"), bob.id);
    deliver_one(sample_message("b"), bob.id);
    must(SYNC(Unit, store->rename_mailbox(bob.id, "INBOX", "Old Mail", cb)));
    auto old = mailbox(bob.id, "Old Mail");
    EXPECT_EQ(rows(old.id).size(), 2u);
    EXPECT_EQ(old.messages, 2u);
    auto in = mailbox(bob.id, "INBOX");
    EXPECT_EQ(in.messages, 0u);
    EXPECT_EQ(rows(in.id).size(), 0u);
    EXPECT_EQ(in.uid_validity, inbox.uid_validity);
    auto c = deliver_one(sample_message("c"), bob.id);
    EXPECT_EQ(c.uid, 3u) << "INBOX keeps its UIDNEXT";
}

TEST_F(StoreFixture, SubscriptionsMayNameMissingMailboxes) {
    must(SYNC(Unit, store->set_subscribed(bob.id, "Nowhere", true, cb)));
    must(SYNC(Unit, store->set_subscribed(bob.id, "Junk", false, cb)));
    auto subs = must(SYNC(std::vector<std::string>, store->list_subscriptions(bob.id, cb)));
    EXPECT_NE(std::find(subs.begin(), subs.end(), "Nowhere"), subs.end());
    EXPECT_EQ(std::find(subs.begin(), subs.end(), "Junk"), subs.end());
}

TEST_F(StoreFixture, AclEntriesAndSharing) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    must(SYNC(Unit, store->set_acl(inbox.id, AclEntry{"carol@example.org", "lrs"}, cb)));
    auto bad = SYNC(Unit, store->set_acl(inbox.id, AclEntry{"carol@example.org", "lrZ"}, cb));
    EXPECT_FALSE(bad.ok());
    using Shared = std::vector<std::pair<Mailbox, AclEntry>>;
    auto shared = must(SYNC(Shared, store->list_shared_with("carol@example.org", cb)));
    ASSERT_EQ(shared.size(), 1u);
    EXPECT_EQ(shared[0].first.id, inbox.id);
    EXPECT_EQ(shared[0].second.rights, "lrs");
    must(SYNC(Unit, store->set_acl(inbox.id, AclEntry{"carol@example.org", ""}, cb)));
    EXPECT_TRUE(must(SYNC(std::vector<AclEntry>, store->get_acl(inbox.id, cb))).empty());
    (void)carol;
}

TEST_F(StoreFixture, DoorbellRingsAfterCommit) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<ModSeq> rung;
    auto sub = store->subscribe(inbox.id, [&](MailboxId m, ModSeq s) {
        std::lock_guard lk(mu);
        EXPECT_EQ(m, inbox.id);
        rung.push_back(s);
        cv.notify_all();
    });
    auto c = deliver_one(sample_message("ring"), bob.id);
    std::unique_lock lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(5), [&] { return !rung.empty(); }));
    EXPECT_EQ(rung.back(), c.modseq);
    lk.unlock();
    {
        Subscription gone = std::move(sub);
    }
    deliver_one(sample_message("silent"), bob.id);
    lk.lock();
    EXPECT_EQ(rung.size(), 1u);
}

TEST_F(StoreFixture, AccountDoorbellRingsForEveryMailboxAndTheList) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::pair<MailboxId, ModSeq>> rung;
    auto sub = store->subscribe_account(bob.id, [&](MailboxId m, ModSeq s) {
        std::lock_guard lk(mu);
        rung.emplace_back(m, s);
        cv.notify_all();
    });
    auto wait_for_count = [&](std::size_t n) {
        std::unique_lock lk(mu);
        return cv.wait_for(lk, std::chrono::seconds(5), [&] { return rung.size() >= n; });
    };
    auto c = deliver_one(sample_message("ring"), bob.id);
    ASSERT_TRUE(wait_for_count(1));
    EXPECT_EQ(rung[0], std::make_pair(inbox.id, c.modseq));
    // CREATE rings the new mailbox and the list (mailbox 0).
    auto mb = must(SYNC(Mailbox, store->create_mailbox(bob.id, "Lists", "", 0, cb)));
    ASSERT_TRUE(wait_for_count(3));
    EXPECT_EQ(rung[1].first, mb.id);
    EXPECT_EQ(rung[2].first, 0);
    must(SYNC(Unit, store->set_subscribed(bob.id, "Lists", true, cb)));
    ASSERT_TRUE(wait_for_count(4));
    EXPECT_EQ(rung[3].first, 0);
    // Subscribing again changes nothing: no ring.
    must(SYNC(Unit, store->set_subscribed(bob.id, "Lists", true, cb)));
    // Another account's delivery does not ring bob's.
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    deliver_one(sample_message("other"), carol.id);
    must(SYNC(Unit, store->rename_mailbox(bob.id, "Lists", "Lists2", cb)));
    ASSERT_TRUE(wait_for_count(6));
    EXPECT_EQ(rung[4].first, mb.id);
    EXPECT_EQ(rung[5].first, 0);
    {
        Subscription gone = std::move(sub);
    }
    deliver_one(sample_message("silent"), bob.id);
    std::lock_guard lk(mu);
    EXPECT_EQ(rung.size(), 6u);
}

TEST_F(StoreFixture, RefcountsAndDeferredDeletionWithPins) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    deliver(sample_message("x"), {{bob.id, 0, {}}, {carol.id, 0, {}}});
    auto row = rows(inbox.id).at(0);
    auto pin = store->pin();  // a session still showing the message
    FlagChange del{inbox.id, {}, FlagOp::add, Flags{kDeleted, {}}, std::nullopt};
    must(SYNC(FlagChangeResult, store->change_flags(del, cb)));
    must(SYNC(ExpungeResult, store->expunge(ExpungeRequest{inbox.id, {}, true}, cb)));
    auto st = must(SYNC(CompactionStats, store->compact(-1, cb)));
    EXPECT_EQ(st.blobs_deleted, 0) << "carol still references it";
    auto cin = mailbox(carol.id, "INBOX");
    must(SYNC(ExpungeResult, store->expunge(ExpungeRequest{cin.id, {}, false}, cb)));
    st = must(SYNC(CompactionStats, store->compact(-1, cb)));
    EXPECT_EQ(st.blobs_deleted, 0) << "pinned: a session may still fetch it";
    EXPECT_EQ(blob(row), sample_message("x"));
    { BlobPin released = std::move(pin); }
    st = must(SYNC(CompactionStats, store->compact(-1, cb)));
    EXPECT_EQ(st.blobs_deleted, 1);
    auto gone = SYNC(std::string, store->read_blob(row.blob, 0, -1, cb));
    EXPECT_FALSE(gone.ok());
}

TEST_F(StoreFixture, SurvivesReopenWithEverything) {
    auto c = deliver_one(sample_message("persist"), bob.id, 0, Flags{kFlagged, {"Keep"}});
    reopen();
    auto r = rows(inbox.id);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].uid, c.uid);
    EXPECT_EQ(r[0].flags, (Flags{kFlagged, {"Keep"}}));
    EXPECT_EQ(blob(r[0]), sample_message("persist"));
    auto next = deliver_one(sample_message("after"), bob.id);
    EXPECT_EQ(next.uid, 2u);
    EXPECT_GT(next.modseq, c.modseq);
}

TEST_F(StoreFixture, StoredSummaryIsAvailable) {
    deliver_one(sample_message("Summary test"), bob.id);
    auto r = rows(inbox.id).at(0);
    auto s = must(SYNC(std::string, store->read_summary(r.blob.id, cb)));
    EXPECT_FALSE(s.empty());
}

TEST_F(StoreFixture, ImportKeepsExplicitUidsAndUidl) {
    auto box = must(SYNC(Mailbox, store->create_mailbox(bob.id, "Imported", "", 1234567, cb)));
    EXPECT_EQ(box.uid_validity, 1234567u);
    NewMessage m;
    m.data = sample_message("old");
    m.targets = {{bob.id, box.id, {}}};
    m.uid = 42;
    m.pop3_uidl = "UID42-1234567";
    auto r = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(r.at(0).uid, 42u);
    m.uid = 10;
    r = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(r.at(0).error, Errc::invalid) << "UIDs never go backwards";
    must(SYNC(Unit, store->set_uid_next(box.id, 100, cb)));
    EXPECT_EQ(mailbox(bob.id, "Imported").uid_next, 100u);
    auto rr = rows(box.id);
    EXPECT_EQ(pop3_uidl(rr.at(0), box.uid_validity), "UID42-1234567");
    MessageRow plain;
    plain.uid = 0x2a;
    EXPECT_EQ(pop3_uidl(plain, 0x12d687), "0000002A0012D687");
}

TEST(MailboxName, Normalisation) {
    EXPECT_EQ(normalize_mailbox_name("inbox"), "INBOX");
    EXPECT_EQ(normalize_mailbox_name("Inbox/Sub"), "INBOX/Sub");
    EXPECT_EQ(normalize_mailbox_name("Inboxes"), "Inboxes");
    EXPECT_EQ(normalize_mailbox_name("Gesendete Objekte"), "Gesendete Objekte");
    EXPECT_EQ(normalize_mailbox_name("Skickat/Åtgärder"), "Skickat/Åtgärder");
    EXPECT_FALSE(normalize_mailbox_name(std::string("a\0b", 3)));
    EXPECT_FALSE(normalize_mailbox_name("\xc0\xaf"));  // overlong '/'
    EXPECT_FALSE(normalize_mailbox_name("\xed\xa0\x80"));  // surrogate
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += (i ? "/x" : "x");
    EXPECT_FALSE(normalize_mailbox_name(deep));
}

TEST(Address, SplitAndNormalise) {
    auto a = split_address("Bob.Smith@Example.ORG");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->first, "bob.smith");
    EXPECT_EQ(a->second, "example.org");
    EXPECT_TRUE(split_address("\"quoted local\"@example.org") == std::nullopt) << "spaces are refused";
    EXPECT_TRUE(split_address("jörg@bücher.example"));
    for (const char* bad : {"", "@", "a@", "@b", "no-at", "a@b..c", "a@.b", "a@b.", "a b@c", "a@b/c"})
        EXPECT_FALSE(split_address(bad)) << bad;
}

}  // namespace
}  // namespace postamt::store::testing

namespace postamt::store::testing {
namespace {

TEST_F(StoreFixture, UidValidityOfAnEmptyMailboxCanBeImported) {
    must(SYNC(Unit, store->set_uid_validity(inbox.id, 777, cb)));
    auto mb = mailbox(bob.id, "INBOX");
    EXPECT_EQ(mb.uid_validity, 777u);
    EXPECT_EQ(mb.uid_next, 1u);
    deliver_one(sample_message("a"), bob.id);
    auto full = SYNC(Unit, store->set_uid_validity(inbox.id, 778, cb));
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().code, Errc::conflict);
}

}  // namespace
}  // namespace postamt::store::testing

namespace postamt::store::testing {
namespace {

TEST_F(StoreFixture, FailedCopiesWaitInTheDeliveryQueueAndAreRetried) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    must(SYNC(Unit, store->set_quota(carol.id, 0, 1, cb)));
    deliver_one(sample_message("fills carol"), carol.id);
    NewMessage m;
    m.data = sample_message("to both");
    m.targets = {{bob.id, 0, {}}, {carol.id, 0, Flags{kFlagged, {}}}};
    m.queue_failures = true;
    auto res = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(res[0].error, Errc::ok);
    EXPECT_EQ(res[1].error, Errc::over_quota);
    EXPECT_TRUE(res[1].queued);
    auto cin = mailbox(carol.id, "INBOX");
    EXPECT_EQ(cin.messages, 1u);

    int64_t t0 = static_cast<int64_t>(std::time(nullptr));
    auto early = must(SYNC(QueueRunStats, store->run_delivery_queue(86400, cb, t0)));
    EXPECT_EQ(early.delivered + early.deferred, 0) << "not due yet";
    EXPECT_EQ(early.remaining, 1);
    auto full = must(SYNC(QueueRunStats, store->run_delivery_queue(86400, cb, t0 + 61)));
    EXPECT_EQ(full.deferred, 1) << "still over quota";
    must(SYNC(Unit, store->set_quota(carol.id, 0, 0, cb)));
    auto ok = must(SYNC(QueueRunStats, store->run_delivery_queue(86400, cb, t0 + 61 + 121)));
    EXPECT_EQ(ok.delivered, 1);
    EXPECT_EQ(ok.remaining, 0);
    auto r = rows(cin.id);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(blob(r[1]), sample_message("to both"));
    EXPECT_EQ(r[1].flags.system, static_cast<uint32_t>(kFlagged));
    EXPECT_EQ(rows(inbox.id).size(), 1u) << "bob is never delivered twice";
    EXPECT_EQ(r[1].blob.id, rows(inbox.id)[0].blob.id);
}

TEST_F(StoreFixture, NothingIsQueuedWhenEveryCopyFailed) {
    must(SYNC(Unit, store->set_quota(bob.id, 0, 1, cb)));
    deliver_one(sample_message("fills"), bob.id);
    NewMessage m;
    m.data = sample_message("refused");
    m.targets = {{bob.id, 0, {}}};
    m.queue_failures = true;
    auto res = must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_EQ(res[0].error, Errc::over_quota);
    EXPECT_FALSE(res[0].queued) << "the sender got a 4xx and keeps the message";
    auto st = must(SYNC(QueueRunStats, store->run_delivery_queue(86400, cb, static_cast<int64_t>(std::time(nullptr)) + 3600)));
    EXPECT_EQ(st.remaining, 0);
}

TEST_F(StoreFixture, ExpiredQueueEntriesAreDroppedAndReleaseTheirBlob) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    must(SYNC(Unit, store->set_quota(carol.id, 0, 1, cb)));
    deliver_one(sample_message("fills carol"), carol.id);
    NewMessage m;
    m.data = sample_message("late");
    m.targets = {{bob.id, 0, {}}, {carol.id, 0, {}}};
    m.queue_failures = true;
    must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    auto st = must(SYNC(QueueRunStats, store->run_delivery_queue(3600, cb, static_cast<int64_t>(std::time(nullptr)) + 7200)));
    EXPECT_EQ(st.expired, 1);
    EXPECT_EQ(st.remaining, 0);
    // Bob expunges his copy: the blob has no reference left and is collected.
    must(SYNC(ExpungeResult, store->expunge(ExpungeRequest{inbox.id, {}, false}, cb)));
    auto c = must(SYNC(CompactionStats, store->compact(-1, cb)));
    EXPECT_EQ(c.blobs_deleted, 1);
}

}  // namespace
}  // namespace postamt::store::testing
