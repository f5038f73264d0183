// BODY / BODYSTRUCTURE / ENVELOPE of the corpus messages against the
// expected strings in corpus/<name>.expected (one "KEY value" line per item,
// '#' comments), written from RFC 9051 section 9 and 7.5.2 with sizes and
// line counts counted on the CRLF form of each message.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "imap/body_structure_render.h"
#include "imap/envelope_render.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

std::map<std::string, std::string> expectations(const std::string& name) {
    std::map<std::string, std::string> m;
    std::istringstream in(test::read_file(test::corpus_dir() + name + ".expected"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.find(' ');
        if (sp == std::string::npos) continue;
        m[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return m;
}

std::vector<std::string> corpus_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(test::corpus_dir()))
        if (e.path().extension() == ".eml") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

class RenderCorpus : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(RenderCorpusFiles, EveryMessageHasExpectations) {
    auto names = corpus_names();
    EXPECT_GE(names.size(), 14u);
    for (const auto& n : names) {
        auto e = expectations(n);
        EXPECT_TRUE(e.count("ENVELOPE") && e.count("BODY") && e.count("BODYSTRUCTURE")) << n;
    }
}

TEST_P(RenderCorpus, MatchesExpected) {
    const std::string name = GetParam();
    auto exp = expectations(name);
    std::string raw = test::load_message(name + ".eml");
    mime::ParsedMessage pm = test::stored(raw);

    std::string env, body, bs;
    append_envelope(env, pm.envelope(), false);
    append_body_structure(body, pm, 0, false, false);
    append_body_structure(bs, pm, 0, true, false);
    EXPECT_EQ(env, exp["ENVELOPE"]);
    EXPECT_EQ(body, exp["BODY"]);
    EXPECT_EQ(bs, exp["BODYSTRUCTURE"]);

    // 7-bit messages render the same with UTF8=ACCEPT on.
    std::string env8, bs8;
    append_envelope(env8, pm.envelope(), true);
    append_body_structure(bs8, pm, 0, true, true);
    EXPECT_EQ(env8, env);
    EXPECT_EQ(bs8, bs);
}

INSTANTIATE_TEST_SUITE_P(Corpus, RenderCorpus, ::testing::ValuesIn(corpus_names()),
                         [](const auto& info) { return info.param; });
