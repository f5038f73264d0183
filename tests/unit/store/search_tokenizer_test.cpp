// The search index's FTS5 tokenizer (distinct trigrams) and the MATCH
// expressions built for terms, on a real in-memory SQLite.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/search_tokenizer.h"

namespace postamt::store {
namespace {

class TokenizerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
        ASSERT_TRUE(register_trigram_tokenizer(db));
        exec("CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'postamt_trigram', detail = none)");
        exec("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')");
    }
    void TearDown() override { sqlite3_close(db); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    }
    void insert(int64_t id, const std::string& text) {
        sqlite3_stmt* st;
        ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, text) VALUES (?, ?)", -1, &st, nullptr), SQLITE_OK);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    std::vector<int64_t> match(const std::string& term) {
        std::vector<int64_t> out;
        sqlite3_stmt* st;
        EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", -1, &st, nullptr),
                  SQLITE_OK);
        std::string q = trigram_match(term);
        sqlite3_bind_text(st, 1, q.data(), static_cast<int>(q.size()), SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
        EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
        sqlite3_finalize(st);
        return out;
    }
    int64_t terms() {
        sqlite3_stmt* st;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM v", -1, &st, nullptr);
        sqlite3_step(st);
        int64_t n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
    }
    sqlite3* db = nullptr;
};

TEST_F(TokenizerTest, CodePointTrigramsFindSubstrings) {
    insert(1, "hello world");
    insert(2, "grüße aus münchen");
    insert(3, "東京都の天気");  // 3-byte characters: trigrams of 9 bytes
    insert(4, "say \"quoted\" text");
    EXPECT_EQ(match("hello"), (std::vector<int64_t>{1}));
    EXPECT_EQ(match("lo wor"), (std::vector<int64_t>{1}));
    EXPECT_EQ(match("üße"), (std::vector<int64_t>{2}));
    EXPECT_EQ(match("münchen"), (std::vector<int64_t>{2}));
    EXPECT_EQ(match("京都の"), (std::vector<int64_t>{3}));
    EXPECT_EQ(match("\"quoted\""), (std::vector<int64_t>{4}));
    EXPECT_EQ(match("absent"), std::vector<int64_t>{});
}

TEST_F(TokenizerTest, RepeatsAreIndexedOnceAndDeletesClean) {
    insert(1, "abcabcabcabc");  // trigrams abc, bca, cab
    EXPECT_EQ(terms(), 3);
    EXPECT_EQ(match("cabca"), (std::vector<int64_t>{1}));
    // Deleting re-tokenises the stored text: the same tokens must come out.
    exec("DELETE FROM t WHERE rowid = 1");
    EXPECT_EQ(match("abc"), std::vector<int64_t>{});
    exec("INSERT INTO t(t) VALUES ('integrity-check')");
}

TEST_F(TokenizerTest, AllTrigramsNeededButOrderIsNot) {
    // Without positions the index only narrows: "bca" + "cab" are both in
    // "xbcaycabz" although "bcab" is not. The caller checks the text.
    insert(1, "xbcaycabz");
    EXPECT_EQ(match("bcab"), (std::vector<int64_t>{1}));
}

TEST(TrigramMatch, Expressions) {
    EXPECT_EQ(trigram_match("abcd"), "\"abc\" AND \"bcd\"");
    EXPECT_EQ(trigram_match("aaaa"), "\"aaa\"");  // repeats once
    EXPECT_EQ(trigram_match("a\"bc"), "\"a\"\"b\" AND \"\"\"bc\"");
    EXPECT_EQ(trigram_match("äöüß"), "\"äöü\" AND \"öüß\"");
    EXPECT_EQ(trigram_match("ab"), "");
    // Long terms: at most 16 trigrams, first and last included.
    std::string lng = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string q = trigram_match(lng);
    EXPECT_EQ(q.rfind("\"abc\"", 0), 0u);
    EXPECT_NE(q.find("\"789\""), std::string::npos);
    std::size_t ands = 0;
    for (std::size_t p = 0; (p = q.find(" AND ", p)) != std::string::npos; ++p) ++ands;
    EXPECT_EQ(ands, 15u);
}

}  // namespace
}  // namespace postamt::store
