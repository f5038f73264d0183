#include "store/doorbell.h"

#include <algorithm>

namespace postamt::store {

uint64_t Doorbell::subscribe(MailboxId mailbox, Ring ring) {
    std::lock_guard lk(mu_);
    uint64_t t = next_token_++;
    subs_[mailbox].push_back(Entry{t, std::make_shared<Ring>(std::move(ring))});
    return t;
}

void Doorbell::unsubscribe(MailboxId mailbox, uint64_t token) {
    std::lock_guard lk(mu_);
    auto it = subs_.find(mailbox);
    if (it == subs_.end()) return;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const Entry& e) { return e.token == token; }), v.end());
    if (v.empty()) subs_.erase(it);
}

void Doorbell::ring(MailboxId mailbox, ModSeq modseq) {
    std::vector<std::shared_ptr<Ring>> rings;
    {
        std::lock_guard lk(mu_);
        auto it = subs_.find(mailbox);
        if (it == subs_.end()) return;
        for (auto& e : it->second) rings.push_back(e.ring);
    }
    for (auto& r : rings) (*r)(mailbox, modseq);
}

std::size_t Doorbell::subscribers(MailboxId mailbox) const {
    std::lock_guard lk(mu_);
    auto it = subs_.find(mailbox);
    return it == subs_.end() ? 0 : it->second.size();
}

uint64_t Doorbell::subscribe_account(AccountId account, Ring ring) {
    std::lock_guard lk(mu_);
    uint64_t t = next_token_++;
    account_subs_[account].push_back(Entry{t, std::make_shared<Ring>(std::move(ring))});
    return t;
}

void Doorbell::unsubscribe_account(AccountId account, uint64_t token) {
    std::lock_guard lk(mu_);
    auto it = account_subs_.find(account);
    if (it == account_subs_.end()) return;
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const Entry& e) { return e.token == token; }), v.end());
    if (v.empty()) account_subs_.erase(it);
}

void Doorbell::ring_account(AccountId account, MailboxId mailbox, ModSeq modseq) {
    std::vector<std::shared_ptr<Ring>> rings;
    {
        std::lock_guard lk(mu_);
        auto it = account_subs_.find(account);
        if (it == account_subs_.end()) return;
        for (auto& e : it->second) rings.push_back(e.ring);
    }
    for (auto& r : rings) (*r)(mailbox, modseq);
}

// A pin taken at epoch E protects every blob released at an epoch > E: the
// counter moves past E when the pin is taken, so later releases are stamped
// with a larger value.
uint64_t PinRegistry::current_epoch() const {
    std::lock_guard lk(mu_);
    return epoch_;
}

uint64_t PinRegistry::acquire() {
    std::lock_guard lk(mu_);
    uint64_t e = epoch_++;
    ++live_[e];
    return e;
}

void PinRegistry::release(uint64_t epoch) {
    std::lock_guard lk(mu_);
    auto it = live_.find(epoch);
    if (it != live_.end() && --it->second == 0) live_.erase(it);
}

uint64_t PinRegistry::deletable_up_to() const {
    std::lock_guard lk(mu_);
    if (live_.empty()) return epoch_;
    uint64_t oldest = epoch_;
    for (auto& [e, n] : live_) oldest = std::min(oldest, e);
    return oldest;
}

void PinRegistry::set_epoch_floor(uint64_t e) {
    std::lock_guard lk(mu_);
    epoch_ = std::max(epoch_, e);
}

}  // namespace postamt::store
