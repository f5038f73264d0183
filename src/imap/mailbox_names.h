#pragma once
// Mailbox names between the wire and the store (RFC 9051 5.1): the store
// keeps UTF-8 with '/' as the hierarchy separator (the IMAP delimiter too);
// the wire carries modified UTF-7 (mutf7.h) unless the client enabled
// UTF8=ACCEPT (RFC 6855 3), then UTF-8. INBOX is case-insensitive. A name
// that cannot be used gets a clear reason for the NO. Pure.
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace postamt::imap {

// The store name for a mailbox argument, or Errc::invalid with a reason
// ("invalid modified UTF-7 in mailbox name", "empty hierarchy level ...").
Result<std::string> mailbox_from_wire(std::string_view wire, bool utf8);

// The store name as a wire string: quoted (or a literal when it must be),
// modified UTF-7 unless `utf8`.
void append_mailbox(std::string& out, std::string_view name, bool utf8);
std::string wire_mailbox(std::string_view name, bool utf8);

// LIST/LSUB (RFC 9051 6.3.9): reference and pattern combined and decoded to
// a UTF-8 pattern over store names ("%" and "*" wildcards; a leading INBOX
// level upper-cased so it matches case-insensitively). nullopt when the
// pattern is not valid modified UTF-7 / UTF-8 (nothing can match it).
std::optional<std::string> list_pattern(std::string_view reference, std::string_view pattern,
                                        bool utf8);

// "*" matches any characters, "%" any except the hierarchy separator.
bool pattern_matches(std::string_view pattern, std::string_view name);
// Could a descendant of `name` ("name/...") match `pattern`? (LIST
// RECURSIVEMATCH and \HasChildren need it.)
bool pattern_may_match_below(std::string_view pattern, std::string_view name);

}  // namespace postamt::imap
