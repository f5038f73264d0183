#pragma once
// Import of a Dovecot-layout Maildir++ into an existing account, keeping
// what clients have cached: UIDVALIDITY and UIDs (dovecot-uidlist), flags
// and keywords (file name info + dovecot-keywords), POP3 UIDLs (P field),
// internal dates (file mtime) and subscriptions. The CLI glue is in
// cmd_import.cpp; this part is independent of the command line.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace postamt::cli {

struct MaildirImportSummary {
    int folders = 0;
    int64_t messages = 0;
    int64_t bytes = 0;  // as stored (CRLF)
    int subscriptions = 0;
    std::vector<std::string> warnings;  // things kept differently than in the source
};

// Imports `maildir_path` (the INBOX is its root; subfolders are ".Name.Sub"
// directories in modified UTF-7) into `account`. Checks everything first and
// refuses with Errc::already_exists, importing nothing, when a target
// mailbox already holds messages (so a second run never duplicates mail);
// Errc::invalid for a path that is not a maildir or unreadable metadata.
// Existing empty mailboxes (those created with the account) are recreated
// with the imported UIDVALIDITY, keeping their special-use.
Result<MaildirImportSummary> import_maildir(store::Store& st, const store::Account& account,
                                            const std::string& maildir_path);

}  // namespace postamt::cli
