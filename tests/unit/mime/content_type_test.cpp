#include <gtest/gtest.h>

#include "mime/content_type.h"

using namespace postamt::mime;

TEST(ContentType, TypeSubtypeParams) {
    auto ct = parse_content_type(" Text/HTML ; Charset=\"UTF-8\" (comment); format=flowed");
    EXPECT_TRUE(ct.valid);
    EXPECT_EQ(ct.type, "text");
    EXPECT_EQ(ct.subtype, "html");
    ASSERT_EQ(ct.params.size(), 2u);
    EXPECT_EQ(ct.params[0], (Param{"charset", "UTF-8", "", ""}));
    EXPECT_EQ(ct.params[1], (Param{"format", "flowed", "", ""}));
}

TEST(ContentType, InvalidMeansTextPlainUsAscii) {
    for (const char* v : {"", "text", "/plain", "garbage here", "text/"}) {
        auto ct = parse_content_type(v);
        EXPECT_FALSE(ct.valid) << v;
        EXPECT_EQ(ct.type, "text");
        EXPECT_EQ(ct.subtype, "plain");
        ASSERT_EQ(ct.params.size(), 1u);
        EXPECT_EQ(ct.params[0].value, "us-ascii");
    }
}

TEST(ContentType, Rfc2231ContinuationsAndCharsets) {
    // RFC 2231 section 3 and 4 examples.
    auto a = parse_params(";URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].name, "url");
    EXPECT_EQ(a[0].value, "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
    auto b = parse_params("; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0], (Param{"title", "This is ***fun***", "us-ascii", "en-us"}));
    auto c = parse_params(
        "; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"; title*0*=us-ascii'en'This%20is%20even%20more%20");
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].value, "This is even more ***fun*** isn't it!");
    EXPECT_EQ(c[0].language, "en");
    // Latin-1 filename, and extended form wins over the plain one.
    auto d = parse_params("; filename=\"fallback.pdf\"; filename*=iso-8859-1''Gr%FC%DFe.pdf");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].value, "Gr\xC3\xBC\xC3\x9F" "e.pdf");
    // Encoded words in a quoted value (non-standard, common).
    auto e = parse_params("; name=\"=?utf-8?B?w6lsw6h2ZQ==?=.txt\"");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].value, "\xC3\xA9l\xC3\xA8ve.txt");
    // Unquoted value with spaces, duplicate parameter (first wins), junk.
    auto f = parse_params("; name=my file.txt; name=other; ;;=x; junk");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].value, "my file.txt");
}

TEST(ContentType, DispositionLanguageToken) {
    auto d = parse_disposition("Attachment; filename=a.txt; size=42");
    EXPECT_EQ(d.type, "attachment");
    ASSERT_EQ(d.params.size(), 2u);
    EXPECT_EQ(d.params[1], (Param{"size", "42", "", ""}));
    EXPECT_EQ(parse_language_list(" de, en-US (comment) ,fr"),
              (std::vector<std::string>{"de", "en-US", "fr"}));
    EXPECT_EQ(parse_token_value(" (c) Base64 "), "base64");
}
