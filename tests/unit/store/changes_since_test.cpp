// changes_since() callers asking the same question at once share one query
// (thousands of IDLE sessions woken by one ring); every caller still gets
// the full answer, and a caller that asks after a commit sees that commit.
#include <condition_variable>
#include <mutex>
#include <vector>

#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

struct Collected {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Result<MailboxChanges>> results;

    Callback<MailboxChanges> callback() {
        return [this](Result<MailboxChanges> r) {
            std::lock_guard<std::mutex> lk(mu);
            results.push_back(std::move(r));
            cv.notify_all();
        };
    }
    void wait_for(std::size_t n) {
        std::unique_lock<std::mutex> lk(mu);
        ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(30), [&] { return results.size() >= n; }))
            << results.size() << " of " << n << " answers";
    }
};

TEST_F(StoreFixture, ChangesSinceManyCallersAtOnceAllGetTheWholeAnswer) {
    const ModSeq before = mailbox(bob.id, "INBOX").highest_modseq;
    for (int i = 0; i < 3; ++i) deliver_one(sample_message("m" + std::to_string(i)), bob.id);
    Collected c;
    for (int i = 0; i < 500; ++i) store->changes_since(inbox.id, before, c.callback());
    c.wait_for(500);
    ASSERT_EQ(c.results.size(), 500u);
    for (auto& r : c.results) {
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r.value().changed.size(), 3u);
        EXPECT_EQ(r.value().changed[0].uid, 1u);
        EXPECT_EQ(r.value().changed[2].uid, 3u);
        EXPECT_EQ(r.value().uid_next, 4u);
    }
}

TEST_F(StoreFixture, ChangesSinceAskedAfterACommitSeesIt) {
    const ModSeq before = mailbox(bob.id, "INBOX").highest_modseq;
    deliver_one(sample_message("first"), bob.id);
    Collected early, late;
    // Rounds of early questions, a commit, then the same question again:
    // whatever was still queued may be joined, but nothing that read before
    // the commit may answer the late callers.
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 50; ++i) store->changes_since(inbox.id, before, early.callback());
        deliver_one(sample_message("late" + std::to_string(round)), bob.id);
        const std::size_t expected = 2 + std::size_t(round);
        Collected this_round;
        for (int i = 0; i < 50; ++i) store->changes_since(inbox.id, before, this_round.callback());
        this_round.wait_for(50);
        for (auto& r : this_round.results) {
            ASSERT_TRUE(r.ok());
            EXPECT_GE(r.value().changed.size(), expected) << "round " << round;
        }
    }
    early.wait_for(1000);
    for (auto& r : early.results) EXPECT_TRUE(r.ok());
}

TEST_F(StoreFixture, ChangesSinceOfAMissingMailboxFailsForEveryCaller) {
    Collected c;
    for (int i = 0; i < 20; ++i) store->changes_since(987654, 0, c.callback());
    c.wait_for(20);
    for (auto& r : c.results) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::not_found);
    }
}

TEST_F(StoreFixture, ChangesSinceAfterCloseAnswersAndDoesNotHang) {
    store->close();
    Collected c;
    for (int i = 0; i < 3; ++i) store->changes_since(inbox.id, 0, c.callback());
    c.wait_for(3);
    for (auto& r : c.results) EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace postamt::store::testing
