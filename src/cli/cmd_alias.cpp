// postamt alias add|list|remove (through the admin operations, src/admin/),
// postamt resolve
#include <fmt/core.h>

#include "admin/validate.h"
#include "cli/admin_commands.h"
#include "cli/commands.h"

namespace postamt::cli {
namespace {

// "@Example.org" (catch-all) -> "@example.org"; otherwise an address.
std::string normalize_alias_source(const std::string& source) {
    auto r = admin::normalize_alias_source(source);
    if (!r) usage_error(r.error().message);
    return std::move(r).value();
}

}  // namespace

void alias_add(Context& ctx, const std::string& source_in, const std::string& target_in) {
    std::string source = normalize_alias_source(source_in);
    std::string target = normalize_address(target_in);
    auto ops = admin_ops(ctx);
    must(call<store::Alias>([&](auto cb) { ops->add_alias(source, target, cb); }),
         "cannot add alias " + source + " -> " + target);
    fmt::print("added alias {} -> {}\n", source, target);
}

void alias_list(Context& ctx, const std::string& domain) {
    std::string d = domain.empty() ? std::string() : normalize_domain(domain);
    auto ops = admin_ops(ctx);
    auto aliases = must(call<std::vector<store::Alias>>([&](auto cb) { ops->list_aliases(d, cb); }), "cannot list aliases");
    for (const auto& a : aliases) fmt::print("{} -> {}\n", a.source, a.target);
}

void alias_remove(Context& ctx, const std::string& source_in, const std::string& target_in) {
    std::string source = normalize_alias_source(source_in);
    std::string target = target_in.empty() ? std::string() : normalize_address(target_in);
    auto ops = admin_ops(ctx);
    auto r = call<Unit>([&](auto cb) { ops->remove_alias(source, target, cb); });
    if (!r && r.error().code == Errc::not_found) fail(r.error().message);  // "no alias <source>[ -> <target>]"
    must(std::move(r), "cannot remove alias " + source);
    fmt::print("removed alias {}{}\n", source, target.empty() ? "" : " -> " + target);
}

void resolve(Context& ctx, const std::string& address_in) {
    std::string address = normalize_address(address_in);
    auto& st = ctx.store();
    auto r = must(call<store::Resolution>([&](auto cb) { st.resolve_recipient(address, cb); }),
                  "cannot resolve " + address);
    switch (r.kind) {
        case store::RecipientKind::unknown_user:
            fmt::print("unknown\n");
            return;
        case store::RecipientKind::not_local:
            fmt::print("not-local\n");
            return;
        case store::RecipientKind::local:
        case store::RecipientKind::forward:
            break;
    }
    for (auto id : r.accounts) {
        auto acct = must(call<std::optional<store::Account>>([&](auto cb) { st.get_account(id, cb); }),
                         "cannot read account");
        fmt::print("local {}\n", acct ? acct->address() : "#" + std::to_string(id));
    }
    for (const auto& f : r.forward_to) fmt::print("forward {}\n", f);
}

}  // namespace postamt::cli
