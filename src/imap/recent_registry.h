#pragma once
// \Recent (IMAP4rev1 only, RFC 3501 2.3.2): a message is recent in exactly
// one session, the first one told about it. The store keeps no such state
// (RFC 9051 dropped it), so this process remembers per mailbox the highest
// UID some session has already been told about. Process-wide and
// thread-safe; one small entry per mailbox ever selected.
//
// After a restart nothing is remembered: the first session to select a
// mailbox gets as recent the messages stored since this process started
// (the caller computes that boundary), not the whole mailbox.
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "store/types.h"

namespace postamt::imap {

class RecentRegistry {
  public:
    static RecentRegistry& instance();

    // Messages of `mailbox` with a UID above the returned value are \Recent
    // for the caller. `claim` (SELECT, not EXAMINE: RFC 3501 6.3.2) makes
    // the caller the session that saw them: the boundary moves up to
    // `highest`. `initial` is the boundary to assume when this process has
    // no entry for the mailbox yet.
    store::Uid boundary(store::MailboxId mailbox, store::Uid highest, bool claim,
                        store::Uid initial);
    // The boundary if this process has one for the mailbox (STATUS RECENT).
    std::optional<store::Uid> peek(store::MailboxId mailbox);
    // Unix time this process started (for the initial boundary).
    int64_t started() const { return started_; }

  private:
    RecentRegistry();
    std::mutex mu_;
    std::unordered_map<store::MailboxId, store::Uid> seen_;
    int64_t started_;
};

}  // namespace postamt::imap
