#pragma once
#include "common/utf8.h"
// RFC 5321 4.1.2 paths as they appear in MAIL FROM and RCPT TO, with the
// RFC 6531 (SMTPUTF8) extensions. Pure functions of bytes.
//
//   Path        = "<" [ A-d-l ":" ] Mailbox ">"      (A-d-l: source route,
//                                                     accepted and ignored,
//                                                     RFC 5321 4.1.1.3 / C)
//   Mailbox     = Local-part "@" ( Domain / address-literal )
//   Local-part  = Dot-string / Quoted-string
//
// Limits (RFC 5321 4.5.3.1): local part 64 octets as sent, domain 255,
// whole path 256 octets including the angle brackets.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace postamt::smtp {

struct Path {
    bool null = false;             // "<>" (reverse-path only)
    bool bare_postmaster = false;  // "<postmaster>" (RCPT only, RFC 5321 4.5.1)
    std::string local;             // unquoted canonical form: "a b" for "\"a b\"@x"
    std::string domain;            // ASCII lower-cased; U-labels and A-labels kept;
                                   // address literals as "[192.0.2.1]" / "[IPv6:...]"
    bool needs_smtputf8 = false;   // non-ASCII in local part or domain

    // "local@domain", the local part quoted (RFC 5321 form) when it is not a
    // dot-string; "" for the null path; "postmaster" for the bare form.
    std::string mailbox() const;
    // True for "<postmaster>" and any "postmaster@domain" (case-insensitive).
    bool is_postmaster() const;
};

enum class PathError {
    none,
    syntax,      // not a path: missing brackets, bad characters, bad domain
    too_long,    // a length limit of RFC 5321 4.5.3.1 exceeded
    not_allowed  // "<>" or "<postmaster>" where not allowed
};

struct PathOptions {
    bool allow_null = false;             // MAIL FROM:<>
    bool allow_bare_postmaster = false;  // RCPT TO:<postmaster>
};

struct ParsedPath {
    Path path;
    std::size_t consumed = 0;  // bytes from '<' to '>' inclusive
};

// Parses the path at the start of `in` (which must begin with '<'). The
// rest of `in` (parameters) is left to the caller. UTF-8 is always parsed;
// Path::needs_smtputf8 tells the caller whether SMTPUTF8 was needed.
std::optional<ParsedPath> parse_path(std::string_view in, const PathOptions& opt,
                                     PathError* error = nullptr);

// Domain = sub-domain *("." sub-domain), labels of at most 63 octets, at most
// 255 in all; with allow_utf8, labels may be U-labels (RFC 6531 3.3).
bool is_valid_domain(std::string_view d, bool allow_utf8);
// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (the tag case-insensitive). Returns
// the normalised form ("IPv6:" spelled so), or nullopt.
std::optional<std::string> parse_address_literal(std::string_view lit);
// RFC 5321 Local-part: the dot-string as is when valid, else a quoted string.
std::string quote_local_part(std::string_view local);
bool is_dot_string(std::string_view s, bool allow_utf8);

// The address to hand to store::Store::resolve_recipient: mailbox() with the
// bare "<postmaster>" completed with `postmaster_domain`.
std::string resolver_address(const Path& p, std::string_view postmaster_domain);

}  // namespace postamt::smtp
