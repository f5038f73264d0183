// BODY / BODYSTRUCTURE / ENVELOPE of the corpus messages against the
// expected strings in corpus/<name>.expected (one "KEY value" line per item,
// '#' comments), written from RFC 9051 section 9 and 7.5.2 with sizes and
// line counts counted on the CRLF form of each message. ENVELOPE_UTF8 /
// BODYSTRUCTURE_UTF8 give the UTF8=ACCEPT form where it differs.
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
        std::string v = line.substr(sp + 1);
        // "<CRLF>" stands for the CRLF after a literal's {n}.
        for (std::size_t k; (k = v.find("<CRLF>")) != std::string::npos;) v.replace(k, 6, "\r\n");
        m[line.substr(0, sp)] = v;
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
    EXPECT_GE(names.size(), 15u);
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

    // With UTF8=ACCEPT on: the _UTF8 expectation, or the same as without.
    std::string env8, bs8;
    append_envelope(env8, pm.envelope(), true);
    append_body_structure(bs8, pm, 0, true, true);
    EXPECT_EQ(env8, exp.count("ENVELOPE_UTF8") ? exp["ENVELOPE_UTF8"] : exp["ENVELOPE"]);
    EXPECT_EQ(bs8, exp.count("BODYSTRUCTURE_UTF8") ? exp["BODYSTRUCTURE_UTF8"] : exp["BODYSTRUCTURE"]);
}

INSTANTIATE_TEST_SUITE_P(Corpus, RenderCorpus, ::testing::ValuesIn(corpus_names()),
                         [](const auto& info) { return info.param; });
