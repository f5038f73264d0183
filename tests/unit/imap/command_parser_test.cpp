// The IMAP command parser: every command form, every malformed form.
#include <gtest/gtest.h>

#include "imap/command_parser.h"
#include "wire_feed.h"

namespace postamt::imap {
namespace {

using testing::feed_wire;
using testing::parse_bad;
using testing::parse_ok;

template <class T>
const T& body(const Command& c) {
    static const T empty{};
    if (!std::holds_alternative<T>(c.body)) {
        ADD_FAILURE() << "wrong command type";
        return empty;
    }
    return std::get<T>(c.body);
}

// ---- simple commands -------------------------------------------------------------

TEST(ImapParser, CommandsWithoutArguments) {
    struct {
        const char* wire;
        CommandId id;
    } cases[] = {
        {"a1 CAPABILITY", CommandId::capability},
        {"a NOOP", CommandId::noop},
        {"a logout", CommandId::logout},
        {"a StartTLS", CommandId::starttls},
        {"a CHECK", CommandId::check},
        {"a CLOSE", CommandId::close},
        {"a UNSELECT", CommandId::unselect},
        {"a IDLE", CommandId::idle},
        {"a NAMESPACE", CommandId::namespace_},
        {"a EXPUNGE", CommandId::expunge},
    };
    for (const auto& c : cases) {
        Command cmd = parse_ok(c.wire);
        EXPECT_EQ(cmd.id, c.id) << c.wire;
        EXPECT_EQ(cmd.tag, std::string(c.wire).substr(0, std::string(c.wire).find(' ')));
    }
}

TEST(ImapParser, TagForms) {
    EXPECT_EQ(parse_ok("A0001 NOOP").tag, "A0001");
    EXPECT_EQ(parse_ok("x.y-z]! NOOP").tag, "x.y-z]!");
    std::string tag;
    // "+" is not a tag character; "*" neither; an empty tag is no tag.
    parse_bad("a+b NOOP", &tag);
    EXPECT_EQ(tag, "");
    parse_bad("* NOOP", &tag);
    EXPECT_EQ(tag, "");
    parse_bad(" NOOP", &tag);
    EXPECT_EQ(tag, "");
    parse_bad("", &tag);
    EXPECT_EQ(tag, "");
    // A good tag is reported even when the rest is bad, for a tagged BAD.
    parse_bad("t1 FROBNICATE", &tag);
    EXPECT_EQ(tag, "t1");
    parse_bad("t2", &tag);
    EXPECT_EQ(tag, "t2");
}

TEST(ImapParser, SpacingIsStrict) {
    parse_bad("a  NOOP");
    parse_bad("a NOOP ");
    parse_bad("a NOOP extra");
    parse_bad("a LOGIN bob  pw");
    parse_bad("a LOGIN bob pw ");
    parse_bad("a\tNOOP");
}

TEST(ImapParser, Login) {
    auto c = parse_ok("a LOGIN bob secret");
    EXPECT_EQ(body<LoginCmd>(c).user, "bob");
    EXPECT_EQ(body<LoginCmd>(c).password, "secret");
    c = parse_ok("a LOGIN \"bob@example.org\" \"pa ss\\\"w\\\\d\"");
    EXPECT_EQ(body<LoginCmd>(c).user, "bob@example.org");
    EXPECT_EQ(body<LoginCmd>(c).password, "pa ss\"w\\d");
    c = parse_ok("a LOGIN {3}\r\nbob {6}\r\nsec\"et");
    EXPECT_EQ(body<LoginCmd>(c).user, "bob");
    EXPECT_EQ(body<LoginCmd>(c).password, "sec\"et");
    c = parse_ok("a LOGIN {3+}\r\nbob {0}\r\n");
    EXPECT_EQ(body<LoginCmd>(c).password, "");
    parse_bad("a LOGIN bob");
    parse_bad("a LOGIN");
    parse_bad("a LOGIN \"bob pw");
    parse_bad("a LOGIN \"b\\ob\" pw");  // only \" and \\ may be escaped
    parse_bad("a LOGIN bob (pw)");
    parse_bad("a LOGIN bob p{w");
}

TEST(ImapParser, Authenticate) {
    auto c = parse_ok("a AUTHENTICATE plain");
    EXPECT_EQ(body<AuthenticateCmd>(c).mechanism, "PLAIN");
    EXPECT_FALSE(body<AuthenticateCmd>(c).initial_response);
    c = parse_ok("a AUTHENTICATE PLAIN AGJvYgBwdw==");
    EXPECT_EQ(*body<AuthenticateCmd>(c).initial_response, "AGJvYgBwdw==");
    c = parse_ok("a AUTHENTICATE SCRAM-SHA-256 =");
    EXPECT_EQ(*body<AuthenticateCmd>(c).initial_response, "=");
    parse_bad("a AUTHENTICATE");
    parse_bad("a AUTHENTICATE PLAIN AG!b");
    parse_bad("a AUTHENTICATE PLAIN abc def");
}

TEST(ImapParser, EnableAndId) {
    auto c = parse_ok("a ENABLE condstore QRESYNC utf8=accept X-UNKNOWN");
    ASSERT_EQ(body<EnableCmd>(c).capabilities.size(), 4u);
    EXPECT_EQ(body<EnableCmd>(c).capabilities[0], "CONDSTORE");
    EXPECT_EQ(body<EnableCmd>(c).capabilities[2], "UTF8=ACCEPT");
    parse_bad("a ENABLE");
    c = parse_ok("a ID NIL");
    EXPECT_FALSE(body<IdCmd>(c).fields);
    c = parse_ok("a ID (\"name\" \"Thunderbird\" \"version\" NIL)");
    ASSERT_TRUE(body<IdCmd>(c).fields);
    ASSERT_EQ(body<IdCmd>(c).fields->size(), 2u);
    EXPECT_EQ((*body<IdCmd>(c).fields)[0].second, "Thunderbird");
    EXPECT_FALSE((*body<IdCmd>(c).fields)[1].second);
    parse_bad("a ID");
    parse_bad("a ID (\"name\")");
    parse_bad("a ID (\"name\" \"x\"");
}

// ---- mailbox commands ------------------------------------------------------------------

TEST(ImapParser, SelectExamine) {
    auto c = parse_ok("a SELECT INBOX");
    EXPECT_EQ(c.id, CommandId::select);
    EXPECT_EQ(body<SelectCmd>(c).mailbox, "INBOX");
    EXPECT_FALSE(body<SelectCmd>(c).examine);
    c = parse_ok("a EXAMINE \"Sent Items\" (CONDSTORE)");
    EXPECT_EQ(c.id, CommandId::examine);
    EXPECT_TRUE(body<SelectCmd>(c).examine);
    EXPECT_TRUE(body<SelectCmd>(c).condstore);
    EXPECT_EQ(body<SelectCmd>(c).mailbox, "Sent Items");
    c = parse_ok("a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))");
    const auto& q = *body<SelectCmd>(c).qresync;
    EXPECT_EQ(q.uid_validity, 67890007u);
    EXPECT_EQ(q.modseq, 20050715194045000ull);
    ASSERT_TRUE(q.known_uids);
    EXPECT_EQ(q.known_uids->ranges.size(), 3u);
    EXPECT_FALSE(q.seq_match);
    c = parse_ok(
        "a SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
        "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))");
    ASSERT_TRUE(body<SelectCmd>(c).qresync->seq_match);
    EXPECT_EQ(body<SelectCmd>(c).qresync->seq_match->first.ranges.size(), 4u);
    c = parse_ok("a SELECT INBOX (QRESYNC (1 2 (1:3 4:6)))");
    EXPECT_FALSE(body<SelectCmd>(c).qresync->known_uids);
    EXPECT_TRUE(body<SelectCmd>(c).qresync->seq_match);
    c = parse_ok("a SELECT INBOX (CONDSTORE QRESYNC (1 2))");
    EXPECT_TRUE(body<SelectCmd>(c).condstore);
    parse_bad("a SELECT");
    parse_bad("a SELECT INBOX ()");
    parse_bad("a SELECT INBOX (FOO)");
    parse_bad("a SELECT INBOX (QRESYNC (0 2))");
    parse_bad("a SELECT INBOX (QRESYNC (1 0))");
    parse_bad("a SELECT INBOX (QRESYNC (1))");
    parse_bad("a SELECT INBOX (QRESYNC (1 2 $))");
    parse_bad("a SELECT INBOX (QRESYNC (1 2 1:5 (1:2)))");
    parse_bad("a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))");
}

TEST(ImapParser, MailboxNamesAsAtomsStringsLiterals) {
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE foo/bar")).mailbox, "foo/bar");
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE \"foo bar\"")).mailbox, "foo bar");
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE {7}\r\nfoo bar")).mailbox, "foo bar");
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE \"Entw&APw-rfe\"")).mailbox, "Entw&APw-rfe");
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE \"Entw\xc3\xbcrfe\"")).mailbox, "Entw\xc3\xbcrfe");
    EXPECT_EQ(body<DeleteCmd>(parse_ok("a DELETE a]b")).mailbox, "a]b");  // ASTRING-CHAR includes ]
    parse_bad("a DELETE foo%");
    parse_bad("a DELETE foo*");
    parse_bad("a DELETE (foo)");
    parse_bad("a DELETE \"foo\rbar\"");
}

TEST(ImapParser, CreateRenameSubscribe) {
    auto c = parse_ok("a CREATE Sent");
    EXPECT_TRUE(body<CreateCmd>(c).special_use.empty());
    c = parse_ok("a CREATE \"Sent Items\" (USE (\\Sent))");
    ASSERT_EQ(body<CreateCmd>(c).special_use.size(), 1u);
    EXPECT_EQ(body<CreateCmd>(c).special_use[0], "\\Sent");
    c = parse_ok("a CREATE x (USE (\\Archive \\Flagged))");
    EXPECT_EQ(body<CreateCmd>(c).special_use.size(), 2u);
    c = parse_ok("a CREATE x (USE ())");
    EXPECT_TRUE(body<CreateCmd>(c).special_use.empty());
    parse_bad("a CREATE x (USE (Sent))");
    parse_bad("a CREATE x (FOO (\\Sent))");
    parse_bad("a CREATE x USE (\\Sent)");
    c = parse_ok("a RENAME old \"new name\"");
    EXPECT_EQ(body<RenameCmd>(c).from, "old");
    EXPECT_EQ(body<RenameCmd>(c).to, "new name");
    parse_bad("a RENAME old");
    c = parse_ok("a SUBSCRIBE x");
    EXPECT_EQ(c.id, CommandId::subscribe);
    EXPECT_TRUE(body<SubscribeCmd>(c).subscribe);
    c = parse_ok("a UNSUBSCRIBE x");
    EXPECT_EQ(c.id, CommandId::unsubscribe);
    EXPECT_FALSE(body<SubscribeCmd>(c).subscribe);
}

TEST(ImapParser, ListBasicAndLsub) {
    auto c = parse_ok("a LIST \"\" *");
    const auto& l = body<ListCmd>(c);
    EXPECT_FALSE(l.extended);
    EXPECT_EQ(l.reference, "");
    ASSERT_EQ(l.patterns.size(), 1u);
    EXPECT_EQ(l.patterns[0], "*");
    c = parse_ok("a LIST \"\" %/x]*");
    EXPECT_EQ(body<ListCmd>(c).patterns[0], "%/x]*");
    c = parse_ok("a LIST ~/Mail/ \"%\"");
    EXPECT_EQ(body<ListCmd>(c).reference, "~/Mail/");
    c = parse_ok("a LSUB \"\" \"*\"");
    EXPECT_TRUE(body<ListCmd>(c).lsub);
    EXPECT_EQ(c.id, CommandId::lsub);
    parse_bad("a LIST \"\"");
    parse_bad("a LIST *");
    parse_bad("a LSUB (SUBSCRIBED) \"\" *");
    parse_bad("a LSUB \"\" * RETURN (CHILDREN)");
}

TEST(ImapParser, ListExtended) {
    auto c = parse_ok(
        "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX* Sent%) RETURN (CHILDREN SPECIAL-USE)");
    const auto& l = body<ListCmd>(c);
    EXPECT_TRUE(l.extended);
    EXPECT_TRUE(l.sel_subscribed);
    EXPECT_TRUE(l.sel_recursivematch);
    EXPECT_EQ(l.patterns.size(), 2u);
    EXPECT_TRUE(l.ret_children);
    EXPECT_TRUE(l.ret_special_use);
    c = parse_ok("a LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN SIZE))");
    ASSERT_TRUE(body<ListCmd>(c).ret_status);
    EXPECT_EQ(body<ListCmd>(c).ret_status->size(), 3u);
    c = parse_ok("a LIST () \"\" % RETURN ()");
    EXPECT_TRUE(body<ListCmd>(c).extended);
    c = parse_ok("a LIST (SPECIAL-USE REMOTE) \"\" *");
    EXPECT_TRUE(body<ListCmd>(c).sel_special_use);
    EXPECT_TRUE(body<ListCmd>(c).sel_remote);
    parse_bad("a LIST (RECURSIVEMATCH) \"\" *");
    parse_bad("a LIST (FOO) \"\" *");
    parse_bad("a LIST \"\" * RETURN (FOO)");
    parse_bad("a LIST \"\" * (CHILDREN)");
    parse_bad("a LIST \"\" * RETURN (STATUS ())");
    parse_bad("a LIST \"\" * RETURN (STATUS (FOO))");
    parse_bad("a LIST \"\" ()");
}

TEST(ImapParser, Status) {
    auto c = parse_ok(
        "a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ "
        "APPENDLIMIT MAILBOXID)");
    EXPECT_EQ(body<StatusCmd>(c).items.size(), 10u);
    EXPECT_EQ(body<StatusCmd>(c).items[6], StatusItem::size);
    parse_bad("a STATUS INBOX ()");
    parse_bad("a STATUS INBOX");
    parse_bad("a STATUS INBOX (MESSAGES");
    parse_bad("a STATUS INBOX (BOGUS)");
    parse_bad("a STATUS INBOX MESSAGES");
}

// ---- APPEND -----------------------------------------------------------------------------

TEST(ImapParser, AppendForms) {
    auto c = parse_ok("a APPEND INBOX {5}\r\nHello");
    const auto& a = body<AppendCmd>(c);
    EXPECT_EQ(a.mailbox, "INBOX");
    ASSERT_EQ(a.messages.size(), 1u);
    EXPECT_EQ(a.messages[0].data, "Hello");
    EXPECT_FALSE(a.messages[0].date);
    c = parse_ok(
        "a APPEND saved-messages (\\Seen $Forwarded) \"17-Jul-1996 02:44:25 -0700\" {3+}\r\nabc");
    const auto& m = body<AppendCmd>(c).messages[0];
    EXPECT_EQ(m.flags, (std::vector<std::string>{"\\Seen", "$Forwarded"}));
    ASSERT_TRUE(m.date);
    EXPECT_EQ(m.date->unix_seconds, 837596665);  // 1996-07-17 09:44:25 UTC
    EXPECT_EQ(m.date->zone_minutes, -420);
    c = parse_ok("a APPEND x \" 1-Jan-2020 00:00:00 +0000\" {1}\r\nz");
    EXPECT_EQ(body<AppendCmd>(c).messages[0].date->unix_seconds, 1577836800);
    c = parse_ok("a APPEND x () {1}\r\nz");
    EXPECT_TRUE(body<AppendCmd>(c).messages[0].flags.empty());
    c = parse_ok(std::string("a APPEND x ~{3}\r\na\0b", 20));
    ASSERT_EQ(body<AppendCmd>(c).messages.size(), 1u);
    EXPECT_TRUE(body<AppendCmd>(c).messages[0].binary);
    EXPECT_EQ(body<AppendCmd>(c).messages[0].data, std::string("a\0b", 3));
    c = parse_ok("a APPEND x UTF8 (~{2}\r\nhi)");
    EXPECT_TRUE(body<AppendCmd>(c).messages[0].utf8);
    EXPECT_EQ(body<AppendCmd>(c).messages[0].data, "hi");
    // Mailbox as a literal, then the message.
    c = parse_ok("a APPEND {4}\r\nBox1 {2}\r\nhi");
    EXPECT_EQ(body<AppendCmd>(c).mailbox, "Box1");
    EXPECT_EQ(body<AppendCmd>(c).messages[0].data, "hi");
}

TEST(ImapParser, MultiAppend) {
    auto c = parse_ok(
        "a APPEND Drafts (\\Draft) {2}\r\nm1 (\\Seen) \"1-Jan-2020 00:00:00 +0000\" {2}\r\nm2 "
        "{2}\r\nm3");
    const auto& a = body<AppendCmd>(c);
    ASSERT_EQ(a.messages.size(), 3u);
    EXPECT_EQ(a.messages[0].data, "m1");
    EXPECT_EQ(a.messages[1].data, "m2");
    EXPECT_EQ(a.messages[2].data, "m3");
    EXPECT_EQ(a.messages[1].flags[0], "\\Seen");
}

TEST(ImapParser, AppendMalformed) {
    parse_bad("a APPEND INBOX");
    parse_bad("a APPEND INBOX \"message\"");
    parse_bad("a APPEND INBOX (\\Seen)");
    parse_bad("a APPEND INBOX (\\Seen {1}\r\nx");
    parse_bad("a APPEND INBOX \"32-Jan-2020 00:00:00 +0000\" {1}\r\nx");
    parse_bad("a APPEND INBOX \"1-Foo-2020 00:00:00 +0000\" {1}\r\nx");
    parse_bad("a APPEND INBOX \"1-Jan-2020 25:00:00 +0000\" {1}\r\nx");
    parse_bad("a APPEND INBOX \"1-Jan-2020 00:00:00 0000\" {1}\r\nx");
    parse_bad("a APPEND INBOX \"1-Jan-2020 00:00:00\" {1}\r\nx");
    parse_bad("a APPEND INBOX {1}\r\nx junk");
    parse_bad("a APPEND INBOX {1}\r\nx ");
    parse_bad("a APPEND INBOX UTF8 ({1}\r\nx)");
}

// ---- literals --------------------------------------------------------------------------

TEST(ImapParser, LiteralAnnouncementDetection) {
    auto a = find_literal_announcement("a LOGIN {5}");
    EXPECT_TRUE(a.found);
    EXPECT_EQ(a.size, 5u);
    EXPECT_TRUE(a.sync);
    a = find_literal_announcement("a LOGIN {5+}");
    EXPECT_TRUE(a.found);
    EXPECT_FALSE(a.sync);
    a = find_literal_announcement("a APPEND x ~{12}");
    EXPECT_TRUE(a.found);
    EXPECT_TRUE(a.binary);
    EXPECT_FALSE(find_literal_announcement("a LOGIN \"{5}\"").found);
    EXPECT_FALSE(find_literal_announcement("a LOGIN \"x {5}").found);  // inside an open quote
    EXPECT_TRUE(find_literal_announcement("a LOGIN \"x\\\"\" {5}").found);
    EXPECT_FALSE(find_literal_announcement("a LOGIN {}").found);
    EXPECT_FALSE(find_literal_announcement("a LOGIN {+}").found);
    EXPECT_FALSE(find_literal_announcement("a LOGIN {5a}").found);
    EXPECT_FALSE(find_literal_announcement("a LOGIN {5} ").found);
    a = find_literal_announcement("a LOGIN {99999999999999999999999999}");
    EXPECT_TRUE(a.found);
    EXPECT_TRUE(a.overflow);
}

TEST(ImapParser, LiteralLimits) {
    ReaderLimits lim;
    lim.max_literal_size = 10;
    lim.max_message_size = 100;
    CommandReader r(lim);
    EXPECT_EQ(r.on_line("a LOGIN {11}"), CommandReader::State::need_literal);
    EXPECT_TRUE(r.literal().too_big);
    EXPECT_FALSE(r.literal().message);
    r.reset();
    EXPECT_EQ(r.on_line("a LOGIN {10}"), CommandReader::State::need_literal);
    EXPECT_FALSE(r.literal().too_big);
    r.reset();
    // APPEND: the message literal is bounded by the message size instead.
    EXPECT_EQ(r.on_line("a APPEND INBOX {50}"), CommandReader::State::need_literal);
    EXPECT_TRUE(r.literal().message);
    EXPECT_FALSE(r.literal().too_big);
    r.reset();
    EXPECT_EQ(r.on_line("a APPEND INBOX (\\Seen) {101+}"), CommandReader::State::need_literal);
    EXPECT_TRUE(r.literal().message);
    EXPECT_TRUE(r.literal().too_big);
    EXPECT_FALSE(r.literal().sync);
    r.reset();
    // ...but the mailbox name literal of APPEND is not message data.
    EXPECT_EQ(r.on_line("a APPEND {20}"), CommandReader::State::need_literal);
    EXPECT_FALSE(r.literal().message);
    EXPECT_TRUE(r.literal().too_big);
    r.reset();
    // A mailbox named "APPEND": the literal after it is the message
    // (fuzz_imap_command found the probe and the reader disagreeing).
    EXPECT_EQ(r.on_line("a APPEND APPEND {50}"), CommandReader::State::need_literal);
    EXPECT_TRUE(r.literal().message);
    EXPECT_TRUE(r.probe().is_message);
    r.reset();
    EXPECT_EQ(r.on_line("abc append {5}"), CommandReader::State::need_literal);
    EXPECT_FALSE(r.literal().message);
}

TEST(ImapParser, ProbeBeforeSynchronisingLiteral) {
    CommandReader r;
    ASSERT_EQ(r.on_line("a APPEND Drafts (\\Seen) {300}"), CommandReader::State::need_literal);
    auto p = r.probe();
    EXPECT_EQ(p.kind, LiteralProbe::Kind::pending);
    EXPECT_TRUE(p.is_message);
    EXPECT_EQ(p.mailbox, "Drafts");
    EXPECT_EQ(p.command, CommandId::append);
    EXPECT_EQ(p.tag, "a");
    r.reset();
    // A command already known to be wrong is refused before "+".
    ASSERT_EQ(r.on_line("b FROB {5}"), CommandReader::State::need_literal);
    p = r.probe();
    EXPECT_EQ(p.kind, LiteralProbe::Kind::error);
    EXPECT_EQ(p.tag, "b");
    r.reset();
    ASSERT_EQ(r.on_line("c FETCH 1 {5}"), CommandReader::State::need_literal);
    EXPECT_EQ(r.probe().kind, LiteralProbe::Kind::error);
    r.reset();
    ASSERT_EQ(r.on_line("d LOGIN {3}"), CommandReader::State::need_literal);
    p = r.probe();
    EXPECT_EQ(p.kind, LiteralProbe::Kind::pending);
    EXPECT_FALSE(p.is_message);
    EXPECT_EQ(r.on_literal("bob"), CommandReader::State::need_line);
    ASSERT_EQ(r.on_line(" {2}"), CommandReader::State::need_literal);
    EXPECT_EQ(r.probe().kind, LiteralProbe::Kind::pending);
    EXPECT_EQ(r.on_literal("pw"), CommandReader::State::need_line);
    EXPECT_EQ(r.on_line(""), CommandReader::State::complete);
    auto t = r.take();
    ASSERT_TRUE(t.result.ok());
    EXPECT_EQ(body<LoginCmd>(*t.result.command).password, "pw");
    // Second message of a MULTIAPPEND.
    CommandReader m;
    m.on_line("e APPEND INBOX {1}");
    m.on_literal("x");
    ASSERT_EQ(m.on_line(" (\\Seen) {2}"), CommandReader::State::need_literal);
    p = m.probe();
    EXPECT_TRUE(p.is_message);
    EXPECT_EQ(p.message_index, 1u);
    EXPECT_TRUE(m.literal().message);
}

TEST(ImapParser, DiscardedLiteralFailsTheCommand) {
    CommandReader r;
    ASSERT_EQ(r.on_line("a APPEND INBOX {999999999+}"), CommandReader::State::need_literal);
    EXPECT_TRUE(r.literal().too_big);
    EXPECT_EQ(r.on_literal_discarded("TOOBIG", "message too big", true),
              CommandReader::State::need_line);
    EXPECT_EQ(r.on_line(""), CommandReader::State::complete);
    auto t = r.take();
    EXPECT_FALSE(t.result.ok());
    EXPECT_EQ(t.result.tag, "a");
    EXPECT_EQ(t.code, "TOOBIG");
    EXPECT_TRUE(t.answer_no);
    // The reader is ready for the next command.
    EXPECT_EQ(r.on_line("b NOOP"), CommandReader::State::complete);
    EXPECT_TRUE(r.take().result.ok());
}

TEST(ImapParser, CommandTooLongOverLines) {
    ReaderLimits lim;
    lim.max_command_bytes = 100;
    CommandReader r(lim);
    std::string line = "a LOGIN {10}";
    ASSERT_EQ(r.on_line(line), CommandReader::State::need_literal);
    r.on_literal("0123456789");
    for (int i = 0; i < 10; ++i) {
        auto st = r.on_line(" {10}");
        if (st != CommandReader::State::need_literal) break;
        r.on_literal("0123456789");
    }
    EXPECT_EQ(r.on_line(""), CommandReader::State::complete);
    auto t = r.take();
    EXPECT_FALSE(t.result.ok());
    EXPECT_EQ(t.code, "TOOBIG");
}

TEST(ImapParser, LiteralMustEndTheLine) {
    // Data after a literal announcement on the same line is no literal: the
    // line is complete and fails to parse.
    auto f = feed_wire("a LOGIN {3} x");
    ASSERT_TRUE(f.complete);
    EXPECT_FALSE(f.taken.result.ok());
    parse_bad("a LOGIN {3}\r\nbob");      // the password is missing
    parse_bad("a LOGIN bob ~{2}\r\npw");  // literal8 only where binary data is allowed
}

// ---- sequence sets ----------------------------------------------------------------------

TEST(ImapParser, SequenceSets) {
    auto c = parse_ok("a FETCH 1,3:5,7:*,*,*:2,4294967295 FLAGS");
    const auto& s = body<FetchCmd>(c).set;
    ASSERT_EQ(s.ranges.size(), 6u);
    EXPECT_EQ(s.ranges[0], (SeqRange{1, 1}));
    EXPECT_EQ(s.ranges[1], (SeqRange{3, 5}));
    EXPECT_EQ(s.ranges[2], (SeqRange{7, 0}));
    EXPECT_EQ(s.ranges[3], (SeqRange{0, 0}));
    EXPECT_EQ(s.ranges[4], (SeqRange{0, 2}));
    EXPECT_EQ(s.ranges[5], (SeqRange{4294967295u, 4294967295u}));
    c = parse_ok("a FETCH $ FLAGS");
    EXPECT_TRUE(body<FetchCmd>(c).set.saved);
    for (const char* bad :
         {"a FETCH 0 FLAGS", "a FETCH 1:0 FLAGS", "a FETCH 4294967296 FLAGS", "a FETCH 1, FLAGS",
          "a FETCH ,1 FLAGS", "a FETCH 1:: FLAGS", "a FETCH 1:2:3 FLAGS", "a FETCH -1 FLAGS",
          "a FETCH 1,$ FLAGS", "a FETCH $,1 FLAGS", "a FETCH 01 FLAGS", "a FETCH a FLAGS",
          "a FETCH 1 2 FLAGS", "a FETCH FLAGS"})
        parse_bad(bad);
}

// ---- FETCH ---------------------------------------------------------------------------------

TEST(ImapParser, FetchAttributes) {
    auto c = parse_ok(
        "a FETCH 1:* (FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY MODSEQ "
        "EMAILID "
        "THREADID SAVEDATE RFC822 RFC822.HEADER RFC822.TEXT PREVIEW)");
    const auto& it = body<FetchCmd>(c).items;
    ASSERT_EQ(it.size(), 15u);
    EXPECT_EQ(it[0].attr, FetchAttr::flags);
    EXPECT_EQ(it[6].attr, FetchAttr::body);
    EXPECT_EQ(it[14].attr, FetchAttr::preview);
    c = parse_ok("a FETCH 1 flags");
    ASSERT_EQ(body<FetchCmd>(c).items.size(), 1u);
    c = parse_ok("a FETCH 1 (PREVIEW (LAZY) UID)");
    EXPECT_EQ(body<FetchCmd>(c).items.size(), 2u);
}

TEST(ImapParser, FetchMacros) {
    EXPECT_EQ(body<FetchCmd>(parse_ok("a FETCH 1 ALL")).items.size(), 4u);
    EXPECT_EQ(body<FetchCmd>(parse_ok("a FETCH 1 FAST")).items.size(), 3u);
    auto full = body<FetchCmd>(parse_ok("a FETCH 1 full")).items;
    ASSERT_EQ(full.size(), 5u);
    EXPECT_EQ(full[4].attr, FetchAttr::body);
    parse_bad("a FETCH 1 (ALL)");
    parse_bad("a FETCH 1 (FAST FLAGS)");
}

TEST(ImapParser, FetchSections) {
    auto c = parse_ok(
        "a FETCH 1 (BODY[] BODY.PEEK[HEADER] BODY[TEXT]<0.100> BODY[1.2.MIME] BODY[2] "
        "BODY[3.HEADER.FIELDS (From To \"Subject\")] BODY.PEEK[HEADER.FIELDS.NOT (Received)] "
        "BINARY[1] BINARY.PEEK[]<5.10> BINARY.SIZE[2.1] BODY[4.TEXT])");
    const auto& it = body<FetchCmd>(c).items;
    ASSERT_EQ(it.size(), 11u);
    EXPECT_EQ(it[0].attr, FetchAttr::body_section);
    EXPECT_FALSE(it[0].peek);
    EXPECT_TRUE(it[0].section.part.empty());
    EXPECT_EQ(it[0].section.text, SectionText::none);
    EXPECT_TRUE(it[1].peek);
    EXPECT_EQ(it[1].section.text, SectionText::header);
    ASSERT_TRUE(it[2].partial);
    EXPECT_EQ(it[2].partial->offset, 0u);
    EXPECT_EQ(it[2].partial->count, 100u);
    EXPECT_EQ(it[3].section.part, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(it[3].section.text, SectionText::mime);
    EXPECT_EQ(it[4].section.part, (std::vector<uint32_t>{2}));
    EXPECT_EQ(it[5].section.text, SectionText::header_fields);
    EXPECT_EQ(it[5].section.fields, (std::vector<std::string>{"From", "To", "Subject"}));
    EXPECT_EQ(it[6].section.text, SectionText::header_fields_not);
    EXPECT_EQ(it[7].attr, FetchAttr::binary_section);
    EXPECT_EQ(it[8].attr, FetchAttr::binary_section);
    EXPECT_TRUE(it[8].peek);
    EXPECT_EQ(it[8].partial->offset, 5u);
    EXPECT_EQ(it[9].attr, FetchAttr::binary_size);
    EXPECT_EQ(it[9].section.part, (std::vector<uint32_t>{2, 1}));
    EXPECT_EQ(it[10].section.text, SectionText::text);
}

TEST(ImapParser, FetchMalformed) {
    for (const char* bad : {
             "a FETCH 1",
             "a FETCH 1 ()",
             "a FETCH 1 (FLAGS",
             "a FETCH 1 FLAGS)",
             "a FETCH 1 (FLAGS  UID)",
             "a FETCH 1 BOGUS",
             "a FETCH 1 BODY[",
             "a FETCH 1 BODY[]<",
             "a FETCH 1 BODY[]<1>",
             "a FETCH 1 BODY[]<1.0>",
             "a FETCH 1 BODY[]<a.1>",
             "a FETCH 1 BODY[MIME]",
             "a FETCH 1 BODY[0]",
             "a FETCH 1 BODY[1.0]",
             "a FETCH 1 BODY[1.]",
             "a FETCH 1 BODY[HEADER.FIELDS]",
             "a FETCH 1 BODY[HEADER.FIELDS ()]",
             "a FETCH 1 BODY[HEADER.FIELDS (a:b)]",
             "a FETCH 1 BODY[FOO]",
             "a FETCH 1 BODY.PEEK",
             "a FETCH 1 BINARY[HEADER]",
             "a FETCH 1 BINARY[1.MIME]",
             "a FETCH 1 BINARY",
             "a FETCH 1 BINARY.SIZE",
             "a FETCH 1 BODY[]x",
             "a FETCH 1 RFC822.FOO",
             "a FETCH 1 (FLAGS) (FOO)",
             "a FETCH 1 FLAGS (CHANGEDSINCE)",
             "a FETCH 1 FLAGS (CHANGEDSINCE x)",
             "a FETCH 1 FLAGS (VANISHED)",
             "a UID FETCH 1 FLAGS (VANISHED)",
             "a FETCH 1 FLAGS (CHANGEDSINCE 5 VANISHED)",
             "a FETCH 1 "
             "BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29."
             "30.31.32."
             "33.34.35.36.37.38.39.40.41.42.43.44.45.46.47.48.49.50.51.52.53.54.55.56.57.58.59.60."
             "61.62.63.64.65]",
         })
        parse_bad(bad);
}

TEST(ImapParser, FetchModifiersAndUid) {
    auto c = parse_ok("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
    EXPECT_TRUE(c.uid);
    EXPECT_TRUE(body<FetchCmd>(c).uid);
    EXPECT_EQ(*body<FetchCmd>(c).changed_since, 12345u);
    EXPECT_TRUE(body<FetchCmd>(c).vanished);
    c = parse_ok("a fetch 1 FLAGS (changedsince 0)");
    EXPECT_EQ(*body<FetchCmd>(c).changed_since, 0u);
}

// ---- STORE / COPY / MOVE / EXPUNGE ---------------------------------------------------------

TEST(ImapParser, Store) {
    auto c = parse_ok("a STORE 1:3 +FLAGS (\\Seen \\Deleted)");
    const auto& s = body<StoreCmd>(c);
    EXPECT_EQ(s.mode, StoreMode::add);
    EXPECT_FALSE(s.silent);
    EXPECT_EQ(s.flags.size(), 2u);
    c = parse_ok("a UID STORE 5 -FLAGS.SILENT $Junk");
    EXPECT_EQ(body<StoreCmd>(c).mode, StoreMode::remove);
    EXPECT_TRUE(body<StoreCmd>(c).silent);
    EXPECT_EQ(body<StoreCmd>(c).flags, std::vector<std::string>{"$Junk"});
    c = parse_ok("a STORE 1 FLAGS \\Seen \\Answered");
    EXPECT_EQ(body<StoreCmd>(c).mode, StoreMode::replace);
    EXPECT_EQ(body<StoreCmd>(c).flags.size(), 2u);
    c = parse_ok("a STORE 1 FLAGS ()");
    EXPECT_TRUE(body<StoreCmd>(c).flags.empty());
    c = parse_ok("a STORE 1 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)");
    EXPECT_EQ(*body<StoreCmd>(c).unchanged_since, 320162338u);
    for (const char* bad :
         {"a STORE 1 FLAGS", "a STORE 1 +FLAGS", "a STORE 1 *FLAGS (\\Seen)",
          "a STORE 1 FLAGS.LOUD (\\Seen)", "a STORE 1 FLAGS (\\Seen", "a STORE 1 FLAGS (\\)",
          "a STORE 1 (UNCHANGEDSINCE) FLAGS ()", "a STORE 1 (FOO 1) FLAGS ()",
          "a STORE +FLAGS (\\Seen)", "a STORE 1 FLAGS (\"x\")"})
        parse_bad(bad);
}

TEST(ImapParser, CopyMoveExpunge) {
    auto c = parse_ok("a COPY 2:4 MEETING");
    EXPECT_EQ(c.id, CommandId::copy);
    EXPECT_FALSE(body<CopyCmd>(c).move);
    c = parse_ok("a UID MOVE 42:69 Trash");
    EXPECT_EQ(c.id, CommandId::move);
    EXPECT_TRUE(body<CopyCmd>(c).move);
    EXPECT_TRUE(body<CopyCmd>(c).uid);
    c = parse_ok("a UID EXPUNGE 3000:3002");
    EXPECT_EQ(c.id, CommandId::uid_expunge);
    ASSERT_TRUE(body<ExpungeCmd>(c).uids);
    parse_bad("a COPY 1");
    parse_bad("a UID EXPUNGE");
    parse_bad("a EXPUNGE 1");
    parse_bad("a UID");
    parse_bad("a UID NOOP");
    parse_bad("a UID FROB 1");
}

// ---- SEARCH / SORT / THREAD ------------------------------------------------------------------

TEST(ImapParser, SearchKeys) {
    auto c = parse_ok("a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"");
    const auto& k = body<SearchCmd>(c).key;
    EXPECT_EQ(k.kind, SearchKey::Kind::and_);
    ASSERT_EQ(k.children.size(), 3u);
    EXPECT_EQ(k.children[0].kind, SearchKey::Kind::flagged);
    EXPECT_EQ(k.children[1].kind, SearchKey::Kind::since);
    EXPECT_EQ(k.children[1].date, (Date{1994, 2, 1}));
    EXPECT_EQ(k.children[2].kind, SearchKey::Kind::not_);
    EXPECT_EQ(k.children[2].children[0].kind, SearchKey::Kind::from);
    EXPECT_EQ(k.children[2].children[0].str, "Smith");

    c = parse_ok(
        "a SEARCH ALL ANSWERED DELETED DRAFT FLAGGED SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED "
        "UNSEEN "
        "NEW OLD RECENT KEYWORD $Junk UNKEYWORD foo BCC a BODY b CC c FROM d SUBJECT e TEXT f TO g "
        "HEADER X-Spam yes BEFORE \"1-Jan-2000\" ON 31-Dec-1999 SENTBEFORE 1-Jan-2000 SENTON "
        "1-Jan-2000 "
        "SENTSINCE 1-Jan-2000 LARGER 100 SMALLER 200 UID 1:5,7 1:3 OR SEEN FLAGGED (SEEN DRAFT) "
        "MODSEQ 5 MODSEQ \"/flags/\\\\draft\" all 620162338 OLDER 60 YOUNGER 3600 SAVEDBEFORE "
        "1-Jan-2000 "
        "SAVEDON 1-Jan-2000 SAVEDSINCE 1-Jan-2000 SAVEDATESUPPORTED EMAILID M6d99ac3275bb4e "
        "THREADID T64b4 "
        "$");
    const auto& all = body<SearchCmd>(c).key.children;
    EXPECT_EQ(all.size(), 46u);
    EXPECT_EQ(all.back().kind, SearchKey::Kind::seqset);
    EXPECT_TRUE(all.back().set.saved);
    bool saw_header = false, saw_modseq_entry = false;
    for (const auto& ch : all) {
        if (ch.kind == SearchKey::Kind::header) {
            EXPECT_EQ(ch.field, "X-Spam");
            EXPECT_EQ(ch.str, "yes");
            saw_header = true;
        }
        if (ch.kind == SearchKey::Kind::modseq && ch.number == 620162338) saw_modseq_entry = true;
    }
    EXPECT_TRUE(saw_header);
    EXPECT_TRUE(saw_modseq_entry);
}

TEST(ImapParser, SearchCharsetReturnAndLiterals) {
    auto c = parse_ok("a SEARCH CHARSET UTF-8 TEXT {6}\r\n\xc3\xa4pfel");
    const auto& s = body<SearchCmd>(c);
    EXPECT_EQ(*s.charset, "UTF-8");
    EXPECT_EQ(s.key.children[0].str, "\xc3\xa4pfel");
    c = parse_ok("a SEARCH RETURN (MIN MAX COUNT ALL SAVE) UNSEEN");
    ASSERT_TRUE(body<SearchCmd>(c).ret);
    EXPECT_TRUE(body<SearchCmd>(c).ret->save);
    EXPECT_TRUE(body<SearchCmd>(c).ret->count);
    c = parse_ok("a SEARCH RETURN () ALL");
    EXPECT_TRUE(body<SearchCmd>(c).ret->all);
    c = parse_ok("a UID SEARCH RETURN (COUNT) CHARSET us-ascii ALL");
    EXPECT_TRUE(c.uid);
    EXPECT_EQ(*body<SearchCmd>(c).charset, "us-ascii");
}

TEST(ImapParser, SearchMalformed) {
    for (const char* bad : {"a SEARCH",
                            "a SEARCH ()",
                            "a SEARCH (SEEN",
                            "a SEARCH SEEN)",
                            "a SEARCH FROM",
                            "a SEARCH BOGUS",
                            "a SEARCH SINCE 1-Feb",
                            "a SEARCH SINCE 1-Fob-1994",
                            "a SEARCH SINCE 31-Feb-1994x",
                            "a SEARCH SINCE 30-Feb-1994",
                            "a SEARCH SINCE 001-Feb-1994",
                            "a SEARCH LARGER",
                            "a SEARCH LARGER -1",
                            "a SEARCH OR SEEN",
                            "a SEARCH NOT",
                            "a SEARCH HEADER Subject",
                            "a SEARCH UID",
                            "a SEARCH CHARSET",
                            "a SEARCH CHARSET UTF-8",
                            "a SEARCH RETURN (FOO) ALL",
                            "a SEARCH RETURN (MIN ALL",
                            "a SEARCH MODSEQ \"/foo\" all 5",
                            "a SEARCH MODSEQ \"/flags/x\" any 5",
                            "a SEARCH OLDER 0",
                            "a SEARCH EMAILID a.b",
                            "a SEARCH KEYWORD \\Seen",
                            "a SEARCH SEEN  DRAFT",
                            "a SEARCH 0",
                            "a SEARCH HEADER \"\" x"})
        parse_bad(bad);
}

TEST(ImapParser, NestingIsBounded) {
    std::string deep = "a SEARCH ";
    for (int i = 0; i < 100; ++i) deep += "(";
    deep += "SEEN";
    for (int i = 0; i < 100; ++i) deep += ")";
    EXPECT_NE(parse_bad(deep).find("nested"), std::string::npos);
    std::string nots = "a SEARCH ";
    for (int i = 0; i < 100; ++i) nots += "NOT ";
    nots += "SEEN";
    EXPECT_NE(parse_bad(nots).find("nested"), std::string::npos);
    std::string ok = "a SEARCH ";
    for (int i = 0; i < 10; ++i) ok += "(NOT ";
    ok += "SEEN";
    for (int i = 0; i < 10; ++i) ok += ")";
    parse_ok(ok);
}

TEST(ImapParser, SortAndThread) {
    auto c = parse_ok("a SORT (REVERSE DATE SUBJECT DISPLAYFROM) UTF-8 ALL");
    const auto& s = body<SortCmd>(c);
    ASSERT_EQ(s.criteria.size(), 3u);
    EXPECT_TRUE(s.criteria[0].reverse);
    EXPECT_EQ(s.criteria[0].key, SortKey::date);
    EXPECT_EQ(s.criteria[2].key, SortKey::display_from);
    EXPECT_EQ(s.charset, "UTF-8");
    c = parse_ok("a UID SORT RETURN (MIN COUNT) (ARRIVAL) US-ASCII UNSEEN SINCE 1-Jan-2020");
    EXPECT_TRUE(body<SortCmd>(c).ret->min);
    EXPECT_EQ(body<SortCmd>(c).key.children.size(), 2u);
    c = parse_ok("a THREAD REFERENCES UTF-8 ALL");
    EXPECT_EQ(body<ThreadCmd>(c).algorithm, "REFERENCES");
    c = parse_ok("a UID THREAD orderedsubject us-ascii SEEN");
    EXPECT_EQ(body<ThreadCmd>(c).algorithm, "ORDEREDSUBJECT");
    for (const char* bad :
         {"a SORT (DATE) ALL", "a SORT () UTF-8 ALL", "a SORT (BOGUS) UTF-8 ALL",
          "a SORT DATE UTF-8 ALL", "a SORT (REVERSE) UTF-8 ALL", "a THREAD REFERENCES ALL",
          "a THREAD UTF-8", "a SORT RETURN (SAVE) (DATE) UTF-8 ALL"})
        parse_bad(bad);
}

// ---- extension commands parsed for the later executors --------------------------------------

TEST(ImapParser, AclCommands) {
    auto c = parse_ok("a SETACL INBOX carol@example.org +lrs");
    EXPECT_EQ(body<SetAclCmd>(c).rights, "+lrs");
    c = parse_ok("a DELETEACL INBOX \"-anyone\"");
    EXPECT_EQ(body<DeleteAclCmd>(c).identifier, "-anyone");
    EXPECT_EQ(parse_ok("a GETACL INBOX").id, CommandId::getacl);
    EXPECT_EQ(parse_ok("a LISTRIGHTS INBOX carol").id, CommandId::listrights);
    EXPECT_EQ(parse_ok("a MYRIGHTS INBOX").id, CommandId::myrights);
    parse_bad("a SETACL INBOX carol");
    parse_bad("a GETACL");
}

TEST(ImapParser, QuotaCommands) {
    EXPECT_EQ(body<GetQuotaCmd>(parse_ok("a GETQUOTA \"\"")).root, "");
    EXPECT_EQ(body<GetQuotaRootCmd>(parse_ok("a GETQUOTAROOT INBOX")).mailbox, "INBOX");
    auto c = parse_ok("a SETQUOTA \"\" (STORAGE 512 message 1000)");
    const auto& s = body<SetQuotaCmd>(c);
    ASSERT_EQ(s.limits.size(), 2u);
    EXPECT_EQ(s.limits[1].first, "MESSAGE");
    EXPECT_EQ(s.limits[1].second, 1000u);
    EXPECT_TRUE(body<SetQuotaCmd>(parse_ok("a SETQUOTA x ()")).limits.empty());
    parse_bad("a SETQUOTA x (STORAGE)");
    parse_bad("a SETQUOTA x STORAGE 5");
}

TEST(ImapParser, MetadataCommands) {
    auto c = parse_ok(
        "a GETMETADATA (MAXSIZE 1024 DEPTH infinity) INBOX (/private/comment /shared/comment)");
    const auto& g = body<GetMetadataCmd>(c);
    EXPECT_EQ(*g.max_size, 1024u);
    EXPECT_EQ(g.depth, -1);
    EXPECT_EQ(g.entries.size(), 2u);
    c = parse_ok("a GETMETADATA \"\" /shared/vendor/x");
    EXPECT_EQ(body<GetMetadataCmd>(c).mailbox, "");
    c = parse_ok(
        "a SETMETADATA INBOX (/private/comment \"hello\" /shared/x NIL /private/y {3}\r\nabc)");
    const auto& s = body<SetMetadataCmd>(c);
    ASSERT_EQ(s.entries.size(), 3u);
    EXPECT_FALSE(s.entries[1].second);
    EXPECT_EQ(*s.entries[2].second, "abc");
    parse_bad("a GETMETADATA (DEPTH 2) INBOX /x");
    parse_bad("a SETMETADATA INBOX (/x)");
}

TEST(ImapParser, NotifyCommands) {
    auto c = parse_ok("a NOTIFY NONE");
    EXPECT_TRUE(body<NotifyCmd>(c).none);
    c = parse_ok(
        "a NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (From)]) "
        "MessageExpunge "
        "FlagChange)) (subtree (INBOX Lists) (MessageNew MessageExpunge)) (personal NONE) "
        "(mailboxes Drafts (MailboxName))");
    const auto& n = body<NotifyCmd>(c);
    EXPECT_TRUE(n.status);
    ASSERT_EQ(n.groups.size(), 4u);
    EXPECT_EQ(n.groups[0].filter, NotifyGroup::Filter::selected);
    EXPECT_EQ(n.groups[0].events[0].fetch_items.size(), 2u);
    EXPECT_EQ(n.groups[1].mailboxes.size(), 2u);
    EXPECT_TRUE(n.groups[2].none);
    EXPECT_EQ(n.groups[3].mailboxes, std::vector<std::string>{"Drafts"});
    c = parse_ok("a NOTIFY SET (inboxes (MessageNew MessageExpunge))");
    EXPECT_FALSE(body<NotifyCmd>(c).status);
    parse_bad("a NOTIFY");
    parse_bad("a NOTIFY SET");
    parse_bad("a NOTIFY SET (bogus (MessageNew))");
    parse_bad("a NOTIFY SET (selected)");
}

TEST(ImapParser, NotifyForms) {
    // Case-insensitive keywords (RFC 5465 8), one mailbox without parentheses,
    // a literal mailbox name, several groups.
    auto c = parse_ok(
        "a notify set status (Selected-Delayed (messagenew messageexpunge)) (SUBTREE Lists "
        "(MessageNew MessageExpunge)) (mailboxes {5}\r\nDraft (MailboxName))");
    const auto& n = body<NotifyCmd>(c);
    EXPECT_TRUE(n.status);
    ASSERT_EQ(n.groups.size(), 3u);
    EXPECT_EQ(n.groups[0].filter, NotifyGroup::Filter::selected_delayed);
    EXPECT_EQ(n.groups[1].filter, NotifyGroup::Filter::subtree);
    EXPECT_EQ(n.groups[1].mailboxes, std::vector<std::string>{"Lists"});
    EXPECT_EQ(n.groups[2].mailboxes, std::vector<std::string>{"Draft"});
    EXPECT_EQ(n.groups[2].events[0].name, "MailboxName");
    c = parse_ok("a NOTIFY SET (subscribed (SubscriptionChange)) (inboxes NONE)");
    EXPECT_EQ(body<NotifyCmd>(c).groups[0].filter, NotifyGroup::Filter::subscribed);
    EXPECT_EQ(body<NotifyCmd>(c).groups[1].filter, NotifyGroup::Filter::inboxes);
    // Unknown event names parse: the executor answers NO [BADEVENT].
    c = parse_ok("a NOTIFY SET (personal (MailboxMetadataChange))");
    EXPECT_EQ(body<NotifyCmd>(c).groups[0].events[0].name, "MailboxMetadataChange");

    parse_bad("a NOTIFY SET STATUS");                                 // no event group
    parse_bad("a NOTIFY NONE NONE");                                  // trailing junk
    parse_bad("a NOTIFY SET (personal ())");                          // empty event list
    parse_bad("a NOTIFY SET (personal)");                             // no events
    parse_bad("a NOTIFY SET (mailboxes (MessageNew))");               // no mailbox
    parse_bad("a NOTIFY SET (subtree () (MessageNew))");              // empty mailbox list
    parse_bad("a NOTIFY SET (personal (MessageNew)");                 // unbalanced
    parse_bad("a NOTIFY SET (personal (MessageNew))(inboxes NONE)");  // no space between groups
    parse_bad("a NOTIFY SET  (personal (MessageNew))");               // two spaces
    parse_bad("a NOTIFY SET (personal (MessageNew)) ");               // trailing space
    parse_bad("a NOTIFY SET STATUS STATUS (personal (MessageNew))");
    parse_bad("a NOTIFY GET (personal (MessageNew))");
    parse_bad("a NOTIFY SET (selected (MessageNew (UID BOGUS)))");  // bad fetch-att
    parse_bad("a NOTIFY SET (selected (MessageNew (UID) MessageExpunge)");
    parse_bad("a NOTIFY SET (personal NONE NONE)");
    parse_bad("a NOTIFY SET (\"personal\" (MessageNew))");  // filter is not a string
}

TEST(ImapParser, Compress) {
    EXPECT_EQ(body<CompressCmd>(parse_ok("a COMPRESS deflate")).mechanism, "DEFLATE");
    parse_bad("a COMPRESS");
}

TEST(ImapParser, BinaryJunkNeverCrashes) {
    std::string junk;
    for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
    std::vector<std::string> lits;
    for (std::size_t n = 0; n < junk.size(); ++n) {
        auto r = parse_command(std::string_view(junk).substr(n), lits);
        EXPECT_FALSE(r.ok());
    }
}

}  // namespace
}  // namespace postamt::imap
