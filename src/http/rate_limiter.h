#pragma once
// Per-client-IP request rate limit for HTTP (a token bucket per address):
// a burst is allowed, then requests are refilled at a steady rate; over the
// limit the runner answers 429. Thread-safe; free of sockets.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace postamt::http {

struct RateLimit {
    double per_second = 20;  // sustained requests per second and IP; 0 = no limit
    double burst = 200;      // requests allowed at once
    std::size_t max_tracked = 100000;  // addresses kept; full buckets are forgotten first
};

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;
    explicit RateLimiter(RateLimit l = {}) : limit_(l) {}
    // Takes one token for `ip`; false: over the limit.
    bool allow(const std::string& ip, Clock::time_point now = Clock::now());
    // Seconds until `ip` has a token again (for Retry-After), at least 1.
    unsigned retry_after(const std::string& ip, Clock::time_point now = Clock::now());
    std::size_t tracked() const;

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point at;
    };
    void refill(Bucket& b, Clock::time_point now) const;
    void prune(Clock::time_point now);

    RateLimit limit_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace postamt::http
