// postamt domain add|list|remove (through the admin operations, src/admin/)
#include <fmt/core.h>

#include "cli/admin_commands.h"
#include "cli/commands.h"

namespace postamt::cli {

void domain_add(Context& ctx, const std::string& domain) {
    std::string d = normalize_domain(domain);
    auto ops = admin_ops(ctx, /*create_store=*/true);
    auto added = must(call<store::Domain>([&](auto cb) { ops->add_domain(d, cb); }), "cannot add domain " + d);
    fmt::print("added domain {}\n", added.name);
}

void domain_list(Context& ctx) {
    auto ops = admin_ops(ctx);
    auto domains = must(call<std::vector<store::Domain>>([&](auto cb) { ops->list_domains(cb); }), "cannot list domains");
    for (const auto& d : domains) fmt::print("{}\n", d.name);
}

void domain_remove(Context& ctx, const std::string& domain) {
    std::string d = normalize_domain(domain);
    auto ops = admin_ops(ctx);
    must(call<Unit>([&](auto cb) { ops->remove_domain(d, cb); }), "cannot remove domain " + d);
    fmt::print("removed domain {}\n", d);
}

}  // namespace postamt::cli
