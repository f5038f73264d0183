#include <gtest/gtest.h>

#include "corpus_util.h"
#include "mime/message_parser.h"
#include "mime/transfer_decode.h"
#include "mime/encoded_word.h"
#include "mime/header.h"

using namespace postamt::mime;
using postamt::mime::test::load_corpus;

TEST(TransferDecode, Base64Lenient) {
    bool clean = false;
    EXPECT_EQ(decode_base64_lenient("SGVsbG8gV29ybGQ=", &clean), "Hello World");
    EXPECT_TRUE(clean);
    EXPECT_EQ(decode_base64_lenient("SGVs\r\nbG8=", &clean), "Hello");
    EXPECT_TRUE(clean);
    EXPECT_EQ(decode_base64_lenient("SGVsbG8", &clean), "Hello");  // missing padding
    EXPECT_EQ(decode_base64_lenient("SG!Vs#bG8=", &clean), "Hello");
    EXPECT_FALSE(clean);
}

TEST(TransferDecode, BadBase64Part) {
    std::string m = load_corpus("bad_base64.eml");
    auto pm = parse_message(m);
    EXPECT_EQ(pm.root().encoding, "base64");
    EXPECT_EQ(part_text_utf8(m, pm.root()), "Hello World");
}

TEST(TransferDecode, QuotedPrintable) {
    EXPECT_EQ(decode_quoted_printable("a=3Db=\r\nc  \r\nd=4"), "a=bc\r\nd=4");
    EXPECT_EQ(decode_quoted_printable("=e9t=E9"), "\xe9t\xe9");
    EXPECT_EQ(decode_quoted_printable("x=\r\n"), "x");
    EXPECT_EQ(decode_quoted_printable("=ZZ"), "=ZZ");
    EXPECT_EQ(decode_transfer_encoding("a=3D", "Quoted-Printable"), "a=");
    EXPECT_EQ(decode_transfer_encoding("a=3D", "8bit"), "a=3D");
    EXPECT_EQ(decode_q_encoding("a_b=3F="), "a b?=");
}

TEST(TransferDecode, TextPartToUtf8ByCharset) {
    std::string m =
        "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "\xF0\xD2\xC9\xD7\xC5\xD4";
    auto pm = parse_message(m);
    EXPECT_EQ(part_text_utf8(m, pm.root()), "Привет");
    std::string u = "Content-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9";
    auto pu = parse_message(u);
    EXPECT_EQ(part_text_utf8(u, pu.root()), "café");
}

TEST(SortFields, FromSubjectDates) {
    std::string m = load_corpus("encoded_words.eml");
    Summary s = summarize(m);
    EXPECT_EQ(s.fields.subject, "élève €");
    EXPECT_EQ(s.fields.base_subject, "élève €");
    EXPECT_EQ(s.fields.sent_date, 0);

    std::string g = load_corpus("simple.eml");
    Summary t = summarize(g);
    EXPECT_EQ(t.fields.subject, "Café au lait");
    EXPECT_EQ(t.fields.from, "Joe Q. Public");
    EXPECT_EQ(t.fields.from_mailbox, "john.q.public");
    EXPECT_EQ(t.fields.to, "Mary Smith");
    EXPECT_EQ(t.fields.to_mailbox, "mary");
    EXPECT_EQ(t.fields.cc, "boss@nil.test");
    EXPECT_EQ(t.fields.message_id, "<1234@local.machine.example>");
    EXPECT_EQ(t.fields.sent_date, 1057049557);

    Summary u = summarize(load_corpus("groups.eml"));
    EXPECT_EQ(u.fields.to, "Ed Jones");  // first mailbox, group markers skipped
    EXPECT_EQ(u.fields.cc, "");
}

TEST(EncodedWordsCorpus, AllCharsetsDecode) {
    std::string m = load_corpus("encoded_words.eml");
    auto pm = parse_message(m);
    auto hb = parse_header(m, 0, m.size());
    auto get = [&](const char* n) { return decode_header_text(hb.find(n)->raw_value); };
    EXPECT_EQ(get("X-A"), "“quoted” €");
    EXPECT_EQ(get("X-B"), "Привет");
    EXPECT_EQ(get("X-C"), "日本語");
    EXPECT_EQ(get("X-D"), "a b c");
    EXPECT_EQ(get("X-E"), "Café raw latin1");
    EXPECT_EQ(get("X-F"), "café raw utf8");
    EXPECT_EQ(get("X-G"), "xA");
    EXPECT_EQ(pm.root().body_start, m.size());
}
