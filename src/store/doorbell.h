#pragma once
// "Mailbox M is now at MODSEQ N": rung by the writer after COMMIT. Sessions
// that are behind pull the changes themselves (store::changes_since), so a
// slow reader costs nothing here and memory stays bounded.
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "store/types.h"

namespace postamt::store {

class Doorbell {
public:
    using Ring = std::function<void(MailboxId, ModSeq)>;
    // Returns a token; pass it to unsubscribe().
    uint64_t subscribe(MailboxId mailbox, Ring ring);
    void unsubscribe(MailboxId mailbox, uint64_t token);
    void ring(MailboxId mailbox, ModSeq modseq);
    std::size_t subscribers(MailboxId mailbox) const;

    // Account-wide (IMAP NOTIFY, RFC 5465): "mailbox M of account A is now
    // at MODSEQ N", or M == 0 when the account's mailbox list or
    // subscriptions changed (create, delete, rename, subscribe). A delivery
    // costs one call per session watching the account, whatever the number
    // of its mailboxes.
    uint64_t subscribe_account(AccountId account, Ring ring);
    void unsubscribe_account(AccountId account, uint64_t token);
    void ring_account(AccountId account, MailboxId mailbox, ModSeq modseq);

private:
    struct Entry {
        uint64_t token;
        std::shared_ptr<Ring> ring;
    };
    mutable std::mutex mu_;
    uint64_t next_token_ = 1;
    std::unordered_map<MailboxId, std::vector<Entry>> subs_;
    std::unordered_map<AccountId, std::vector<Entry>> account_subs_;
};

// Pins for deferred blob deletion (see BlobPin in store.h).
class PinRegistry {
public:
    // The epoch a release happening now is stamped with.
    uint64_t current_epoch() const;
    uint64_t acquire();
    void release(uint64_t epoch);
    // Blobs released at an epoch <= this may be deleted.
    uint64_t deletable_up_to() const;
    void set_epoch_floor(uint64_t e);

private:
    mutable std::mutex mu_;
    uint64_t epoch_ = 1;
    std::unordered_map<uint64_t, int> live_;  // epoch -> count
};

}  // namespace postamt::store
