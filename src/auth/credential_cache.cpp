#include "auth/credential_cache.h"

#include <sodium.h>

#include "auth/sodium_init.h"

namespace postamt::auth {
namespace {

std::string sha256_of(std::string_view a, std::string_view b) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
    std::string out(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
    sodium_memzero(&st, sizeof st);
    return out;
}

}  // namespace

CredentialCache::CredentialCache(CredentialCacheOptions opts, SteadyClock clock)
    : opts_(opts), clock_(std::move(clock)) {
    ensure_sodium();
    secret_.resize(32);
    randombytes_buf(secret_.data(), secret_.size());
    if (opts_.max_entries == 0) opts_.max_entries = 1;
}

std::string CredentialCache::password_digest(std::string_view password) const {
    return sha256_of(secret_, password);  // secret is fixed-length: no ambiguity
}

void CredentialCache::erase(List::iterator it) {
    by_login_.erase(it->login);
    lru_.erase(it);
}

bool CredentialCache::check(std::string_view login, std::string_view password,
                            std::string_view stored_hash) {
    std::string pd = password_digest(password);
    std::string hd = sha256_of({}, stored_hash);
    std::lock_guard lock(mu_);
    auto found = by_login_.find(std::string(login));
    if (found == by_login_.end()) return false;
    auto it = found->second;
    if (clock_() >= it->expires) {
        erase(it);
        return false;
    }
    bool ok = sodium_memcmp(pd.data(), it->password_digest.data(), pd.size()) == 0;
    ok &= sodium_memcmp(hd.data(), it->hash_digest.data(), hd.size()) == 0;
    if (ok) lru_.splice(lru_.begin(), lru_, it);  // TTL stays from the verification
    return ok;
}

void CredentialCache::insert(std::string_view login, store::AccountId account,
                             std::string_view password, std::string_view stored_hash) {
    Entry e;
    e.login = std::string(login);
    e.account = account;
    e.password_digest = password_digest(password);
    e.hash_digest = sha256_of({}, stored_hash);
    std::lock_guard lock(mu_);
    e.expires = clock_() + opts_.ttl;
    auto found = by_login_.find(e.login);
    if (found != by_login_.end()) erase(found->second);
    while (lru_.size() >= opts_.max_entries) erase(std::prev(lru_.end()));
    lru_.push_front(std::move(e));
    by_login_[lru_.front().login] = lru_.begin();
}

void CredentialCache::invalidate_account(store::AccountId account) {
    std::lock_guard lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end();) {
        auto next = std::next(it);
        if (it->account == account) erase(it);
        it = next;
    }
}

void CredentialCache::invalidate_login(std::string_view login) {
    std::lock_guard lock(mu_);
    auto found = by_login_.find(std::string(login));
    if (found != by_login_.end()) erase(found->second);
}

void CredentialCache::clear() {
    std::lock_guard lock(mu_);
    by_login_.clear();
    lru_.clear();
}

std::size_t CredentialCache::size() const {
    std::lock_guard lock(mu_);
    return lru_.size();
}

}  // namespace postamt::auth
