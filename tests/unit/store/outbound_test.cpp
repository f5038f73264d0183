// The outbound queue (outbound_ops.cpp): enqueue with deliver(), leases,
// outcomes, reports (DSNs) stored exactly once, blob lifetime, admin calls.
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

class OutboundTest : public StoreFixture {
  protected:
    OutboundEnvelope envelope(const std::string& qid, std::vector<std::string> rcpts,
                              std::string sender = "bob@example.org") {
        OutboundEnvelope e;
        e.queue_id = qid;
        e.sender = std::move(sender);
        e.sender_account = bob.id;
        for (auto& r : rcpts) e.recipients.push_back(OutboundRecipient{r, "", 0});
        return e;
    }
    Result<std::vector<DeliveredCopy>> enqueue(const std::string& data, OutboundEnvelope env,
                                               std::vector<DeliveryTarget> targets = {}) {
        NewMessage m;
        m.data = data;
        m.targets = std::move(targets);
        m.outbound = std::move(env);
        return SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb));
    }
    std::vector<OutboundEntry> list() {
        return must(SYNC(std::vector<OutboundEntry>, store->list_outbound(cb)));
    }
    std::vector<OutboundJob> claim(const std::string& owner, int64_t at, int64_t lease = 600,
                                   std::size_t max = 100) {
        return must(
            SYNC(std::vector<OutboundJob>, store->claim_outbound(owner, at, lease, max, cb)));
    }
    std::vector<OutboundDsn> complete(const std::string& owner, std::vector<OutboundOutcome> o,
                                      int64_t delay_after = 0) {
        return must(SYNC(std::vector<OutboundDsn>,
                         store->complete_outbound(owner, std::move(o), delay_after, cb)));
    }
    static OutboundOutcome outcome(int64_t id, OutboundOutcome::Kind k, std::string status = "",
                                   int64_t next = 0, int64_t at = 0) {
        OutboundOutcome o;
        o.recipient_id = id;
        o.kind = k;
        o.status = std::move(status);
        o.diagnostic = "remote said so";
        o.remote_mta = "mx.remote.example";
        o.next_attempt = next;
        o.attempt_time = at;
        return o;
    }
    int64_t compact_blobs() {
        return must(SYNC(CompactionStats, store->compact(-1, cb))).blobs_deleted;
    }
};

TEST_F(OutboundTest, EnqueueWithoutLocalTargets) {
    auto env = envelope("Q1", {"Carol@Remote.Example", "dave@other.example"});
    env.envid = "env-1";
    env.ret = 2;
    env.smtputf8 = true;
    env.body_8bit = true;
    env.recipients[0].orcpt = "rfc822;Carol@Remote.Example";
    env.recipients[0].notify = kNotifyFailure | kNotifyDelay;
    int64_t before = now_s();
    auto copies = must(enqueue(sample_message("out1"), env));
    EXPECT_TRUE(copies.empty());
    auto l = list();
    ASSERT_EQ(l.size(), 1u);
    const auto& e = l[0];
    EXPECT_EQ(e.queue_id, "Q1");
    EXPECT_EQ(e.sender, "bob@example.org");
    EXPECT_EQ(e.sender_account, bob.id);
    EXPECT_EQ(e.envid, "env-1");
    EXPECT_EQ(e.ret, 2);
    EXPECT_TRUE(e.smtputf8);
    EXPECT_TRUE(e.body_8bit);
    EXPECT_FALSE(e.delay_warned);
    EXPECT_GE(e.arrival, before);
    EXPECT_EQ(e.blob.size, static_cast<int64_t>(sample_message("out1").size()));
    ASSERT_EQ(e.recipients.size(), 2u);
    EXPECT_EQ(e.recipients[0].address, "Carol@Remote.Example");  // as given
    EXPECT_EQ(e.recipients[0].domain, "remote.example");
    EXPECT_EQ(e.recipients[0].orcpt, "rfc822;Carol@Remote.Example");
    EXPECT_EQ(e.recipients[0].notify, kNotifyFailure | kNotifyDelay);
    EXPECT_EQ(e.recipients[0].state, "pending");
    EXPECT_EQ(e.recipients[0].attempts, 0);
    EXPECT_EQ(e.recipients[1].domain, "other.example");
    EXPECT_TRUE(rows(inbox.id).empty());
    // The bytes are readable through the entry's blob reference.
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(e.blob, 0, -1, cb))), sample_message("out1"));
    auto shown = must(SYNC(OutboundEntry, store->show_outbound("Q1", cb)));
    EXPECT_EQ(shown.recipients.size(), 2u);
    EXPECT_EQ(shown.headers.rfind("From: Alice <alice@example.net>\r\n", 0), 0u);
    EXPECT_NE(shown.headers.find("Subject: out1\r\n"), std::string::npos);
    EXPECT_EQ(shown.headers.find("Hello."), std::string::npos);  // no body
    EXPECT_EQ(SYNC(OutboundEntry, store->show_outbound("nope", cb)).error().code, Errc::not_found);
}

TEST_F(OutboundTest, EnqueueWithLocalTargetsInOneTransaction) {
    auto copies = must(enqueue(sample_message("mixed"), envelope("Q2", {"x@remote.example"}),
                               {DeliveryTarget{bob.id, 0, {}}}));
    ASSERT_EQ(copies.size(), 1u);
    EXPECT_EQ(copies[0].error, Errc::ok);
    auto r = rows(inbox.id);
    ASSERT_EQ(r.size(), 1u);
    auto l = list();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].blob.id, r[0].blob.id);  // one blob shared by the copy and the entry
}

TEST_F(OutboundTest, FailingQueueInsertFailsTheWholeDelivery) {
    must(enqueue(sample_message("first"), envelope("DUP", {"x@remote.example"})));
    auto dup = enqueue(sample_message("second"), envelope("DUP", {"y@remote.example"}),
                       {DeliveryTarget{bob.id, 0, {}}});
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, Errc::already_exists);
    auto bad = enqueue(sample_message("third"), envelope("BAD", {"no-at-sign"}),
                       {DeliveryTarget{bob.id, 0, {}}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, Errc::invalid);
    auto empty = enqueue(sample_message("fourth"), envelope("", {"x@remote.example"}),
                         {DeliveryTarget{bob.id, 0, {}}});
    EXPECT_FALSE(empty.ok());
    // No local copy and no queue entry from the refused deliveries.
    EXPECT_TRUE(rows(inbox.id).empty());
    auto l = list();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].recipients.at(0).address, "x@remote.example");
    EXPECT_EQ(account(bob.id).used_messages, 0);
}

TEST_F(OutboundTest, ClaimGroupsByEntryAndDomainAndLeases) {
    must(enqueue(sample_message("g"),
                 envelope("G", {"a1@a.example", "b1@b.example", "a2@A.example"})));
    int64_t t = now_s() + 1;
    auto jobs = claim("node1", t, 300);
    ASSERT_EQ(jobs.size(), 2u);
    std::map<std::string, OutboundJob> by_domain;
    for (auto& j : jobs) by_domain[j.domain] = j;
    ASSERT_EQ(by_domain["a.example"].recipients.size(), 2u);
    EXPECT_EQ(by_domain["a.example"].recipients[0].address, "a1@a.example");
    EXPECT_EQ(by_domain["a.example"].recipients[1].address, "a2@A.example");
    EXPECT_EQ(by_domain["b.example"].recipients.size(), 1u);
    const auto& j = by_domain["a.example"];
    EXPECT_EQ(j.queue_id, "G");
    EXPECT_EQ(j.sender, "bob@example.org");
    EXPECT_EQ(j.size, static_cast<int64_t>(sample_message("g").size()));
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(j.blob, 0, -1, cb))), sample_message("g"));
    // Leased: nobody gets them again while the lease lives.
    EXPECT_TRUE(claim("node2", t + 10).empty());
    EXPECT_TRUE(claim("node1", t + 299).empty());
    auto l = list();
    EXPECT_EQ(l[0].recipients[0].lease_owner, "node1");
    EXPECT_EQ(l[0].recipients[0].lease_expiry, t + 300);
    auto stats = must(SYNC(OutboundStats, store->outbound_stats(cb, t + 10)));
    EXPECT_EQ(stats.entries, 1);
    EXPECT_EQ(stats.recipients_pending, 3);
    EXPECT_EQ(stats.recipients_leased, 3);
    EXPECT_EQ(stats.next_due, t + 300);
    // node1 died: after the lease expired node2 takes them over.
    auto again = claim("node2", t + 300);
    std::size_t n = 0;
    for (auto& jj : again) n += jj.recipients.size();
    EXPECT_EQ(n, 3u);
    // node1's late outcome is ignored; node2's counts.
    auto rid = by_domain["b.example"].recipients[0].id;
    EXPECT_TRUE(complete("node1", {outcome(rid, OutboundOutcome::delivered, "2.0.0")}).empty());
    EXPECT_EQ(list()[0].recipients[1].state, "pending");
    complete("node2", {outcome(rid, OutboundOutcome::delivered, "2.0.0")});
    EXPECT_EQ(list()[0].recipients[1].state, "delivered");
    // max_recipients caps a claim.
    must(
        enqueue(sample_message("h"), envelope("H", {"1@c.example", "2@c.example", "3@c.example"})));
    auto capped = claim("node3", now_s() + 1, 60, 2);
    ASSERT_EQ(capped.size(), 1u);
    EXPECT_EQ(capped[0].recipients.size(), 2u);
}

TEST_F(OutboundTest, RestartedNodeReleasesItsOldLeases) {
    must(enqueue(sample_message("r1"), envelope("R1", {"a@r.example"})));
    must(enqueue(sample_message("r2"), envelope("R2", {"b@s.example"})));
    int64_t t = now_s();
    auto mine = claim("mail1:100:5", t, 600, 1);
    auto other = claim("mail10:7:5", t, 600, 1);
    ASSERT_EQ(mine.size(), 1u);
    ASSERT_EQ(other.size(), 1u);
    // The node restarted (new pid): its old leases go, mail10's stay.
    EXPECT_EQ(must(SYNC(int64_t, store->release_outbound_leases("mail1:", cb))), 1);
    auto again = claim("mail1:200:9", now_s());
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].queue_id, mine[0].queue_id);
    EXPECT_TRUE(claim("mail1:200:9", now_s()).empty());
    // The old run's late outcome is ignored.
    EXPECT_TRUE(complete("mail1:100:5",
                         {outcome(mine[0].recipients[0].id, OutboundOutcome::failed, "5.0.0")})
                    .empty());
    EXPECT_EQ(list().at(0).recipients.at(0).state, "pending");
    EXPECT_EQ(SYNC(int64_t, store->release_outbound_leases("", cb)).error().code, Errc::invalid);
}

TEST_F(OutboundTest, TwoOwnersNeverGetTheSameRecipient) {
    for (int i = 0; i < 40; ++i) {
        std::vector<std::string> r;
        for (int k = 0; k < 5; ++k)
            r.push_back("r" + std::to_string(k) + "@d" + std::to_string(k % 2) + ".example");
        must(
            enqueue(sample_message("m" + std::to_string(i)), envelope("M" + std::to_string(i), r)));
    }
    std::mutex mu;
    std::multiset<int64_t> got;
    int64_t t = now_s() + 1;
    auto worker = [&](std::string owner) {
        for (int round = 0; round < 40; ++round) {
            auto jobs =
                must(SYNC(std::vector<OutboundJob>, store->claim_outbound(owner, t, 600, 7, cb)));
            std::lock_guard lk(mu);
            for (auto& j : jobs)
                for (auto& r : j.recipients) got.insert(r.id);
        }
    };
    std::thread a(worker, "alpha"), b(worker, "beta");
    a.join();
    b.join();
    EXPECT_EQ(got.size(), 200u);
    EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).size(), got.size());
}

TEST_F(OutboundTest, CompleteDeliveredDeferredFailedAndBounceOnce) {
    auto env = envelope("C", {"ok@r.example", "later@r.example", "bad@r.example"});
    must(enqueue(sample_message("c"), env));
    int64_t t = now_s() + 1;
    auto jobs = claim("n", t);
    ASSERT_EQ(jobs.size(), 1u);
    auto& rc = jobs[0].recipients;
    ASSERT_EQ(rc.size(), 3u);
    auto dsns = complete("n", {outcome(rc[0].id, OutboundOutcome::delivered, "2.0.0", 0, t),
                               outcome(rc[1].id, OutboundOutcome::deferred, "4.2.0", t + 600, t),
                               outcome(rc[2].id, OutboundOutcome::failed, "5.1.1", 0, t)});
    ASSERT_EQ(dsns.size(), 1u);
    EXPECT_FALSE(dsns[0].delay);
    EXPECT_EQ(dsns[0].entry.queue_id, "C");
    ASSERT_EQ(dsns[0].entry.recipients.size(), 1u);
    const auto& failed = dsns[0].entry.recipients[0];
    EXPECT_EQ(failed.address, "bad@r.example");
    EXPECT_EQ(failed.state, "failed");
    EXPECT_EQ(failed.status, "5.1.1");
    EXPECT_EQ(failed.diagnostic, "remote said so");
    EXPECT_EQ(failed.remote_mta, "mx.remote.example");
    EXPECT_EQ(failed.attempts, 1);
    EXPECT_EQ(failed.last_attempt, t);
    auto e = list().at(0);
    EXPECT_EQ(e.recipients[0].state, "delivered");
    EXPECT_EQ(e.recipients[1].state, "pending");
    EXPECT_EQ(e.recipients[1].next_attempt, t + 600);
    EXPECT_EQ(e.recipients[1].attempts, 1);
    EXPECT_EQ(e.recipients[1].lease_owner, "");
    // The deferred one is due only at its next attempt.
    EXPECT_TRUE(claim("n", t + 599).empty());
    // The report owed survives a restart (runner died before storing it).
    reopen();
    auto owed = must(SYNC(std::vector<OutboundDsn>, store->pending_outbound_dsns(cb)));
    ASSERT_EQ(owed.size(), 1u);
    ASSERT_EQ(owed[0].entry.recipients.size(), 1u);
    EXPECT_EQ(owed[0].entry.recipients[0].id, failed.id);
    // The DSN goes to the (local) sender with bounce_for: stored once.
    NewMessage dsn;
    dsn.data = sample_message("dsn");
    dsn.targets = {DeliveryTarget{bob.id, 0, {}}};
    dsn.bounce_for = {failed.id};
    must(SYNC(std::vector<DeliveredCopy>, store->deliver(dsn, cb)));
    auto second = SYNC(std::vector<DeliveredCopy>, store->deliver(dsn, cb));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, Errc::already_exists);
    EXPECT_EQ(rows(inbox.id).size(), 1u);
    EXPECT_TRUE(must(SYNC(std::vector<OutboundDsn>, store->pending_outbound_dsns(cb))).empty());
    e = list().at(0);
    EXPECT_EQ(e.recipients[2].state, "bounced");
    EXPECT_FALSE(e.recipients[2].dsn_due);
    // The last recipient delivered: the entry goes.
    auto j2 = claim("n", t + 600);
    ASSERT_EQ(j2.size(), 1u);
    EXPECT_EQ(j2[0].recipients.at(0).attempts, 1);
    EXPECT_TRUE(
        complete("n", {outcome(j2[0].recipients[0].id, OutboundOutcome::delivered, "2.0.0")})
            .empty());
    EXPECT_TRUE(list().empty());
}

TEST_F(OutboundTest, ReportToRemoteSenderIsQueuedWithTheNullSender) {
    must(enqueue(sample_message("fwd"), envelope("F", {"gone@r.example"}, "someone@far.example")));
    auto jobs = claim("n", now_s() + 1);
    auto dsns =
        complete("n", {outcome(jobs.at(0).recipients.at(0).id, OutboundOutcome::failed, "5.1.1")});
    ASSERT_EQ(dsns.size(), 1u);
    NewMessage m;
    m.data = sample_message("bounce");
    m.outbound = envelope("F-DSN", {"someone@far.example"}, "");
    m.bounce_for = {dsns[0].entry.recipients.at(0).id};
    must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    // The original is done (bounced); the DSN waits in the queue.
    auto l = list();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].queue_id, "F-DSN");
    EXPECT_EQ(l[0].sender, "");
    // A second attempt to store it (another runner) fails as a whole: no
    // second queue entry.
    m.outbound->queue_id = "F-DSN2";
    auto again = SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::already_exists);
    EXPECT_EQ(list().size(), 1u);
    // Reports for an entry an admin deleted are refused too.
    must(enqueue(sample_message("del"), envelope("X", {"a@r.example"})));
    jobs = claim("n", now_s() + 1);
    ASSERT_EQ(jobs.size(), 2u);  // F-DSN is due too
    const auto& x = jobs[0].queue_id == "X" ? jobs[0] : jobs[1];
    EXPECT_EQ(x.queue_id, "X");
    dsns = complete("n", {outcome(x.recipients.at(0).id, OutboundOutcome::failed, "5.0.0")});
    ASSERT_EQ(dsns.size(), 1u);
    must(SYNC(Unit, store->delete_outbound("X", cb)));
    NewMessage late;
    late.data = sample_message("late");
    late.targets = {DeliveryTarget{bob.id, 0, {}}};
    late.bounce_for = {dsns[0].entry.recipients[0].id};
    EXPECT_EQ(SYNC(std::vector<DeliveredCopy>, store->deliver(late, cb)).error().code,
              Errc::already_exists);
    EXPECT_TRUE(rows(inbox.id).empty());
}

TEST_F(OutboundTest, TwoRunnersOnOneEntryGetDisjointReports) {
    must(enqueue(sample_message("two"), envelope("T", {"x@a.example", "y@b.example"})));
    int64_t t = now_s();
    auto ja = claim("A", t, 600, 1);
    auto jb = claim("B", t, 600, 1);
    ASSERT_EQ(ja.size(), 1u);
    ASSERT_EQ(jb.size(), 1u);
    auto da = complete("A", {outcome(ja[0].recipients.at(0).id, OutboundOutcome::failed, "5.1.1")});
    // B finishes before A stored its DSN: B is told only about its own.
    auto db = complete("B", {outcome(jb[0].recipients.at(0).id, OutboundOutcome::failed, "5.1.1")});
    ASSERT_EQ(da.size(), 1u);
    ASSERT_EQ(db.size(), 1u);
    ASSERT_EQ(da[0].entry.recipients.size(), 1u);
    ASSERT_EQ(db[0].entry.recipients.size(), 1u);
    EXPECT_EQ(da[0].entry.recipients[0].address, "x@a.example");
    EXPECT_EQ(db[0].entry.recipients[0].address, "y@b.example");
    // Both owed reports are still listed for recovery.
    auto owed = must(SYNC(std::vector<OutboundDsn>, store->pending_outbound_dsns(cb)));
    ASSERT_EQ(owed.size(), 1u);
    EXPECT_EQ(owed[0].entry.recipients.size(), 2u);
    for (const auto* d : {&da[0], &db[0]}) {
        NewMessage m;
        m.data = sample_message("dsn-" + d->entry.recipients[0].address);
        m.targets = {DeliveryTarget{bob.id, 0, {}}};
        m.bounce_for = {d->entry.recipients[0].id};
        must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    }
    EXPECT_EQ(rows(inbox.id).size(), 2u);
    EXPECT_TRUE(list().empty());
}

TEST_F(OutboundTest, NoReportForNullSenderOrNotifyNever) {
    auto env = envelope("N", {"a@r.example"}, "");
    must(enqueue(sample_message("n1"), env));
    auto env2 = envelope("N2", {"b@r.example", "c@r.example"});
    env2.recipients[0].notify = kNotifyNever;
    env2.recipients[1].notify = kNotifySuccess;  // failure not asked for
    must(enqueue(sample_message("n2"), env2));
    auto jobs = claim("n", now_s() + 1);
    std::vector<OutboundOutcome> o;
    for (auto& j : jobs)
        for (auto& r : j.recipients) o.push_back(outcome(r.id, OutboundOutcome::failed, "5.0.0"));
    EXPECT_EQ(o.size(), 3u);
    EXPECT_TRUE(complete("n", o).empty());
    EXPECT_TRUE(list().empty());  // all final, nothing owed
    EXPECT_EQ(compact_blobs(), 2);
}

TEST_F(OutboundTest, SuccessReportWhenAsked) {
    auto env = envelope("S", {"a@r.example"});
    env.recipients[0].notify = kNotifySuccess | kNotifyFailure;
    must(enqueue(sample_message("s"), env));
    auto jobs = claim("n", now_s() + 1);
    auto dsns = complete(
        "n", {outcome(jobs.at(0).recipients.at(0).id, OutboundOutcome::delivered, "2.0.0")});
    ASSERT_EQ(dsns.size(), 1u);
    EXPECT_EQ(dsns[0].entry.recipients.at(0).state, "delivered");
    ASSERT_EQ(list().size(), 1u);  // kept until the report is stored
    NewMessage m;
    m.data = sample_message("report");
    m.targets = {DeliveryTarget{bob.id, 0, {}}};
    m.bounce_for = {dsns[0].entry.recipients[0].id};
    must(SYNC(std::vector<DeliveredCopy>, store->deliver(m, cb)));
    EXPECT_TRUE(list().empty());
}

TEST_F(OutboundTest, DelayWarningOnceAndExpiry) {
    auto env = envelope("D", {"slow@r.example", "quiet@r.example"});
    env.recipients[1].notify = kNotifyFailure;  // no delay warnings for this one
    must(enqueue(sample_message("d"), env));
    int64_t arrival = list().at(0).arrival;
    auto jobs = claim("n", arrival + 10);
    auto& rc = jobs.at(0).recipients;
    // Young entry: no warning.
    auto d0 = complete(
        "n",
        {outcome(rc[0].id, OutboundOutcome::deferred, "4.4.1", arrival + 3000, arrival + 10),
         outcome(rc[1].id, OutboundOutcome::deferred, "4.4.1", arrival + 3000, arrival + 10)},
        3600);
    EXPECT_TRUE(d0.empty());
    jobs = claim("n", arrival + 4000);
    ASSERT_EQ(jobs.size(), 1u);
    auto d1 = complete("n",
                       {outcome(jobs[0].recipients[0].id, OutboundOutcome::deferred, "4.4.1",
                                arrival + 9000, arrival + 4000),
                        outcome(jobs[0].recipients[1].id, OutboundOutcome::deferred, "4.4.1",
                                arrival + 9000, arrival + 4000)},
                       3600);
    ASSERT_EQ(d1.size(), 1u);
    EXPECT_TRUE(d1[0].delay);
    ASSERT_EQ(d1[0].entry.recipients.size(), 1u);
    EXPECT_EQ(d1[0].entry.recipients[0].address, "slow@r.example");
    EXPECT_EQ(d1[0].entry.recipients[0].state, "pending");
    NewMessage warn;
    warn.data = sample_message("delayed");
    warn.targets = {DeliveryTarget{bob.id, 0, {}}};
    warn.delay_warned_for = {d1[0].entry.id};
    must(SYNC(std::vector<DeliveredCopy>, store->deliver(warn, cb)));
    auto again = SYNC(std::vector<DeliveredCopy>, store->deliver(warn, cb));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::already_exists);
    EXPECT_EQ(rows(inbox.id).size(), 1u);
    EXPECT_TRUE(list().at(0).delay_warned);
    // Expired (the runner's decision): failed with 4.4.7, reported once;
    // no further delay warning.
    jobs = claim("n", arrival + 9000);
    std::vector<OutboundOutcome> o;
    for (auto& r : jobs.at(0).recipients)
        o.push_back(outcome(r.id, OutboundOutcome::failed, "4.4.7"));
    auto d2 = complete("n", o, 3600);
    ASSERT_EQ(d2.size(), 1u);
    EXPECT_FALSE(d2[0].delay);
    EXPECT_EQ(d2[0].entry.recipients.size(), 2u);
    EXPECT_EQ(d2[0].entry.recipients[0].status, "4.4.7");
}

TEST_F(OutboundTest, BlobKeptWhileQueuedAndReleasedAfter) {
    must(enqueue(sample_message("keep"), envelope("K", {"a@r.example"})));
    EXPECT_EQ(compact_blobs(), 0);
    reopen();
    EXPECT_EQ(compact_blobs(), 0);
    auto jobs = claim("n", now_s() + 1);
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(must(SYNC(std::string, store->read_blob(jobs[0].blob, 0, -1, cb))),
              sample_message("keep"));
    complete("n", {outcome(jobs[0].recipients[0].id, OutboundOutcome::delivered, "2.0.0")});
    EXPECT_TRUE(list().empty());
    EXPECT_EQ(compact_blobs(), 1);
    EXPECT_EQ(SYNC(std::string, store->read_blob(jobs[0].blob, 0, -1, cb)).error().code,
              Errc::not_found);
    // With a local copy too, the blob stays for the copy.
    must(enqueue(sample_message("both"), envelope("K2", {"a@r.example"}),
                 {DeliveryTarget{bob.id, 0, {}}}));
    must(SYNC(Unit, store->delete_outbound("K2", cb)));
    EXPECT_EQ(compact_blobs(), 0);
    EXPECT_EQ(blob(rows(inbox.id).at(0)), sample_message("both"));
}

TEST_F(OutboundTest, AdminRetryFlushDelete) {
    must(enqueue(sample_message("a1"), envelope("A1", {"x@r.example", "y@s.example"})));
    must(enqueue(sample_message("a2"), envelope("A2", {"z@r.example"})));
    int64_t t = now_s();
    auto jobs = claim("n", t + 1, 600);
    std::vector<OutboundOutcome> o;
    for (auto& j : jobs)
        for (auto& r : j.recipients)
            o.push_back(outcome(r.id, OutboundOutcome::deferred, "4.0.0", t + 86400));
    complete("n", o);
    EXPECT_TRUE(claim("n", t + 2).empty());
    EXPECT_EQ(must(SYNC(int64_t, store->retry_outbound("A1", cb))), 2);
    EXPECT_EQ(SYNC(int64_t, store->retry_outbound("nope", cb)).error().code, Errc::not_found);
    jobs = claim("n", now_s());
    std::size_t n = 0;
    for (auto& j : jobs) {
        EXPECT_EQ(j.queue_id, "A1");
        n += j.recipients.size();
    }
    EXPECT_EQ(n, 2u);
    // A1's recipients are in flight now: flush leaves them alone.
    EXPECT_EQ(must(SYNC(int64_t, store->flush_outbound(cb))), 1);
    jobs = claim("m", now_s());
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].queue_id, "A2");
    // Delete without a report; outcomes in flight are ignored afterwards.
    must(SYNC(Unit, store->delete_outbound("A2", cb)));
    EXPECT_EQ(SYNC(Unit, store->delete_outbound("A2", cb)).error().code, Errc::not_found);
    EXPECT_TRUE(complete("m", {outcome(jobs[0].recipients[0].id, OutboundOutcome::failed, "5.0.0")})
                    .empty());
    auto l = list();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].queue_id, "A1");
    EXPECT_EQ(compact_blobs(), 1);
    must(SYNC(Unit, store->mark_delay_warned(l[0].id, cb)));
    EXPECT_TRUE(list().at(0).delay_warned);
    EXPECT_EQ(SYNC(Unit, store->mark_delay_warned(999999, cb)).error().code, Errc::not_found);
}

TEST_F(OutboundTest, ListenerWakesAfterCommit) {
    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;
    store->set_outbound_listener([&] {
        std::lock_guard lk(mu);
        ++calls;
        cv.notify_all();
    });
    auto wait_calls = [&](int n) {
        std::unique_lock lk(mu);
        return cv.wait_for(lk, std::chrono::seconds(5), [&] { return calls >= n; });
    };
    deliver_one(sample_message("local only"), bob.id);
    must(enqueue(sample_message("w"), envelope("W", {"a@r.example"})));
    EXPECT_TRUE(wait_calls(1));
    auto jobs = claim("n", now_s() + 1);
    complete("n", {outcome(jobs.at(0).recipients.at(0).id, OutboundOutcome::deferred, "4.0.0",
                           now_s() + 3600)});
    must(SYNC(int64_t, store->flush_outbound(cb)));
    EXPECT_TRUE(wait_calls(2));
    must(SYNC(int64_t, store->retry_outbound("W", cb)));
    EXPECT_TRUE(wait_calls(3));
    std::lock_guard lk(mu);
    EXPECT_EQ(calls, 3);  // the local-only delivery did not call it
    store->set_outbound_listener({});
}

}  // namespace
}  // namespace postamt::store::testing
