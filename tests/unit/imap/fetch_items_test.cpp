// FETCH items answered from the row, response item names, flags, replies.
#include <gtest/gtest.h>

#include "imap/capabilities.h"
#include "imap/command_table.h"
#include "imap/fetch_items.h"
#include "imap/response.h"

namespace postamt::imap {
namespace {

FetchItem item(FetchAttr a) {
    FetchItem i;
    i.attr = a;
    return i;
}

TEST(FetchItems, RowItems) {
    store::MessageRow r;
    r.message_id = 5000;
    r.blob.id = 77;
    r.uid = 5;
    r.modseq = 9;
    r.flags.system = store::kSeen | store::kAnswered;
    r.flags.keywords = {"$Forwarded"};
    r.internal_date = 760060800;
    r.save_date = 760060801;
    r.blob.size = 1234;
    auto s = [&](FetchAttr a, bool recent = false) {
        std::string out;
        append_row_item(out, item(a), r, recent);
        return out;
    };
    EXPECT_EQ(s(FetchAttr::flags, true), "FLAGS (\\Answered \\Seen \\Recent $Forwarded)");
    EXPECT_EQ(s(FetchAttr::uid), "UID 5");
    EXPECT_EQ(s(FetchAttr::internaldate), "INTERNALDATE \"01-Feb-1994 00:00:00 +0000\"");
    EXPECT_EQ(s(FetchAttr::rfc822_size), "RFC822.SIZE 1234");
    EXPECT_EQ(s(FetchAttr::modseq), "MODSEQ (9)");
    EXPECT_EQ(s(FetchAttr::emailid), "EMAILID (M77)");
    EXPECT_EQ(s(FetchAttr::threadid), "THREADID NIL");
    EXPECT_EQ(s(FetchAttr::savedate), "SAVEDATE \"01-Feb-1994 00:00:01 +0000\"");
    EXPECT_TRUE(is_row_item(FetchAttr::modseq));
    EXPECT_FALSE(is_row_item(FetchAttr::envelope));
}

TEST(FetchItems, BodyItemNamesAndSeen) {
    FetchItem b = item(FetchAttr::body_section);
    b.section.part = {1, 2};
    b.section.text = SectionText::header_fields;
    b.section.fields = {"From", "X Odd"};
    b.partial = Partial{10, 20};
    EXPECT_EQ(body_item_name(b), "BODY[1.2.HEADER.FIELDS (From \"X Odd\")]<10>");
    EXPECT_TRUE(sets_seen(b));
    b.peek = true;
    EXPECT_FALSE(sets_seen(b));
    EXPECT_EQ(body_item_name(b),
              "BODY[1.2.HEADER.FIELDS (From \"X Odd\")]<10>");  // .PEEK is not echoed
    FetchItem bin = item(FetchAttr::binary_size);
    bin.section.part = {3};
    EXPECT_EQ(body_item_name(bin), "BINARY.SIZE[3]");
    EXPECT_FALSE(sets_seen(bin));
    EXPECT_EQ(body_item_name(item(FetchAttr::rfc822_header)), "RFC822.HEADER");
    EXPECT_TRUE(sets_seen(item(FetchAttr::rfc822_text)));
    EXPECT_FALSE(sets_seen(item(FetchAttr::rfc822_header)));
    FetchItem whole = item(FetchAttr::body_section);
    EXPECT_EQ(body_item_name(whole), "BODY[]");
}

TEST(Response, FlagsAndReplies) {
    auto f = parse_flags({"\\seen", "\\Recent", "$Junk", "$junk", "\\DRAFT"});
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->system, static_cast<uint32_t>(store::kSeen | store::kDraft));
    EXPECT_EQ(f->keywords, std::vector<std::string>{"$Junk"});
    EXPECT_FALSE(parse_flags({"\\Bogus"}).ok());
    EXPECT_EQ(format_reply("a1", Reply::no("No such mailbox", "NONEXISTENT")),
              "a1 NO [NONEXISTENT] No such mailbox\r\n");
    EXPECT_EQ(format_reply("*", Reply::bad("bad\r\ntext")), "* BAD bad  text\r\n");
    EXPECT_EQ(store_error_reply(Error{Errc::over_quota, "full"}, "Cannot").code, "OVERQUOTA");
    EXPECT_EQ(store_error_reply(Error{Errc::already_exists, "x"}, "Cannot").code, "ALREADYEXISTS");
    EXPECT_EQ(store_error_reply(Error{Errc::unavailable, "x"}, "Cannot").code, "UNAVAILABLE");
}

TEST(Capabilities, ByState) {
    CapabilityState pre;
    pre.starttls_available = true;
    std::string c = capability_list(pre);
    EXPECT_EQ(c.rfind("IMAP4rev1 IMAP4rev2 ", 0), 0u);
    EXPECT_NE(c.find(" STARTTLS"), std::string::npos);
    EXPECT_NE(c.find(" LOGINDISABLED"), std::string::npos);
    EXPECT_EQ(c.find("AUTH=PLAIN"), std::string::npos);
    EXPECT_EQ(c.find("CONDSTORE"), std::string::npos);
    pre.plaintext_allowed = true;
    c = capability_list(pre);
    EXPECT_EQ(c.find("LOGINDISABLED"), std::string::npos);
    EXPECT_NE(c.find("AUTH=PLAIN"), std::string::npos);
    CapabilityState post;
    post.authenticated = true;
    post.append_limit = 1000;
    c = capability_list(post);
    EXPECT_NE(c.find(" QRESYNC"), std::string::npos);
    EXPECT_NE(c.find(" APPENDLIMIT=1000"), std::string::npos);
    EXPECT_EQ(c.find("STARTTLS"), std::string::npos);
    EXPECT_TRUE(enableable("UTF8=ACCEPT"));
    EXPECT_FALSE(enableable("X-FOO"));
}

TEST(CommandTable, ExpungeRules) {
    // RFC 9051 7.4.1: not during FETCH, STORE, SEARCH by sequence number.
    for (CommandId id : {CommandId::fetch, CommandId::store, CommandId::search, CommandId::sort,
                         CommandId::thread}) {
        EXPECT_FALSE(expunge_allowed(command_spec(id), false)) << command_name(id);
        EXPECT_TRUE(expunge_allowed(command_spec(id), true)) << command_name(id);
    }
    for (CommandId id : {CommandId::noop, CommandId::check, CommandId::copy, CommandId::move,
                         CommandId::expunge, CommandId::idle, CommandId::append})
        EXPECT_TRUE(expunge_allowed(command_spec(id), false)) << command_name(id);
    EXPECT_EQ(command_spec(CommandId::fetch).states, kSelected);
    EXPECT_EQ(command_spec(CommandId::login).states, kNotAuthenticated);
    EXPECT_TRUE(command_spec(CommandId::capability).states & kNotAuthenticated);
    EXPECT_FALSE(command_spec(CommandId::logout).sends_updates);
}

}  // namespace
}  // namespace postamt::imap
