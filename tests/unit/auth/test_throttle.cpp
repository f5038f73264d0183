#include <gtest/gtest.h>

#include <thread>

#include "auth/throttle.h"
#include "fake_clock.h"

using namespace postamt::auth;
using namespace std::chrono_literals;

namespace {
Admission fail_once(Throttle& t, const char* ip) {
    Admission a = t.admit(ip);
    if (a.kind == Admission::Kind::allowed) t.release(ip, AttemptOutcome::failure);
    return a;
}
}  // namespace

TEST(Throttle, DelayGrowsZeroZeroThenDoublesCapped) {
    FakeClock clock;
    ThrottleOptions o;
    o.max_delay = 8s;
    o.block_after = 100;
    Throttle t(o, clock.fn());
    std::vector<std::chrono::milliseconds> delays;
    for (int i = 0; i < 7; ++i) delays.push_back(fail_once(t, "192.0.2.1").delay);
    std::vector<std::chrono::milliseconds> want = {0ms, 0ms, 1000ms, 2000ms, 4000ms, 8000ms, 8000ms};
    EXPECT_EQ(delays, want);
    EXPECT_EQ(t.failures("192.0.2.1"), 7);
    // Another IP is unaffected.
    EXPECT_EQ(t.admit("192.0.2.2").delay, 0ms);
}

TEST(Throttle, InFlightCapPerIp) {
    FakeClock clock;
    Throttle t({}, clock.fn());
    for (int i = 0; i < 4; ++i) EXPECT_EQ(t.admit("198.51.100.7").kind, Admission::Kind::allowed);
    Admission a = t.admit("198.51.100.7");
    EXPECT_EQ(a.kind, Admission::Kind::busy);
    EXPECT_GT(a.retry_after.count(), 0);
    EXPECT_EQ(t.admit("198.51.100.8").kind, Admission::Kind::allowed);
    t.release("198.51.100.7", AttemptOutcome::neutral);
    EXPECT_EQ(t.admit("198.51.100.7").kind, Admission::Kind::allowed);
}

TEST(Throttle, BlocksAfterTenFailuresForFifteenMinutes) {
    FakeClock clock;
    Throttle t({}, clock.fn());
    for (int i = 0; i < 10; ++i) EXPECT_EQ(fail_once(t, "203.0.113.5").kind, Admission::Kind::allowed);
    Admission a = t.admit("203.0.113.5");
    ASSERT_EQ(a.kind, Admission::Kind::blocked);
    EXPECT_EQ(a.retry_after, 900s);
    EXPECT_EQ(t.blocked_for("203.0.113.5"), 900s);
    clock.advance(10min);
    a = t.admit("203.0.113.5");
    EXPECT_EQ(a.kind, Admission::Kind::blocked);
    EXPECT_EQ(a.retry_after, 300s);
    clock.advance(5min);
    a = t.admit("203.0.113.5");
    EXPECT_EQ(a.kind, Admission::Kind::allowed);
    EXPECT_EQ(a.delay, 0ms);  // block over: failures start again from zero
    EXPECT_EQ(t.failures("203.0.113.5"), 0);
}

TEST(Throttle, SuccessResetsFailures) {
    FakeClock clock;
    Throttle t({}, clock.fn());
    for (int i = 0; i < 5; ++i) fail_once(t, "192.0.2.9");
    EXPECT_EQ(t.failures("192.0.2.9"), 5);
    Admission a = t.admit("192.0.2.9");
    EXPECT_EQ(a.delay, 8000ms);
    t.release("192.0.2.9", AttemptOutcome::success);
    EXPECT_EQ(t.failures("192.0.2.9"), 0);
    EXPECT_EQ(t.admit("192.0.2.9").delay, 0ms);
}

TEST(Throttle, FailuresForgottenAfterQuietWindow) {
    FakeClock clock;
    Throttle t({}, clock.fn());
    for (int i = 0; i < 9; ++i) fail_once(t, "192.0.2.10");
    clock.advance(16min);
    // The 10th failure comes after a quiet window: no block.
    EXPECT_EQ(fail_once(t, "192.0.2.10").delay, 0ms);
    EXPECT_EQ(t.admit("192.0.2.10").kind, Admission::Kind::allowed);
    EXPECT_EQ(t.failures("192.0.2.10"), 1);
}

TEST(Throttle, NeutralOutcomeCountsNothing) {
    FakeClock clock;
    Throttle t({}, clock.fn());
    t.admit("192.0.2.11");
    t.release("192.0.2.11", AttemptOutcome::neutral);
    EXPECT_EQ(t.failures("192.0.2.11"), 0);
    EXPECT_EQ(t.size(), 0u);  // idle entries are dropped at once
}

TEST(Throttle, RecordWithoutSlotForScram) {
    FakeClock clock;
    ThrottleOptions o;
    o.block_after = 3;
    Throttle t(o, clock.fn());
    EXPECT_EQ(t.record("192.0.2.12", AttemptOutcome::failure), 0ms);
    EXPECT_EQ(t.record("192.0.2.12", AttemptOutcome::failure), 1000ms);
    t.record("192.0.2.12", AttemptOutcome::failure);
    EXPECT_EQ(t.blocked_for("192.0.2.12"), 900s);
    EXPECT_EQ(t.admit("192.0.2.12").kind, Admission::Kind::blocked);
}

TEST(Throttle, Ipv6GroupedPerSlash64) {
    EXPECT_EQ(Throttle::key_for("2001:db8::1"), Throttle::key_for("2001:db8::ffff:2"));
    EXPECT_EQ(Throttle::key_for("2001:db8::1"), "2001:db8::/64");
    EXPECT_NE(Throttle::key_for("2001:db8::1"), Throttle::key_for("2001:db8:0:1::1"));
    EXPECT_EQ(Throttle::key_for("::ffff:192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(Throttle::key_for("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(Throttle::key_for("not-an-ip"), "not-an-ip");
    FakeClock clock;
    Throttle t({}, clock.fn());
    for (int i = 0; i < 4; ++i) t.admit("2001:db8::" + std::to_string(i + 1));
    EXPECT_EQ(t.admit("2001:db8::99").kind, Admission::Kind::busy);
}

TEST(Throttle, TableSizeBounded) {
    FakeClock clock;
    ThrottleOptions o;
    o.max_entries = 100;
    Throttle t(o, clock.fn());
    for (int i = 0; i < 5000; ++i) {
        std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        fail_once(t, ip.c_str());
        clock.advance(1ms);
        ASSERT_LE(t.size(), 100u);
    }
    // The most recent offender is still remembered.
    EXPECT_EQ(t.failures("10.0.19.135"), 1);
}

TEST(Throttle, EvictionKeepsEntriesWithWorkInFlight) {
    FakeClock clock;
    ThrottleOptions o;
    o.max_entries = 16;
    o.max_in_flight = 1;
    Throttle t(o, clock.fn());
    ASSERT_EQ(t.admit("10.9.9.9").kind, Admission::Kind::allowed);
    for (int i = 0; i < 200; ++i) fail_once(t, ("10.1.0." + std::to_string(i)).c_str());
    EXPECT_EQ(t.admit("10.9.9.9").kind, Admission::Kind::busy);
}

TEST(Throttle, ConcurrentUseIsConsistent) {
    Throttle t;
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n)
        threads.emplace_back([&t, n] {
            for (int i = 0; i < 2000; ++i) {
                std::string ip = "10.2." + std::to_string(n) + "." + std::to_string(i % 50);
                Admission a = t.admit(ip);
                if (a.kind == Admission::Kind::allowed) t.release(ip, AttemptOutcome::success);
            }
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(t.size(), 0u);
}
