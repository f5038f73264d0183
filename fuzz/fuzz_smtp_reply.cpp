// Feeds arbitrary bytes, as a remote SMTP server might send them, to the
// client's reply parser and EHLO keyword parser (src/smtp/client_reply.h,
// client_protocol.h). Must never crash, hang or leak, and keeps these
// invariants:
//  - every parsed reply has a code 200..559 and at least one line;
//  - an enhanced code, when found, is of the reply's class and is a prefix
//    of the first line;
//  - text()/summary() contain no control bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/client_protocol.h"
#include "smtp/client_reply.h"

using namespace postamt::smtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string err;
    auto replies = parse_replies(in, &err);
    for (const auto& r : replies) {
        if (r.code < 200 || r.code > 559) __builtin_trap();
        if (r.lines.empty()) __builtin_trap();
        if (!r.enhanced.empty()) {
            if (r.enhanced[0] != char('0' + r.code / 100)) __builtin_trap();
            if (r.lines[0].compare(0, r.enhanced.size(), r.enhanced) != 0) __builtin_trap();
        }
        for (char c : r.summary())
            if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
        EhloCapabilities caps = parse_ehlo(r);
        if (caps.esmtp != (r.code == 250)) __builtin_trap();
        auto o = outcome_from_reply(r);
        if (o.status.size() < 5) __builtin_trap();
    }
    (void)enhanced_code_length(in);
    (void)data_payload(in.substr(0, 4096));
    return 0;
}
