// The session's snapshot (numbers, deletion marks, UIDLs), the retention
// selection, UID ranges, and the maildrop lock / LOGIN-DELAY registry.
#include <gtest/gtest.h>

#include <thread>

#include "pop3/maildrop.h"
#include "pop3/maildrop_registry.h"

namespace postamt::pop3 {
namespace {

store::Pop3Maildrop sample(std::size_t n) {
    store::Pop3Maildrop md;
    md.inbox.id = 7;
    md.inbox.uid_validity = 0x65000000;
    for (std::size_t i = 0; i < n; ++i) {
        store::Pop3Message m;
        m.uid = static_cast<store::Uid>(10 + 2 * i);
        m.blob =
            store::BlobRef{static_cast<store::BlobId>(100 + i), static_cast<int64_t>(1000 + i)};
        md.messages.push_back(m);
    }
    return md;
}

TEST(Pop3Maildrop, NumbersSizesAndUidls) {
    auto src = sample(3);
    src.messages[2].imported_uidl = "from-the-old-server";
    Maildrop md(src);
    EXPECT_EQ(md.mailbox_id(), 7);
    EXPECT_EQ(md.size(), 3u);
    EXPECT_EQ(md.live_count(), 3u);
    EXPECT_EQ(md.live_octets(), 1000 + 1001 + 1002);
    EXPECT_EQ(md.octets(2), 1001);
    EXPECT_EQ(md.uidl(1), "0000000A65000000");
    EXPECT_EQ(md.uidl(2), "0000000C65000000");
    EXPECT_EQ(md.uidl(3), "from-the-old-server");
    EXPECT_EQ(md.lookup(0), Lookup::no_such_message);
    EXPECT_EQ(md.lookup(4), Lookup::no_such_message);
    EXPECT_EQ(md.lookup(1), Lookup::ok);
}

TEST(Pop3Maildrop, UnusableImportedUidlFallsBackToTheDerivedOne) {
    auto src = sample(3);
    src.messages[0].imported_uidl = "has space";
    src.messages[1].imported_uidl = std::string(71, 'u');
    src.messages[2].imported_uidl = std::string(70, 'u');
    Maildrop md(src);
    EXPECT_EQ(md.uidl(1), "0000000A65000000");
    EXPECT_EQ(md.uidl(2), "0000000C65000000");
    EXPECT_EQ(md.uidl(3), std::string(70, 'u'));
    EXPECT_FALSE(valid_uidl(""));
    EXPECT_FALSE(valid_uidl("a\r\nb"));
    EXPECT_FALSE(valid_uidl("\xC3\xA4"));
    EXPECT_TRUE(valid_uidl("!~"));
}

TEST(Pop3Maildrop, DeleteAndReset) {
    Maildrop md(sample(4));
    EXPECT_TRUE(md.mark_deleted(2));
    EXPECT_FALSE(md.mark_deleted(2));
    EXPECT_TRUE(md.mark_deleted(4));
    EXPECT_EQ(md.lookup(2), Lookup::deleted);
    EXPECT_EQ(md.live_count(), 2u);
    EXPECT_EQ(md.live_octets(), 1000 + 1002);
    EXPECT_EQ(md.size(), 4u) << "numbers do not shift";
    EXPECT_EQ(md.deleted_uids(), (std::vector<store::Uid>{12, 16}));
    EXPECT_EQ(md.deleted_count(), 2u);
    EXPECT_EQ(md.unmark_all(), 2u);
    EXPECT_EQ(md.live_count(), 4u);
    EXPECT_EQ(md.live_octets(), 1000 + 1001 + 1002 + 1003);
    EXPECT_TRUE(md.deleted_uids().empty());
}

TEST(Pop3Maildrop, RetrievedButDeletedIsNotKept) {
    Maildrop md(sample(3));
    md.mark_retrieved(1);
    md.mark_retrieved(2);
    md.mark_deleted(2);
    EXPECT_EQ(md.retrieved_kept_uids(), (std::vector<store::Uid>{10}));
    md.unmark_all();
    EXPECT_EQ(md.retrieved_kept_uids(), (std::vector<store::Uid>{10, 12}));
}

TEST(Pop3Retention, ExpiresOnlyDownloadsOlderThanThePolicy) {
    auto md = sample(4);
    const int64_t day = 86400, now = 1'800'000'000;
    md.messages[0].retrieved_at = now - 10 * day;     // old download
    md.messages[1].retrieved_at = now - 7 * day;      // exactly 7 days
    md.messages[2].retrieved_at = now - 7 * day + 1;  // a second too young
    md.messages[3].retrieved_at = 0;                  // never downloaded
    EXPECT_EQ(expired_uids(md, now, 7), (std::vector<store::Uid>{10, 12}));
    EXPECT_TRUE(expired_uids(md, now, 0).empty()) << "0 means never";
    EXPECT_EQ(expired_uids(md, now, 30), std::vector<store::Uid>{});
    remove_uids(md, {10, 12});
    ASSERT_EQ(md.messages.size(), 2u);
    EXPECT_EQ(md.messages[0].uid, 14u);
}

TEST(Pop3Ranges, ConsecutiveUidsCollapse) {
    auto r = to_ranges({1, 2, 3, 5, 7, 8, 0xFFFFFFFFu});
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].first, 1u);
    EXPECT_EQ(r[0].last, 3u);
    EXPECT_EQ(r[1].first, 5u);
    EXPECT_EQ(r[1].last, 5u);
    EXPECT_EQ(r[2].first, 7u);
    EXPECT_EQ(r[2].last, 8u);
    EXPECT_EQ(r[3].first, 0xFFFFFFFFu);
    EXPECT_TRUE(to_ranges({}).empty());
}

TEST(Pop3Registry, SecondSessionOnTheSameAccountIsInUse) {
    auto reg = MaildropRegistry::create({true, std::chrono::seconds(0)});
    auto a = reg->admit(1);
    EXPECT_EQ(a.refusal, MaildropRegistry::Refusal::none);
    EXPECT_TRUE(reg->locked(1));
    EXPECT_EQ(reg->admit(1).refusal, MaildropRegistry::Refusal::in_use);
    auto other = reg->admit(2);
    EXPECT_EQ(other.refusal, MaildropRegistry::Refusal::none) << "other accounts are independent";
    a.lock.release();
    EXPECT_FALSE(reg->locked(1));
    auto again = reg->admit(1);
    EXPECT_EQ(again.refusal, MaildropRegistry::Refusal::none);
}

TEST(Pop3Registry, LockGoesWithItsOwnerAndMoves) {
    auto reg = MaildropRegistry::create({true, std::chrono::seconds(0)});
    {
        MaildropRegistry::Lock held;
        {
            auto a = reg->admit(5);
            held = std::move(a.lock);
        }
        EXPECT_TRUE(reg->locked(5)) << "moved lock still holds";
    }
    EXPECT_FALSE(reg->locked(5)) << "destroyed lock releases";
}

TEST(Pop3Registry, WithoutLockingSessionsShareTheMaildrop) {
    auto reg = MaildropRegistry::create({false, std::chrono::seconds(0)});
    auto a = reg->admit(1);
    auto b = reg->admit(1);
    EXPECT_EQ(a.refusal, MaildropRegistry::Refusal::none);
    EXPECT_EQ(b.refusal, MaildropRegistry::Refusal::none);
    EXPECT_FALSE(reg->locked(1));
}

TEST(Pop3Registry, LoginDelay) {
    auto t = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    auto reg = MaildropRegistry::create({true, std::chrono::seconds(60)}, [&] { return t; });
    {
        auto a = reg->admit(1);
        EXPECT_EQ(a.refusal, MaildropRegistry::Refusal::none);
    }
    t += std::chrono::seconds(20);
    auto b = reg->admit(1);
    EXPECT_EQ(b.refusal, MaildropRegistry::Refusal::login_delay);
    EXPECT_EQ(b.retry_after, std::chrono::seconds(40));
    // A refused login does not restart the delay.
    t += std::chrono::seconds(40);
    EXPECT_EQ(reg->admit(1).refusal, MaildropRegistry::Refusal::none);
    EXPECT_EQ(reg->admit(2).refusal, MaildropRegistry::Refusal::none);
}

TEST(Pop3Registry, OldLoginTimesArePruned) {
    auto t = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    auto reg = MaildropRegistry::create({false, std::chrono::seconds(10)}, [&] { return t; });
    for (store::AccountId a = 0; a < 1000; ++a) reg->admit(a);
    t += std::chrono::seconds(11);
    for (store::AccountId a = 1000; a < 1100; ++a) reg->admit(a);
    EXPECT_LE(reg->tracked_logins(), 1100u);
    EXPECT_LT(reg->tracked_logins(), 1000u) << "entries past the delay are dropped";
}

TEST(Pop3Registry, ConcurrentAdmitsLockOnce) {
    auto reg = MaildropRegistry::create({true, std::chrono::seconds(0)});
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    std::vector<MaildropRegistry::Admission> held(8);
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            held[i] = reg->admit(42);
            if (held[i].refusal == MaildropRegistry::Refusal::none) ++granted;
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(granted.load(), 1);
}

}  // namespace
}  // namespace postamt::pop3
