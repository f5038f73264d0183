#pragma once
// The two store calls the authenticator needs, behind an interface so the
// auth logic is testable without a database. store_directory() adapts the
// real store::Store.
#include <memory>
#include <optional>
#include <string>

#include "store/store.h"

namespace postamt::auth {

class AccountDirectory {
public:
    virtual ~AccountDirectory() = default;
    virtual void find_account(std::string address,
                              store::Callback<std::optional<store::Account>> done) = 0;
    virtual void set_credentials(store::AccountId id, store::Credentials cred,
                                 store::Callback<Unit> done) = 0;
};

std::shared_ptr<AccountDirectory> store_directory(std::shared_ptr<store::Store> store);

}  // namespace postamt::auth
