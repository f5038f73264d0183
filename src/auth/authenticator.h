#pragma once
// Password and SCRAM authentication for every protocol: throttle, account
// lookup, verified-credential cache, hashing on the pool, transparent
// re-hashing of imported or outdated hashes, fail2ban-friendly log lines:
//   event=auth_failed service=imap user=<log::quote(login)> rip=<ip> reason=<token>
// Passwords and SASL payloads are never logged.
//
// Callbacks run on a store thread or a HashPool thread: post them to your
// own executor; never block in them.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/account_directory.h"
#include "auth/credential_cache.h"
#include "auth/hash_pool.h"
#include "auth/password_hash.h"
#include "auth/scram.h"
#include "auth/throttle.h"
#include "common/result.h"
#include "store/types.h"

namespace postamt::auth {

enum class Service { imap, pop3, smtp, http, other };
const char* service_name(Service s);

enum class AuthStatus {
    ok,
    bad_credentials,      // wrong password, unknown user, unusable hash
    temporarily_blocked,  // throttled: retry_after says when to come back
    unavailable,          // store error or pool overloaded: a temporary failure
};
const char* auth_status_name(AuthStatus s);

struct AuthResult {
    AuthStatus status = AuthStatus::unavailable;
    std::optional<store::Account> account;  // ok
    std::chrono::seconds retry_after{0};    // temporarily_blocked
    std::string reason;                     // log token ("bad_password", "unknown_user", ...)
};

// The human part of the reply to a temporarily_blocked result: a blocked IP
// ("too many failed logins") or one with too many verifications running at
// once ("too many logins at once"), with the wait.
std::string temporary_refusal_text(std::string_view reason, std::chrono::seconds retry_after);

struct ScramLookup {
    AuthStatus status = AuthStatus::unavailable;  // ok, temporarily_blocked or unavailable
    // ok: the keys, or nullopt when the user is unknown or has no SCRAM keys
    // (pass nullptr to ScramSha256Server::resume_scram; it fails at the proof).
    std::optional<ScramCredentials> credentials;
    std::optional<store::Account> account;
    std::chrono::seconds retry_after{0};
};

struct AuthenticatorOptions {
    // A bare login without '@' means <login>@<default_domain>; empty: refused.
    std::string default_domain;
    Argon2Params argon2;
    uint32_t scram_iterations = kScramDefaultIterations;
    // Replace outdated hashes (SHA512-CRYPT, old Argon2 parameters) and add
    // missing SCRAM keys after a successful password login.
    bool rehash_on_login = true;
    ThrottleOptions throttle;
    CredentialCacheOptions cache;
    HashPoolOptions pool;
};

inline constexpr std::size_t kMaxLoginBytes = 320;

class Authenticator {
public:
    template <class T>
    using Callback = std::function<void(T)>;

    // Hashes a dummy password once (for uniform timing on unknown users).
    Authenticator(std::shared_ptr<AccountDirectory> directory, AuthenticatorOptions opts = {},
                  SteadyClock clock = system_steady_clock());
    // Drains the hash pool (pending callbacks still run), then stops it.
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    void verify_password(std::string login, std::string password, std::string remote_ip,
                         Service service, Callback<AuthResult> done);

    // For SCRAM-SHA-256: checks the block list, resolves the login and
    // fetches the stored SCRAM keys. The caller reports the exchange's end
    // with report_scram().
    void lookup_scram(std::string login, std::string remote_ip, Service service,
                      Callback<ScramLookup> done);
    // Records a finished SCRAM exchange (throttle, log). Returns the delay to
    // apply before sending a failure reply (zero on success).
    std::chrono::milliseconds report_scram(std::string_view login, std::string_view remote_ip,
                                           Service service, bool ok, std::string_view reason);

    // Credentials changed elsewhere (CLI, admin API): drop cached entries.
    void credentials_changed(store::AccountId id);
    void credentials_changed(std::string_view login);

    // "user@Example.ORG" -> "user@example.org"; "user" -> "user@<default_domain>";
    // nullopt when unusable (empty, too long, controls or spaces, no domain).
    std::optional<std::string> resolve_login(std::string_view login) const;

    // New credentials for a password: Argon2id hash plus SCRAM-SHA-256 keys.
    // CPU-bound (~25 ms plus 4096 PBKDF2 rounds): not on an I/O thread.
    static Result<store::Credentials> make_credentials(std::string_view password,
                                                       const Argon2Params& argon2 = {},
                                                       uint32_t scram_iterations = kScramDefaultIterations);

    Throttle& throttle();
    CredentialCache& cache();
    HashPool& pool();

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace postamt::auth
