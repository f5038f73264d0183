#include "auth/throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace postamt::auth {

SteadyClock system_steady_clock() {
    return [] { return std::chrono::steady_clock::now(); };
}

Throttle::Throttle(ThrottleOptions opts, SteadyClock clock)
    : opts_(opts), clock_(std::move(clock)) {
    if (opts_.max_entries < 16) opts_.max_entries = 16;
}

std::string Throttle::key_for(std::string_view ip) {
    if (ip.size() >= INET6_ADDRSTRLEN || ip.find(':') == std::string_view::npos) return std::string(ip);
    std::string z(ip);
    unsigned char a[16];
    if (inet_pton(AF_INET6, z.c_str(), a) != 1) return z;
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[INET6_ADDRSTRLEN];
    if (std::memcmp(a, v4mapped, 12) == 0) {  // ::ffff:1.2.3.4 is the IPv4 address
        if (!inet_ntop(AF_INET, a + 12, buf, sizeof buf)) return z;
        return buf;
    }
    std::memset(a + 8, 0, 8);
    if (!inet_ntop(AF_INET6, a, buf, sizeof buf)) return z;
    return std::string(buf) + "/64";
}

void Throttle::expire(Entry& e, TimePoint now) const {
    if (e.blocked_until != TimePoint{} && now >= e.blocked_until) {
        e.blocked_until = {};
        e.failures = 0;
    }
    if (e.failures > 0 && e.blocked_until == TimePoint{} && now - e.last_failure > opts_.failure_window)
        e.failures = 0;
}

bool Throttle::idle(const Entry& e, TimePoint now) const {
    return e.in_flight == 0 && e.failures == 0 &&
           (e.blocked_until == TimePoint{} || now >= e.blocked_until);
}

Throttle::Entry& Throttle::entry(const std::string& key, TimePoint now) {
    auto it = table_.find(key);
    if (it == table_.end()) {
        if (table_.size() >= opts_.max_entries) evict(now);
        it = table_.emplace(key, Entry{}).first;
    }
    it->second.last_seen = now;
    expire(it->second, now);
    return it->second;
}

// Called with the table full: drop every idle entry; if that frees less than
// a tenth, drop the least recently seen entries with nothing in flight.
// Amortised O(1) per insertion.
void Throttle::evict(TimePoint now) {
    for (auto it = table_.begin(); it != table_.end();) {
        expire(it->second, now);
        if (idle(it->second, now))
            it = table_.erase(it);
        else
            ++it;
    }
    std::size_t target = opts_.max_entries - opts_.max_entries / 10;
    if (table_.size() <= target) return;
    std::vector<std::pair<TimePoint, std::string>> candidates;
    for (auto& [k, e] : table_)
        if (e.in_flight == 0) candidates.emplace_back(e.last_seen, k);
    std::size_t excess = table_.size() - target;
    if (excess > candidates.size()) excess = candidates.size();
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(excess),
                     candidates.end());
    for (std::size_t i = 0; i < excess; ++i) table_.erase(candidates[i].second);
}

std::chrono::milliseconds Throttle::delay_for(int failures) const {
    if (failures < opts_.free_failures) return std::chrono::milliseconds(0);
    int shift = std::min(failures - opts_.free_failures, 20);
    auto d = opts_.base_delay * (int64_t{1} << shift);
    return std::min(d, opts_.max_delay);
}

Admission Throttle::admit(std::string_view ip) {
    std::string key = key_for(ip);
    std::lock_guard lock(mu_);
    auto now = clock_();
    Entry& e = entry(key, now);
    Admission a;
    if (e.blocked_until != TimePoint{}) {
        a.kind = Admission::Kind::blocked;
        a.retry_after = std::chrono::ceil<std::chrono::seconds>(e.blocked_until - now);
        return a;
    }
    if (e.in_flight >= opts_.max_in_flight) {
        a.kind = Admission::Kind::busy;
        a.retry_after = std::chrono::seconds(1);
        return a;
    }
    ++e.in_flight;
    a.delay = delay_for(e.failures);
    return a;
}

void Throttle::apply(const std::string& key, AttemptOutcome outcome, TimePoint now) {
    auto it = table_.find(key);
    if (it == table_.end()) {
        if (outcome != AttemptOutcome::failure) return;
        if (table_.size() >= opts_.max_entries) evict(now);
        it = table_.emplace(key, Entry{}).first;
    }
    Entry& e = it->second;
    e.last_seen = now;
    expire(e, now);
    if (outcome == AttemptOutcome::success) {
        e.failures = 0;
        e.blocked_until = {};
    } else if (outcome == AttemptOutcome::failure && e.blocked_until == TimePoint{}) {
        ++e.failures;
        e.last_failure = now;
        if (e.failures >= opts_.block_after) e.blocked_until = now + opts_.block_duration;
    }
    if (idle(e, now)) table_.erase(it);
}

void Throttle::release(std::string_view ip, AttemptOutcome outcome) {
    std::string key = key_for(ip);
    std::lock_guard lock(mu_);
    auto now = clock_();
    auto it = table_.find(key);
    if (it != table_.end() && it->second.in_flight > 0) --it->second.in_flight;
    apply(key, outcome, now);
}

std::chrono::seconds Throttle::blocked_for(std::string_view ip) {
    std::string key = key_for(ip);
    std::lock_guard lock(mu_);
    auto it = table_.find(key);
    if (it == table_.end()) return std::chrono::seconds(0);
    auto now = clock_();
    expire(it->second, now);
    if (it->second.blocked_until == TimePoint{}) return std::chrono::seconds(0);
    return std::chrono::ceil<std::chrono::seconds>(it->second.blocked_until - now);
}

std::chrono::milliseconds Throttle::record(std::string_view ip, AttemptOutcome outcome) {
    std::string key = key_for(ip);
    std::lock_guard lock(mu_);
    auto now = clock_();
    apply(key, outcome, now);
    if (outcome != AttemptOutcome::failure) return std::chrono::milliseconds(0);
    auto it = table_.find(key);
    if (it == table_.end()) return std::chrono::milliseconds(0);
    // The delay this failure earned: what the next attempt would wait.
    return delay_for(it->second.failures);
}

std::size_t Throttle::size() const {
    std::lock_guard lock(mu_);
    return table_.size();
}

int Throttle::failures(std::string_view ip) const {
    std::string key = key_for(ip);
    std::lock_guard lock(mu_);
    auto it = table_.find(key);
    return it == table_.end() ? 0 : it->second.failures;
}

}  // namespace postamt::auth
