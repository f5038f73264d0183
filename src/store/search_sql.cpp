#include "store/search_sql.h"

namespace postamt::store {

SqlStatement::SqlStatement(Db& db, const std::string& sql) {
    int rc = sqlite3_prepare_v2(db.raw(), sql.c_str(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s_);
        s_ = nullptr;
        db.fail(rc);
    }
}

SqlStatement::~SqlStatement() { sqlite3_finalize(s_); }

SqlStatement& SqlStatement::bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
}

SqlStatement& SqlStatement::bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

SqlStatement& SqlStatement::bind_all(int first, const std::vector<SqlParam>& params) {
    for (std::size_t k = 0; k < params.size(); ++k) {
        int i = first + static_cast<int>(k);
        if (const auto* n = std::get_if<int64_t>(&params[k]))
            bind(i, *n);
        else
            bind(i, std::get<std::string>(params[k]));
    }
    return *this;
}

bool SqlStatement::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3* db = sqlite3_db_handle(s_);
    throw SqliteError(sqlite3_extended_errcode(db), sqlite3_errmsg(db));
}

std::string SqlStatement::text(int col) const {
    const auto* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    if (!p || n <= 0) return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

}  // namespace postamt::store
