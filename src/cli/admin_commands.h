#pragma once
// Subcommands built on the shared admin operations (src/admin/) that are
// newer than commands.h: user disable|enable, api token create|list|revoke.
#include <memory>
#include <string>

#include "admin/operations.h"
#include "cli/context.h"

namespace postamt::cli {

// The admin operations over this context's store, with the configured
// password hashing costs ([auth] argon2_*).
std::shared_ptr<admin::Operations> admin_ops(Context& ctx, bool create_store = false);

// user disable|enable (login refused, mail still accepted; docs/admin-api.md)
void user_set_disabled(Context& ctx, const std::string& address, bool disabled);

// api token create|list|revoke (docs/admin-api.md)
void api_token_create(Context& ctx, const std::string& name);
void api_token_list(Context& ctx);
void api_token_revoke(Context& ctx, const std::string& name);

}  // namespace postamt::cli
