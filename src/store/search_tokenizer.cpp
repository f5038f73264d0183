#include "store/search_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace postamt::store {
namespace {

// Byte offsets of the code points of `s` (plus the end offset). Invalid
// UTF-8 never reaches here (the text is folded, which repairs it), but a
// stray continuation byte would simply start its own "code point".
void code_points(const char* s, int n, std::vector<int>& starts) {
    starts.clear();
    for (int i = 0; i < n; ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
    starts.push_back(n);
}

// Open-addressing set of trigrams that fit 7 bytes, packed with their
// length in the top byte (so a key is never 0, the empty marker). Longer
// trigrams (three 3- or 4-byte characters) are not de-duplicated.
class TrigramSet {
public:
    // false: seen before.
    bool insert(const char* p, int len) {
        if (len > 7) return true;
        if (used_ * 2 >= slots_.size()) return true;  // full: stop de-duplicating
        uint64_t key = static_cast<uint64_t>(len) << 56;
        for (int k = 0; k < len; ++k) key |= static_cast<uint64_t>(static_cast<unsigned char>(p[k])) << (8 * k);
        std::size_t mask = slots_.size() - 1;
        std::size_t h = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask;
        while (slots_[h] != 0) {
            if (slots_[h] == key) return false;
            h = (h + 1) & mask;
        }
        slots_[h] = key;
        ++used_;
        return true;
    }
    void reset(std::size_t expected) {
        std::size_t want = 1024;
        while (want < expected * 2 && want < (std::size_t{1} << 20)) want <<= 1;
        if (slots_.size() != want)
            slots_.assign(want, 0);
        else
            std::fill(slots_.begin(), slots_.end(), 0);
        used_ = 0;
    }

private:
    std::vector<uint64_t> slots_;
    std::size_t used_ = 0;
};

struct Tokenizer {
    std::vector<int> starts;
    TrigramSet seen;
};

int tok_create(void*, const char**, int, Fts5Tokenizer** out) {
    *out = reinterpret_cast<Fts5Tokenizer*>(new Tokenizer);
    return SQLITE_OK;
}

void tok_delete(Fts5Tokenizer* t) { delete reinterpret_cast<Tokenizer*>(t); }

int tok_tokenize(Fts5Tokenizer* tp, void* ctx, int flags, const char* text, int n,
                 int (*token)(void*, int, const char*, int, int, int)) {
    auto* t = reinterpret_cast<Tokenizer*>(tp);
    if (!text || n <= 0) return SQLITE_OK;
    code_points(text, n, t->starts);
    std::size_t windows = t->starts.size() >= 4 ? t->starts.size() - 3 : 0;
    // Documents (insert and delete alike, so both see the same tokens):
    // each distinct trigram once. Queries: every trigram.
    bool distinct = (flags & FTS5_TOKENIZE_DOCUMENT) != 0;
    if (distinct) t->seen.reset(windows);
    for (std::size_t i = 0; i < windows; ++i) {
        int b = t->starts[i], e = t->starts[i + 3];
        if (distinct && !t->seen.insert(text + b, e - b)) continue;
        int rc = token(ctx, 0, text + b, e - b, b, e);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

fts5_api* fts5_of(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) != SQLITE_OK) return nullptr;
    sqlite3_bind_pointer(st, 1, reinterpret_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(st);
    sqlite3_finalize(st);
    return api;
}

}  // namespace

bool register_trigram_tokenizer(sqlite3* db) {
    fts5_api* api = fts5_of(db);
    if (!api || api->iVersion < 2) return false;
    fts5_tokenizer tok{tok_create, tok_delete, tok_tokenize};
    return api->xCreateTokenizer(api, kTrigramTokenizer, nullptr, &tok, nullptr) == SQLITE_OK;
}

std::string trigram_match(std::string_view term, std::size_t max_trigrams) {
    std::vector<int> starts;
    code_points(term.data(), static_cast<int>(term.size()), starts);
    std::size_t windows = starts.size() >= 4 ? starts.size() - 3 : 0;
    std::vector<std::size_t> pick;
    if (windows <= max_trigrams || max_trigrams < 2) {
        for (std::size_t i = 0; i < windows; ++i) pick.push_back(i);
    } else {
        for (std::size_t k = 0; k < max_trigrams; ++k) pick.push_back(k * (windows - 1) / (max_trigrams - 1));
    }
    std::vector<std::string_view> seen;
    std::string q;
    for (std::size_t i : pick) {
        std::string_view tri = term.substr(static_cast<std::size_t>(starts[i]),
                                           static_cast<std::size_t>(starts[i + 3] - starts[i]));
        bool dup = false;
        for (auto s : seen) dup = dup || s == tri;
        if (dup) continue;
        seen.push_back(tri);
        if (!q.empty()) q += " AND ";
        q += '"';
        for (char c : tri) {
            if (c == '"') q += '"';
            q += c;
        }
        q += '"';
    }
    return q;
}

}  // namespace postamt::store
