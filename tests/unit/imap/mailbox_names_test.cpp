// Mailbox names between the wire and the store; LIST patterns.
#include <gtest/gtest.h>

#include "imap/mailbox_names.h"

namespace postamt::imap {
namespace {

std::string ok_name(std::string_view wire, bool utf8 = false) {
    auto r = mailbox_from_wire(wire, utf8);
    EXPECT_TRUE(r.ok()) << wire << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::string();
}

std::string why(std::string_view wire, bool utf8 = false) {
    auto r = mailbox_from_wire(wire, utf8);
    EXPECT_FALSE(r.ok()) << wire;
    return r.ok() ? std::string() : r.error().message;
}

TEST(MailboxNames, DecodeAndValidate) {
    EXPECT_EQ(ok_name("inbox"), "INBOX");
    EXPECT_EQ(ok_name("InBoX/Sub"), "INBOX/Sub");
    EXPECT_EQ(ok_name("Inboxes"), "Inboxes");
    EXPECT_EQ(ok_name("Entw&APw-rfe"), "Entw\xc3\xbcrfe");
    EXPECT_EQ(ok_name("a&-b"), "a&b");
    EXPECT_EQ(ok_name("Entw\xc3\xbcrfe", true), "Entw\xc3\xbcrfe");
    EXPECT_EQ(ok_name("a&b", true), "a&b");  // no mUTF-7 once UTF8=ACCEPT is on
    EXPECT_NE(why("Entw&APw").find("modified UTF-7"), std::string::npos);
    EXPECT_NE(why("Entw\xc3\xbcrfe").find("modified UTF-7"),
              std::string::npos);  // 8-bit without UTF8=ACCEPT
    EXPECT_NE(why("\xff", true).find("UTF-8"), std::string::npos);
    EXPECT_NE(why("").find("empty"), std::string::npos);
    EXPECT_NE(why("a//b").find("empty hierarchy"), std::string::npos);
    EXPECT_NE(why("/a").find("empty hierarchy"), std::string::npos);
    EXPECT_NE(why("a/").find("empty hierarchy"), std::string::npos);
    EXPECT_NE(why("a/../b").find(".."), std::string::npos);
    EXPECT_NE(why("./b").find(".."), std::string::npos);
    EXPECT_NE(why("a\tb").find("control"), std::string::npos);
    EXPECT_NE(why("a%b").find("wildcards"), std::string::npos);
    EXPECT_NE(why(std::string(2000, 'x')).find("too long"), std::string::npos);
}

TEST(MailboxNames, WireForms) {
    EXPECT_EQ(wire_mailbox("INBOX", false), "\"INBOX\"");
    EXPECT_EQ(wire_mailbox("Entw\xc3\xbcrfe", false), "\"Entw&APw-rfe\"");
    EXPECT_EQ(wire_mailbox("Entw\xc3\xbcrfe", true), "\"Entw\xc3\xbcrfe\"");
    EXPECT_EQ(wire_mailbox("say \"hi\"", false), "\"say \\\"hi\\\"\"");
}

TEST(MailboxNames, Patterns) {
    EXPECT_TRUE(pattern_matches("*", "a/b/c"));
    EXPECT_TRUE(pattern_matches("%", "abc"));
    EXPECT_FALSE(pattern_matches("%", "a/b"));
    EXPECT_TRUE(pattern_matches("a/%", "a/b"));
    EXPECT_FALSE(pattern_matches("a/%", "a/b/c"));
    EXPECT_TRUE(pattern_matches("a*c", "a/b/c"));
    EXPECT_TRUE(pattern_matches("*/%", "x/y/z"));
    EXPECT_FALSE(pattern_matches("a%c", "a/c"));
    EXPECT_TRUE(pattern_matches("", ""));
    EXPECT_FALSE(pattern_matches("", "a"));
    EXPECT_TRUE(pattern_matches("%a%", "bab"));
    EXPECT_TRUE(pattern_may_match_below("%", "a") == false);
    EXPECT_TRUE(pattern_may_match_below("*", "a"));
    EXPECT_TRUE(pattern_may_match_below("a/%", "a"));
    EXPECT_FALSE(pattern_may_match_below("b/%", "a"));
    // Wildcard-heavy patterns stay linear.
    std::string evil;
    for (int i = 0; i < 500; ++i) evil += "*a";
    EXPECT_FALSE(pattern_matches(evil + "b", std::string(1000, 'a')));
}

TEST(MailboxNames, ListPatternJoinsReferenceAndDecodes) {
    EXPECT_EQ(*list_pattern("", "*", false), "*");
    EXPECT_EQ(*list_pattern("Projects/", "%", false), "Projects/%");
    EXPECT_EQ(*list_pattern("Projects/", "/abs", false), "/abs");
    EXPECT_EQ(*list_pattern("", "inbox/%", false), "INBOX/%");
    EXPECT_EQ(*list_pattern("", "Entw&APw-*", false), "Entw\xc3\xbc*");
    EXPECT_FALSE(list_pattern("", "Entw&AP", false));
    EXPECT_EQ(*list_pattern("", "Entw\xc3\xbc*", true), "Entw\xc3\xbc*");
}

}  // namespace
}  // namespace postamt::imap
