#include "pop3/maildrop_registry.h"

namespace postamt::pop3 {

MaildropRegistry::Lock::Lock(Lock&& o) noexcept
    : owner_(std::move(o.owner_)), account_(o.account_), locked_(o.locked_) {
    o.locked_ = false;
}

MaildropRegistry::Lock& MaildropRegistry::Lock::operator=(Lock&& o) noexcept {
    if (this != &o) {
        release();
        owner_ = std::move(o.owner_);
        account_ = o.account_;
        locked_ = o.locked_;
        o.locked_ = false;
    }
    return *this;
}

MaildropRegistry::Lock::~Lock() { release(); }

void MaildropRegistry::Lock::release() {
    if (owner_ && locked_) owner_->unlock(account_);
    locked_ = false;
    owner_.reset();
}

std::shared_ptr<MaildropRegistry> MaildropRegistry::create(Options opts,
                                                           std::function<Clock::time_point()> now) {
    if (!now) now = [] { return Clock::now(); };
    return std::shared_ptr<MaildropRegistry>(new MaildropRegistry(opts, std::move(now)));
}

MaildropRegistry::Admission MaildropRegistry::admit(store::AccountId account) {
    Admission a;
    auto now = now_();
    std::lock_guard lk(mu_);
    if (opts_.lock_maildrop && locked_.count(account)) {
        a.refusal = Refusal::in_use;
        return a;
    }
    if (opts_.login_delay.count() > 0) {
        auto it = last_login_.find(account);
        if (it != last_login_.end() && now - it->second < opts_.login_delay) {
            a.refusal = Refusal::login_delay;
            auto left = opts_.login_delay - (now - it->second);
            a.retry_after = std::chrono::ceil<std::chrono::seconds>(left);
            return a;
        }
        last_login_[account] = now;
        if (last_login_.size() >= prune_at_) prune_logins(now);
    }
    a.lock.owner_ = shared_from_this();
    a.lock.account_ = account;
    if (opts_.lock_maildrop) {
        locked_.insert(account);
        a.lock.locked_ = true;
    }
    return a;
}

void MaildropRegistry::prune_logins(Clock::time_point now) {
    // Entries older than the delay can no longer refuse anything.
    for (auto it = last_login_.begin(); it != last_login_.end();) {
        if (now - it->second >= opts_.login_delay)
            it = last_login_.erase(it);
        else
            ++it;
    }
    prune_at_ = std::max<std::size_t>(1024, last_login_.size() * 2);
}

void MaildropRegistry::unlock(store::AccountId account) {
    std::lock_guard lk(mu_);
    locked_.erase(account);
}

bool MaildropRegistry::locked(store::AccountId account) const {
    std::lock_guard lk(mu_);
    return locked_.count(account) != 0;
}

std::size_t MaildropRegistry::tracked_logins() const {
    std::lock_guard lk(mu_);
    return last_login_.size();
}

}  // namespace postamt::pop3
