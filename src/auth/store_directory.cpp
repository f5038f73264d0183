#include "auth/account_directory.h"

namespace postamt::auth {
namespace {

class StoreDirectory final : public AccountDirectory {
public:
    explicit StoreDirectory(std::shared_ptr<store::Store> s) : store_(std::move(s)) {}
    void find_account(std::string address,
                      store::Callback<std::optional<store::Account>> done) override {
        store_->find_account(std::move(address), std::move(done));
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
