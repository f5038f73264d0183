#include "auth/account_directory.h"

namespace postamt::auth {
namespace {

class StoreDirectory final : public AccountDirectory {
public:
    explicit StoreDirectory(std::shared_ptr<store::Store> s) : store_(std::move(s)) {}
    void find_account(std::string address,
                      store::Callback<std::optional<store::Account>> done) override {
        // A disabled account ("postamt user disable") looks like an unknown
        // one to every login path (password, SCRAM): the client is told what
        // a wrong password gets, and the same dummy hashing time is spent,
        // so a disabled account cannot be told apart from a wrong password.
        // Mail delivery does not come through here and keeps working.
        store_->find_account(std::move(address), [done = std::move(done)](Result<std::optional<store::Account>> r) {
            if (r.ok() && r.value() && r.value()->disabled) r = std::optional<store::Account>{};
            done(std::move(r));
        });
    }
    void set_credentials(store::AccountId id, store::Credentials cred,
                         store::Callback<Unit> done) override {
        store_->set_credentials(id, std::move(cred), std::move(done));
    }

private:
    std::shared_ptr<store::Store> store_;
};

}  // namespace

std::shared_ptr<AccountDirectory> store_directory(std::shared_ptr<store::Store> store) {
    return std::make_shared<StoreDirectory>(std::move(store));
}

}  // namespace postamt::auth
