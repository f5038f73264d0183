#pragma once
// Cache of recently verified passwords, so a client that logs in every few
// seconds (POP3 polling, many IMAP connections) does not cost an Argon2id
// run each time. Holds no password: the entry for a login keeps
// SHA-256(per-process random secret || password) and a SHA-256 of the stored
// hash the password was verified against, so a changed hash (even changed by
// another process) misses. Entries expire after `ttl`; the least recently
// used is dropped beyond `max_entries`. Thread-safe.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/throttle.h"  // SteadyClock
#include "store/types.h"

namespace postamt::auth {

struct CredentialCacheOptions {
    std::chrono::seconds ttl{std::chrono::minutes(5)};
    std::size_t max_entries = 10000;
};

class CredentialCache {
public:
    explicit CredentialCache(CredentialCacheOptions opts = {}, SteadyClock clock = system_steady_clock());

    // True when `password` was verified for `login` against this very
    // `stored_hash` less than ttl ago. Constant-time digest comparison.
    bool check(std::string_view login, std::string_view password, std::string_view stored_hash);
    void insert(std::string_view login, store::AccountId account, std::string_view password,
                std::string_view stored_hash);

    void invalidate_account(store::AccountId account);
    void invalidate_login(std::string_view login);
    void clear();
    std::size_t size() const;

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::string login;
        store::AccountId account = 0;
        std::string password_digest;  // 32 bytes
        std::string hash_digest;      // 32 bytes
        TimePoint expires{};
    };
    using List = std::list<Entry>;  // front: most recently used
    std::string password_digest(std::string_view password) const;
    void erase(List::iterator it);

    CredentialCacheOptions opts_;
    SteadyClock clock_;
    std::string secret_;
    mutable std::mutex mu_;
    List lru_;
    std::unordered_map<std::string, List::iterator> by_login_;
};

}  // namespace postamt::auth
