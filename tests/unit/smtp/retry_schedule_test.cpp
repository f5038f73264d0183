#include "smtp/retry_schedule.h"

#include <gtest/gtest.h>

#include <set>

using namespace postamt::smtp;
using namespace std::chrono;
using postamt::QueueConfig;

namespace {

QueueConfig cfg() {
    QueueConfig c;
    c.max_age = seconds(5 * 86400);
    c.retry_min = seconds(300);
    c.retry_max = seconds(4000);
    c.delay_warning = seconds(4 * 3600);
    return c;
}

const Clock::time_point t0 = Clock::time_point(seconds(1700000000));

}  // namespace

TEST(RetrySchedule, IntervalsDoubleUpToTheCeiling) {
    auto c = cfg();
    EXPECT_EQ(retry_interval(c, 0), seconds(0));
    EXPECT_EQ(retry_interval(c, 1), seconds(300));
    EXPECT_EQ(retry_interval(c, 2), seconds(600));
    EXPECT_EQ(retry_interval(c, 3), seconds(1200));
    EXPECT_EQ(retry_interval(c, 4), seconds(2400));
    EXPECT_EQ(retry_interval(c, 5), seconds(4000));
    EXPECT_EQ(retry_interval(c, 1000000), seconds(4000));  // no overflow
    c.retry_max = seconds(10);  // a ceiling below the minimum: the minimum wins
    EXPECT_EQ(retry_interval(c, 3), seconds(300));
}

TEST(RetrySchedule, JitterIsBoundedAndDeterministic) {
    auto c = cfg();
    for (uint32_t attempts = 1; attempts < 12; ++attempts) {
        for (uint64_t seed : {uint64_t{0}, uint64_t{1}, uint64_t{42}, retry_jitter_seed("01J9ZQ3K8M5TB2X")}) {
            RetryInput in{attempts, t0, t0 + seconds(3600), false, seed};
            auto d = next_retry(c, in);
            ASSERT_FALSE(d.expired);
            auto iv = retry_interval(c, attempts);
            EXPECT_GE(d.next_attempt, in.now + iv);
            EXPECT_LE(d.next_attempt, in.now + iv + iv / 10);
            EXPECT_EQ(next_retry(c, in).next_attempt, d.next_attempt);  // same seed, same answer
        }
    }
    // Different messages spread out: 100 seeds give more than a handful of distinct times.
    std::set<Clock::time_point> times;
    for (uint64_t s = 0; s < 100; ++s) times.insert(next_retry(c, RetryInput{5, t0, t0, false, s}).next_attempt);
    EXPECT_GT(times.size(), 50u);
}

TEST(RetrySchedule, FirstAttemptIsImmediate) {
    auto d = next_retry(cfg(), RetryInput{0, t0, t0, false, 7});
    EXPECT_FALSE(d.expired);
    EXPECT_EQ(d.next_attempt, t0);
    EXPECT_FALSE(d.delay_warning_due);
}

TEST(RetrySchedule, LastAttemptAtExpiryThenExpired) {
    auto c = cfg();
    auto near_end = t0 + c.max_age - seconds(60);
    auto d = next_retry(c, RetryInput{30, t0, near_end, true, 3});
    ASSERT_FALSE(d.expired);
    EXPECT_EQ(d.next_attempt, t0 + c.max_age);  // not beyond the deadline
    EXPECT_EQ(d.retry_until, t0 + c.max_age);
    auto e = next_retry(c, RetryInput{31, t0, t0 + c.max_age, true, 3});
    EXPECT_TRUE(e.expired);
    EXPECT_FALSE(e.delay_warning_due);
}

TEST(RetrySchedule, DelayWarningOnceAfterTheConfiguredAge) {
    auto c = cfg();
    EXPECT_FALSE(next_retry(c, RetryInput{3, t0, t0 + hours(3), false, 1}).delay_warning_due);
    EXPECT_TRUE(next_retry(c, RetryInput{6, t0, t0 + hours(4), false, 1}).delay_warning_due);
    EXPECT_FALSE(next_retry(c, RetryInput{7, t0, t0 + hours(5), true, 1}).delay_warning_due);  // already sent
    c.delay_warning = seconds(0);  // disabled
    EXPECT_FALSE(next_retry(c, RetryInput{6, t0, t0 + hours(10), false, 1}).delay_warning_due);
}

TEST(RetrySchedule, WholeScheduleWithinMaxAge) {
    // Simulate a destination that is down for good: attempts at the times
    // the schedule gives, until it says expired.
    auto c = cfg();
    auto now = t0;
    uint32_t attempts = 0;
    int warnings = 0;
    bool sent = false;
    for (;;) {
        ++attempts;  // the attempt at `now` fails
        auto d = next_retry(c, RetryInput{attempts, t0, now, sent, 99});
        if (d.expired) break;
        if (d.delay_warning_due) {
            ++warnings;
            sent = true;
        }
        ASSERT_GT(d.next_attempt, now);
        now = d.next_attempt;
        ASSERT_LT(attempts, 1000u);
    }
    EXPECT_EQ(now, t0 + c.max_age);  // the last try was at the deadline
    EXPECT_EQ(warnings, 1);
    // 5 days at ~4000-4400 s per attempt after the ramp-up.
    EXPECT_GT(attempts, 95u);
    EXPECT_LT(attempts, 115u);
}
