#pragma once
// Thin RAII layer over the SQLite C API: one connection, cached prepared
// statements. Not thread-safe: each connection belongs to one thread (the
// writer, one reader, the checkpointer).
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

namespace postamt::store {

class Stmt {
public:
    explicit Stmt(sqlite3_stmt* s) : s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt() { reset(); }

    Stmt& bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
    Stmt& bind(int i, int v) { sqlite3_bind_int64(s_, i, v); return *this; }
    Stmt& bind(int i, uint32_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
    Stmt& bind(int i, uint64_t v) { sqlite3_bind_int64(s_, i, static_cast<int64_t>(v)); return *this; }
    Stmt& bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Stmt& bind_blob(int i, std::string_view v) {
        sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind_null(int i) { sqlite3_bind_null(s_, i); return *this; }

    // true: a row is available; false: done. Errors throw SqliteError.
    bool step();
    void run() { while (step()) {} }

    int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
    std::string text(int col) const;
    bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

    void reset() {
        if (s_) {
            sqlite3_reset(s_);
            sqlite3_clear_bindings(s_);
        }
    }

private:
    sqlite3_stmt* s_;
};

// SQLite failures inside store operations are exceptional (I/O error, disk
// full, corruption); they unwind to the request boundary and become Errors.
struct SqliteError : std::exception {
    int code;
    std::string msg;
    SqliteError(int c, std::string m) : code(c), msg(std::move(m)) {}
    const char* what() const noexcept override { return msg.c_str(); }
};

class Db {
public:
    static Result<std::unique_ptr<Db>> open(const std::string& path, bool read_only, bool create);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    void exec(std::string_view sql);
    // Prepared once per connection and reused; the returned handle resets on
    // scope exit, so it must not be held across another use of the same SQL.
    struct StmtHandle {
        Stmt* s;
        ~StmtHandle() { s->reset(); }
        Stmt* operator->() { return s; }
        Stmt& operator*() { return *s; }
    };
    StmtHandle prepare(const char* sql);
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    sqlite3* raw() { return db_; }
    [[noreturn]] void fail(int rc) const;

private:
    explicit Db(sqlite3* db) : db_(db) {}
    sqlite3* db_;
    std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
    std::unordered_map<const char*, sqlite3_stmt*> raw_;
};

}  // namespace postamt::store
