// postamt import maildir <path> <user>
#include <fmt/core.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/import_maildir.h"
#include "common/text.h"

namespace postamt::cli {

void import_maildir_cmd(Context& ctx, const std::string& path, const std::string& address_in) {
    std::string address = normalize_address(address_in);
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) usage_error(path + " is not a directory");
    auto& st = ctx.store();
    auto acct = find_account(st, address);
    auto r = import_maildir(st, acct, path);
    if (!r.ok()) fail("import of " + path + " into " + address + " failed: " + r.error().message);
    const auto& s = r.value();
    for (const auto& w : s.warnings) fmt::print(stderr, "postamt: warning: {}\n", w);
    fmt::print("imported {} folders, {} messages, {} bytes, {} subscriptions into {}\n", s.folders, s.messages,
               s.bytes, s.subscriptions, address);
}

}  // namespace postamt::cli
