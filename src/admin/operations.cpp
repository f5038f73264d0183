#include "admin/operations.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "admin/validate.h"
#include "auth/authenticator.h"

namespace postamt::admin {
namespace {

using store::Account;
using store::Alias;
using store::Domain;

// Store answers "no domain X; add it first" with not_found; for an account
// or alias being created that is a bad value in the request, not a missing
// resource (the API answers 400 naming the address).
template <class T>
Callback<T> unknown_domain_is_invalid(Callback<T> done) {
    return [done = std::move(done)](Result<T> r) {
        if (!r.ok() && r.error().code == Errc::not_found)
            return done(make_error(Errc::invalid, r.error().message));
        done(std::move(r));
    };
}

}  // namespace

Operations::Operations(std::shared_ptr<store::Store> store, HashingOptions hashing)
    : store_(std::move(store)), hashing_(hashing) {}

bool Operations::run_hashing(std::function<void()> job) {
    static std::atomic<int> running{0};
    if (running.fetch_add(1) >= kMaxHashing) {
        running.fetch_sub(1);
        return false;
    }
    std::thread([job = std::move(job)] {
        job();
        running.fetch_sub(1);
    }).detach();
    return true;
}

Result<store::Credentials> Operations::credentials_for(std::string_view password) const {
    if (auto ok = check_password(password); !ok) return ok.error();
    return auth::Authenticator::make_credentials(password, hashing_.argon2, hashing_.scram_iterations);
}

void Operations::with_account(std::string address, std::function<void(Result<Account>)> next) {
    auto norm = normalize_address(address);
    if (!norm) return next(norm.error());
    std::string a = norm.value();
    store_->find_account(a, [a, next = std::move(next)](Result<std::optional<Account>> r) {
        if (!r) return next(r.error());
        if (!r.value()) return next(make_error(Errc::not_found, "no account " + a));
        next(std::move(*r.value()));
    });
}

// ---- domains -------------------------------------------------------------------

void Operations::add_domain(std::string name, Callback<Domain> done) {
    auto d = normalize_domain(name);
    if (!d) return done(d.error());
    store_->add_domain(d.value(), std::move(done));
}

void Operations::remove_domain(std::string name, Callback<Unit> done) {
    auto d = normalize_domain(name);
    if (!d) return done(d.error());
    store_->remove_domain(d.value(), std::move(done));
}

void Operations::list_domains(Callback<std::vector<Domain>> done) { store_->list_domains(std::move(done)); }

// ---- users ---------------------------------------------------------------------

void Operations::create_user(NewUser user, Callback<Account> done) {
    auto address = normalize_address(user.address);
    if (!address) return done(address.error());
    if (auto q = check_quota_value(user.quota_bytes, "quota_bytes"); !q) return done(q.error());
    if (auto q = check_quota_value(user.quota_messages, "quota_messages"); !q) return done(q.error());
    if (auto p = check_password(user.password); !p) return done(p.error());
    store::NewAccount na;
    na.address = address.value();
    na.quota_bytes = user.quota_bytes;
    na.quota_messages = user.quota_messages;
    auto st = store_;
    auto password = std::make_shared<std::string>(std::move(user.password));
    // Refuse an existing account before spending a hash on it.
    st->find_account(na.address, [self = shared_from_this(), st, na, password, done = std::move(done)](
                                     Result<std::optional<Account>> r) mutable {
        if (!r) return done(r.error());
        if (r.value()) return done(make_error(Errc::already_exists, "the account exists"));
        auto job = [self, st, na = std::move(na), password, done]() mutable {
            auto cred = self->credentials_for(*password);
            std::fill(password->begin(), password->end(), '\0');
            if (!cred) return done(cred.error());
            na.credentials = std::move(cred).value();
            st->add_account(std::move(na), unknown_domain_is_invalid<Account>(std::move(done)));
        };
        if (!run_hashing(std::move(job))) done(make_error(Errc::unavailable, "too many password changes at once; try again"));
    });
}

void Operations::set_password(std::string address, std::string password, Callback<Unit> done) {
    if (auto p = check_password(password); !p) return done(p.error());
    auto st = store_;
    auto pw = std::make_shared<std::string>(std::move(password));
    with_account(std::move(address), [self = shared_from_this(), st, pw, done = std::move(done)](Result<Account> acct) mutable {
        if (!acct) return done(acct.error());
        auto id = acct.value().id;
        auto job = [self, st, id, pw, done]() mutable {
            auto cred = self->credentials_for(*pw);
            std::fill(pw->begin(), pw->end(), '\0');
            if (!cred) return done(cred.error());
            st->set_credentials(id, std::move(cred).value(), std::move(done));
        };
        if (!run_hashing(std::move(job))) done(make_error(Errc::unavailable, "too many password changes at once; try again"));
    });
}

void Operations::set_quota(std::string address, std::optional<int64_t> bytes, std::optional<int64_t> messages,
                           Callback<Account> done) {
    if (bytes)
        if (auto q = check_quota_value(*bytes, "quota_bytes"); !q) return done(q.error());
    if (messages)
        if (auto q = check_quota_value(*messages, "quota_messages"); !q) return done(q.error());
    auto st = store_;
    with_account(std::move(address), [st, bytes, messages, done = std::move(done)](Result<Account> r) mutable {
        if (!r) return done(r.error());
        Account acct = std::move(r).value();
        acct.quota_bytes = bytes.value_or(acct.quota_bytes);
        acct.quota_messages = messages.value_or(acct.quota_messages);
        st->set_quota(acct.id, acct.quota_bytes, acct.quota_messages,
                      [acct, done = std::move(done)](Result<Unit> u) {
                          if (!u) return done(u.error());
                          done(acct);
                      });
    });
}

void Operations::set_disabled(std::string address, bool disabled, Callback<Unit> done) {
    auto st = store_;
    with_account(std::move(address), [st, disabled, done = std::move(done)](Result<Account> r) mutable {
        if (!r) return done(r.error());
        st->set_disabled(r.value().id, disabled, std::move(done));
    });
}

void Operations::update_user(std::string address, UserChange change, Callback<Account> done) {
    // Check every value before changing anything, so a bad field changes nothing.
    if (change.password)
        if (auto p = check_password(*change.password); !p) return done(p.error());
    if (change.quota_bytes)
        if (auto q = check_quota_value(*change.quota_bytes, "quota_bytes"); !q) return done(q.error());
    if (change.quota_messages)
        if (auto q = check_quota_value(*change.quota_messages, "quota_messages"); !q) return done(q.error());
    auto norm = normalize_address(address);
    if (!norm) return done(norm.error());
    std::string a = norm.value();
    auto self = shared_from_this();
    auto finish = [self, a, done](Result<Unit> r) {
        if (!r) return done(r.error());
        self->show_user(a, done);
    };
    auto disabled_step = [self, a, change, finish](Result<Unit> r) {
        if (!r) return finish(r);
        if (!change.disabled) return finish(Unit{});
        self->set_disabled(a, *change.disabled, finish);
    };
    auto quota_step = [self, a, change, disabled_step](Result<Unit> r) {
        if (!r) return disabled_step(r);
        if (!change.quota_bytes && !change.quota_messages) return disabled_step(Unit{});
        self->set_quota(a, change.quota_bytes, change.quota_messages, [disabled_step](Result<Account> q) {
            if (!q) return disabled_step(q.error());
            disabled_step(Unit{});
        });
    };
    if (change.password) return set_password(a, std::move(*change.password), quota_step);
    // Without a password step, still answer not_found for an unknown account.
    with_account(a, [quota_step](Result<Account> r) {
        if (!r) return quota_step(r.error());
        quota_step(Unit{});
    });
}

void Operations::list_users(std::string domain, Callback<std::vector<Account>> done) {
    if (!domain.empty()) {
        auto d = normalize_domain(domain);
        if (!d) return done(d.error());
        domain = d.value();
    }
    store_->list_accounts(std::move(domain), std::move(done));
}

void Operations::show_user(std::string address, Callback<Account> done) {
    with_account(std::move(address), std::move(done));
}

void Operations::remove_user(std::string address, Callback<Unit> done) {
    auto st = store_;
    with_account(std::move(address), [st, done = std::move(done)](Result<Account> r) mutable {
        if (!r) return done(r.error());
        st->remove_account(r.value().address(), std::move(done));
    });
}

// ---- aliases -------------------------------------------------------------------

void Operations::add_alias(std::string source, std::string target, Callback<Alias> done) {
    auto s = normalize_alias_source(source);
    if (!s) return done(s.error());
    auto t = normalize_address(target);
    if (!t) return done(t.error());
    Alias alias{s.value(), t.value()};
    store_->add_alias(alias, unknown_domain_is_invalid<Unit>([alias, done = std::move(done)](Result<Unit> r) {
                          if (!r) return done(r.error());
                          done(alias);
                      }));
}

void Operations::remove_alias(std::string source, std::string target, Callback<Unit> done) {
    auto s = normalize_alias_source(source);
    if (!s) return done(s.error());
    std::string t;
    if (!target.empty()) {
        auto n = normalize_address(target);
        if (!n) return done(n.error());
        t = n.value();
    }
    auto st = store_;
    std::string src = s.value();
    // The store treats a missing alias as nothing to do; say so instead.
    st->list_aliases("", [st, src, t, done = std::move(done)](Result<std::vector<Alias>> r) mutable {
        if (!r) return done(r.error());
        bool found = std::any_of(r.value().begin(), r.value().end(),
                                 [&](const Alias& a) { return a.source == src && (t.empty() || a.target == t); });
        if (!found) return done(make_error(Errc::not_found, "no alias " + src + (t.empty() ? "" : " -> " + t)));
        st->remove_alias(src, t, std::move(done));
    });
}

void Operations::list_aliases(std::string domain, Callback<std::vector<Alias>> done) {
    if (!domain.empty()) {
        auto d = normalize_domain(domain);
        if (!d) return done(d.error());
        domain = d.value();
    }
    store_->list_aliases(std::move(domain), std::move(done));
}

// ---- outbound queue --------------------------------------------------------------

void Operations::list_queue(Callback<std::vector<store::OutboundEntry>> done) { store_->list_outbound(std::move(done)); }
void Operations::show_queue(std::string id, Callback<store::OutboundEntry> done) {
    store_->show_outbound(std::move(id), std::move(done));
}
void Operations::retry_queue(std::string id, Callback<int64_t> done) { store_->retry_outbound(std::move(id), std::move(done)); }
void Operations::delete_queue(std::string id, Callback<Unit> done) { store_->delete_outbound(std::move(id), std::move(done)); }
void Operations::flush_queue(Callback<int64_t> done) { store_->flush_outbound(std::move(done)); }

}  // namespace postamt::admin
