#pragma once
// Counters, gauges and histograms for /metrics (docs/metrics.md), rendered in
// the Prometheus text exposition format 0.0.4.
//
// The hot path is lock-free: every series is created once (at start, under
// the registry's mutex) and updated with relaxed atomic adds; callers keep
// the returned reference. Rendering takes the mutex only to walk the list of
// series, never to update one. Relaxed ordering is enough: a scrape needs
// each value to be some recent value, not a consistent cut across series.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postamt::metrics {

// Label names and values of one series, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

class Gauge {
public:
    void set(std::int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
    void inc(std::int64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
    void dec(std::int64_t n = 1) noexcept { v_.fetch_sub(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> v_{0};
};

// Buckets are kept non-cumulative (one add per observation, into the one
// bucket the value falls in) and summed when rendered, so observe() costs
// two atomic adds: the bucket and the sum.
class Histogram {
public:
    // Upper bounds, strictly increasing and finite; +Inf is implicit.
    explicit Histogram(std::vector<double> upper_bounds);

    void observe(double v) noexcept;

    struct Snapshot {
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const;
    const std::vector<double>& bounds() const { return bounds_; }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<double> sum_{0};
};

// Bounds for latencies in seconds, 0.5 ms to 10 s.
std::vector<double> latency_buckets();

enum class Type { counter, gauge, histogram };

class Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // The series `name`{labels}, created on first call; later calls with the
    // same name and labels return the same object. The references stay valid
    // as long as the registry. Throws std::invalid_argument for an invalid
    // metric or label name, or a name registered before with another type
    // (programming errors, found by the first test that runs the code).
    Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
    Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
    Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                         Labels labels = {});

    // Text format 0.0.4: families in registration order, each with # HELP
    // and # TYPE, then its series in registration order.
    std::string render() const;

private:
    struct Series;
    struct Family;
    Family& family(std::string_view name, std::string_view help, Type type);
    Series* find(Family& f, const Labels& labels);

    mutable std::mutex mu_;
    std::vector<std::unique_ptr<Family>> families_;
};

// Text-format escaping (exposed for the unit tests): label values escape
// backslash, double quote and newline; HELP text backslash and newline.
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// A sample value: integers exactly, others in the shortest form that reads
// back to the same double; "+Inf", "-Inf", "NaN".
std::string format_value(double v);

bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace postamt::metrics
