// The admin REST API (http/admin_api.h, docs/admin-api.md).
#include "http/admin_api.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <string_view>

#include "admin/validate.h"
#include "common/config.h"
#include "common/log.h"

namespace postamt::http {
namespace {

using json = nlohmann::json;

// Never throws: strings that came from a request may hold invalid UTF-8,
// which nlohmann's dump() would otherwise turn into an exception (a 500).
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Response error(int status, std::string_view message, std::string_view field = {}) {
    json e = {{"status", status}, {"message", std::string(message)}};
    if (!field.empty()) e["field"] = std::string(field);
    return Response::json(status, dump(json{{"error", e}}));
}

Response ok(int status, const json& body) { return Response::json(status, dump(body)); }

Response no_content() {
    Response r;
    r.status = 204;
    return r;
}

int status_of(Errc c) {
    switch (c) {
        case Errc::invalid: return 400;
        case Errc::not_found: return 404;
        case Errc::already_exists:
        case Errc::conflict: return 409;
        case Errc::too_big: return 413;
        case Errc::unavailable: return 503;
        case Errc::permission: return 403;
        default: return 500;
    }
}

Response from_error(const Error& e, std::string_view field = {}) {
    int st = status_of(e.code);
    if (st == 500) log::warn("event=admin_api_error error={}", log::quote(e.message));
    // A field is named only where it is the request's fault.
    return error(st, e.message, st == 400 ? field : std::string_view{});
}

json account_json(const store::Account& a) {
    return {{"address", a.address()},         {"domain", a.domain},
            {"quota_bytes", a.quota_bytes},   {"quota_messages", a.quota_messages},
            {"used_bytes", a.used_bytes},     {"used_messages", a.used_messages},
            {"disabled", a.disabled}};
}

json recipient_json(const store::OutboundRecipientState& r, int64_t now) {
    return {{"address", r.address},
            {"state", r.state},
            {"report_owed", r.dsn_due},
            {"attempts", r.attempts},
            {"next_attempt", r.state == "pending" ? json(r.next_attempt) : json(nullptr)},
            {"last_attempt", r.last_attempt > 0 ? json(r.last_attempt) : json(nullptr)},
            {"in_flight", r.state == "pending" && !r.lease_owner.empty() && r.lease_expiry > now},
            {"status", r.status},
            {"diagnostic", r.diagnostic},
            {"remote_mta", r.remote_mta}};
}

json entry_json(const store::OutboundEntry& e, bool with_headers) {
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    json rc = json::array();
    for (const auto& r : e.recipients) rc.push_back(recipient_json(r, now));
    json j = {{"queue_id", e.queue_id}, {"sender", e.sender}, {"arrival", e.arrival},
              {"size", e.blob.size},    {"envid", e.envid},   {"delay_warned", e.delay_warned},
              {"recipients", rc}};
    if (with_headers) j["headers"] = e.headers;
    return j;
}

// ---- request bodies ------------------------------------------------------------

// A JSON object body with only `allowed` keys; or the 400 that says why not.
struct Body {
    json obj;
    std::optional<Response> bad;
};

Body parse_object(const Request& req, std::initializer_list<std::string_view> allowed) {
    Body b;
    b.obj = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (b.obj.is_discarded()) {
        b.bad = error(400, "the body is not valid JSON");
        return b;
    }
    if (!b.obj.is_object()) {
        b.bad = error(400, "the body must be a JSON object");
        return b;
    }
    for (const auto& [key, value] : b.obj.items()) {
        bool known = false;
        for (auto a : allowed) known = known || key == a;
        if (!known) {
            b.bad = error(400, "unknown field '" + key + "'", key);
            return b;
        }
    }
    return b;
}

// Each getter: nullopt and `bad` set when the field has the wrong type.
std::optional<std::string> get_string(const json& o, const char* key, bool required, std::optional<Response>& bad) {
    auto it = o.find(key);
    if (it == o.end()) {
        if (required) bad = error(400, std::string("missing field '") + key + "'", key);
        return std::nullopt;
    }
    if (!it->is_string()) {
        bad = error(400, std::string("field '") + key + "' must be a string", key);
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<int64_t> get_count(const json& o, const char* key, std::optional<Response>& bad) {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    std::string msg = std::string("field '") + key + "' must be an integer from 0 (unlimited) to 2^53";
    if (!it->is_number_integer()) {
        bad = error(400, msg, key);
        return std::nullopt;
    }
    if (it->is_number_unsigned()) {
        auto v = it->get<uint64_t>();
        if (v > static_cast<uint64_t>(admin::kMaxQuotaValue)) {
            bad = error(400, msg, key);
            return std::nullopt;
        }
        return static_cast<int64_t>(v);
    }
    auto v = it->get<int64_t>();
    if (v < 0 || v > admin::kMaxQuotaValue) {
        bad = error(400, msg, key);
        return std::nullopt;
    }
    return v;
}

std::optional<bool> get_bool(const json& o, const char* key, std::optional<Response>& bad) {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (!it->is_boolean()) {
        bad = error(400, std::string("field '") + key + "' must be true or false", key);
        return std::nullopt;
    }
    return it->get<bool>();
}

// ---- dispatch ------------------------------------------------------------------

struct Call {
    std::shared_ptr<admin::Operations> ops;
    const Request& req;
    Reply& reply;
    std::string_view rest;  // path after /api/v1/

    void method_not_allowed(std::string allow) {
        auto r = error(405, "method " + req.method + " is not allowed here");
        r.set("Allow", std::move(allow));
        reply(std::move(r));
    }
};

// Splits "users/bob@x.org" into ("users", "bob@x.org").
std::pair<std::string_view, std::string_view> head_tail(std::string_view s) {
    auto slash = s.find('/');
    if (slash == std::string_view::npos) return {s, {}};
    return {s.substr(0, slash), s.substr(slash + 1)};
}

void domains(Call& c, std::string_view name) {
    auto reply = c.reply;
    if (name.empty()) {
        if (c.req.method == "GET") {
            return c.ops->list_domains([reply](Result<std::vector<store::Domain>> r) {
                if (!r) return reply(from_error(r.error()));
                json list = json::array();
                for (const auto& d : r.value()) list.push_back({{"name", d.name}});
                reply(ok(200, {{"domains", list}}));
            });
        }
        if (c.req.method == "POST") {
            auto b = parse_object(c.req, {"name"});
            if (b.bad) return reply(*b.bad);
            auto n = get_string(b.obj, "name", true, b.bad);
            if (b.bad) return reply(*b.bad);
            return c.ops->add_domain(*n, [reply](Result<store::Domain> r) {
                if (!r) return reply(from_error(r.error(), "name"));
                reply(ok(201, {{"name", r.value().name}}));
            });
        }
        return c.method_not_allowed("GET, POST");
    }
    if (name.find('/') != std::string_view::npos) return reply(error(404, "no such resource"));
    if (c.req.method == "DELETE") {
        return c.ops->remove_domain(std::string(name), [reply](Result<Unit> r) {
            if (!r) return reply(from_error(r.error(), "name"));
            reply(no_content());
        });
    }
    c.method_not_allowed("DELETE");
}

void users(Call& c, std::string_view address) {
    auto reply = c.reply;
    if (address.empty()) {
        if (c.req.method == "GET") {
            return c.ops->list_users(c.req.param("domain"), [reply](Result<std::vector<store::Account>> r) {
                if (!r) return reply(from_error(r.error(), "domain"));
                json list = json::array();
                for (const auto& a : r.value()) list.push_back(account_json(a));
                reply(ok(200, {{"users", list}}));
            });
        }
        if (c.req.method == "POST") {
            auto b = parse_object(c.req, {"address", "password", "quota_bytes", "quota_messages"});
            if (b.bad) return reply(*b.bad);
            admin::NewUser u;
            auto a = get_string(b.obj, "address", true, b.bad);
            if (b.bad) return reply(*b.bad);
            auto p = get_string(b.obj, "password", true, b.bad);
            if (b.bad) return reply(*b.bad);
            auto qb = get_count(b.obj, "quota_bytes", b.bad);
            if (b.bad) return reply(*b.bad);
            auto qm = get_count(b.obj, "quota_messages", b.bad);
            if (b.bad) return reply(*b.bad);
            if (!admin::normalize_address(*a)) return reply(from_error(admin::normalize_address(*a).error(), "address"));
            if (auto pc = admin::check_password(*p); !pc) return reply(from_error(pc.error(), "password"));
            u.address = *a;
            u.password = *p;
            u.quota_bytes = qb.value_or(0);
            u.quota_messages = qm.value_or(0);
            return c.ops->create_user(std::move(u), [reply](Result<store::Account> r) {
                if (!r) return reply(from_error(r.error(), "address"));
                reply(ok(201, account_json(r.value())));
            });
        }
        return c.method_not_allowed("GET, POST");
    }
    std::string addr(address);
    if (auto n = admin::normalize_address(addr); !n) return reply(error(404, "no account " + addr));
    if (c.req.method == "GET") {
        return c.ops->show_user(addr, [reply](Result<store::Account> r) {
            if (!r) return reply(from_error(r.error()));
            reply(ok(200, account_json(r.value())));
        });
    }
    if (c.req.method == "DELETE") {
        return c.ops->remove_user(addr, [reply](Result<Unit> r) {
            if (!r) return reply(from_error(r.error()));
            reply(no_content());
        });
    }
    if (c.req.method == "PATCH") {
        auto b = parse_object(c.req, {"password", "quota_bytes", "quota_messages", "disabled"});
        if (b.bad) return reply(*b.bad);
        admin::UserChange ch;
        ch.password = get_string(b.obj, "password", false, b.bad);
        if (b.bad) return reply(*b.bad);
        ch.quota_bytes = get_count(b.obj, "quota_bytes", b.bad);
        if (b.bad) return reply(*b.bad);
        ch.quota_messages = get_count(b.obj, "quota_messages", b.bad);
        if (b.bad) return reply(*b.bad);
        ch.disabled = get_bool(b.obj, "disabled", b.bad);
        if (b.bad) return reply(*b.bad);
        if (ch.password)
            if (auto pc = admin::check_password(*ch.password); !pc) return reply(from_error(pc.error(), "password"));
        return c.ops->update_user(addr, std::move(ch), [reply](Result<store::Account> r) {
            if (!r) return reply(from_error(r.error()));
            reply(ok(200, account_json(r.value())));
        });
    }
    c.method_not_allowed("GET, PATCH, DELETE");
}

void aliases(Call& c, std::string_view source) {
    auto reply = c.reply;
    if (source.empty()) {
        if (c.req.method == "GET") {
            return c.ops->list_aliases(c.req.param("domain"), [reply](Result<std::vector<store::Alias>> r) {
                if (!r) return reply(from_error(r.error(), "domain"));
                json list = json::array();
                for (const auto& a : r.value()) list.push_back({{"source", a.source}, {"target", a.target}});
                reply(ok(200, {{"aliases", list}}));
            });
        }
        if (c.req.method == "POST") {
            auto b = parse_object(c.req, {"source", "target"});
            if (b.bad) return reply(*b.bad);
            auto s = get_string(b.obj, "source", true, b.bad);
            if (b.bad) return reply(*b.bad);
            auto t = get_string(b.obj, "target", true, b.bad);
            if (b.bad) return reply(*b.bad);
            if (auto n = admin::normalize_alias_source(*s); !n) return reply(from_error(n.error(), "source"));
            if (auto n = admin::normalize_address(*t); !n) return reply(from_error(n.error(), "target"));
            return c.ops->add_alias(*s, *t, [reply](Result<store::Alias> r) {
                if (!r) return reply(from_error(r.error(), "source"));
                reply(ok(201, {{"source", r.value().source}, {"target", r.value().target}}));
            });
        }
        return c.method_not_allowed("GET, POST");
    }
    std::string src(source);
    if (c.req.method == "DELETE") {
        std::string target = c.req.param("target");
        if (!admin::normalize_alias_source(src)) return reply(error(404, "no alias " + src));
        if (!target.empty())
            if (auto n = admin::normalize_address(target); !n) return reply(from_error(n.error(), "target"));
        return c.ops->remove_alias(src, target, [reply](Result<Unit> r) {
            if (!r) return reply(from_error(r.error()));
            reply(no_content());
        });
    }
    c.method_not_allowed("DELETE");
}

void queue(Call& c, std::string_view rest) {
    auto reply = c.reply;
    if (rest.empty()) {
        if (c.req.method != "GET") return c.method_not_allowed("GET");
        return c.ops->list_queue([reply](Result<std::vector<store::OutboundEntry>> r) {
            if (!r) return reply(from_error(r.error()));
            json list = json::array();
            int64_t pending = 0;
            for (const auto& e : r.value()) {
                list.push_back(entry_json(e, false));
                for (const auto& rc : e.recipients) pending += rc.state == "pending";
            }
            reply(ok(200, {{"entries", list}, {"recipients_pending", pending}}));
        });
    }
    if (rest == "flush") {
        if (c.req.method != "POST") return c.method_not_allowed("POST");
        return c.ops->flush_queue([reply](Result<int64_t> r) {
            if (!r) return reply(from_error(r.error()));
            reply(ok(200, {{"recipients_due", r.value()}}));
        });
    }
    auto [id, action] = head_tail(rest);
    std::string qid(id);
    if (action == "retry") {
        if (c.req.method != "POST") return c.method_not_allowed("POST");
        return c.ops->retry_queue(qid, [reply](Result<int64_t> r) {
            if (!r) return reply(from_error(r.error()));
            reply(ok(200, {{"recipients_due", r.value()}}));
        });
    }
    if (!action.empty()) return reply(error(404, "no such resource"));
    if (c.req.method == "GET") {
        return c.ops->show_queue(qid, [reply](Result<store::OutboundEntry> r) {
            if (!r) return reply(from_error(r.error()));
            reply(ok(200, entry_json(r.value(), true)));
        });
    }
    if (c.req.method == "DELETE") {
        return c.ops->delete_queue(qid, [reply](Result<Unit> r) {
            if (!r) return reply(from_error(r.error()));
            reply(no_content());
        });
    }
    c.method_not_allowed("GET, DELETE");
}

}  // namespace

void AdminApi::handle(const Request& req, Reply reply) {
    // RFC 6750 3: a request without credentials gets the challenge alone; a
    // wrong token also says invalid_token. Same 401 either way otherwise.
    std::string authz = req.header("authorization");
    if (!tokens_ || !tokens_->verify(authz)) {
        auto r = error(401, authz.empty() ? "an API token is required (Authorization: Bearer <token>)"
                                          : "the API token is not valid");
        r.set("WWW-Authenticate", authz.empty() ? "Bearer realm=\"postamt-admin\""
                                                : "Bearer realm=\"postamt-admin\", error=\"invalid_token\"");
        return reply(std::move(r));
    }
    std::string_view path = req.path;
    std::string_view prefix = kAdminApiPrefix;
    if (path.substr(0, prefix.size()) != prefix) return reply(error(404, "no such resource"));
    auto [collection, rest] = head_tail(path.substr(prefix.size()));
    Call c{ops_, req, reply, rest};
    try {
        if (collection == "domains") return domains(c, rest);
        if (collection == "users") return users(c, rest);
        if (collection == "aliases") return aliases(c, rest);
        if (collection == "queue") return queue(c, rest);
    } catch (const std::exception& e) {
        // Only a bug gets here (the handlers throw nothing on bad input); the
        // reply may already have gone if a callback threw, so log and rethrow
        // nothing: the runner answers 500 for a dropped Reply.
        log::error("event=admin_api_exception error={}", log::quote(e.what()));
        return;
    }
    reply(error(404, "no such resource"));
}

void add_admin_routes(Router& router, std::shared_ptr<AdminApi> api) {
    Route r;
    r.method = "";
    r.path = kAdminApiPrefix;
    r.prefix = true;
    r.service = Service::admin;
    r.handler = [api](const Request& req, Reply reply) { api->handle(req, std::move(reply)); };
    router.add(std::move(r));
}

std::vector<Route> admin_api_routes(std::shared_ptr<store::Store> store, const Config& cfg) {
    admin::HashingOptions h;
    h.argon2.ops_limit = cfg.auth.argon2_ops_limit;
    h.argon2.mem_limit = static_cast<std::size_t>(cfg.auth.argon2_mem_limit);
    auto api = std::make_shared<AdminApi>(
        std::make_shared<admin::Operations>(std::move(store), h),
        std::make_shared<admin::TokenVerifier>(admin::token_file_path(cfg.server.data_dir)));
    Router r;
    add_admin_routes(r, std::move(api));
    return r.routes();
}

}  // namespace postamt::http
