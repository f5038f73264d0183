// The shared benchmark corpus (shared/bench-corpus/test400.mbox) parses and
// round-trips; its throughput is measured in bench/mime_summarize.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mime/mbox.h"
#include "mime/message_parser.h"

using namespace postamt::mime;

TEST(BenchCorpus, EveryMessageParsesAndRoundTrips) {
    std::ifstream f(POSTAMT_SOURCE_DIR "/../shared/bench-corpus/test400.mbox", std::ios::binary);
    ASSERT_TRUE(f) << "shared/bench-corpus/test400.mbox must sit beside the repository";
    std::stringstream ss;
    ss << f.rdbuf();
    auto msgs = split_mbox(ss.str());
    ASSERT_EQ(msgs.size(), 400u);
    for (auto& m : msgs) {
        ASSERT_TRUE(is_canonical_crlf(m));
        Summary s = summarize(m);
        auto back = deserialize(s.serialized);
        ASSERT_TRUE(back);
        ASSERT_EQ(back->size, m.size());
        EXPECT_FALSE(s.fields.subject.empty());
    }
}

TEST(Mbox, SplitsAndUnescapes) {
    auto msgs = split_mbox("From a@b Sat Jan  1 00:00:00 2000\nSubject: one\n\n>From here\n\nFrom c@d Sat Jan  1 00:00:00 2000\nSubject: two\n\nbody\n");
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0], "Subject: one\r\n\r\nFrom here\r\n");
    EXPECT_EQ(msgs[1], "Subject: two\r\n\r\nbody\r\n");
    EXPECT_TRUE(split_mbox("").empty());
    EXPECT_TRUE(split_mbox("no separator at all\n").empty());
}
