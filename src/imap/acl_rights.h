#pragma once
// The RFC 4314 rights model, pure: rights strings, the obsolete RFC 2086
// "c"/"d" rights (2.1.1), identifiers ("anyone", "-user" negative rights)
// and how an ACL adds up to one user's rights. The store keeps canonical
// strings (letters of kAllRights in that order, never "c"/"d").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace postamt::imap::acl {

// Every right this server implements (RFC 4314 2.1), canonical order.
inline constexpr std::string_view kAllRights = "lrswipkxtea";
// RFC 4314 2.1.1, the "latter group": "c" (create) = k, "d" (delete) =
// e, t and x. The RIGHTS= capability lists the rights beyond RFC 2086.
inline constexpr std::string_view kCreateMembers = "k";
inline constexpr std::string_view kDeleteMembers = "xte";
inline constexpr std::string_view kRightsCapability = "RIGHTS=kxte";

// Canonical set from any letters (expands "c" and "d"). nullopt when a
// character is not a right (RFC 4314 3.1: the command is BAD then;
// upper case included).
std::optional<std::string> parse_rights(std::string_view letters);

// SETACL's "+rights" / "-rights" / "rights" applied to `current`.
// nullopt for unknown rights.
std::optional<std::string> apply_modification(std::string_view current, std::string_view modification);

// For ACL/MYRIGHTS/LISTRIGHTS responses: canonical plus "c" when "k" is
// present and "d" when any of "x", "t", "e" is (RFC 4314 2.1.1 (*)).
std::string display(std::string_view canonical);

bool has(std::string_view rights, char right);

// Identifiers: "anyone", a local address ("bob@example.org"), or one of
// them with a leading "-" (negative rights, RFC 4314 2). Addresses compare
// with a lower-cased domain; returns the normalised form or nullopt when
// the identifier is empty or malformed (the command is BAD, RFC 4314 3).
std::optional<std::string> normalise_identifier(std::string_view id);
bool is_negative(std::string_view id);

// The rights `user` (an address) has on a mailbox owned by `owner` with
// `entries`: the owner always has everything (RFC 4314 4 recommends an
// owner can always administer; here the owner is not restricted at all);
// others get the union of their entry and "anyone" minus the union of
// "-user" and "-anyone" (RFC 4314 2).
std::string effective_rights(std::string_view user, std::string_view owner,
                             const std::vector<store::AclEntry>& entries);

// LISTRIGHTS: what is always granted to `identifier` and what may be
// granted, as the response's "required" and optional groups.
struct ListRights {
    std::string required;
    std::vector<std::string> optional;
};
ListRights list_rights(std::string_view identifier, std::string_view owner);

}  // namespace postamt::imap::acl
