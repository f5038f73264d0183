#include "imap/sequence_set.h"

#include <algorithm>

namespace postamt::imap {

std::vector<store::UidRange> normalize_ranges(std::vector<store::UidRange> ranges) {
    ranges.erase(
        std::remove_if(ranges.begin(), ranges.end(),
                       [](const store::UidRange& r) { return r.first > r.last || r.last == 0; }),
        ranges.end());
    std::sort(ranges.begin(), ranges.end(),
              [](const store::UidRange& a, const store::UidRange& b) { return a.first < b.first; });
    std::vector<store::UidRange> out;
    for (const auto& r : ranges) {
        if (!out.empty() && (r.first <= out.back().last || r.first - 1 == out.back().last)) {
            out.back().last = std::max(out.back().last, r.last);
        } else {
            out.push_back(r);
        }
    }
    return out;
}

std::vector<store::UidRange> uid_ranges(const SequenceSet& set, store::Uid max_uid) {
    std::vector<store::UidRange> out;
    for (const auto& r : set.ranges) {
        store::Uid a = r.first ? r.first : max_uid;
        store::Uid b = r.last ? r.last : max_uid;
        if (a > b) std::swap(a, b);
        if (b == 0) continue;
        if (a == 0) a = 1;
        out.push_back(store::UidRange{a, b});
    }
    return normalize_ranges(std::move(out));
}

std::optional<std::vector<uint32_t>> sequence_numbers(const SequenceSet& set, uint32_t exists) {
    std::vector<store::UidRange> ranges;
    for (const auto& r : set.ranges) {
        uint32_t a = r.first ? r.first : exists;
        uint32_t b = r.last ? r.last : exists;
        if (a == 0 || b == 0 || a > exists || b > exists) return std::nullopt;
        if (a > b) std::swap(a, b);
        ranges.push_back(store::UidRange{a, b});
    }
    std::vector<uint32_t> out;
    for (const auto& r : normalize_ranges(std::move(ranges)))
        for (uint64_t n = r.first; n <= r.last; ++n) out.push_back(static_cast<uint32_t>(n));
    return out;
}

std::string format_set(const std::vector<uint32_t>& v) {
    std::string out;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(v[i]);
        if (j > i) {
            out += ':';
            out += std::to_string(v[j]);
        }
        i = j + 1;
    }
    return out;
}

std::string format_set_unsorted(std::vector<uint32_t> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return format_set(values);
}

std::string format_sequence(const std::vector<uint32_t>& v) { return format_set(v); }

bool contains(const std::vector<store::UidRange>& ranges, store::Uid uid) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), uid,
                               [](store::Uid u, const store::UidRange& r) { return u < r.first; });
    if (it == ranges.begin()) return false;
    --it;
    return uid >= it->first && uid <= it->last;
}

}  // namespace postamt::imap
