// PREVIEW (RFC 8970) text.
#include <gtest/gtest.h>

#include "common/utf8.h"
#include "imap/preview.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {
std::string preview(std::string_view raw) {
    std::string canon = mime::canonicalize_crlf(raw);
    return make_preview(test::stored(canon), canon);
}
std::size_t chars(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
    return n;
}
}  // namespace

TEST(RenderPreview, PlainTextWhitespaceCollapsed) {
    EXPECT_EQ(preview("Subject: x\n\n  Hello   Joe,\n\n\tsee you\t at 3.  \n"), "Hello Joe, see you at 3.");
}

TEST(RenderPreview, NoTextPartGivesEmpty) {
    EXPECT_EQ(preview("Content-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"), "");
    EXPECT_EQ(preview("Subject: x\n\n"), "");
    EXPECT_EQ(preview(""), "");
}

TEST(RenderPreview, DecodesTransferEncodingAndCharset) {
    EXPECT_EQ(preview("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                      "Gr=C3=BC=C3=9Fe aus K=C3=B6ln=\n!\n"),
              "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln!");
    EXPECT_EQ(preview("Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n"
                      "Q2Fm6Q==\n"),  // "Caf\xE9" in Latin-1
              "Caf\xC3\xA9");
}

TEST(RenderPreview, PrefersPlainOverHtmlAndSkipsAttachments) {
    std::string m =
        "Content-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nattached text\n"
        "--B\nContent-Type: multipart/alternative; boundary=A\n\n"
        "--A\nContent-Type: text/html\n\n<p>html version</p>\n"
        "--A\nContent-Type: text/plain\n\nplain version\n"
        "--A--\n--B--\n";
    EXPECT_EQ(preview(m), "plain version");
}

TEST(RenderPreview, DoesNotLookInsideAttachedMessages) {
    std::string m =
        "Content-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner text\n"
        "--B\nContent-Type: text/html\n\n<b>outer</b> html\n--B--\n";
    EXPECT_EQ(preview(m), "outer html");
}

TEST(RenderPreview, HtmlMarkupStyleScriptAndEntities) {
    std::string m =
        "Content-Type: text/html; charset=utf-8\n\n"
        "<html><head><title>T</title><style>p{color:red}</style></head>\n"
        "<body><script>var x = '<p>';</script><!-- a comment <p> -->"
        "<p>Fish&nbsp;&amp;&nbsp;Chips</p><p>&lt;3 &#233;&#x20AC; &bogus; &#xZZ;</p>"
        "<header>kept</header></body></html>\n";
    EXPECT_EQ(preview(m), "Fish & Chips <3 \xC3\xA9\xE2\x82\xAC &bogus; &#xZZ; kept");
}

TEST(RenderPreview, CutAtTheLimitOnACharacterBoundary) {
    std::string body;
    for (int i = 0; i < 300; ++i) body += "\xC3\xA9";  // 300 x é
    std::string p = preview("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body + "\n");
    EXPECT_EQ(chars(p), kPreviewMaxChars);
    EXPECT_LE(kPreviewMaxChars, 256u);  // RFC 8970 3.3 MUST
    EXPECT_TRUE(is_valid_utf8(p));
    EXPECT_EQ(p, body.substr(0, 2 * kPreviewMaxChars));
}

TEST(RenderPreview, InvalidBytesBecomeReplacementCharacters) {
    std::string p = preview("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\na\xFF" "b\n");
    EXPECT_TRUE(is_valid_utf8(p));
    EXPECT_EQ(p, "a\xEF\xBF\xBD" "b");
}

TEST(RenderPreview, PrefixOfTheBodyIsEnough) {
    // The caller may read only the first bytes of a big part; a multi-byte
    // character cut in half at the end is dropped, not shown as U+FFFD.
    std::string canon = mime::canonicalize_crlf(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nab\xC3\xA9\n");
    auto pm = test::stored(canon);
    uint32_t idx = preview_part(pm);
    ASSERT_EQ(idx, 0u);
    const auto& part = pm.parts[idx];
    std::string_view body(canon.data() + part.body_start, part.size());
    EXPECT_EQ(preview_from_body(part, body.substr(0, 3)), "ab");
    EXPECT_EQ(preview_from_body(part, body), "ab\xC3\xA9");
}

TEST(RenderPreview, ControlCharactersBecomeSpaces) {
    EXPECT_EQ(preview("Subject: x\n\none\x01two\x7fthree\x0c\n"), "one two three");
}
