#pragma once
// Drives an smtp::Session the way a runner would, with an in-memory fake of
// the store calls it asks for (resolve_recipient, check_quota, deliver).
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "smtp/session.h"

namespace postamt::smtp::testing {

struct FakeBackend {
    std::set<std::string> local_domains{"example.com"};
    std::map<std::string, store::Resolution> directory;  // lower-case address -> resolution
    std::map<store::AccountId, int64_t> quota_limit;     // 0 / absent: unlimited
    std::map<store::AccountId, int64_t> usage;
    bool lookup_fails = false;
    // login -> (password, account) for AUTH PLAIN/LOGIN.
    std::map<std::string, std::pair<std::string, store::Account>> passwords;
    // Default: every target stored.
    std::function<Result<std::vector<store::DeliveredCopy>>(const store::NewMessage&)> deliver;

    void add_user(const std::string& addr, store::AccountId id) {
        store::Resolution r;
        r.kind = store::RecipientKind::local;
        r.accounts = {id};
        directory[addr] = r;
    }

    Result<store::Resolution> resolve(const std::string& address) {
        if (lookup_fails) return make_error(Errc::unavailable, "directory down");
        std::string a = address;
        std::transform(a.begin(), a.end(), a.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        auto it = directory.find(a);
        if (it != directory.end()) return it->second;
        store::Resolution r;
        auto at = a.rfind('@');
        std::string domain = at == std::string::npos ? "" : a.substr(at + 1);
        r.kind = local_domains.count(domain) ? store::RecipientKind::unknown_user
                                             : store::RecipientKind::not_local;
        return r;
    }
};

class Harness {
  public:
    explicit Harness(SessionOptions opt = default_options()) : session_(opt, env()) {}

    static SessionOptions default_options() {
        SessionOptions o;
        o.hostname = "mx.example.com";
        o.postmaster_domain = "example.com";
        o.max_message_size = 10000;
        o.max_recipients = 5;
        o.max_errors = 10;
        return o;
    }

    SessionEnv env() {
        SessionEnv e;
        e.now = [] {
            return std::chrono::system_clock::time_point(std::chrono::seconds(1727784000));
        };
        e.next_queue_id = [this] { return "QID" + std::to_string(++qid_counter); };
        e.allow_message = [this](store::AccountId a) { return allow_message ? allow_message(a) : true; };
        e.sign = [this](std::string_view m) { return sign ? sign(m) : std::string(); };
        return e;
    }

    std::string connect(PeerInfo p = default_peer()) { return run(session_.on_connect(p)); }
    static PeerInfo default_peer() {
        PeerInfo p;
        p.ip = "192.0.2.1";
        p.rdns = "client.example.org";
        return p;
    }

    // One command line ending in CRLF; returns all output it caused.
    std::string line(std::string_view l, LineEnd e = LineEnd::crlf, bool more = false) {
        ++lines_fed;
        return run(session_.on_line(l, e, more));
    }
    // Several lines in one go (the runner's pipelined buffer); replies concatenated.
    std::string pipeline(const std::vector<std::string>& ls) {
        std::string out;
        for (std::size_t i = 0; i < ls.size(); ++i)
            out += line(ls[i], LineEnd::crlf, i + 1 < ls.size());
        return out;
    }
    // DATA content lines then ".".
    std::string data(const std::vector<std::string>& ls) {
        std::string out;
        for (const auto& l : ls) out += line(l);
        out += line(".");
        return out;
    }
    std::string chunk(std::string_view bytes, std::size_t piece = 3) {
        std::string out;
        while (!bytes.empty() && chunk_wanted > 0) {
            std::size_t n = std::min({piece, bytes.size(), static_cast<std::size_t>(chunk_wanted)});
            chunk_wanted = 0;
            out += run(session_.on_chunk_data(bytes.substr(0, n)));
            bytes.remove_prefix(n);
        }
        return out;
    }
    std::string bdat(std::string_view command, std::string_view bytes) {
        std::string out = line(command);
        out += chunk(bytes);
        return out;
    }
    void tls_started(TlsInfo t) { session_.on_tls_started(t); }

    std::string run(Step s) {
        std::string out;
        for (;;) {
            ++steps;
            if (std::holds_alternative<step::None>(s)) return out;
            if (auto* r = std::get_if<step::Reply>(&s)) return out + r->text;
            if (auto* r = std::get_if<step::ReplyAndClose>(&s)) {
                closed = true;
                return out + r->text;
            }
            if (auto* r = std::get_if<step::StartTls>(&s)) {
                tls_requested = true;
                return out + r->text;
            }
            if (auto* r = std::get_if<step::Delivered>(&s)) {
                reports.push_back(r->report);
                return out + r->text;
            }
            if (auto* r = std::get_if<step::ReadChunk>(&s)) {
                chunk_wanted = r->remaining;
                return out;
            }
            if (auto* r = std::get_if<step::NeedLookup>(&s)) {
                lookups.push_back(r->address);
                s = session_.on_lookup_result(backend.resolve(r->address));
                continue;
            }
            if (auto* r = std::get_if<step::NeedQuota>(&s)) {
                quota_checks.push_back(r->account);
                int64_t limit =
                    backend.quota_limit.count(r->account) ? backend.quota_limit[r->account] : 0;
                if (limit > 0 && backend.usage[r->account] + r->bytes > limit)
                    s = session_.on_quota_result(make_error(Errc::over_quota, "mailbox full"),
                                                 limit);
                else
                    s = session_.on_quota_result(ok_status());
                continue;
            }
            if (auto* r = std::get_if<step::NeedDelivery>(&s)) {
                delivered.push_back(r->message);
                forwards.push_back(r->forward_to);
                if (backend.deliver) {
                    s = session_.on_delivery_result(backend.deliver(r->message));
                } else {
                    std::vector<store::DeliveredCopy> copies;
                    for (const auto& t : r->message.targets) {
                        store::DeliveredCopy c;
                        c.account = t.account;
                        c.message_id = 100 + t.account;
                        copies.push_back(c);
                    }
                    s = session_.on_delivery_result(copies);
                }
                continue;
            }
            if (auto* r = std::get_if<step::VerifyPassword>(&s)) {
                auth::AuthResult res;
                auto it = backend.passwords.find(r->login);
                if (it != backend.passwords.end() && it->second.first == r->password) {
                    res.status = auth::AuthStatus::ok;
                    res.account = it->second.second;
                } else {
                    res.status = auth::AuthStatus::bad_credentials;
                }
                s = session_.on_password_result(res);
                continue;
            }
            if (std::holds_alternative<step::LookupScram>(s)) {
                auth::ScramLookup res;  // no SCRAM keys here: the exchange fails at the proof
                res.status = auth::AuthStatus::unavailable;
                s = session_.on_scram_lookup(res);
                continue;
            }
            if (std::holds_alternative<step::ReportScram>(s)) {
                s = session_.on_scram_reported();
                continue;
            }
            return out + "<<unhandled step>>";
        }
    }

    Session& session() { return session_; }

    FakeBackend backend;
    std::vector<std::string> lookups;
    std::vector<store::AccountId> quota_checks;
    std::vector<store::NewMessage> delivered;
    std::vector<std::vector<std::string>> forwards;
    std::vector<DeliveryReport> reports;
    uint64_t chunk_wanted = 0;
    bool closed = false;
    bool tls_requested = false;
    int lines_fed = 0;
    int steps = 0;
    int qid_counter = 0;
    std::function<bool(store::AccountId)> allow_message;
    std::function<std::string(std::string_view)> sign;

  private:
    Session session_;
};

}  // namespace postamt::smtp::testing
