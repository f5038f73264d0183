#pragma once
// Mailboxes other accounts share with the logged-in user (RFC 4314 ACLs),
// seen under the "other users" namespace (RFC 2342 5):
//
//   Shared/<owner address>/<owner's mailbox name>
//
// resolve_mailbox() turns any client-visible name (own or shared) into the
// owner, the store mailbox and the user's rights on it; executors check the
// right their command needs (RFC 4314 4) with acl::has(). A shared mailbox
// the user may not see ("l" missing, and no other right) is reported as
// nonexistent, so its existence is not revealed (RFC 4314 4, 6).
// Runner side (awaits the store).
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "imap/session.h"

namespace postamt::imap {

inline constexpr std::string_view kSharedPrefix = "Shared";  // without the separator

struct ResolvedMailbox {
    store::Account owner;  // for own mailboxes: the session's account
    store::Mailbox mailbox;
    std::string rights;  // canonical (acl_rights.h); own mailboxes: all
    bool own = true;
};

// `name` is a store-form (UTF-8, decoded) name as mailbox_from_wire gives.
// Errors: not_found (no such mailbox or not visible), invalid.
asio::awaitable<Result<ResolvedMailbox>> resolve_mailbox(SessionPtr s, std::string name);

// "Shared/bob@example.org/INBOX" -> ("bob@example.org", "INBOX"); nullopt
// when `name` is not in the shared namespace. "INBOX" at the first level of
// the owner's names is matched case-insensitively.
std::optional<std::pair<std::string, std::string>> split_shared_name(std::string_view name);
std::string shared_name(std::string_view owner_address, std::string_view mailbox);

// Every mailbox shared with the user that the user may see ("l"), with its
// client-visible name. For LIST and NAMESPACE.
struct SharedMailbox {
    std::string name;  // "Shared/<owner>/<mailbox>"
    store::Mailbox mailbox;
    std::string owner;
    std::string rights;
};
asio::awaitable<std::vector<SharedMailbox>> list_shared_mailboxes(SessionPtr s);

// Before a command on a selected mailbox of another user: the rights are
// read again, so an ACL change reaches an open selection (RFC 4314 allows
// waiting for the next SELECT; Postamt does not). Without "r" (or when the
// mailbox is no longer visible) the selection ends with "* OK [CLOSED]"
// and the command gets the returned NO [NOPERM]; losing any of "s w t e"
// makes the selection read-only. nullopt: go ahead.
asio::awaitable<std::optional<Reply>> recheck_selected_rights(SessionPtr s);

}  // namespace postamt::imap
