// ENVELOPE details the corpus does not cover: 8-bit header text with and
// without UTF8=ACCEPT, quoting, defaults for hand-built envelopes.
#include <gtest/gtest.h>

#include "imap/envelope_render.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

std::string envelope_of(std::string_view raw, bool utf8) {
    auto pm = test::stored(mime::canonicalize_crlf(raw));
    std::string out;
    append_envelope(out, pm.envelope(), utf8);
    return out;
}

}  // namespace

TEST(RenderEnvelope, EightBitUtf8SubjectIsALiteralUnlessUtf8Accept) {
    const std::string raw = "Subject: caf\xC3\xA9\nFrom: J\xC3\xBCrgen <j@example.de>\n\nx\n";
    // Literals: {octets}CRLF then the bytes (RFC 9051 4.3).
    EXPECT_EQ(envelope_of(raw, false),
              "(NIL {5}\r\ncaf\xC3\xA9 (({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) "
              "(({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) "
              "(({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) NIL NIL NIL NIL NIL)");
    EXPECT_EQ(envelope_of(raw, true),
              "(NIL \"caf\xC3\xA9\" ((\"J\xC3\xBCrgen\" NIL \"j\" \"example.de\")) "
              "((\"J\xC3\xBCrgen\" NIL \"j\" \"example.de\")) "
              "((\"J\xC3\xBCrgen\" NIL \"j\" \"example.de\")) NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, RawLatin1StaysALiteralEvenUnderUtf8Accept) {
    // Not valid UTF-8, so a quoted string would break RFC 9051 QUOTED-CHAR.
    const std::string raw = "Subject: caf\xE9\n\nx\n";
    EXPECT_EQ(envelope_of(raw, true), "(NIL {4}\r\ncaf\xE9 NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, QuotesAndBackslashesAreEscaped) {
    const std::string raw = "Subject: say \"hi\" \\o/\nFrom: \"A \\\"B\\\" C\" <a@b.c>\n\n";
    EXPECT_EQ(envelope_of(raw, false),
              "(NIL \"say \\\"hi\\\" \\\\o/\" ((\"A \\\"B\\\" C\" NIL \"a\" \"b.c\")) "
              "((\"A \\\"B\\\" C\" NIL \"a\" \"b.c\")) ((\"A \\\"B\\\" C\" NIL \"a\" \"b.c\")) "
              "NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, EmptySubjectIsAnEmptyStringNotNil) {
    EXPECT_EQ(envelope_of("Subject:\nDate: \n\n", false),
              "(\"\" \"\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, FoldedSubjectIsUnfolded) {
    EXPECT_EQ(envelope_of("Subject: one\n two\n\tthree\n\n", false),
              "(NIL \"one two\tthree\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, LongSubjectGoesAsLiteral) {
    std::string s(2000, 'a');
    EXPECT_EQ(envelope_of("Subject: " + s + "\n\n", false),
              "(NIL {2000}\r\n" + s + " NIL NIL NIL NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, MailboxWithoutDomainKeepsAnEmptyHostNotNil) {
    // A NIL host would make the address read as a group start, a NIL
    // mailbox as a group end; "<>" (the null path) keeps both as "".
    EXPECT_EQ(envelope_of("To: localuser, <>\n\n", false),
              "(NIL NIL NIL NIL NIL ((NIL NIL \"localuser\" \"\")(NIL NIL \"\" \"\")) NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, QuotedLocalPartIsUnquoted) {
    EXPECT_EQ(envelope_of("From: \"john q\"@example.com\n\n", false),
              "(NIL NIL ((NIL NIL \"john q\" \"example.com\")) ((NIL NIL \"john q\" \"example.com\")) "
              "((NIL NIL \"john q\" \"example.com\")) NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, HandBuiltEnvelopeFallsBackToFromForSenderAndReplyTo) {
    mime::Envelope e;
    mime::Address a;
    a.name = "Ann";
    a.mailbox = "ann";
    a.host = "example.com";
    e.from = {a};
    e.subject = "s";
    std::string out;
    append_envelope(out, e, false);
    EXPECT_EQ(out, "(NIL \"s\" ((\"Ann\" NIL \"ann\" \"example.com\")) "
                   "((\"Ann\" NIL \"ann\" \"example.com\")) ((\"Ann\" NIL \"ann\" \"example.com\")) "
                   "NIL NIL NIL NIL NIL)");
}

TEST(RenderEnvelope, GroupsAndExplicitSenderReplyTo) {
    const std::string raw =
        "From: a@x.test\nSender: s@x.test\nReply-To: r@x.test\n"
        "To: Team: m1@x.test, \"M 2\" <m2@x.test>;\nBcc: Nobody:;\n"
        "In-Reply-To: <p@x.test>\nMessage-ID: <m@x.test>\nDate: Tue, 1 Jan 2030 00:00:00 +0000\n\n";
    EXPECT_EQ(envelope_of(raw, false),
              "(\"Tue, 1 Jan 2030 00:00:00 +0000\" NIL ((NIL NIL \"a\" \"x.test\")) "
              "((NIL NIL \"s\" \"x.test\")) ((NIL NIL \"r\" \"x.test\")) "
              "((NIL NIL \"Team\" NIL)(NIL NIL \"m1\" \"x.test\")(\"M 2\" NIL \"m2\" \"x.test\")(NIL NIL NIL NIL)) "
              "NIL ((NIL NIL \"Nobody\" NIL)(NIL NIL NIL NIL)) \"<p@x.test>\" \"<m@x.test>\")");
}

TEST(RenderEnvelope, EmptyAddressListIsNil) {
    std::string out;
    append_address_list(out, {}, false);
    EXPECT_EQ(out, "NIL");
}
