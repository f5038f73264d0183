// summarize() throughput on the shared benchmark corpus (mboxo, split on
// "From " lines, converted to CRLF). Prints MB/s; skipped when absent.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "mime/message_parser.h"

using namespace postamt::mime;

TEST(Throughput, SummarizeBenchCorpus) {
    std::ifstream f("/work/shared/bench-corpus/test400.mbox", std::ios::binary);
    if (!f) GTEST_SKIP() << "bench corpus not present";
    std::stringstream ss;
    ss << f.rdbuf();
    std::string mbox = ss.str();
    std::vector<std::string> msgs;
    std::size_t pos = 0;
    while (pos < mbox.size()) {
        std::size_t next = mbox.find("\nFrom ", pos);
        std::size_t end = next == std::string::npos ? mbox.size() : next + 1;
        std::size_t body = mbox.find('\n', pos);  // skip the "From " line
        if (body != std::string::npos && body < end)
            msgs.push_back(canonicalize_crlf(std::string_view(mbox).substr(body + 1, end - body - 1)));
        pos = end;
    }
    ASSERT_GE(msgs.size(), 400u);
    std::size_t bytes = 0;
    for (auto& m : msgs) bytes += m.size();
    // Sanity on the corpus: every message parses and round-trips.
    for (auto& m : msgs) {
        Summary s = summarize(m);
        auto back = deserialize(s.serialized);
        ASSERT_TRUE(back);
        ASSERT_EQ(back->size, m.size());
    }
    const int rounds = 10;
    std::size_t sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r)
        for (auto& m : msgs) sink += summarize(m).serialized.size();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double mbps = static_cast<double>(bytes) * rounds / secs / 1e6;
    std::printf("summarize: %zu messages, %.2f MB, %.1f MB/s (%.1f us/message), sink %zu\n",
                msgs.size(), bytes / 1e6, mbps, secs * 1e6 / (msgs.size() * rounds), sink);
    RecordProperty("summarize_mb_per_s", static_cast<int>(mbps));
    EXPECT_GT(mbps, 5.0);  // loose bound for slow/shared CI machines; the target is >50
}
