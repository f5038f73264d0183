#pragma once
// A statement prepared for one use. Db::prepare() caches statements by the
// address of their SQL text, so it is for fixed strings; SQL assembled at
// run time (search conditions) goes through this instead.
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/search_plan.h"
#include "store/sqlite_db.h"

namespace postamt::store {

class SqlStatement {
public:
    SqlStatement(Db& db, const std::string& sql);
    ~SqlStatement();
    SqlStatement(const SqlStatement&) = delete;
    SqlStatement& operator=(const SqlStatement&) = delete;

    SqlStatement& bind(int i, int64_t v);
    SqlStatement& bind(int i, std::string_view v);
    // Binds params[k] to parameter first + k.
    SqlStatement& bind_all(int first, const std::vector<SqlParam>& params);
    bool step();  // true: a row; errors throw SqliteError
    int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
    std::string text(int col) const;

private:
    sqlite3_stmt* s_ = nullptr;
};

}  // namespace postamt::store
