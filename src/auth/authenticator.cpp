#include "auth/authenticator.h"

#include <sodium.h>

#include <cctype>

#include "auth/sodium_init.h"
#include "common/base64.h"
#include "common/log.h"
#include "common/server_metrics.h"

namespace postamt::auth {

const char* service_name(Service s) {
    switch (s) {
        case Service::imap: return "imap";
        case Service::pop3: return "pop3";
        case Service::smtp: return "smtp";
        case Service::http: return "http";
        case Service::other: return "other";
    }
    return "other";
}

const char* auth_status_name(AuthStatus s) {
    switch (s) {
        case AuthStatus::ok: return "ok";
        case AuthStatus::bad_credentials: return "bad_credentials";
        case AuthStatus::temporarily_blocked: return "temporarily_blocked";
        case AuthStatus::unavailable: return "unavailable";
    }
    return "unknown";
}

struct Authenticator::State {
    std::shared_ptr<AccountDirectory> directory;
    AuthenticatorOptions opts;
    Throttle throttle;
    CredentialCache cache;
    std::shared_ptr<HashPool> pool;
    std::string dummy_hash;

    State(std::shared_ptr<AccountDirectory> d, AuthenticatorOptions o, SteadyClock clock)
        : directory(std::move(d)),
          opts(std::move(o)),
          throttle(opts.throttle, clock),
          cache(opts.cache, clock),
          pool(std::make_shared<HashPool>(opts.pool)) {}
};

namespace {

using StatePtr = std::shared_ptr<Authenticator::State>;

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

void log_failure(Service service, std::string_view login, std::string_view ip, std::string_view reason) {
    metrics::login(service_name(service), false);
    log::info("event=auth_failed service={} user={} rip={} reason={}", service_name(service),
              log::quote(login), log::quote(ip), reason);
}

void log_success(Service service, std::string_view login, std::string_view ip, std::string_view how) {
    metrics::login(service_name(service), true);
    log::info("event=auth_ok service={} user={} rip={} via={}", service_name(service),
              log::quote(login), log::quote(ip), how);
}

AuthResult make_result(AuthStatus status, std::string reason) {
    AuthResult r;
    r.status = status;
    r.reason = std::move(reason);
    return r;
}

struct Attempt {
    StatePtr st;
    std::string login;    // as the client gave it (for logs)
    std::string address;  // resolved
    std::string password;
    std::string ip;
    Service service;
    std::chrono::milliseconds delay{0};
    Authenticator::Callback<AuthResult> done;
    bool has_slot = false;  // holds one of the IP's hashing slots (Throttle::admit)

    void settle(AttemptOutcome outcome) {
        if (has_slot)
            st->throttle.release(ip, outcome);
        else
            (void)st->throttle.record(ip, outcome);
        has_slot = false;
    }
    void fail(AttemptOutcome outcome, AuthStatus status, std::string reason) {
        settle(outcome);
        log_failure(service, login, ip, reason);
        wipe(password);
        done(make_result(status, std::move(reason)));
    }
};

// Only work that hashes takes one of the IP's slots (and waits out its
// failure delay): a login answered from the verified-credential cache costs
// no more than a lookup, so ten phones behind one NAT address logging in at
// once are not refused for being "busy". False: refused, `done` was called.
bool take_slot(const std::shared_ptr<Attempt>& at) {
    Admission adm = at->st->throttle.admit(at->ip);
    if (adm.kind == Admission::Kind::allowed) {
        at->has_slot = true;
        at->delay = adm.delay;
        return true;
    }
    const char* reason = adm.kind == Admission::Kind::blocked ? "blocked" : "too_many_in_flight";
    log_failure(at->service, at->login, at->ip, reason);
    wipe(at->password);
    AuthResult r = make_result(AuthStatus::temporarily_blocked, reason);
    r.retry_after = adm.retry_after;
    at->done(std::move(r));
    return false;
}

// Unknown user or unusable login: spend the same time as a real Argon2id
// check so response timing does not tell which addresses exist.
void dummy_verification(std::shared_ptr<Attempt> a, std::string reason) {
    auto not_before = std::chrono::steady_clock::now() + a->delay;
    bool queued = a->st->pool->submit(
        [a, reason]() mutable {
            (void)verify_password(a->st->dummy_hash, a->password);
            a->fail(AttemptOutcome::failure, AuthStatus::bad_credentials, reason);
        },
        not_before);
    if (!queued) a->fail(AttemptOutcome::neutral, AuthStatus::unavailable, "pool_full");
}

void rehash(const StatePtr& st, const store::Account& account, const std::string& address,
            std::string& password) {
    auto creds = Authenticator::make_credentials(password, st->opts.argon2, st->opts.scram_iterations);
    if (!creds) {
        log::warn("event=auth_rehash_failed user={} error={}", log::quote(address),
                  log::quote(creds.error().message));
        return;
    }
    // Cache against the new hash so the next login is a hit once it is stored.
    st->cache.insert(address, account.id, password, creds->password_hash);
    std::string old_scheme = hash_scheme(account.credentials.password_hash);
    std::string who = address;
    st->directory->set_credentials(account.id, std::move(*creds), [who, old_scheme](Result<Unit> r) {
        if (r)
            log::info("event=auth_rehashed user={} from={}", log::quote(who), log::quote(old_scheme));
        else
            log::warn("event=auth_rehash_failed user={} error={}", log::quote(who),
                      log::quote(r.error().message));
    });
}

void verify_on_pool(std::shared_ptr<Attempt> a, store::Account account) {
    auto not_before = std::chrono::steady_clock::now() + a->delay;
    bool queued = a->st->pool->submit(
        [a, account = std::move(account)]() mutable {
            const std::string& stored = account.credentials.password_hash;
            VerifyResult v = verify_password(stored, a->password);
            if (v == VerifyResult::mismatch) {
                a->fail(AttemptOutcome::failure, AuthStatus::bad_credentials, "bad_password");
                return;
            }
            if (v == VerifyResult::unsupported) {
                a->fail(AttemptOutcome::failure, AuthStatus::bad_credentials, "unsupported_hash");
                return;
            }
            auto& st = a->st;
            bool want_rehash = st->opts.rehash_on_login &&
                               (needs_rehash(stored, st->opts.argon2) ||
                                !parse_scram_credentials(account.credentials.scram_sha256));
            if (!want_rehash) st->cache.insert(a->address, account.id, a->password, stored);
            a->settle(AttemptOutcome::success);
            log_success(a->service, a->login, a->ip, "password");
            AuthResult r = make_result(AuthStatus::ok, "ok");
            r.account = account;
            a->done(std::move(r));
            if (want_rehash) rehash(st, account, a->address, a->password);
            wipe(a->password);
        },
        not_before);
    if (!queued) a->fail(AttemptOutcome::neutral, AuthStatus::unavailable, "pool_full");
}

}  // namespace

Authenticator::Authenticator(std::shared_ptr<AccountDirectory> directory, AuthenticatorOptions opts,
                             SteadyClock clock)
    : state_(std::make_shared<State>(std::move(directory), std::move(opts), std::move(clock))) {
    ensure_sodium();
    std::string random(24, '\0');
    randombytes_buf(random.data(), random.size());
    auto h = hash_password(base64_encode(random), state_->opts.argon2);
    state_->dummy_hash = h ? std::move(*h) : std::string("{ARGON2ID}");
}

Authenticator::~Authenticator() { state_->pool->shutdown(); }

std::optional<std::string> Authenticator::resolve_login(std::string_view login) const {
    if (login.empty() || login.size() > kMaxLoginBytes) return std::nullopt;
    for (unsigned char c : login)
        if (c <= ' ' || c == 0x7f) return std::nullopt;
    auto at = login.rfind('@');
    std::string out;
    if (at == std::string_view::npos) {
        if (state_->opts.default_domain.empty()) return std::nullopt;
        out = std::string(login) + "@" + state_->opts.default_domain;
        at = login.size();
    } else {
        if (at == 0 || at + 1 == login.size()) return std::nullopt;
        out = std::string(login);
    }
    // RFC 5321 2.4: the local part is case-sensitive as far as we know; the
    // domain is not.
    for (std::size_t i = at + 1; i < out.size(); ++i)
        out[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
    return out;
}

std::string temporary_refusal_text(std::string_view reason, std::chrono::seconds retry_after) {
    if (reason == "too_many_in_flight")
        return fmt::format("Too many logins at once from your address; try again in {} seconds",
                           retry_after.count());
    return fmt::format("Too many failed logins; try again in {} seconds", retry_after.count());
}

void Authenticator::verify_password(std::string login, std::string password, std::string remote_ip,
                                    Service service, Callback<AuthResult> done) {
    auto st = state_;
    if (auto blocked = st->throttle.blocked_for(remote_ip); blocked.count() > 0) {
        log_failure(service, login, remote_ip, "blocked");
        wipe(password);
        AuthResult r = make_result(AuthStatus::temporarily_blocked, "blocked");
        r.retry_after = blocked;
        done(std::move(r));
        return;
    }
    auto a = std::make_shared<Attempt>();
    a->st = st;
    a->login = std::move(login);
    a->password = std::move(password);
    a->ip = std::move(remote_ip);
    a->service = service;
    a->done = std::move(done);

    auto address = resolve_login(a->login);
    if (!address) {
        if (take_slot(a)) dummy_verification(a, "invalid_login");
        return;
    }
    if (a->password.empty() || a->password.size() > kMaxPasswordBytes) {
        if (take_slot(a)) dummy_verification(a, "invalid_password");
        return;
    }
    a->address = std::move(*address);

    st->directory->find_account(a->address, [a](Result<std::optional<store::Account>> r) {
        if (!r) {
            log::warn("event=auth_store_error user={} error={}", log::quote(a->address),
                      log::quote(r.error().message));
            a->fail(AttemptOutcome::neutral, AuthStatus::unavailable, "store_error");
            return;
        }
        if (!r.value()) {
            if (take_slot(a)) dummy_verification(a, "unknown_user");
            return;
        }
        store::Account account = std::move(*r.value());
        if (a->st->cache.check(a->address, a->password, account.credentials.password_hash)) {
            a->settle(AttemptOutcome::success);
            log_success(a->service, a->login, a->ip, "cache");
            wipe(a->password);
            AuthResult res = make_result(AuthStatus::ok, "ok");
            res.account = std::move(account);
            a->done(std::move(res));
            return;
        }
        if (take_slot(a)) verify_on_pool(a, std::move(account));
    });
}

void Authenticator::lookup_scram(std::string login, std::string remote_ip, Service service,
                                 Callback<ScramLookup> done) {
    auto blocked = state_->throttle.blocked_for(remote_ip);
    if (blocked.count() > 0) {
        log_failure(service, login, remote_ip, "blocked");
        ScramLookup r;
        r.status = AuthStatus::temporarily_blocked;
        r.retry_after = blocked;
        done(std::move(r));
        return;
    }
    auto address = resolve_login(login);
    if (!address) {
        ScramLookup r;
        r.status = AuthStatus::ok;  // unknown: the mechanism fakes the exchange
        done(std::move(r));
        return;
    }
    state_->directory->find_account(*address, [done = std::move(done), a = *address](
                                                  Result<std::optional<store::Account>> r) {
        ScramLookup out;
        if (!r) {
            log::warn("event=auth_store_error user={} error={}", log::quote(a),
                      log::quote(r.error().message));
            out.status = AuthStatus::unavailable;
            done(std::move(out));
            return;
        }
        out.status = AuthStatus::ok;
        if (r.value()) {
            out.credentials = parse_scram_credentials(r.value()->credentials.scram_sha256);
            out.account = std::move(*r.value());
        }
        done(std::move(out));
    });
}

std::chrono::milliseconds Authenticator::report_scram(std::string_view login, std::string_view remote_ip,
                                                      Service service, bool ok, std::string_view reason) {
    auto delay = state_->throttle.record(remote_ip, ok ? AttemptOutcome::success : AttemptOutcome::failure);
    if (ok)
        log_success(service, login, remote_ip, "scram");
    else
        log_failure(service, login, remote_ip, reason.empty() ? std::string_view("bad_proof") : reason);
    return delay;
}

void Authenticator::credentials_changed(store::AccountId id) { state_->cache.invalidate_account(id); }

void Authenticator::credentials_changed(std::string_view login) {
    auto address = resolve_login(login);
    state_->cache.invalidate_login(address ? *address : std::string(login));
}

Result<store::Credentials> Authenticator::make_credentials(std::string_view password,
                                                           const Argon2Params& argon2,
                                                           uint32_t scram_iterations) {
    auto hash = hash_password(password, argon2);
    if (!hash) return hash.error();
    auto scram = make_scram_credentials(password, scram_iterations);
    if (!scram) return scram.error();
    store::Credentials c;
    c.password_hash = std::move(*hash);
    c.scram_sha256 = std::move(*scram);
    return c;
}

Throttle& Authenticator::throttle() { return state_->throttle; }
CredentialCache& Authenticator::cache() { return state_->cache; }
HashPool& Authenticator::pool() { return *state_->pool; }

}  // namespace postamt::auth
