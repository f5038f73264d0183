#include "smtp/mx_plan.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

using namespace postamt::smtp;

namespace {

std::vector<std::string> names(const MxPlan& p) {
    std::vector<std::string> out;
    for (const auto& h : p.hosts) out.push_back(h.name);
    return out;
}

MxPlanOptions seeded(std::uint64_t seed) {
    MxPlanOptions o;
    o.seed = seed;
    return o;
}

}  // namespace

TEST(MxPlan, PreferenceOrder) {
    std::vector<MxRecord> rr = {{30, "c.example"}, {10, "a.example"}, {20, "b.example"}};
    auto p = plan_mx("example", rr, seeded(1));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(names(p), (std::vector<std::string>{"a.example", "b.example", "c.example"}));
    EXPECT_FALSE(p.hosts[0].implicit);
    EXPECT_EQ(p.hosts[2].preference, 30);
}

TEST(MxPlan, EqualPreferencesShuffledButGroupsKeptInOrder) {
    std::vector<MxRecord> rr;
    for (int i = 0; i < 6; ++i) rr.push_back({10, "a" + std::to_string(i) + ".example"});
    rr.push_back({5, "first.example"});
    rr.push_back({50, "last.example"});
    std::set<std::vector<std::string>> orders;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        auto p = plan_mx("example", rr, seeded(seed));
        ASSERT_EQ(p.hosts.size(), 8u);
        EXPECT_EQ(p.hosts.front().name, "first.example");
        EXPECT_EQ(p.hosts.back().name, "last.example");
        for (std::size_t i = 1; i + 1 < p.hosts.size(); ++i) EXPECT_EQ(p.hosts[i].preference, 10);
        orders.insert(names(p));
    }
    EXPECT_GT(orders.size(), 5u) << "equal preferences must be randomised";
    // The same seed gives the same order (reproducible tests).
    EXPECT_EQ(names(plan_mx("example", rr, seeded(7))), names(plan_mx("example", rr, seeded(7))));
}

TEST(MxPlan, NoMxMeansImplicitMx) {
    auto p = plan_mx("example.net.", {}, seeded(1));
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p.hosts.size(), 1u);
    EXPECT_EQ(p.hosts[0].name, "example.net");
    EXPECT_TRUE(p.hosts[0].implicit);
    EXPECT_EQ(p.hosts[0].preference, 0);
}

TEST(MxPlan, NullMxIsPermanent) {
    auto p = plan_mx("nomail.example", {{0, ""}}, seeded(1));
    EXPECT_FALSE(p.ok());
    EXPECT_EQ(p.code, 556);
    EXPECT_EQ(p.status, "5.1.10");
    EXPECT_NE(p.text.find("nomail.example"), std::string::npos);
    // Any preference: a single "." is still a null MX.
    EXPECT_FALSE(plan_mx("nomail.example", {{10, ""}}, seeded(1)).ok());
}

TEST(MxPlan, RootAmongOtherRecordsIsIgnored) {
    auto p = plan_mx("x.example", {{0, ""}, {10, "mx.x.example"}}, seeded(1));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(names(p), (std::vector<std::string>{"mx.x.example"}));
}

TEST(MxPlan, DomainListingItselfIsAnOrdinaryHost) {
    auto p = plan_mx("example.org", {{10, "example.org"}}, seeded(1));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(names(p), (std::vector<std::string>{"example.org"}));
    EXPECT_FALSE(p.hosts[0].implicit);
}

TEST(MxPlan, OwnNameCutsEqualAndWorsePreferences) {
    MxPlanOptions o = seeded(1);
    o.local_names = {"me.example"};
    auto p =
        plan_mx("d.example",
                {{10, "a.example"}, {20, "me.example"}, {20, "b.example"}, {30, "c.example"}}, o);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(names(p), (std::vector<std::string>{"a.example"}));
}

TEST(MxPlan, OwnNameAsBestMxIsALoop) {
    MxPlanOptions o = seeded(1);
    o.local_names = {"me.example"};
    auto p = plan_mx("d.example", {{10, "me.example"}, {20, "backup.example"}}, o);
    EXPECT_FALSE(p.ok());
    EXPECT_EQ(p.code, 554);
    EXPECT_EQ(p.status, "5.4.6");
}

TEST(MxPlan, DuplicateHostsKeptOnceAtBestPreference) {
    auto p =
        plan_mx("d.example", {{20, "a.example."}, {10, "a.example"}, {15, "b.example"}}, seeded(1));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(names(p), (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(p.hosts[0].preference, 10);
}

TEST(MxPlan, HostLimitKeepsMostPreferred) {
    std::vector<MxRecord> rr;
    for (int i = 0; i < 30; ++i)
        rr.push_back({std::uint16_t(100 - i), "h" + std::to_string(i) + ".example"});
    MxPlanOptions o = seeded(3);
    o.max_hosts = 4;
    auto p = plan_mx("d.example", rr, o);
    ASSERT_EQ(p.hosts.size(), 4u);
    EXPECT_EQ(p.hosts[0].name, "h29.example");
    EXPECT_EQ(p.hosts[3].name, "h26.example");
}
