// Autoconfiguration handlers (http/autoconfig.h).
#include "http/autoconfig.h"

#include <algorithm>
#include <cctype>

#include "http/response_writer.h"
#include "store/store.h"

namespace postamt::http {
namespace {

using StorePtr = std::shared_ptr<store::Store>;
using Settings = std::shared_ptr<const MailSettings>;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

Response xml(int status, std::string body) { return Response::text(status, std::move(body), "application/xml; charset=utf-8"); }

Response html(int status, std::string body) {
    Response r = Response::text(status, std::move(body), "text/html; charset=utf-8");
    // The page loads nothing from elsewhere; say so to the browser as well.
    r.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
    r.set("X-Content-Type-Options", "nosniff");
    return r;
}

// Calls `make` when `domain` is one of ours, else answers `not_ours`
// (the store decides; 503 when it cannot be read).
void if_local_domain(const StorePtr& st, std::string domain, Reply reply, std::function<Response()> make,
                     std::function<Response()> not_ours) {
    st->list_domains([domain = std::move(domain), reply = std::move(reply), make = std::move(make),
                      not_ours = std::move(not_ours)](Result<std::vector<store::Domain>> r) {
        if (!r) {
            reply(error_response(503, "store unavailable"));
            return;
        }
        bool local = std::any_of(r->begin(), r->end(), [&](const store::Domain& d) { return lower(d.name) == domain; });
        reply(local ? make() : not_ours());
    });
}

std::function<Response()> plain_404() {
    return [] { return error_response(404, "no mail service for this domain here"); };
}

// Thunderbird: the address from ?emailaddress=, else the domain from the
// Host autoconfig.<domain>.
Handler thunderbird(Settings s, StorePtr st) {
    return [s, st](const Request& req, Reply reply) {
        std::string address = req.param("emailaddress");
        std::optional<std::string> domain;
        if (!address.empty()) {
            domain = address_domain(address);
            if (!domain) return reply(error_response(400, "emailaddress is not an e-mail address"));
        } else if (req.host.rfind("autoconfig.", 0) == 0 && req.host.size() > 11) {
            domain = req.host.substr(11);
        } else {
            return reply(error_response(400, "emailaddress missing"));
        }
        std::string d = *domain;
        if_local_domain(st, d, std::move(reply), [s, d] { return xml(200, thunderbird_config(*s, d)); }, plain_404());
    };
}

Handler autodiscover_pox(Settings s, StorePtr st) {
    return [s, st](const Request& req, Reply reply) {
        auto address = parse_autodiscover_request(req.body);
        if (!address) return reply(error_response(400, "malformed autodiscover request"));
        auto domain = address_domain(*address);
        if (!domain) return reply(error_response(400, "EMailAddress is not an e-mail address"));
        std::string a = *address;
        if_local_domain(st, *domain, std::move(reply), [s, a] { return xml(200, autodiscover_response(*s, a)); },
                        plain_404());
    };
}

// Outlook's v2 lookup: GET .../autodiscover.json/v1.0/<address>?Protocol=X.
// As Exchange does, only AutodiscoverV1 is answered with a URL (the POX
// endpoint); other protocols (ActiveSync, Ews, Rest) are not offered.
Handler autodiscover_v2(StorePtr st) {
    return [st](const Request& req, Reply reply) {
        std::string address = req.param("Email");
        std::string_view path = req.path;
        auto v = lower(path).find("/v1.0/");
        if (v != std::string::npos) address = std::string(path.substr(v + 6));
        std::string protocol = req.param("Protocol");
        if (protocol.empty()) protocol = req.param("protocol");
        auto domain = address_domain(address);
        if (!domain) return reply(Response::json(400, "{\"ErrorCode\":\"InvalidUser\",\"ErrorMessage\":\"no e-mail address given\"}"));
        if (lower(protocol) != "autodiscoverv1")
            return reply(Response::json(400, "{\"ErrorCode\":\"InvalidProtocol\",\"ErrorMessage\":\"The given protocol "
                                             "value is invalid. Supported values are 'AutodiscoverV1'\"}"));
        std::string d = *domain;
        if_local_domain(st, d, std::move(reply), [d] { return Response::json(200, autodiscover_json(d)); },
                        [] { return Response::json_error(404, "no mail service for this domain here"); });
    };
}

Handler setup(Settings s, StorePtr st) {
    return [s, st](const Request& req, Reply reply) {
        std::string address = req.param("emailaddress");
        if (address.empty()) return reply(html(200, setup_page(*s, "", "")));
        auto domain = address_domain(address);
        if (!domain) return reply(html(400, setup_page(*s, address, "That is not an e-mail address.")));
        if_local_domain(st, *domain, std::move(reply), [s, address] { return html(200, setup_page(*s, address, "")); },
                        [s, address] {
                            return html(404, setup_page(*s, address, "This server does not handle mail for that domain."));
                        });
    };
}

Handler mobileconfig(Settings s, StorePtr st) {
    return [s, st](const Request& req, Reply reply) {
        std::string address = req.param("emailaddress");
        auto domain = address_domain(address);
        if (!domain) return reply(error_response(400, "emailaddress missing or not an e-mail address"));
        if_local_domain(
            st, *domain, std::move(reply),
            [s, address] {
                Response r = Response::text(200, apple_mobileconfig(*s, address), "application/x-apple-aspen-config");
                std::string file;
                for (char c : address) file += (std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '.' || c == '-' || c == '_') ? c : '_';
                r.set("Content-Disposition", "attachment; filename=\"" + file + ".mobileconfig\"");
                return r;
            },
            plain_404());
    };
}

Route make(std::string method, std::string path, Handler h, bool prefix = false) {
    Route r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.prefix = prefix;
    r.service = Service::autoconfig;
    r.handler = std::move(h);
    return r;
}

}  // namespace

std::vector<Route> autoconfig_routes(MailSettings settings, std::shared_ptr<store::Store> store) {
    auto s = std::make_shared<const MailSettings>(std::move(settings));
    std::vector<Route> rs;
    rs.push_back(make("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", thunderbird(s, store)));
    rs.push_back(make("GET", "/mail/config-v1.1.xml", thunderbird(s, store)));
    // Outlook spells the path in either case.
    for (const char* p : {"/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"})
        rs.push_back(make("POST", p, autodiscover_pox(s, store)));
    for (const char* p : {"/autodiscover/autodiscover.json", "/Autodiscover/Autodiscover.json"})
        rs.push_back(make("GET", p, autodiscover_v2(store), /*prefix=*/true));
    rs.push_back(make("GET", "/setup", setup(s, store)));
    rs.push_back(make("GET", "/setup/mobileconfig", mobileconfig(s, store)));
    return rs;
}

}  // namespace postamt::http
