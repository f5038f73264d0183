#include "acme/protocol.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

#include "acme/crypto.h"
#include "common/base64.h"

namespace postamt::acme {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxBody = 1 << 20;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return std::string(s);
}

std::optional<json> parse_object(std::string_view body) {
    if (body.size() > kMaxBody) return std::nullopt;
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
}

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

bool is_url(const std::string& s) { return s.starts_with("https://") || s.starts_with("http://"); }

Problem problem_from(const json& j) {
    Problem p;
    p.type = str(j, "type");
    p.detail = str(j, "detail");
    auto it = j.find("status");
    if (it != j.end() && it->is_number_integer()) {
        auto v = it->get<long long>();
        if (v >= 100 && v <= 599) p.status = int(v);
    }
    if (p.detail.size() > 1000) p.detail.resize(1000);
    return p;
}

Result<std::size_t> hex_size(std::string_view s) {
    std::size_t v = 0;
    auto semi = s.find(';');  // chunk extensions
    if (semi != std::string_view::npos) s = s.substr(0, semi);
    std::string t = trim(s);
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 16);
    if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || v > kMaxBody)
        return make_error(Errc::invalid, "bad chunk size");
    return v;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
}

Result<HttpResponse> parse_http_response(std::string_view bytes, bool no_body) {
    auto head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return make_error(Errc::invalid, "incomplete HTTP response header");
    std::string_view head = bytes.substr(0, head_end);
    std::string_view rest = bytes.substr(head_end + 4);
    HttpResponse r;
    auto line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ')
        return make_error(Errc::invalid, "bad HTTP status line");
    int code = 0;
    auto [e, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
    if (ec != std::errc{} || e != status_line.data() + 12 || code < 100 || code > 599)
        return make_error(Errc::invalid, "bad HTTP status code");
    r.status = code;
    std::string_view fields = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    while (!fields.empty()) {
        auto nl = fields.find("\r\n");
        std::string_view line = fields.substr(0, nl);
        fields = nl == std::string_view::npos ? std::string_view() : fields.substr(nl + 2);
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return make_error(Errc::invalid, "bad HTTP header line");
        r.headers.emplace(lower(std::string(line.substr(0, colon))), trim(line.substr(colon + 1)));
    }
    if (no_body) return r;
    if (lower(r.header("transfer-encoding")).find("chunked") != std::string::npos) {
        for (;;) {
            auto nl = rest.find("\r\n");
            if (nl == std::string_view::npos) return make_error(Errc::invalid, "truncated chunked body");
            auto size = hex_size(rest.substr(0, nl));
            if (!size) return size.error();
            rest = rest.substr(nl + 2);
            if (*size == 0) break;  // trailers ignored
            if (rest.size() < *size + 2 || rest.substr(*size, 2) != "\r\n")
                return make_error(Errc::invalid, "truncated chunk");
            if (r.body.size() + *size > kMaxBody) return make_error(Errc::invalid, "HTTP body too large");
            r.body.append(rest.substr(0, *size));
            rest = rest.substr(*size + 2);
        }
    } else if (auto cl = r.header("content-length"); !cl.empty()) {
        std::size_t n = 0;
        auto [end, ec2] = std::from_chars(cl.data(), cl.data() + cl.size(), n);
        if (ec2 != std::errc{} || end != cl.data() + cl.size()) return make_error(Errc::invalid, "bad Content-Length");
        if (n > kMaxBody) return make_error(Errc::invalid, "HTTP body too large");
        if (rest.size() < n) return make_error(Errc::invalid, "truncated HTTP body");
        r.body.assign(rest.substr(0, n));
    } else {
        if (rest.size() > kMaxBody) return make_error(Errc::invalid, "HTTP body too large");
        r.body.assign(rest);
    }
    return r;
}

std::string Problem::describe() const {
    if (type.empty()) return detail.empty() ? "no problem document" : detail;
    return detail.empty() ? type : type + ": " + detail;
}

Problem parse_problem(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return {};
    return problem_from(*j);
}

Result<Directory> parse_directory(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return make_error(Errc::invalid, "ACME directory is not a JSON object");
    Directory d;
    d.new_nonce = str(*j, "newNonce");
    d.new_account = str(*j, "newAccount");
    d.new_order = str(*j, "newOrder");
    if (auto m = j->find("meta"); m != j->end() && m->is_object()) d.terms_of_service = str(*m, "termsOfService");
    if (!is_url(d.new_nonce) || !is_url(d.new_account) || !is_url(d.new_order))
        return make_error(Errc::invalid, "ACME directory lacks newNonce, newAccount or newOrder URLs");
    return d;
}

Result<Order> parse_order(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return make_error(Errc::invalid, "ACME order is not a JSON object");
    Order o;
    o.status = str(*j, "status");
    o.finalize = str(*j, "finalize");
    o.certificate = str(*j, "certificate");
    if (auto a = j->find("authorizations"); a != j->end() && a->is_array()) {
        for (const auto& e : *a) {
            if (!e.is_string() || !is_url(e.get<std::string>()))
                return make_error(Errc::invalid, "ACME order has a bad authorization URL");
            o.authorizations.push_back(e.get<std::string>());
        }
    }
    if (auto e = j->find("error"); e != j->end() && e->is_object()) o.error = problem_from(*e);
    static const char* const kStates[] = {"pending", "ready", "processing", "valid", "invalid"};
    bool known = false;
    for (auto* s : kStates) known = known || o.status == s;
    if (!known) return make_error(Errc::invalid, "ACME order has an unknown status '" + o.status.substr(0, 40) + "'");
    if (!is_url(o.finalize)) return make_error(Errc::invalid, "ACME order lacks a finalize URL");
    if (o.status == "valid" && !is_url(o.certificate))
        return make_error(Errc::invalid, "valid ACME order lacks a certificate URL");
    return o;
}

Result<Authorization> parse_authorization(std::string_view body) {
    auto j = parse_object(body);
    if (!j) return make_error(Errc::invalid, "ACME authorization is not a JSON object");
    Authorization a;
    a.status = str(*j, "status");
    if (auto id = j->find("identifier"); id != j->end() && id->is_object()) {
        if (str(*id, "type") != "dns") return make_error(Errc::invalid, "ACME authorization for a non-DNS identifier");
        a.identifier = lower(str(*id, "value"));
    }
    if (a.identifier.empty()) return make_error(Errc::invalid, "ACME authorization lacks an identifier");
    if (auto w = j->find("wildcard"); w != j->end() && w->is_boolean()) a.wildcard = w->get<bool>();
    if (a.status.empty()) return make_error(Errc::invalid, "ACME authorization lacks a status");
    if (auto cs = j->find("challenges"); cs != j->end() && cs->is_array()) {
        for (const auto& c : *cs) {
            if (!c.is_object()) continue;
            Challenge ch;
            ch.type = str(c, "type");
            ch.url = str(c, "url");
            ch.token = str(c, "token");
            ch.status = str(c, "status");
            if (auto e = c.find("error"); e != c.end() && e->is_object()) ch.error = problem_from(*e);
            if (!is_url(ch.url)) continue;  // unusable; another type may still do
            a.challenges.push_back(std::move(ch));
        }
    }
    return a;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds max) {
    std::string v = trim(value);
    if (v.empty()) return std::nullopt;
    if (v.find_first_not_of("0123456789") == std::string::npos) {
        if (v.size() > 9) return max;
        long long s = std::stoll(v);
        return std::min(std::chrono::seconds(s), max);
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 7231 7.1.1.1)
    struct tm tm {};
    const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return std::nullopt;
    auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    if (when <= now) return std::chrono::seconds(0);
    return std::min(std::chrono::duration_cast<std::chrono::seconds>(when - now), max);
}

Result<std::string> build_jws(EVP_PKEY* key, const std::string& kid, const std::string& nonce, const std::string& url,
                              const std::string& payload) {
    json prot = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
    if (kid.empty()) {
        auto jwk = jwk_json(key);
        if (!jwk) return jwk.error();
        prot["jwk"] = json::parse(*jwk);
    } else {
        prot["kid"] = kid;
    }
    std::string p64 = base64url_encode(prot.dump());
    std::string b64 = base64url_encode(payload);  // "" for POST-as-GET (RFC 8555 6.3)
    auto sig = es256_sign(key, p64 + "." + b64);
    if (!sig) return sig.error();
    json out = {{"protected", p64}, {"payload", b64}, {"signature", base64url_encode(*sig)}};
    return out.dump();
}

bool valid_token(std::string_view t) {
    if (t.empty() || t.size() > 256) return false;
    for (char c : t)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

std::string new_account_payload(const std::string& email) {
    json j = {{"termsOfServiceAgreed", true}};
    if (!email.empty()) j["contact"] = json::array({"mailto:" + email});
    return j.dump();
}

std::string new_order_payload(const std::vector<std::string>& names) {
    json ids = json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    return json{{"identifiers", ids}}.dump();
}

}  // namespace postamt::acme
