// Feeds arbitrary bytes to the SMTP command parser and the path parser
// (src/smtp). Must never crash, hang or leak, and keeps these invariants:
//  - a syntax error carries a 5xx reply with a matching 5.x.x code;
//  - a parsed MAIL/RCPT path prints (Path::mailbox) to a form that parses
//    back to the same local part and domain (canonical form is stable).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/address.h"
#include "smtp/command_parser.h"

using namespace postamt::smtp;

namespace {

void check_roundtrip(const Path& p) {
    if (p.null || p.bare_postmaster) return;
    std::string printed = "<" + p.mailbox() + ">";
    PathOptions opt;
    auto again = parse_path(printed, opt);
    if (!again) __builtin_trap();
    if (again->consumed != printed.size()) __builtin_trap();
    if (again->path.local != p.local || again->path.domain != p.domain) __builtin_trap();
    if (again->path.needs_smtputf8 != p.needs_smtputf8) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);

    Command c = parse_command(in);
    if (c.error) {
        if (c.error->code < 500 || c.error->code > 555) __builtin_trap();
        if (c.error->enhanced.empty() || c.error->enhanced[0] != '5') __builtin_trap();
        if (c.lost_sync && c.verb != Verb::bdat) __builtin_trap();
    } else if (c.verb == Verb::mail || c.verb == Verb::rcpt) {
        if (c.verb == Verb::rcpt && c.path.null) __builtin_trap();
        if (c.verb == Verb::mail && c.path.bare_postmaster) __builtin_trap();
        check_roundtrip(c.path);
    } else if (c.verb == Verb::unknown) {
        __builtin_trap();
    }

    for (int mode = 0; mode < 2; ++mode) {
        PathOptions opt;
        opt.allow_null = mode == 0;
        opt.allow_bare_postmaster = mode == 1;
        PathError err = PathError::none;
        auto p = parse_path(in, opt, &err);
        if (p) {
            if (err != PathError::none) __builtin_trap();
            if (p->consumed == 0 || p->consumed > in.size() || in[p->consumed - 1] != '>')
                __builtin_trap();
            if (p->path.local.size() > 64 || p->path.domain.size() > 255) __builtin_trap();
            check_roundtrip(p->path);
        } else if (err == PathError::none) {
            __builtin_trap();
        }
    }
    return 0;
}
