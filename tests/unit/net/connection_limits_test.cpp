#include "net/connection_limits.h"

#include <gtest/gtest.h>

using namespace postamt::net;

namespace {

TEST(ConnectionLimits, PerIpAndGlobal) {
    auto lim = ConnectionLimits::create(3, 2, 0);
    Admission a;
    auto t1 = lim->admit("192.0.2.1", a);
    EXPECT_EQ(a, Admission::ok);
    auto t2 = lim->admit("192.0.2.1", a);
    EXPECT_EQ(a, Admission::ok);
    auto t3 = lim->admit("192.0.2.1", a);
    EXPECT_EQ(a, Admission::too_many_from_ip);
    EXPECT_FALSE(t3);
    auto t4 = lim->admit("192.0.2.2", a);
    EXPECT_EQ(a, Admission::ok);
    auto t5 = lim->admit("192.0.2.3", a);
    EXPECT_EQ(a, Admission::too_many_connections);
    EXPECT_EQ(lim->total(), 3u);
    t1.release();
    EXPECT_EQ(lim->count_for_ip("192.0.2.1"), 1u);
    auto t6 = lim->admit("192.0.2.3", a);
    EXPECT_EQ(a, Admission::ok);
    {
        auto moved = std::move(t6);
        EXPECT_FALSE(t6);
        EXPECT_EQ(lim->count_for_ip("192.0.2.3"), 1u);
    }
    EXPECT_EQ(lim->count_for_ip("192.0.2.3"), 0u);
    EXPECT_EQ(lim->total(), 2u);
}

TEST(ConnectionLimits, PerUser) {
    auto lim = ConnectionLimits::create(0, 0, 2);
    auto a = lim->acquire_user("anna@example.org");
    auto b = lim->acquire_user("anna@example.org");
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(lim->acquire_user("anna@example.org"));
    EXPECT_TRUE(lim->acquire_user("ben@example.org"));
    EXPECT_EQ(lim->count_for_user("ben@example.org"), 0u);  // temporary released
    a.reset();
    EXPECT_EQ(lim->count_for_user("anna@example.org"), 1u);
    EXPECT_TRUE(lim->acquire_user("anna@example.org"));
}

TEST(ConnectionLimits, ZeroMeansUnlimited) {
    auto lim = ConnectionLimits::create(0, 0, 0);
    std::vector<ConnectionLimits::Ticket> t;
    Admission a;
    for (int i = 0; i < 1000; ++i) {
        t.push_back(lim->admit("192.0.2.1", a));
        ASSERT_EQ(a, Admission::ok);
    }
    EXPECT_EQ(lim->total(), 1000u);
}

}  // namespace
