#include <gtest/gtest.h>

#include "corpus_util.h"
#include "mime/message_parser.h"

using namespace postamt::mime;
using postamt::mime::test::load_corpus;

namespace {
const char* kCorpus[] = {"simple.eml",          "multipart_mixed.eml",
                         "missing_final_boundary.eml", "rfc822_in_multipart.eml",
                         "digest.eml",          "groups.eml",
                         "header_only.eml",     "body_without_blank_line.eml",
                         "empty.eml",           "encoded_words.eml",
                         "bad_base64.eml",      "deep_nesting.eml"};
}

TEST(Serialize, RoundTripsEveryCorpusMessage) {
    for (const char* name : kCorpus) {
        std::string m = load_corpus(name);
        ParsedMessage pm = parse_message(m);
        std::string s = serialize(pm);
        auto back = deserialize(s);
        ASSERT_TRUE(back) << name;
        EXPECT_EQ(*back, pm) << name;
        EXPECT_EQ(serialize(*back), s) << name;
    }
}

TEST(Serialize, SummarizeMatchesParse) {
    std::string m = load_corpus("rfc822_in_multipart.eml");
    Summary s = summarize(m);
    auto back = deserialize(s.serialized);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, parse_message(m));
    EXPECT_EQ(back->parts[2].envelope, 1u);
    EXPECT_EQ(back->parts[3].children, (std::vector<uint32_t>{4, 5}));
}

TEST(Serialize, RejectsCorruptInput) {
    std::string s = serialize(parse_message(load_corpus("multipart_mixed.eml")));
    EXPECT_FALSE(deserialize(""));
    EXPECT_FALSE(deserialize("PMS"));
    std::string wrong_version = s;
    wrong_version[3] = 99;
    EXPECT_FALSE(deserialize(wrong_version));
    EXPECT_FALSE(deserialize(s + "x"));  // trailing bytes
    for (std::size_t n = 0; n < s.size(); ++n)
        EXPECT_FALSE(deserialize(s.substr(0, n))) << "truncated at " << n;
    // Single-byte corruptions never crash; whatever parses is self-consistent.
    for (std::size_t i = 4; i < s.size(); ++i) {
        for (int delta : {1, 0x40, 0x80}) {
            std::string c = s;
            c[i] = static_cast<char>(c[i] + delta);
            auto r = deserialize(c);
            if (!r) continue;
            for (std::size_t k = 0; k < r->parts.size(); ++k) {
                const Part& p = r->parts[k];
                EXPECT_LE(p.header_start, p.body_start);
                EXPECT_LE(p.body_start, p.end);
                EXPECT_LE(p.end, r->size);
                if (k) {
                    EXPECT_LT(p.parent, k);
                }
                if (p.envelope != kNoIndex) {
                    EXPECT_LT(p.envelope, r->envelopes.size());
                }
            }
        }
    }
}

TEST(Serialize, HugeCountsAreRejectedWithoutAllocating) {
    // magic, version, size=0, envelope count = 2^62
    std::string s = std::string("PMS\x01", 4) + '\0' + std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x40", 9);
    EXPECT_FALSE(deserialize(s));
}

TEST(Serialize, ManyEmptyEnvelopesAndPartsRoundTrip) {
    // A digest of empty messages: envelopes and parts at their smallest encodings.
    std::string m = "Content-Type: multipart/digest; boundary=d\r\n\r\n";
    for (int i = 0; i < 500; ++i) m += "--d\r\n\r\n";
    m += "--d--";
    auto pm = parse_message(m);
    EXPECT_EQ(pm.envelopes.size(), 501u);
    auto back = deserialize(serialize(pm));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, pm);
}
