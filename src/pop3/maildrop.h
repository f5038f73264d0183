#pragma once
// The maildrop as one POP3 session sees it (RFC 1939 5/6): the account's
// INBOX snapshotted at login, message numbers 1..N in UID order, the
// session's deletion marks (applied only at QUIT, RFC 1939 6) and which
// messages RETR sent completely (for the retention policy). Messages that
// arrive later appear in the next session; ones another session expunges
// keep their number here (their bytes stay readable under the session's
// blob pin).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace postamt::pop3 {

enum class Lookup { ok, no_such_message, deleted };

class Maildrop {
  public:
    Maildrop() = default;
    explicit Maildrop(store::Pop3Maildrop md);

    store::MailboxId mailbox_id() const { return mailbox_id_; }
    std::uint32_t uid_validity() const { return uid_validity_; }

    // Highest message number (deleted ones included).
    std::uint32_t size() const { return static_cast<std::uint32_t>(messages_.size()); }
    // STAT: messages not marked deleted and their octets.
    std::uint32_t live_count() const { return live_count_; }
    std::int64_t live_octets() const { return live_octets_; }

    Lookup lookup(std::uint32_t msgno) const;
    // msgno must be 1..size().
    const store::Pop3Message& message(std::uint32_t msgno) const { return messages_[msgno - 1]; }
    std::int64_t octets(std::uint32_t msgno) const { return message(msgno).blob.size; }
    std::string uidl(std::uint32_t msgno) const;
    bool is_deleted(std::uint32_t msgno) const { return marks_[msgno - 1] & kDeleted; }

    // DELE; false when already marked.
    bool mark_deleted(std::uint32_t msgno);
    // RSET: unmarks everything; returns how many were marked.
    std::uint32_t unmark_all();
    // RETR sent the whole message.
    void mark_retrieved(std::uint32_t msgno) { marks_[msgno - 1] |= kRetrieved; }

    // For the UPDATE state: UIDs marked deleted, and UIDs retrieved but kept.
    std::vector<store::Uid> deleted_uids() const;
    std::vector<store::Uid> retrieved_kept_uids() const;
    std::uint32_t deleted_count() const { return size() - live_count_; }

  private:
    static constexpr std::uint8_t kDeleted = 1, kRetrieved = 2;
    store::MailboxId mailbox_id_ = 0;
    std::uint32_t uid_validity_ = 0;
    std::vector<store::Pop3Message> messages_;
    std::vector<std::uint8_t> marks_;
    std::uint32_t live_count_ = 0;
    std::int64_t live_octets_ = 0;
};

// Retention (RFC 2449 6.7 EXPIRE, [pop3] expire_days): UIDs of messages
// whose first complete download is at least `expire_days` days before `now`
// (unix seconds). Empty when expire_days is 0.
std::vector<store::Uid> expired_uids(const store::Pop3Maildrop& md, std::int64_t now,
                                     std::uint32_t expire_days);

// RFC 1939 7: a unique-id is 1 to 70 characters in 0x21..0x7E. An
// imported UIDL that is not is replaced by the derived one.
bool valid_uidl(std::string_view s);

// Drops the messages with these UIDs (ascending) from a snapshot.
void remove_uids(store::Pop3Maildrop& md, const std::vector<store::Uid>& uids);

// Ascending UIDs -> the fewest UidRanges covering exactly them.
std::vector<store::UidRange> to_ranges(const std::vector<store::Uid>& uids);

}  // namespace postamt::pop3
