#pragma once
// The attributes of a STATUS response (RFC 9051 7.3.4), shared by STATUS
// and LIST-STATUS (RFC 5819). Runner side: reads the store.
#include <optional>
#include <string>
#include <vector>

#include "imap/command.h"
#include "imap/object_id.h"
#include "imap/session.h"

namespace postamt::imap {

// "MESSAGES 3 UIDNEXT 4 ..." for `mb` (without parentheses), or nullopt when
// the store failed. DELETED and RECENT cost a search; the rest comes from
// the mailbox row.
asio::awaitable<std::optional<std::string>> status_attributes(SessionPtr s, store::Mailbox mb,
                                                              std::vector<StatusItem> items);

}  // namespace postamt::imap
