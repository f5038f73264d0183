#pragma once
// Per-IP login throttling (DESIGN.md "Connections, TLS and authentication"):
//  - at most `max_in_flight` password verifications per IP at once, so one
//    brute-force source cannot occupy the whole hashing pool;
//  - after `free_failures` failures, each attempt waits base_delay * 2^k
//    (capped at max_delay) before it is verified, holding its in-flight slot;
//  - `block_after` failures (none more than `failure_window` apart) block the
//    IP for `block_duration`; a success clears the IP's failures.
// IPv6 addresses are counted per /64. Pure logic with an injectable clock,
// thread-safe, bounded to `max_entries` IPs.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace postamt::auth {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;
SteadyClock system_steady_clock();

struct ThrottleOptions {
    int max_in_flight = 4;
    int free_failures = 2;
    std::chrono::milliseconds base_delay{1000};
    std::chrono::milliseconds max_delay{16000};
    int block_after = 10;
    std::chrono::seconds failure_window{std::chrono::minutes(15)};
    std::chrono::seconds block_duration{std::chrono::minutes(15)};
    std::size_t max_entries = 100000;
};

struct Admission {
    enum class Kind {
        allowed,  // slot taken: call Throttle::release() exactly once
        busy,     // too many verifications in flight for this IP
        blocked,  // temporarily blocked
    };
    Kind kind = Kind::allowed;
    std::chrono::milliseconds delay{0};   // allowed: wait this long before verifying
    std::chrono::seconds retry_after{0};  // busy / blocked
};

enum class AttemptOutcome { success, failure, neutral /* store error: counts nothing */ };

class Throttle {
public:
    explicit Throttle(ThrottleOptions opts = {}, SteadyClock clock = system_steady_clock());

    Admission admit(std::string_view ip);
    void release(std::string_view ip, AttemptOutcome outcome);

    // Without a slot (SCRAM: the server does no expensive work): is the IP
    // blocked, and for how long?
    std::chrono::seconds blocked_for(std::string_view ip);
    // Records the result of an attempt that took no slot; returns the delay
    // the caller should apply before answering a failure.
    std::chrono::milliseconds record(std::string_view ip, AttemptOutcome outcome);

    std::size_t size() const;
    int failures(std::string_view ip) const;

    // Key for an address: IPv4 as is, IPv6 reduced to its /64 prefix.
    static std::string key_for(std::string_view ip);

private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        int in_flight = 0;
        int failures = 0;
        TimePoint last_failure{};
        TimePoint blocked_until{};
        TimePoint last_seen{};
    };
    Entry& entry(const std::string& key, TimePoint now);
    void expire(Entry& e, TimePoint now) const;
    bool idle(const Entry& e, TimePoint now) const;
    std::chrono::milliseconds delay_for(int failures) const;
    void apply(const std::string& key, AttemptOutcome outcome, TimePoint now);
    void evict(TimePoint now);

    ThrottleOptions opts_;
    SteadyClock clock_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Entry> table_;
};

}  // namespace postamt::auth
