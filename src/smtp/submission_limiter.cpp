#include "smtp/submission_limiter.h"

namespace postamt::smtp {

bool SubmissionLimiter::allow(store::AccountId account, Clock::time_point now) {
    if (per_hour_ == 0) return true;
    const auto window = std::chrono::hours(1);
    std::lock_guard lock(mu_);
    if (now - last_sweep_ > window) {
        // Forget accounts idle for an hour, so the map stays as small as
        // the set of recent senders.
        for (auto it = sent_.begin(); it != sent_.end();) {
            if (it->second.empty() || now - it->second.back() >= window)
                it = sent_.erase(it);
            else
                ++it;
        }
        last_sweep_ = now;
    }
    auto& q = sent_[account];
    while (!q.empty() && now - q.front() >= window) q.pop_front();
    if (q.size() >= per_hour_) return false;
    q.push_back(now);
    return true;
}

}  // namespace postamt::smtp
