// Feeds arbitrary bytes, as a message, to the DKIM canonicalisation and the
// DKIM-Signature parsing helpers (src/smtp/dkim_canon.h) that the inbound
// verifier will run on untrusted mail. Must never crash or hang, and keeps:
//  - relaxed body output has no HTAB, no WSP before a CRLF, and ends in CRLF
//    (or is empty); simple body output always ends in CRLF;
//  - hashing with l= equal to the canonical length equals hashing all of it;
//  - removing the b= value is idempotent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/dkim_canon.h"

using namespace postamt::smtp::dkim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto sm = split_message(in);

    std::string relaxed = canon_body(sm.body, Canon::relaxed);
    if (relaxed.find('\t') != std::string::npos) __builtin_trap();
    if (relaxed.find(" \r\n") != std::string::npos) __builtin_trap();
    if (!relaxed.empty() && relaxed.substr(relaxed.size() - 2) != "\r\n") __builtin_trap();
    std::string simple = canon_body(sm.body, Canon::simple);
    if (simple.size() < 2 || simple.substr(simple.size() - 2) != "\r\n") __builtin_trap();

    uint64_t len = 0;
    auto full = body_hash(sm.body, Canon::relaxed, std::nullopt, HashAlg::sha256, &len);
    if (len != relaxed.size()) __builtin_trap();
    if (body_hash(sm.body, Canon::relaxed, len) != full) __builtin_trap();

    for (auto f : sm.fields) {
        auto r = canon_header(f, Canon::relaxed);
        if (r.size() < 2 || r.substr(r.size() - 2) != "\r\n") __builtin_trap();
        if (canon_header(f, Canon::simple) != std::string(f) + "\r\n") __builtin_trap();
        auto once = without_b_value(f);
        if (without_b_value(once) != once) __builtin_trap();
        auto colon = f.find(':');
        if (colon != std::string_view::npos) {
            auto tags = parse_tag_list(f.substr(colon + 1));
            if (tags) {
                for (const auto& t : *tags) {
                    if (t.name == "h") {
                        auto names = parse_h_tag(t.value);
                        auto sel = select_fields(sm.fields, names);
                        if (sel.size() > names.size()) __builtin_trap();
                        (void)header_hash_input(sel, once, Canon::relaxed);
                    }
                    if (t.name == "c") (void)parse_canon_pair(t.value);
                }
            }
        }
    }
    return 0;
}
