#include "http/mta_sts.h"

#include <openssl/evp.h>

#include <algorithm>

#include "common/digest.h"
#include "common/text.h"
#include "store/store.h"

namespace postamt::http {
namespace {

Response plain(int status, std::string body) {
    Response r;
    r.status = status;
    // RFC 8461 3.2: senders check for text/plain; charset=utf-8 is allowed.
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
}

}  // namespace

MtaStsPolicy mta_sts_policy(const Config& cfg) {
    MtaStsPolicy p;
    p.mode = cfg.mta_sts.mode;
    p.max_age = cfg.mta_sts.max_age;
    p.mx.push_back(cfg.server.hostname);
    return p;
}

std::string mta_sts_text(const MtaStsPolicy& p) {
    std::string out = "version: STSv1\r\nmode: " + p.mode + "\r\n";
    for (const auto& mx : p.mx) out += "mx: " + mx + "\r\n";
    out += "max_age: " + std::to_string(p.max_age.count()) + "\r\n";
    return out;
}

std::string mta_sts_id(std::string_view policy_text) {
    return hex_lower(sha256(policy_text)).substr(0, 32);
}

Handler mta_sts_handler(MtaStsPolicy policy, std::shared_ptr<store::Store> store) {
    auto text = std::make_shared<const std::string>(mta_sts_text(policy));
    return [text, store](const Request& req, Reply reply) {
        constexpr std::string_view kPrefix = "mta-sts.";
        std::string host = text::to_lower(req.host);
        if (!host.empty() && host.back() == '.') host.pop_back();
        if (host.size() <= kPrefix.size() || host.compare(0, kPrefix.size(), kPrefix) != 0 ||
            req.path != kMtaStsPath) {
            reply(plain(404, "not found\n"));
            return;
        }
        std::string domain = host.substr(kPrefix.size());
        // A policy only for the domains this server receives mail for: any
        // other name pointed at it gets 404 (issue 8 "bad input").
        store->list_domains([text, domain, reply](Result<std::vector<store::Domain>> r) {
            if (!r) {
                reply(plain(503, "store unavailable\n"));
                return;
            }
            bool local = std::any_of(r->begin(), r->end(),
                                     [&](const store::Domain& d) { return text::to_lower(d.name) == domain; });
            reply(local ? plain(200, *text) : plain(404, "not found\n"));
        });
    };
}

Route mta_sts_route(MtaStsPolicy policy, std::shared_ptr<store::Store> store) {
    Route r;
    r.method = "GET";
    r.path = std::string(kMtaStsPath);
    r.host_prefix = "mta-sts.";
    r.service = Service::mta_sts;
    r.handler = mta_sts_handler(std::move(policy), std::move(store));
    return r;
}

}  // namespace postamt::http
