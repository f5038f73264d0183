#pragma once
#include <string>

#include "common/result.h"
#include "store/sqlite_db.h"

namespace postamt::store {

// The version this binary writes. A database at a higher version was written
// by a newer Postamt and is refused (downgrades would silently lose data).
inline constexpr int kSchemaVersion = 7;

// Creates a fresh database at kSchemaVersion or migrates an older one, in one
// transaction. Returns the version found before migrating (0: new database).
Result<int> migrate_schema(Db& db);

// The DDL that produced schema `version`, so tests can build a database of
// every earlier version (with data from tests/unit/store/fixtures/) and
// check the upgrade path.
std::string schema_sql_up_to(int version);

}  // namespace postamt::store
