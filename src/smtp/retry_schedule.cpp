#include "smtp/retry_schedule.h"

#include <algorithm>

namespace postamt::smtp {
namespace {

// splitmix64: a well-mixed 64-bit value from seed and attempt number.
uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

std::chrono::seconds retry_interval(const QueueConfig& cfg, uint32_t attempts) {
    using std::chrono::seconds;
    if (attempts == 0) return seconds(0);
    seconds lo = std::max(cfg.retry_min, seconds(1));
    seconds hi = std::max(cfg.retry_max, lo);
    seconds iv = lo;
    for (uint32_t i = 1; i < attempts && iv < hi; ++i) iv *= 2;  // stops before overflow
    return std::min(iv, hi);
}

RetryDecision next_retry(const QueueConfig& cfg, const RetryInput& in) {
    using namespace std::chrono;
    RetryDecision d;
    d.retry_until = in.first_queued + cfg.max_age;
    if (in.attempts > 0 && in.now >= d.retry_until) {
        d.expired = true;
        return d;
    }
    seconds iv = retry_interval(cfg, in.attempts);
    // Jitter 0..+10% of the interval, in whole seconds.
    if (iv.count() >= 10) {
        uint64_t r = mix(in.jitter_seed ^ (static_cast<uint64_t>(in.attempts) << 32));
        iv += seconds(static_cast<int64_t>(r % static_cast<uint64_t>(iv.count() / 10 + 1)));
    }
    d.next_attempt = std::min(in.now + iv, d.retry_until);
    if (d.next_attempt < in.now) d.next_attempt = in.now;
    d.delay_warning_due = cfg.delay_warning.count() > 0 && !in.delay_warning_sent && in.attempts > 0 &&
                          in.now - in.first_queued >= cfg.delay_warning;
    return d;
}

uint64_t retry_jitter_seed(std::string_view queue_id) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : queue_id) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

}  // namespace postamt::smtp
