#include "smtp/dkim_canon.h"

#include <gtest/gtest.h>

#include "common/base64.h"

using namespace postamt::smtp::dkim;

namespace {

// RFC 6376 3.4.5, with the <SP>/<HTAB>/<CRLF> markers written out.
const std::string kExample =
    "A: X\r\n"
    "B : Y\t\r\n"
    "\tZ  \r\n"
    "\r\n"
    " C \r\n"
    "D \t E\r\n"
    "\r\n"
    "\r\n";

std::string canon_all_headers(std::string_view msg, Canon c) {
    std::string out;
    for (auto f : split_message(msg).fields) out += canon_header(f, c);
    return out;
}

}  // namespace

TEST(DkimCanon, Rfc6376Example_Relaxed) {
    EXPECT_EQ(canon_all_headers(kExample, Canon::relaxed), "a:X\r\nb:Y Z\r\n");
    EXPECT_EQ(canon_body(split_message(kExample).body, Canon::relaxed), " C\r\nD E\r\n");
}

TEST(DkimCanon, Rfc6376Example_Simple) {
    EXPECT_EQ(canon_all_headers(kExample, Canon::simple), "A: X\r\nB : Y\t\r\n\tZ  \r\n");
    EXPECT_EQ(canon_body(split_message(kExample).body, Canon::simple), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, EmptyBody) {
    // 3.4.3: simple turns an empty body into one CRLF; 3.4.4: relaxed leaves it empty.
    EXPECT_EQ(canon_body("", Canon::simple), "\r\n");
    EXPECT_EQ(canon_body("", Canon::relaxed), "");
    EXPECT_EQ(canon_body("\r\n\r\n\r\n", Canon::simple), "\r\n");
    EXPECT_EQ(canon_body("\r\n \t\r\n", Canon::relaxed), "");
    // SHA-256 of "\r\n" and of "" (checked with openssl dgst).
    EXPECT_EQ(postamt::base64_encode(body_hash("", Canon::simple)), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    EXPECT_EQ(postamt::base64_encode(body_hash("", Canon::relaxed)), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(DkimCanon, BodyWithoutFinalCrlf) {
    EXPECT_EQ(canon_body("abc", Canon::simple), "abc\r\n");
    EXPECT_EQ(canon_body("abc", Canon::relaxed), "abc\r\n");
    EXPECT_EQ(canon_body("a\r\n\r\nb  ", Canon::relaxed), "a\r\n\r\nb\r\n");
    EXPECT_EQ(canon_body("a\r\n  ", Canon::simple), "a\r\n  \r\n");
    EXPECT_EQ(canon_body("a\r\n  ", Canon::relaxed), "a\r\n");
}

TEST(DkimCanon, InnerEmptyLinesKeptTrailingDropped) {
    EXPECT_EQ(canon_body("a\r\n\r\n\r\nb\r\n\r\n", Canon::simple), "a\r\n\r\n\r\nb\r\n");
    // Many empty lines (more than the internal batch of 64) inside the body.
    std::string body = "x\r\n" + std::string(200 * 2, '\0') + "y\r\n";
    for (std::size_t i = 0; i < 200; ++i) {
        body[3 + 2 * i] = '\r';
        body[3 + 2 * i + 1] = '\n';
    }
    std::string canon = canon_body(body, Canon::relaxed);
    EXPECT_EQ(canon, body);
}

TEST(DkimCanon, RelaxedHeaderDetails) {
    EXPECT_EQ(canon_header("SUBJECT:   hello   world  ", Canon::relaxed), "subject:hello world\r\n");
    EXPECT_EQ(canon_header("Subject :\r\n folded\r\n\tvalue", Canon::relaxed), "subject:folded value\r\n");
    EXPECT_EQ(canon_header("X-Empty:", Canon::relaxed), "x-empty:\r\n");
    EXPECT_EQ(canon_header("X-Empty:   \r\n  ", Canon::relaxed), "x-empty:\r\n");
    // 8-bit bytes pass through untouched.
    EXPECT_EQ(canon_header("Subject: Gr\xc3\xbc\xc3\x9f""e  dich", Canon::relaxed), "subject:Gr\xc3\xbc\xc3\x9f""e dich\r\n");
}

TEST(DkimCanon, BodyHashLengthLimit) {
    std::string body = "line one\r\nline two\r\n";
    uint64_t full = 0;
    auto h_all = body_hash(body, Canon::relaxed, std::nullopt, HashAlg::sha256, &full);
    EXPECT_EQ(full, body.size());
    EXPECT_EQ(body_hash(body, Canon::relaxed, uint64_t{10}), body_hash("line one\r\n", Canon::relaxed));
    EXPECT_EQ(body_hash(body, Canon::relaxed, uint64_t{1000}), h_all);
    EXPECT_NE(body_hash(body, Canon::relaxed, uint64_t{0}), h_all);
    EXPECT_EQ(body_hash(body, Canon::relaxed, uint64_t{0}), body_hash("", Canon::relaxed));
}

TEST(DkimCanon, SelectFieldsBottomUpAndOversigned) {
    std::string msg = "Received: r1\r\nFrom: a@x\r\nReceived: r2\r\nSubject: s\r\n\r\nbody\r\n";
    auto sm = split_message(msg);
    ASSERT_EQ(sm.fields.size(), 4u);
    EXPECT_EQ(sm.body, "body\r\n");
    auto sel = select_fields(sm.fields, {"received", "from", "received", "from", "subject", "received"});
    ASSERT_EQ(sel.size(), 4u);
    EXPECT_EQ(sel[0], "Received: r2");
    EXPECT_EQ(sel[1], "From: a@x");
    EXPECT_EQ(sel[2], "Received: r1");
    EXPECT_EQ(sel[3], "Subject: s");
}

TEST(DkimCanon, SplitWithoutBlankLine) {
    auto sm = split_message("From: a@x\r\nSubject: s\r\n");
    EXPECT_EQ(sm.fields.size(), 2u);
    EXPECT_EQ(sm.body, "");
    auto folded = split_message("Subject: a\r\n b\r\nTo: c\r\n\r\n");
    ASSERT_EQ(folded.fields.size(), 2u);
    EXPECT_EQ(folded.fields[0], "Subject: a\r\n b");
}

TEST(DkimCanon, HTagAndBRemoval) {
    EXPECT_EQ(parse_h_tag("from : to :\r\n subject:date"),
              (std::vector<std::string>{"from", "to", "subject", "date"}));
    EXPECT_EQ(without_b_value("DKIM-Signature: v=1; bh=abc=; b=xy\r\n z=; d=x"), "DKIM-Signature: v=1; bh=abc=; b=; d=x");
    EXPECT_EQ(without_b_value("DKIM-Signature: v=1; b =\r\n\tAAAA\r\n\tBBBB"), "DKIM-Signature: v=1; b =");
    EXPECT_EQ(without_b_value("DKIM-Signature: v=1; bh=x"), "DKIM-Signature: v=1; bh=x");
}

TEST(DkimCanon, TagList) {
    auto t = parse_tag_list(" v=1; a=rsa-sha256;\r\n d = example.org ;");
    ASSERT_TRUE(t);
    ASSERT_EQ(t->size(), 3u);
    EXPECT_EQ((*t)[2].name, "d");
    EXPECT_EQ((*t)[2].value, "example.org");
    EXPECT_FALSE(parse_tag_list("v=1; v=2"));  // duplicate
    EXPECT_FALSE(parse_tag_list("v=1; novalue"));
    EXPECT_FALSE(parse_tag_list("v=1;; a=b"));
    EXPECT_FALSE(parse_tag_list("b@d=1"));
}

TEST(DkimCanon, CanonPair) {
    auto p = parse_canon_pair("relaxed/simple");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->header, Canon::relaxed);
    EXPECT_EQ(p->body, Canon::simple);
    auto q = parse_canon_pair("relaxed");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->body, Canon::simple);
    EXPECT_FALSE(parse_canon_pair("nofws"));
    EXPECT_FALSE(parse_canon_pair("simple/x"));
}
