#include "store/sqlite_db.h"

namespace postamt::store {

bool Stmt::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(s_);
    std::string msg = sqlite3_errmsg(db);
    int ext = sqlite3_extended_errcode(db);
    sqlite3_reset(s_);
    throw SqliteError(ext, msg);
}

std::string Stmt::text(int col) const {
    const auto* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    if (!p || n <= 0) return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, bool read_only, bool create) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error(Errc::unavailable, "cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db, 1);
    // Another process (the CLI next to a running server) may hold the write
    // lock for a moment; wait rather than fail.
    sqlite3_busy_timeout(db, 10000);
    return std::unique_ptr<Db>(new Db(db));
}

Db::~Db() {
    cache_.clear();
    for (auto& [sql, st] : raw_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
}

void Db::fail(int rc) const { throw SqliteError(rc, sqlite3_errmsg(db_)); }

void Db::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw SqliteError(sqlite3_extended_errcode(db_), msg);
    }
}

Db::StmtHandle Db::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* st = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
        if (rc != SQLITE_OK) fail(rc);
        // Stmt does not own finalisation; the map of raw handles does.
        it = cache_.emplace(sql, std::make_unique<Stmt>(st)).first;
        raw_.emplace(sql, st);
    }
    return StmtHandle{it->second.get()};
}

}  // namespace postamt::store
