// Inputs built to trigger quadratic behaviour; each must parse quickly.
#include <gtest/gtest.h>

#include <chrono>

#include "mime/message_parser.h"

using namespace postamt::mime;

namespace {
std::string rep(const std::string& s, int n) {
    std::string out;
    out.reserve(s.size() * n);
    for (int i = 0; i < n; ++i) out += s;
    return out;
}
}  // namespace

TEST(Pathological, HugeHeadersAndBoundariesParseQuickly) {
    const int n = 100000;
    std::vector<std::string> cases = {
        "To: " + rep("<", n) + "\r\n\r\n",
        "To: " + rep("a:", n) + "\r\n\r\n",
        "To: " + rep("\"x\" ", n) + "\r\n\r\n",
        "From: " + rep("(", n) + "\r\n\r\n",
        "To: " + rep("@a,", n) + "\r\n\r\n",
        "Subject: " + rep("Re: [x] ", n) + "\r\n\r\n",
        "Subject: " + rep("=?a?q?", n) + "\r\n\r\n",
        "Content-Type: text/plain" + rep("; a*0*=x", n) + "\r\n\r\n",
        "Content-Type: text/plain" + rep(";", n) + "\r\n\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + rep("--b-\r\n", n),
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + rep("--b\r\n", n),
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + rep("x--b\r\n", n),
        rep("X: y\r\n", n) + "\r\n",
        rep("X: y\r\n ", n) + "\r\n",
        "Date: " + rep("(", n) + "\r\n\r\n",
        rep("Content-Type: message/rfc822\r\n\r\n", 5000),
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        auto t0 = std::chrono::steady_clock::now();
        Summary s = summarize(cases[i]);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_LT(secs, 2.0) << "case " << i;
        auto back = deserialize(s.serialized);
        ASSERT_TRUE(back) << "case " << i;
        EXPECT_LE(back->parts.size(), kMaxParts + kMaxDepth + 1);
    }
}
