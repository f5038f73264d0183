// postamt alias add|list|remove, postamt resolve
#include <fmt/core.h>

#include "cli/commands.h"

namespace postamt::cli {
namespace {

// "@Example.org" (catch-all) -> "@example.org"; otherwise an address.
std::string normalize_alias_source(const std::string& source) {
    if (!source.empty() && source.front() == '@') return "@" + normalize_domain(std::string_view(source).substr(1));
    return normalize_address(source);
}

}  // namespace

void alias_add(Context& ctx, const std::string& source_in, const std::string& target_in) {
    std::string source = normalize_alias_source(source_in);
    std::string target = normalize_address(target_in);
    auto& st = ctx.store();
    must(call<Unit>([&](auto cb) { st.add_alias(store::Alias{source, target}, cb); }),
         "cannot add alias " + source + " -> " + target);
    fmt::print("added alias {} -> {}\n", source, target);
}

void alias_list(Context& ctx, const std::string& domain) {
    std::string d = domain.empty() ? std::string() : normalize_domain(domain);
    auto& st = ctx.store();
    auto aliases = must(call<std::vector<store::Alias>>([&](auto cb) { st.list_aliases(d, cb); }), "cannot list aliases");
    for (const auto& a : aliases) fmt::print("{} -> {}\n", a.source, a.target);
}

void alias_remove(Context& ctx, const std::string& source_in, const std::string& target_in) {
    std::string source = normalize_alias_source(source_in);
    std::string target = target_in.empty() ? std::string() : normalize_address(target_in);
    auto& st = ctx.store();
    // The store treats a missing alias as nothing to do; say so instead.
    auto aliases = must(call<std::vector<store::Alias>>([&](auto cb) { st.list_aliases("", cb); }), "cannot list aliases");
    bool found = false;
    for (const auto& a : aliases)
        if (a.source == source && (target.empty() || a.target == target)) found = true;
    if (!found) fail("no alias " + source + (target.empty() ? "" : " -> " + target));
    must(call<Unit>([&](auto cb) { st.remove_alias(source, target, cb); }), "cannot remove alias " + source);
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
