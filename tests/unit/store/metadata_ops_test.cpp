// METADATA annotations (RFC 5464) in the store: depth, /private vs /shared,
// all-or-nothing SETs, value size and entry count limits.
#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

using Entries = std::vector<MetadataEntry>;

std::vector<std::string> names(const Entries& e) {
    std::vector<std::string> out;
    for (const auto& x : e) out.push_back(x.name);
    return out;
}

class MetadataOps : public StoreFixture {};

TEST_F(MetadataOps, DepthSelectsDescendants) {
    MetadataScope sc{bob.id, inbox.id, bob.id};
    must(SYNC(Unit, store->set_metadata(sc,
                                        {{"/shared/a", "1"},
                                         {"/shared/a/b", "2"},
                                         {"/shared/a/b/c", "3"},
                                         {"/shared/ab", "x"}},
                                        {}, cb)));
    auto d0 = must(SYNC(Entries, store->get_metadata(sc, {"/shared/a"}, 0, cb)));
    EXPECT_EQ(names(d0), (std::vector<std::string>{"/shared/a"}));
    auto d1 = must(SYNC(Entries, store->get_metadata(sc, {"/shared/a"}, 1, cb)));
    EXPECT_EQ(names(d1), (std::vector<std::string>{"/shared/a", "/shared/a/b"}));
    auto dinf = must(SYNC(Entries, store->get_metadata(sc, {"/shared/a"}, -1, cb)));
    EXPECT_EQ(names(dinf), (std::vector<std::string>{"/shared/a", "/shared/a/b", "/shared/a/b/c"}));
    // A name that only shares a prefix ("/shared/ab") is not below "/shared/a".
    auto all = must(SYNC(Entries, store->get_metadata(sc, {"/shared"}, -1, cb)));
    EXPECT_EQ(all.size(), 4u);
}

TEST_F(MetadataOps, PrivateIsPerUserSharedIsOne) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    MetadataScope as_bob{bob.id, inbox.id, bob.id};
    MetadataScope as_carol{bob.id, inbox.id, carol.id};
    must(SYNC(Unit, store->set_metadata(as_bob, {{"/private/comment", "bob's"}}, {}, cb)));
    must(SYNC(Unit, store->set_metadata(as_carol, {{"/private/comment", "carol's"}, {"/shared/x", "s"}}, {}, cb)));
    auto b = must(SYNC(Entries, store->get_metadata(as_bob, {"/private/comment", "/shared/x"}, 0, cb)));
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].value, "bob's");
    EXPECT_EQ(b[1].value, "s");
    auto c = must(SYNC(Entries, store->get_metadata(as_carol, {"/private/comment"}, 0, cb)));
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].value, "carol's");
    // NIL deletes only the user's own private entry.
    must(SYNC(Unit, store->set_metadata(as_carol, {{"/private/comment", std::nullopt}}, {}, cb)));
    EXPECT_TRUE(must(SYNC(Entries, store->get_metadata(as_carol, {"/private/comment"}, 0, cb))).empty());
    EXPECT_EQ(must(SYNC(Entries, store->get_metadata(as_bob, {"/private/comment"}, 0, cb))).size(), 1u);
}

TEST_F(MetadataOps, BinaryValuesRoundTrip) {
    MetadataScope sc{bob.id, 0, bob.id};
    std::string v("a\0b\r\n\xff", 6);
    must(SYNC(Unit, store->set_metadata(sc, {{"/private/bin", v}}, {}, cb)));
    auto got = must(SYNC(Entries, store->get_metadata(sc, {"/private/bin"}, 0, cb)));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].value, v);
}

TEST_F(MetadataOps, LimitsRefuseTheWholeCommand) {
    MetadataScope sc{bob.id, inbox.id, bob.id};
    MetadataLimits lim;
    lim.max_value_bytes = 10;
    lim.max_entries = 3;
    auto big = SYNC(Unit, store->set_metadata(sc, {{"/shared/a", "ok"}, {"/shared/b", std::string(11, 'x')}}, lim, cb));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, Errc::too_big);
    EXPECT_TRUE(must(SYNC(Entries, store->get_metadata(sc, {"/shared/a"}, 0, cb))).empty());
    must(SYNC(Unit, store->set_metadata(sc, {{"/shared/a", "1"}, {"/shared/b", "2"}, {"/private/c", "3"}}, lim, cb)));
    auto many = SYNC(Unit, store->set_metadata(sc, {{"/shared/d", "4"}}, lim, cb));
    ASSERT_FALSE(many.ok());
    EXPECT_EQ(many.error().code, Errc::over_quota);
    // Replacing one while deleting another stays within the limit.
    must(SYNC(Unit, store->set_metadata(sc, {{"/shared/a", std::nullopt}, {"/shared/d", "4"}}, lim, cb)));
    EXPECT_EQ(must(SYNC(Entries, store->get_metadata(sc, {"/shared", "/private"}, -1, cb))).size(), 3u);
}

TEST_F(MetadataOps, MailboxOfAnotherAccountIsRefused) {
    auto carol = must(SYNC(Account, store->add_account(NewAccount{"carol@example.org", {}, 0, 0}, cb)));
    auto r = SYNC(Unit, store->set_metadata({carol.id, inbox.id, carol.id}, {{"/shared/x", "1"}}, {}, cb));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
}

}  // namespace
}  // namespace postamt::store::testing
