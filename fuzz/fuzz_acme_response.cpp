// Everything an ACME server (a remote party) sends: the HTTP response bytes
// and the JSON objects in them. Must never crash; whatever parses must hold
// the invariants the client relies on (URLs are http(s), tokens usable).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "acme/protocol.h"

using namespace postamt::acme;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto r = parse_http_response(in);
    std::string_view body = r ? std::string_view(r->body) : in;
    if (r) {
        (void)r->header("replay-nonce");
        (void)parse_retry_after(r->header("retry-after"), std::chrono::system_clock::now(), std::chrono::seconds(60));
    }
    (void)parse_http_response(in, true);
    (void)parse_problem(body).describe();
    if (auto d = parse_directory(body))
        if (d->new_order.rfind("http", 0) != 0) __builtin_trap();
    if (auto o = parse_order(body))
        if (o->finalize.rfind("http", 0) != 0) __builtin_trap();
    if (auto a = parse_authorization(body)) {
        if (a->identifier.empty()) __builtin_trap();
        for (const auto& c : a->challenges)
            if (c.url.rfind("http", 0) != 0) __builtin_trap();
    }
    return 0;
}
