// postamt domain add|list|remove
#include <fmt/core.h>

#include "cli/commands.h"

namespace postamt::cli {

void domain_add(Context& ctx, const std::string& domain) {
    std::string d = normalize_domain(domain);
    auto& st = ctx.store(/*create=*/true);
    auto added = must(call<store::Domain>([&](auto cb) { st.add_domain(d, cb); }), "cannot add domain " + d);
    fmt::print("added domain {}\n", added.name);
}

void domain_list(Context& ctx) {
    auto& st = ctx.store();
    auto domains = must(call<std::vector<store::Domain>>([&](auto cb) { st.list_domains(cb); }), "cannot list domains");
    for (const auto& d : domains) fmt::print("{}\n", d.name);
}

void domain_remove(Context& ctx, const std::string& domain) {
    std::string d = normalize_domain(domain);
    auto& st = ctx.store();
    must(call<Unit>([&](auto cb) { st.remove_domain(d, cb); }), "cannot remove domain " + d);
    fmt::print("removed domain {}\n", d);
}

}  // namespace postamt::cli
