// postamt api token create|list|revoke, postamt user disable|enable, and the
// admin operations shared with the admin API (src/admin/).
#include <ctime>

#include <fmt/core.h>

#include "admin/api_tokens.h"
#include "cli/admin_commands.h"
#include "cli/commands.h"

namespace postamt::cli {

std::shared_ptr<admin::Operations> admin_ops(Context& ctx, bool create_store) {
    const auto& a = ctx.config().auth;
    admin::HashingOptions h;
    h.argon2.ops_limit = a.argon2_ops_limit;
    h.argon2.mem_limit = static_cast<std::size_t>(a.argon2_mem_limit);
    return std::make_shared<admin::Operations>(ctx.shared_store(create_store), h);
}

void user_set_disabled(Context& ctx, const std::string& address_in, bool disabled) {
    std::string address = normalize_address(address_in);
    auto ops = admin_ops(ctx);
    must(call<Unit>([&](auto cb) { ops->set_disabled(address, disabled, cb); }),
         std::string(disabled ? "cannot disable " : "cannot enable ") + address);
    if (disabled)
        fmt::print("disabled {}: logins are refused, mail is still accepted\n", address);
    else
        fmt::print("enabled {}\n", address);
}

void api_token_create(Context& ctx, const std::string& name) {
    if (!admin::valid_token_name(name)) usage_error("invalid token name '" + name + "' (1-64 of A-Z a-z 0-9 . _ -)");
    auto token = must(admin::create_token(admin::token_file_path(ctx.data_dir()), name), "cannot create token " + name);
    // Shown once: only its SHA-256 is kept.
    fmt::print("{}\n", token);
}

void api_token_list(Context& ctx) {
    auto tokens = must(admin::load_tokens(admin::token_file_path(ctx.data_dir())), "cannot list tokens");
    for (const auto& t : tokens) {
        std::time_t tt = static_cast<std::time_t>(t.created);
        std::tm tm{};
        gmtime_r(&tt, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
        fmt::print("{}  created {}\n", t.name, buf);
    }
}

void api_token_revoke(Context& ctx, const std::string& name) {
    must(admin::revoke_token(admin::token_file_path(ctx.data_dir()), name), "cannot revoke token " + name);
    fmt::print("revoked token {}\n", name);
}

}  // namespace postamt::cli
