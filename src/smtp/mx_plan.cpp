#include "smtp/mx_plan.h"

#include <algorithm>
#include <random>

namespace postamt::smtp {

MxPlan plan_mx(std::string_view domain, const std::vector<MxRecord>& records,
               const MxPlanOptions& opt) {
    MxPlan plan;
    std::string dom(domain);
    if (!dom.empty() && dom.back() == '.') dom.pop_back();
    if (records.empty()) {
        plan.hosts.push_back(MxHost{dom, 0, true});
        return plan;
    }
    if (records.size() == 1 && records[0].host.empty()) {
        plan.code = 556;
        plan.status = "5.1.10";
        plan.text = "Domain " + dom + " does not accept mail (null MX, RFC 7505)";
        return plan;
    }
    std::vector<MxHost> hosts;
    for (const auto& r : records) {
        if (r.host.empty()) continue;  // "." among others: not a null MX, unusable
        std::string h = r.host;
        if (h.back() == '.') h.pop_back();
        // The same host twice: keep its best preference.
        auto dup =
            std::find_if(hosts.begin(), hosts.end(), [&](const MxHost& x) { return x.name == h; });
        if (dup != hosts.end()) {
            dup->preference = std::min(dup->preference, r.preference);
            continue;
        }
        hosts.push_back(MxHost{h, r.preference, false});
    }
    // RFC 5321 5.1: drop everything at or after our own preference.
    std::uint32_t own = UINT32_MAX;
    for (const auto& h : hosts) {
        if (std::find(opt.local_names.begin(), opt.local_names.end(), h.name) !=
            opt.local_names.end())
            own = std::min<std::uint32_t>(own, h.preference);
    }
    if (own != UINT32_MAX)
        std::erase_if(hosts, [&](const MxHost& h) { return h.preference >= own; });
    if (hosts.empty()) {
        plan.code = 554;
        plan.status = "5.4.6";
        plan.text = "Mail for " + dom + " loops back to myself (this host is its best MX)";
        return plan;
    }
    std::mt19937_64 rng(opt.seed ? opt.seed : std::random_device{}());
    std::sort(hosts.begin(), hosts.end(),
              [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
    for (std::size_t i = 0; i < hosts.size();) {
        std::size_t j = i;
        while (j < hosts.size() && hosts[j].preference == hosts[i].preference) ++j;
        std::shuffle(hosts.begin() + std::ptrdiff_t(i), hosts.begin() + std::ptrdiff_t(j), rng);
        i = j;
    }
    if (opt.max_hosts > 0 && hosts.size() > opt.max_hosts) hosts.resize(opt.max_hosts);
    plan.hosts = std::move(hosts);
    return plan;
}

}  // namespace postamt::smtp
