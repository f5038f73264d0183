#pragma once
// What a session with a selected mailbox shows its client: the message
// sequence (seq -> UID), a small per-message cache, and the changes pulled
// from the store that the client has not been told about yet. Asio-free;
// the runner decides *when* updates may be sent (RFC 9051 7.4.1: never an
// EXPUNGE during FETCH, STORE or SEARCH, nor outside a command) and calls
// take_updates() at those points.
//
// Sequence numbers stay consistent per session: a message expunged by
// someone else keeps its number (and stays fetchable: the session holds a
// BlobPin, and its blob id is cached here) until the EXPUNGE/VANISHED for
// it has been sent; new messages get numbers when EXISTS is sent.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace postamt::imap {

class MailboxView {
  public:
    static constexpr uint32_t kRecent =
        1u << 31;  // in Entry::flags, with the store's system flag bits

    // 40 bytes per message (100,000 messages: 4 MB per selecting session).
    struct Entry {
        store::Uid uid = 0;
        uint32_t flags = 0;  // store::SystemFlag bits | kRecent
        store::ModSeq modseq = 0;
        store::BlobId blob = 0;
        int64_t size = 0;
        int64_t internal_date = 0;
    };

    // How updates are worded.
    struct Wording {
        bool qresync = false;    // VANISHED instead of EXPUNGE (RFC 7162 3.2.10)
        bool condstore = false;  // MODSEQ in every untagged FETCH (RFC 7162 3.2.4)
        bool recent = true;      // IMAP4rev1: RECENT counts and \Recent (not under IMAP4rev2)
    };
    // Messages with a UID above the returned boundary become \Recent in
    // this session (recent_registry.h); called with the highest new UID.
    using RecentClaim = std::function<store::Uid(store::Uid highest)>;

    // SELECT/EXAMINE: the mailbox as read first, then its rows in UID order
    // (read after it, so nothing between is lost); rows above
    // `recent_after` are \Recent.
    void open(const store::Mailbox& mb, const std::vector<store::MessageRow>& rows,
              store::Uid recent_after);

    store::MailboxId mailbox() const { return mailbox_; }
    uint32_t uid_validity() const { return uid_validity_; }
    uint32_t exists() const { return static_cast<uint32_t>(entries_.size()); }
    uint32_t recent_count() const;
    store::Uid uid_next() const { return uid_next_; }
    store::Uid max_uid() const { return entries_.empty() ? 0 : entries_.back().uid; }
    // HIGHESTMODSEQ the client may be told: what the view has pulled up to.
    store::ModSeq known_modseq() const { return known_modseq_; }
    const std::vector<Entry>& entries() const { return entries_; }
    const Entry& at_seq(uint32_t seq) const { return entries_[seq - 1]; }
    std::optional<uint32_t> seq_of(store::Uid uid) const;
    // Sequence numbers (ascending) of the shown messages whose UID is in `ranges`
    // (normalised, sequence_set.h).
    std::vector<uint32_t> seqs_in(const std::vector<store::UidRange>& ranges) const;
    // Gone in the store, still shown (no EXPUNGE sent yet).
    bool is_expunged(store::Uid uid) const;
    // Keywords seen in this mailbox (for the FLAGS response).
    const std::vector<std::string>& keywords() const { return keywords_; }
    // IMAP4rev1 SELECT: sequence number of the first message without \Seen.
    std::optional<uint32_t> first_unseen() const;

    // ---- changes ---------------------------------------------------------------
    // What store::changes_since(mailbox, known_modseq()) returned.
    void apply(const store::MailboxChanges& changes);
    bool has_pending() const;
    // A pull started after the doorbell said "at MODSEQ n" has seen
    // everything up to n, even if the store reported a lower highest MODSEQ.
    void raise_known(store::ModSeq n) { known_modseq_ = std::max(known_modseq_, n); }
    bool has_pending_expunges() const { return !pending_expunged_.empty(); }
    // Rows this session changed itself and reports in its own responses
    // (STORE, FETCH setting \Seen): later pulls do not repeat them.
    void note_rows(const std::vector<store::MessageRow>& rows);
    // UIDs this session expunged itself (EXPUNGE, MOVE): announced by the
    // next take_updates(true, ...).
    void note_expunged(const std::vector<store::Uid>& uids);
    // Newly seen keywords (own STORE): the next updates repeat FLAGS.
    void note_keywords(const std::vector<std::string>& keywords);

    // The untagged responses for everything pending, in this order:
    // EXPUNGE/VANISHED (only when `allow_expunge`), FLAGS (when new keywords
    // appeared), EXISTS (and RECENT), FETCH for flag changes. The view
    // reflects them once returned.
    std::string take_updates(bool allow_expunge, const Wording& w, const RecentClaim& claim);

  private:
    void add_keywords(const std::vector<std::string>& kws);
    Entry* find(store::Uid uid);

    store::MailboxId mailbox_ = 0;
    uint32_t uid_validity_ = 0;
    store::Uid uid_next_ = 1;
    store::ModSeq known_modseq_ = 0;
    std::vector<Entry> entries_;                    // UID order == sequence order
    std::vector<store::Uid> pending_expunged_;      // sorted; UIDs still in entries_
    std::vector<store::MessageRow> pending_new_;    // sorted by UID; not in entries_ yet
    std::vector<store::MessageRow> pending_flags_;  // sorted by UID; in entries_
    std::vector<std::string> keywords_;
    bool keywords_changed_ = false;
};

// "* 12 FETCH (FLAGS (\Seen) UID 42 MODSEQ (7))\r\n" for an unsolicited or
// STORE-caused flag update.
std::string format_flags_fetch(uint32_t seq, const store::MessageRow& row, bool recent,
                               bool with_uid, bool with_modseq);

}  // namespace postamt::imap
