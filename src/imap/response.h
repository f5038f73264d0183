#pragma once
// Pieces of IMAP responses (RFC 9051 7): the tagged completion an executor
// returns, flag lists, store errors mapped to response codes. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/types.h"

namespace postamt::imap {

// What a command ends with. The runner sends pending untagged updates
// first (where allowed), then "<tag> OK|NO|BAD [code] text".
struct Reply {
    enum class Kind { ok, no, bad };
    Kind kind = Kind::ok;
    std::string code;  // response code without brackets ("TRYCREATE", "APPENDUID 38505 3955")
    std::string text;
    bool close = false;         // close the connection after sending it (LOGOUT, fatal errors)
    bool already_sent = false;  // the executor wrote the tagged reply itself (STARTTLS)

    static Reply ok(std::string text, std::string code = {}) {
        return {Kind::ok, std::move(code), std::move(text)};
    }
    static Reply no(std::string text, std::string code = {}) {
        return {Kind::no, std::move(code), std::move(text)};
    }
    static Reply bad(std::string text, std::string code = {}) {
        return {Kind::bad, std::move(code), std::move(text)};
    }
};

// "<tag> OK [code] text\r\n" (tag "*" for untagged).
std::string format_reply(std::string_view tag, const Reply& r);

// A store error as the NO a client understands: not_found NONEXISTENT,
// already_exists ALREADYEXISTS, over_quota OVERQUOTA, permission NOPERM,
// too_big TOOBIG, unavailable UNAVAILABLE, invalid/conflict CANNOT,
// internal SERVERBUG (a bug, never normal operation). `what` prefixes the
// text ("Cannot create mailbox").
Reply store_error_reply(const Error& e, std::string_view what);

// "(\Seen \Answered $Forwarded)" with \Recent when `recent`.
void append_flag_list(std::string& out, uint32_t system, const std::vector<std::string>& keywords,
                      bool recent);
// "\Answered \Flagged \Deleted \Seen \Draft" plus the keywords, for the
// FLAGS and PERMANENTFLAGS responses of SELECT.
std::string defined_flags(const std::vector<std::string>& keywords);

// Flags as sent (STORE, APPEND) to the store's form. \Recent is ignored
// (RFC 3501 2.3.2: clients cannot set it); an unknown system flag ("\Foo")
// is an error (the caller answers BAD). Keywords keep their case.
Result<store::Flags> parse_flags(const std::vector<std::string>& flags);

}  // namespace postamt::imap
