// BODY/BODYSTRUCTURE beyond the corpus: deep nesting, parameters that are
// not ASCII, 8-bit fields, structures the parser never builds but a renderer
// must still keep valid on the wire.
#include <gtest/gtest.h>

#include "imap/body_structure_render.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

std::string bs(std::string_view raw, bool ext = true, bool utf8 = false, uint32_t part = 0) {
    auto pm = test::stored(mime::canonicalize_crlf(raw));
    std::string out;
    append_body_structure(out, pm, part, ext, utf8);
    return out;
}

const char kEmptyPart[] = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)";

}  // namespace

TEST(RenderBodyStructure, DeepMultipartNestingStopsAtTheParserBound) {
    // 40 nested multiparts; the parser splits kMaxDepth (32) levels, the
    // multipart at depth 32 keeps its content as one opaque text part.
    const int n = 40;
    std::string m = "Subject: deep\n";
    for (int i = 0; i < n; ++i)
        m += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
             std::to_string(i) + "\n";
    m += "Content-Type: text/plain\n\nleaf\n";
    for (int i = n - 1; i >= 0; --i) m += "--b" + std::to_string(i) + "--\n";
    std::string canon = mime::canonicalize_crlf(m);

    // Content of the depth-32 multipart: after its header's blank line up to
    // the CRLF before "--b31--".
    std::string hdr = "boundary=\"b32\"\r\n\r\n";
    std::size_t b = canon.find(hdr) + hdr.size();
    std::size_t e = canon.find("\r\n--b31--");
    std::string opaque = canon.substr(b, e - b);
    std::size_t lines = static_cast<std::size_t>(std::count(opaque.begin(), opaque.end(), '\n')) +
                        (opaque.empty() || opaque.back() == '\n' ? 0 : 1);

    std::string expect = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" " +
                         std::to_string(opaque.size()) + " " + std::to_string(lines) + ")";
    for (int i = 32; i >= 0; --i) expect = "(" + expect + " \"MIXED\")";
    EXPECT_EQ(bs(m, false), expect);

    // Parentheses balance and the extensible form has the same shape.
    std::string full = bs(m, true);
    int depth = 0, max_depth = 0;
    bool in_q = false;
    for (std::size_t i = 0; i < full.size(); ++i) {
        char c = full[i];
        if (in_q) {
            if (c == '\\') ++i;
            else if (c == '"') in_q = false;
        } else if (c == '"') {
            in_q = true;
        } else if (c == '(') {
            max_depth = std::max(max_depth, ++depth);
        } else if (c == ')') {
            --depth;
        }
    }
    EXPECT_EQ(depth, 0);
    EXPECT_EQ(max_depth, 35);  // 33 multiparts + the leaf + its CHARSET list
}

TEST(RenderBodyStructure, DeepMessageNestingStaysValid) {
    const int n = 40;
    std::string m;
    for (int i = 0; i < n; ++i) m += "Subject: level " + std::to_string(i) + "\nContent-Type: message/rfc822\n\n";
    m += "Subject: innermost\n\nbody\n";
    std::string out = bs(m, true);
    int depth = 0;
    bool in_q = false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        char c = out[i];
        if (in_q) {
            if (c == '\\') ++i;
            else if (c == '"') in_q = false;
        } else if (c == '"') {
            in_q = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            ASSERT_GT(depth, 0);
            --depth;
        }
    }
    EXPECT_EQ(depth, 0);
    EXPECT_NE(out.find("\"level 31\""), std::string::npos);
    EXPECT_EQ(out.find("\"innermost\""), std::string::npos);  // beyond the bound: opaque
}

TEST(RenderBodyStructure, SubPartIndexRendersThatPart) {
    std::string raw = test::load_message("nested_rfc822.eml");
    auto pm = test::stored(raw);
    uint32_t idx = pm.find_section({2});
    ASSERT_NE(idx, mime::kNoIndex);
    std::string out;
    append_body_structure(out, pm, pm.find_section({2, 1}), true, false);
    EXPECT_EQ(out, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL)");
}

TEST(RenderBodyStructure, OutOfRangeIndexRendersAnEmptyPart) {
    auto pm = test::stored(mime::canonicalize_crlf("Subject: x\n\ny\n"));
    std::string out;
    append_body_structure(out, pm, 99, true, false);
    EXPECT_EQ(out, kEmptyPart);
}

TEST(RenderBodyStructure, MultipartWithoutPartsGetsOneEmptyTextPart) {
    // Never built by the parser (it adds an opaque part), but a summary is data.
    mime::ParsedMessage pm;
    pm.size = 10;
    mime::Part root;
    root.type = "multipart";
    root.subtype = "mixed";
    root.end = 10;
    pm.parts.push_back(root);
    pm.envelopes.emplace_back();
    std::string body, full;
    append_body_structure(body, pm, 0, false, false);
    append_body_structure(full, pm, 0, true, false);
    EXPECT_EQ(body, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0) \"MIXED\")");
    EXPECT_EQ(full, std::string("(") + kEmptyPart + " \"MIXED\" NIL NIL NIL NIL)");
}

TEST(RenderBodyStructure, MessagePartWithoutNestedMessageStaysValid) {
    mime::ParsedMessage pm;
    pm.size = 0;
    mime::Part root;
    root.type = "message";
    root.subtype = "rfc822";
    pm.parts.push_back(root);
    pm.envelopes.emplace_back();
    std::string out;
    append_body_structure(out, pm, 0, false, false);
    EXPECT_EQ(out, "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 0 "
                   "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
                   "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0) 0)");
}

TEST(RenderBodyStructure, MessageGlobalIsAMessageBody) {
    // 18 octets: "Subject: g" CRLF CRLF "hi" CRLF; 3 lines.
    std::string out = bs("Content-Type: message/global\n\nSubject: g\n\nhi\n", false);
    EXPECT_EQ(out, "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 18 "
                   "(NIL \"g\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                   "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 4 1) 3)");
}

TEST(RenderBodyStructure, EncodedWordParameterIsSentAsOneUtf8EncodedWord) {
    // name="=?iso-8859-1?Q?Gr=FC=DFe.txt?=" is decoded by the parser to UTF-8
    // "Grüße.txt"; it goes back out as RFC 2047 base64 of that UTF-8
    // (base64("Grüße.txt") = "R3LDvMOfZS50eHQ=").
    std::string out = bs("Content-Type: text/plain; name=\"=?iso-8859-1?Q?Gr=FC=DFe.txt?=\"\n\nx\n");
    EXPECT_EQ(out, "(\"TEXT\" \"PLAIN\" (\"NAME\" \"=?utf-8?B?R3LDvMOfZS50eHQ=?=\") NIL NIL \"7BIT\" 3 1 "
                   "NIL NIL NIL NIL)");
}

TEST(RenderBodyStructure, RawEightBitParameterIsEncodedToo) {
    std::string out = bs("Content-Type: text/plain; name=\"\xC3\xA4.txt\"\n\nx\n");
    // base64 of C3 A4 2E 74 78 74 is "w6QudHh0".
    EXPECT_EQ(out, "(\"TEXT\" \"PLAIN\" (\"NAME\" \"=?utf-8?B?w6QudHh0?=\") NIL NIL \"7BIT\" 3 1 "
                   "NIL NIL NIL NIL)");
}

TEST(RenderBodyStructure, Rfc2231ValueReservedCharactersArePercentEncoded) {
    // filename*=utf-8''a%20b%27c%C3%A4 -> "a b'cä" -> space, quote and the
    // 8-bit bytes percent-encoded again.
    std::string out = bs("Content-Type: application/octet-stream; name*=utf-8''a%20b%27c%C3%A4\n\nx\n", false);
    EXPECT_EQ(out, "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME*\" \"utf-8''a%20b%27c%C3%A4\") NIL NIL \"7BIT\" 3)");
}

TEST(RenderBodyStructure, EightBitDescriptionIsLiteralOrUtf8Quoted) {
    std::string raw = "Content-Type: text/plain\nContent-Description: r\xC3\xA9sum\xC3\xA9\n\nx\n";
    EXPECT_EQ(bs(raw, false, false),
              "(\"TEXT\" \"PLAIN\" NIL NIL {8}\r\nr\xC3\xA9sum\xC3\xA9 \"7BIT\" 3 1)");
    EXPECT_EQ(bs(raw, false, true),
              "(\"TEXT\" \"PLAIN\" NIL NIL \"r\xC3\xA9sum\xC3\xA9\" \"7BIT\" 3 1)");
}

TEST(RenderBodyStructure, UnknownEncodingAndSingleLanguage) {
    std::string raw =
        "Content-Type: application/x-thing\nContent-Transfer-Encoding: x-uuencode\n"
        "Content-Language: fr\nContent-MD5: abc=\n\nbegin\n";
    EXPECT_EQ(bs(raw), "(\"APPLICATION\" \"X-THING\" NIL NIL NIL \"X-UUENCODE\" 7 \"abc=\" NIL \"fr\" NIL)");
}

TEST(RenderBodyStructure, InvalidContentTypeFallsBackToTextPlain) {
    EXPECT_EQ(bs("Content-Type: garbage\n\nx\n", false),
              "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3 1)");
}

TEST(RenderBodyStructure, MultipartDispositionAndLanguage) {
    std::string raw =
        "Content-Type: multipart/related; boundary=R; type=\"text/html\"\n"
        "Content-Disposition: inline\nContent-Language: en\nContent-Location: http://x/\n\n"
        "--R\nContent-Type: text/html\n\n<p>\n--R--\n";
    EXPECT_EQ(bs(raw), "((\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL) \"RELATED\" "
                       "(\"BOUNDARY\" \"R\" \"TYPE\" \"text/html\") (\"INLINE\" NIL) \"en\" \"http://x/\")");
}
