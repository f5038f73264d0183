// The RFC 4314 rights model: parsing, obsolete "c"/"d" (2.1.1), SETACL
// modifications, identifiers, and how an ACL adds up for one user.
#include <gtest/gtest.h>

#include "imap/acl_rights.h"

namespace postamt::imap::acl {
namespace {

using store::AclEntry;

TEST(AclRights, ParseIsCanonicalAndRejectsUnknown) {
    EXPECT_EQ(parse_rights("rl"), "lr");
    EXPECT_EQ(parse_rights("alrrl"), "lra");
    EXPECT_EQ(parse_rights(""), "");
    // RFC 4314 3.1 example: upper case is not a right.
    EXPECT_FALSE(parse_rights("lrQswicda"));
    EXPECT_FALSE(parse_rights("lr "));
    EXPECT_FALSE(parse_rights("0"));
    EXPECT_FALSE(parse_rights("+l"));
}

TEST(AclRights, ObsoleteRightsExpandAndAreShown) {
    // "c" = k, "d" = x t e (the "latter group" of 2.1.1).
    EXPECT_EQ(parse_rights("c"), "k");
    EXPECT_EQ(parse_rights("d"), "xte");
    EXPECT_EQ(parse_rights("lrswida"), "lrswixtea");
    // Output carries "c"/"d" when any member is present (2.1.1 (*)).
    EXPECT_EQ(display("lrswixtea"), "lrswixtead");
    EXPECT_EQ(display("lr"), "lr");
    EXPECT_EQ(display("k"), "kc");
    EXPECT_EQ(display("t"), "td");
    EXPECT_EQ(display(kAllRights), "lrswipkxteacd");
}

TEST(AclRights, Modifications) {
    EXPECT_EQ(apply_modification("lr", "+w"), "lrw");
    EXPECT_EQ(apply_modification("lrw", "-r"), "lw");
    EXPECT_EQ(apply_modification("lrw", "s"), "s");
    // RFC 4314 3.1: "+cda" adds the members.
    EXPECT_EQ(apply_modification("lr", "+cda"), "lrkxtea");
    EXPECT_EQ(apply_modification("lrkxtea", "-d"), "lrka");
    EXPECT_EQ(apply_modification("lr", "-"), "lr");
    EXPECT_EQ(apply_modification("lr", ""), "");
    EXPECT_FALSE(apply_modification("lr", "+Z"));
    EXPECT_FALSE(apply_modification("lr", "-+l"));
}

TEST(AclRights, Identifiers) {
    EXPECT_EQ(normalise_identifier("anyone"), "anyone");
    EXPECT_EQ(normalise_identifier("ANYONE"), "anyone");
    EXPECT_EQ(normalise_identifier("-anyone"), "-anyone");
    EXPECT_EQ(normalise_identifier("Bob@Example.ORG"), "Bob@example.org");
    EXPECT_EQ(normalise_identifier("-carol@example.org"), "-carol@example.org");
    EXPECT_FALSE(normalise_identifier(""));
    EXPECT_FALSE(normalise_identifier("-"));
    EXPECT_FALSE(normalise_identifier("bob"));
    EXPECT_FALSE(normalise_identifier("@example.org"));
    EXPECT_FALSE(normalise_identifier("bob@"));
    EXPECT_FALSE(normalise_identifier("a@b@c"));
    EXPECT_FALSE(normalise_identifier("bo b@example.org"));
    EXPECT_FALSE(normalise_identifier("b\xc3\xb6@example.org"));
    EXPECT_TRUE(is_negative("-x@y"));
    EXPECT_FALSE(is_negative("x@y"));
}

TEST(AclRights, OwnerHasEverythingWhateverTheAcl) {
    std::vector<AclEntry> acl{{"-bob@example.org", "lrswipkxtea"}, {"-anyone", "a"}};
    EXPECT_EQ(effective_rights("bob@example.org", "bob@EXAMPLE.org", acl), std::string(kAllRights));
}

TEST(AclRights, UnionOfUserAndAnyoneMinusNegative) {
    std::vector<AclEntry> acl{{"carol@example.org", "lrs"}, {"anyone", "lw"}, {"-carol@example.org", "s"}};
    EXPECT_EQ(effective_rights("carol@example.org", "bob@example.org", acl), "lrw");
    EXPECT_EQ(effective_rights("dave@example.org", "bob@example.org", acl), "lw");
    // "-anyone" takes from everybody but the owner.
    acl.push_back({"-anyone", "w"});
    EXPECT_EQ(effective_rights("carol@example.org", "bob@example.org", acl), "lr");
    EXPECT_EQ(effective_rights("dave@example.org", "bob@example.org", acl), "l");
    // No entry at all: nothing.
    EXPECT_EQ(effective_rights("dave@example.org", "bob@example.org", {{"carol@example.org", "l"}}), "");
    // The domain of an identifier is case-insensitive.
    EXPECT_EQ(effective_rights("carol@example.org", "bob@example.org", {{"carol@EXAMPLE.org", "r"}}), "r");
}

TEST(AclRights, ListRights) {
    auto owner = list_rights("bob@example.org", "bob@example.org");
    EXPECT_EQ(owner.required, "lrswipkxteacd");
    EXPECT_TRUE(owner.optional.empty());
    auto other = list_rights("carol@example.org", "bob@example.org");
    EXPECT_EQ(other.required, "");
    ASSERT_EQ(other.optional.size(), kAllRights.size() + 2);
    EXPECT_EQ(other.optional.back(), "d");
}

}  // namespace
}  // namespace postamt::imap::acl
