#pragma once
// The admin operations the CLI (postamt domain|user|alias|queue) and the
// admin API (http/admin_api*.cpp) share: one code path, one set of checks
// (admin/validate.h). Callback style like the store: every call returns at
// once and calls `done` later on a store or hashing thread, exactly once.
//
// Error codes say what went wrong, the API maps them to HTTP statuses:
//   invalid         bad value (address syntax, unknown domain, quota, password)  400
//   not_found       no such domain / account / alias / queue entry              404
//   already_exists  the domain, account or alias exists                          409
//   conflict        domain still has accounts                                     409
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/password_hash.h"
#include "auth/scram.h"
#include "store/store.h"

namespace postamt::admin {

template <class T>
using Callback = store::Callback<T>;

struct NewUser {
    std::string address;
    std::string password;
    int64_t quota_bytes = 0;     // 0: unlimited
    int64_t quota_messages = 0;  // 0: unlimited
};

// What PATCH /users/{address} may change; absent fields stay as they are.
// Applied in this order (password, quota, disabled), each its own write: a
// failure part-way leaves the earlier changes in place (the error says which).
struct UserChange {
    std::optional<std::string> password;
    std::optional<int64_t> quota_bytes;
    std::optional<int64_t> quota_messages;
    std::optional<bool> disabled;
};

struct HashingOptions {
    auth::Argon2Params argon2;
    uint32_t scram_iterations = auth::kScramDefaultIterations;
};

// Always owned by a shared_ptr (std::make_shared): calls in flight keep it
// alive until their callbacks ran, also when the owner lets go first.
class Operations : public std::enable_shared_from_this<Operations> {
public:
    Operations(std::shared_ptr<store::Store> store, HashingOptions hashing = {});
    Operations(const Operations&) = delete;
    Operations& operator=(const Operations&) = delete;

    store::Store& store() { return *store_; }

    // ---- domains --------------------------------------------------------------
    void add_domain(std::string name, Callback<store::Domain> done);
    void remove_domain(std::string name, Callback<Unit> done);  // conflict while accounts remain
    void list_domains(Callback<std::vector<store::Domain>> done);

    // ---- users ----------------------------------------------------------------
    // Hashes the password (Argon2id + SCRAM keys) on a worker thread.
    void create_user(NewUser user, Callback<store::Account> done);
    void set_password(std::string address, std::string password, Callback<Unit> done);
    // nullopt: keep the current value.
    void set_quota(std::string address, std::optional<int64_t> bytes, std::optional<int64_t> messages,
                   Callback<store::Account> done);
    void set_disabled(std::string address, bool disabled, Callback<Unit> done);
    // Applies a UserChange and returns the account as it is afterwards.
    void update_user(std::string address, UserChange change, Callback<store::Account> done);
    void list_users(std::string domain /* empty: all */, Callback<std::vector<store::Account>> done);
    void show_user(std::string address, Callback<store::Account> done);  // not_found "no account <address>"
    void remove_user(std::string address, Callback<Unit> done);

    // ---- aliases --------------------------------------------------------------
    void add_alias(std::string source, std::string target, Callback<store::Alias> done);
    // target empty: every alias of `source`; not_found when nothing matches.
    void remove_alias(std::string source, std::string target, Callback<Unit> done);
    void list_aliases(std::string domain /* empty: all */, Callback<std::vector<store::Alias>> done);

    // ---- outbound queue -------------------------------------------------------
    void list_queue(Callback<std::vector<store::OutboundEntry>> done);
    void show_queue(std::string queue_id, Callback<store::OutboundEntry> done);
    void retry_queue(std::string queue_id, Callback<int64_t> done);
    void delete_queue(std::string queue_id, Callback<Unit> done);
    void flush_queue(Callback<int64_t> done);

    // Argon2id + SCRAM for a password, checked against the policy first.
    // Blocking and CPU-bound: the async calls run it on a thread of its own.
    Result<store::Credentials> credentials_for(std::string_view password) const;

    // Password hashes running at once (admin work is rare; more get unavailable).
    static constexpr int kMaxHashing = 4;

private:
    void with_account(std::string address, std::function<void(Result<store::Account>)> next);
    // Runs `job` on a short-lived thread of its own (nothing to join at
    // shutdown, no thread that could end up owning the last reference to
    // this object); false when kMaxHashing are running already.
    static bool run_hashing(std::function<void()> job);

    std::shared_ptr<store::Store> store_;
    HashingOptions hashing_;
};

}  // namespace postamt::admin
