// postamt user add|passwd|list|remove|quota (through the admin operations,
// src/admin/, which the admin API shares; disable|enable are in cmd_api.cpp)
#include <fmt/core.h>

#include "admin/validate.h"
#include "cli/admin_commands.h"
#include "cli/commands.h"
#include "cli/password_prompt.h"
#include "common/text.h"

namespace postamt::cli {
namespace {

std::string obtain_password(const PasswordSource& src, const std::string& address) {
    if (src.from_argv) {
        if (src.from_argv->empty()) usage_error("--password-argv needs a non-empty password");
        return *src.from_argv;
    }
    if (src.from_stdin) return read_password_line_from_stdin();
    return prompt_new_password(address);
}

// The password policy (admin/validate.h) refuses: a usage error, as before.
std::string checked(std::string password) {
    if (auto ok = admin::check_password(password); !ok) usage_error("password refused: " + ok.error().message);
    return password;
}

std::string size_or_unlimited(int64_t v) {
    return v == 0 ? "unlimited" : text::format_size(static_cast<uint64_t>(v));
}
std::string count_or_unlimited(int64_t v) { return v == 0 ? "unlimited" : std::to_string(v); }

}  // namespace

void user_add(Context& ctx, const UserAddOptions& o) {
    std::string address = normalize_address(o.address);
    int64_t quota = o.quota.empty() ? 0 : parse_quota_size(o.quota);
    if (o.quota_messages < 0) usage_error("--quota-messages must not be negative");
    auto ops = admin_ops(ctx);
    auto& st = ops->store();
    // Fail early (before asking for a password) when the account exists.
    auto existing = must(call<std::optional<store::Account>>([&](auto cb) { st.find_account(address, cb); }),
                         "cannot look up " + address);
    if (existing) fail("cannot add " + address + ": the account exists");
    admin::NewUser nu;
    nu.address = address;
    nu.password = checked(obtain_password(o.password, address));
    nu.quota_bytes = quota;
    nu.quota_messages = o.quota_messages;
    auto acct = must(call<store::Account>([&](auto cb) { ops->create_user(nu, cb); }), "cannot add " + address);
    fmt::print("added {} (quota {}, {} messages)\n", acct.address(), size_or_unlimited(acct.quota_bytes),
               count_or_unlimited(acct.quota_messages));
}

void user_passwd(Context& ctx, const std::string& address_in, const PasswordSource& pw) {
    std::string address = normalize_address(address_in);
    auto ops = admin_ops(ctx);
    find_account(ops->store(), address);
    std::string password = checked(obtain_password(pw, address));
    must(call<Unit>([&](auto cb) { ops->set_password(address, password, cb); }), "cannot set the password of " + address);
    fmt::print("password of {} changed\n", address);
}

void user_list(Context& ctx, const std::string& domain) {
    std::string d = domain.empty() ? std::string() : normalize_domain(domain);
    auto ops = admin_ops(ctx);
    auto accounts = must(call<std::vector<store::Account>>([&](auto cb) { ops->list_users(d, cb); }),
                         "cannot list accounts");
    fmt::print("{:<40} {:>10} {:>10} {:>10} {:>10}\n", "ADDRESS", "QUOTA", "USED", "MSG-QUOTA", "MESSAGES");
    for (const auto& a : accounts) {
        fmt::print("{:<40} {:>10} {:>10} {:>10} {:>10}\n", a.address(), size_or_unlimited(a.quota_bytes),
                   text::format_size(static_cast<uint64_t>(a.used_bytes)), count_or_unlimited(a.quota_messages),
                   a.used_messages);
    }
}

void user_remove(Context& ctx, const std::string& address_in, bool yes) {
    std::string address = normalize_address(address_in);
    auto ops = admin_ops(ctx);
    auto acct = find_account(ops->store(), address);
    if (!yes && !confirm_on_tty("Delete " + address + " and all its mail (" + std::to_string(acct.used_messages) +
                                " messages, " + std::to_string(acct.used_bytes) + " bytes)?"))
        fail("not removed: not confirmed");
    must(call<Unit>([&](auto cb) { ops->remove_user(address, cb); }), "cannot remove " + address);
    fmt::print("removed {}\n", address);
}

void user_quota(Context& ctx, const std::string& address_in, const std::string& size, std::optional<int64_t> messages) {
    std::string address = normalize_address(address_in);
    int64_t bytes = parse_quota_size(size);
    if (messages && *messages < 0) usage_error("--messages must not be negative");
    auto ops = admin_ops(ctx);
    find_account(ops->store(), address);
    auto acct = must(call<store::Account>([&](auto cb) { ops->set_quota(address, bytes, messages, cb); }),
                     "cannot set the quota of " + address);
    fmt::print("quota of {}: {}, {} messages\n", address, size_or_unlimited(acct.quota_bytes),
               count_or_unlimited(acct.quota_messages));
}

}  // namespace postamt::cli
