// Token buckets per client address (http/rate_limiter.h).
#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace postamt::http {

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
    double secs = std::chrono::duration<double>(now - b.at).count();
    if (secs > 0) b.tokens = std::min(limit_.burst, b.tokens + secs * limit_.per_second);
    b.at = now;
}

// Buckets that are full again carry no information: forget them.
void RateLimiter::prune(Clock::time_point now) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        if (it->second.tokens >= limit_.burst)
            it = buckets_.erase(it);
        else
            ++it;
    }
}

bool RateLimiter::allow(const std::string& ip, Clock::time_point now) {
    if (limit_.per_second <= 0) return true;
    std::lock_guard lk(mu_);
    auto it = buckets_.find(ip);
    if (it == buckets_.end()) {
        if (buckets_.size() >= limit_.max_tracked) prune(now);
        // Still full of clients mid-burst: the newest address is not tracked
        // (no memory growth under a spoofed-address flood).
        if (buckets_.size() >= limit_.max_tracked) return true;
        it = buckets_.emplace(ip, Bucket{limit_.burst, now}).first;
    }
    refill(it->second, now);
    if (it->second.tokens < 1) return false;
    it->second.tokens -= 1;
    return true;
}

unsigned RateLimiter::retry_after(const std::string& ip, Clock::time_point now) {
    std::lock_guard lk(mu_);
    auto it = buckets_.find(ip);
    if (it == buckets_.end() || limit_.per_second <= 0) return 1;
    refill(it->second, now);
    double need = std::max(0.0, 1 - it->second.tokens) / limit_.per_second;
    return std::max(1u, static_cast<unsigned>(std::ceil(need)));
}

std::size_t RateLimiter::tracked() const {
    std::lock_guard lk(mu_);
    return buckets_.size();
}

}  // namespace postamt::http
