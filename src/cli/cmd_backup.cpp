// postamt backup <dir>, postamt restore <backup-dir>
#include <fmt/core.h>

#include <filesystem>

#include "cli/commands.h"

namespace postamt::cli {

namespace fs = std::filesystem;

void backup(Context& ctx, const std::string& dir) {
    if (dir.empty()) usage_error("backup needs a target directory");
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
        fail("cannot back up into " + dir + ": the directory is not empty");
    auto& st = ctx.store();
    must(call<Unit>([&](auto cb) { st.backup(dir, cb); }), "backup into " + dir + " failed");
    fmt::print("backup of {} written to {}\n", ctx.data_dir(), dir);
}

void restore(Context& ctx, const std::string& backup_dir) {
    const std::string& data_dir = ctx.data_dir();
    std::error_code ec;
    if (!fs::exists(backup_dir + "/mail.db", ec))
        fail("cannot restore: " + backup_dir + " holds no backup (mail.db missing)");
    if (fs::exists(data_dir, ec) && !fs::is_empty(data_dir, ec))
        fail("cannot restore into " + data_dir + ": the data directory is not empty (restore needs an empty or new one)");
    auto st = store::Store::restore(backup_dir, data_dir);
    if (!st.ok()) fail("restore from " + backup_dir + " failed: " + st.error().message);
    fmt::print("restored {} into {}\n", backup_dir, data_dir);
}

}  // namespace postamt::cli
