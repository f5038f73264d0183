#include <gtest/gtest.h>

#include "mime/address.h"

using namespace postamt::mime;
using K = Address::Kind;

namespace {
Address mbox(std::string name, std::string mailbox, std::string host, std::string adl = {}) {
    Address a;
    a.name = std::move(name);
    a.mailbox = std::move(mailbox);
    a.host = std::move(host);
    a.adl = std::move(adl);
    return a;
}
Address gstart(std::string name) {
    Address a;
    a.kind = K::group_start;
    a.name = std::move(name);
    return a;
}
Address gend() {
    Address a;
    a.kind = K::group_end;
    return a;
}
}  // namespace

TEST(Address, NameAddrAndAddrSpec) {
    auto l = parse_address_list(
        " Mary Smith <mary@x.test>, jdoe@example.org, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>");
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0], mbox("Mary Smith", "mary", "x.test"));
    EXPECT_EQ(l[1], mbox("", "jdoe", "example.org"));
    EXPECT_EQ(l[2], mbox("Giant; \"Big\" Box", "sysservices", "example.net"));
}

TEST(Address, GroupsAndEmptyGroups) {
    auto l = parse_address_list(
        "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;");
    std::vector<Address> want = {gstart("A Group"),
                                 mbox("Ed Jones", "c", "a.test"),
                                 mbox("", "joe", "where.test"),
                                 mbox("John", "jdoe", "one.test"),
                                 gend(),
                                 gstart("Undisclosed recipients"),
                                 gend()};
    EXPECT_EQ(l, want);
    // A group that is never closed is closed at the end.
    auto u = parse_address_list("team: a@b");
    ASSERT_EQ(u.size(), 3u);
    EXPECT_EQ(u[2].kind, K::group_end);
}

TEST(Address, CommentsRoutesAndQuotedLocalPart) {
    auto l = parse_address_list("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0], mbox("Pete", "pete", "silly.test"));
    auto r = parse_address_list("<@relay1.example,@relay2.example:user@final.example>");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0], mbox("", "user", "final.example", "@relay1.example,@relay2.example"));
    auto c = parse_address_list("bob@example.com (Bob Smith)");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0], mbox("Bob Smith", "bob", "example.com"));
    auto q = parse_address_list("\"john doe\"@example.com, John Q. Public <jqp@x>");
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0], mbox("", "john doe", "example.com"));
    EXPECT_EQ(q[1], mbox("John Q. Public", "jqp", "x"));
}

TEST(Address, Utf8AndEncodedWordsKeptRaw) {
    auto l = parse_address_list("=?utf-8?Q?J=C3=B6rg?= <j@x.de>, Jörg <jörg@bücher.de>");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].name, "=?utf-8?Q?J=C3=B6rg?=");
    EXPECT_EQ(display_form(l[0]), "Jörg");
    EXPECT_EQ(l[1], mbox("Jörg", "jörg", "bücher.de"));
    EXPECT_EQ(display_form(l[1]), "Jörg");
    EXPECT_EQ(display_form(mbox("", "a", "b")), "a@b");
}

TEST(Address, GarbageIsTolerated) {
    EXPECT_TRUE(parse_address_list("").empty());
    EXPECT_TRUE(parse_address_list(" , ,, ").empty());
    auto l = parse_address_list("<unterminated@x");
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0], mbox("", "unterminated", "x"));
    auto m = parse_address_list("localonly, >>><<, @, a@b@c");
    ASSERT_GE(m.size(), 2u);
    EXPECT_EQ(m[0], mbox("", "localonly", ""));
    auto n = parse_address_list("\"unterminated quote <x@y>");
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].mailbox, "unterminated quote <x@y>");
}
