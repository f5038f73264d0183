#pragma once
#include "common/result.h"
#include "store/sqlite_db.h"

namespace postamt::store {

// The version this binary writes. A database at a higher version was written
// by a newer Postamt and is refused (downgrades would silently lose data).
inline constexpr int kSchemaVersion = 2;

// Creates a fresh database at kSchemaVersion or migrates an older one, in one
// transaction. Returns the version found before migrating (0: new database).
Result<int> migrate_schema(Db& db);

// The DDL of version 1, kept so tests can build an old database and check
// the upgrade path (tests/unit/store/fixtures/ holds dumps too).
const char* schema_v1_sql();

}  // namespace postamt::store
