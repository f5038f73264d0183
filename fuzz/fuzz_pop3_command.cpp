// Feeds arbitrary bytes to the POP3 command parser (src/pop3). Must never
// crash, hang or leak, and keeps these invariants:
//  - an error carries a non-empty, single-line -ERR text;
//  - a parsed command prints to a canonical line that parses back to the
//    same command (keyword case and spacing do not matter, values do);
//  - message numbers are 1..kMaxMessageNumber.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pop3/command_parser.h"
#include "pop3/reply.h"

using namespace postamt::pop3;

namespace {

std::string canonical(const Command& c) {
    std::string out(verb_name(c.verb));
    switch (c.verb) {
        case Verb::pass:
            return out + " " + c.arg;
        case Verb::user:
            return out + " " + c.arg;
        case Verb::apop:
            return out + " " + c.arg + " digest";
        case Verb::auth:
            if (!c.arg.empty()) out += " " + c.arg;
            if (c.initial_response) out += " " + *c.initial_response;
            return out;
        case Verb::top:
            return out + " " + std::to_string(*c.msg) + " " + std::to_string(c.lines);
        default:
            if (c.msg) out += " " + std::to_string(*c.msg);
            return out;
    }
}

bool same(const Command& a, const Command& b) {
    if (a.verb != b.verb || a.msg != b.msg || a.lines != b.lines ||
        a.initial_response != b.initial_response)
        return false;
    return a.verb == Verb::apop || a.arg == b.arg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto r = parse_command(in);
    if (!r.ok()) {
        if (r.error.empty()) __builtin_trap();
        std::string line = err_line(r.error);
        if (line.find('\r') != line.size() - 2 || line.find('\n') != line.size() - 1)
            __builtin_trap();
        return 0;
    }
    const Command& c = *r.command;
    if (c.msg && (*c.msg == 0 || *c.msg > kMaxMessageNumber)) __builtin_trap();
    bool needs_msg = c.verb == Verb::retr || c.verb == Verb::dele || c.verb == Verb::top;
    if (needs_msg && !c.msg) __builtin_trap();
    auto again = parse_command(canonical(c));
    if (!again.ok() || !same(c, *again.command)) __builtin_trap();
    return 0;
}
