#include "common/metrics.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace postamt::metrics {

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
            throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
    }
    buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
    // "le": a value equal to a bound belongs to that bound's bucket.
    std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.cumulative.reserve(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.count = running;  // _count equals the +Inf bucket, as the format requires
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

std::vector<double> latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct Registry::Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
};

struct Registry::Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<std::unique_ptr<Series>> series;
};

Registry::Registry() = default;
Registry::~Registry() = default;

namespace {

bool name_char(char c, bool first, bool colon_ok) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
    return alpha || (!first && c >= '0' && c <= '9');
}

const char* type_name(Type t) {
    switch (t) {
        case Type::counter: return "counter";
        case Type::gauge: return "gauge";
        case Type::histogram: return "histogram";
    }
    return "untyped";
}

void check_labels(const Labels& labels, bool histogram) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (!valid_label_name(labels[i].first))
            throw std::invalid_argument("invalid label name '" + labels[i].first + "'");
        // "le" is the bucket label of histograms (text format 0.0.4).
        if (histogram && labels[i].first == "le") throw std::invalid_argument("histograms cannot have a label 'le'");
        for (std::size_t j = 0; j < i; ++j)
            if (labels[j].first == labels[i].first)
                throw std::invalid_argument("label '" + labels[i].first + "' given twice");
    }
}

std::string label_text(const Labels& labels, std::string_view extra_name = {}, std::string_view extra_value = {}) {
    if (labels.empty() && extra_name.empty()) return {};
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        out += escape_label_value(v);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!first) out += ',';
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!name_char(name[i], i == 0, true)) return false;
    return true;
}

bool valid_label_name(std::string_view name) {
    if (name.empty() || name.substr(0, 2) == "__") return false;  // "__" is reserved for Prometheus
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!name_char(name[i], i == 0, false)) return false;
    return true;
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);  // shortest round-trip form, e.g. 0.0025, 1e-05
}

Registry::Family& Registry::family(std::string_view name, std::string_view help, Type type) {
    if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
    for (auto& f : families_) {
        if (f->name != name) continue;
        if (f->type != type)
            throw std::invalid_argument("metric '" + std::string(name) + "' registered as " + type_name(f->type));
        return *f;
    }
    auto f = std::make_unique<Family>();
    f->name = std::string(name);
    f->help = std::string(help);
    f->type = type;
    families_.push_back(std::move(f));
    return *families_.back();
}

Registry::Series* Registry::find(Family& f, const Labels& labels) {
    for (auto& s : f.series)
        if (s->labels == labels) return s.get();
    return nullptr;
}

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
    check_labels(labels, false);
    std::lock_guard lk(mu_);
    Family& f = family(name, help, Type::counter);
    if (Series* s = find(f, labels)) return *s->counter;
    auto s = std::make_unique<Series>();
    s->labels = std::move(labels);
    s->counter = std::make_unique<Counter>();
    f.series.push_back(std::move(s));
    return *f.series.back()->counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
    check_labels(labels, false);
    std::lock_guard lk(mu_);
    Family& f = family(name, help, Type::gauge);
    if (Series* s = find(f, labels)) return *s->gauge;
    auto s = std::make_unique<Series>();
    s->labels = std::move(labels);
    s->gauge = std::make_unique<Gauge>();
    f.series.push_back(std::move(s));
    return *f.series.back()->gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                               Labels labels) {
    check_labels(labels, true);
    std::lock_guard lk(mu_);
    Family& f = family(name, help, Type::histogram);
    if (Series* s = find(f, labels)) return *s->histogram;
    auto s = std::make_unique<Series>();
    s->labels = std::move(labels);
    s->histogram = std::make_unique<Histogram>(std::move(upper_bounds));
    f.series.push_back(std::move(s));
    return *f.series.back()->histogram;
}

std::string Registry::render() const {
    std::string out;
    std::lock_guard lk(mu_);
    for (const auto& f : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f->name, escape_help(f->help), f->name, type_name(f->type));
        for (const auto& s : f->series) {
            switch (f->type) {
                case Type::counter:
                    out += fmt::format("{}{} {}\n", f->name, label_text(s->labels), s->counter->value());
                    break;
                case Type::gauge:
                    out += fmt::format("{}{} {}\n", f->name, label_text(s->labels), s->gauge->value());
                    break;
                case Type::histogram: {
                    auto snap = s->histogram->snapshot();
                    const auto& b = s->histogram->bounds();
                    for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
                        std::string le = i < b.size() ? format_value(b[i]) : "+Inf";
                        out += fmt::format("{}_bucket{} {}\n", f->name, label_text(s->labels, "le", le),
                                           snap.cumulative[i]);
                    }
                    out += fmt::format("{}_sum{} {}\n", f->name, label_text(s->labels), format_value(snap.sum));
                    out += fmt::format("{}_count{} {}\n", f->name, label_text(s->labels), snap.count);
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace postamt::metrics
