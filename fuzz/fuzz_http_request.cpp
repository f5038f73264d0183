// libFuzzer target: HTTP request parser (http/request_parser.h). Checks the
// contract on arbitrary bytes: fed whole or split at an arbitrary point the
// parser sees the same requests, errors carry one of the statuses the
// runner sends, the limits hold, and header names come out lower-cased.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_parser.h"

using namespace postamt::http;

namespace {

struct Outcome {
    std::vector<std::string> seen;  // method + path + body of each request
    int error = 0;
};

Outcome run(std::string_view in, std::size_t split, const ParserLimits& limits) {
    Outcome o;
    RequestParser p(limits);
    auto drain = [&]() {
        for (;;) {
            ParseStatus s = p.parse();
            if (s == ParseStatus::need_more) return true;
            if (s == ParseStatus::error) {
                o.error = p.error_status();
                if (o.error != 400 && o.error != 413 && o.error != 431 && o.error != 501 && o.error != 505)
                    std::abort();
                return false;
            }
            Request r = p.take();
            if (r.path.empty() && r.target != "*") std::abort();
            if (r.body.size() > limits.max_body) std::abort();
            for (const auto& [name, value] : r.headers)
                for (char c : name)
                    if (c >= 'A' && c <= 'Z') std::abort();
            o.seen.push_back(r.method + " " + r.path + " " + r.body);
            p.next();
        }
    };
    p.append(in.substr(0, split));
    if (!drain()) return o;
    p.append(in.substr(split));
    drain();
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    ParserLimits limits{512, 256};
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    std::size_t split = in.empty() ? 0 : data[0] % (in.size() + 1);
    Outcome whole = run(in, in.size(), limits);
    Outcome parts = run(in, split, limits);
    // Where the bytes are split may change when bad input is noticed (a
    // prefix can wait for more where the whole is refused at once), never
    // what the requests before it were.
    std::size_t n = std::min(whole.seen.size(), parts.seen.size());
    for (std::size_t i = 0; i < n; ++i)
        if (whole.seen[i] != parts.seen[i]) std::abort();
    if (!whole.error && !parts.error && whole.seen != parts.seen) std::abort();
    return 0;
}
