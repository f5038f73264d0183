#pragma once
// The one interface every protocol uses (DESIGN.md "Storage invariants").
//
// Every call is asynchronous and batch-shaped: it returns at once and calls
// `done` later on a store thread (the writer for writes, a reader-pool thread
// for reads). Callers that live on an event loop post the result back to
// their executor (net/ wraps this as an Asio awaitable); the CLI and tests
// use store::wait(). Callbacks must be quick: never block in them.
//
// Writes go to a single writer thread that groups whatever is queued into one
// transaction (group commit), each request inside its own SAVEPOINT, blob
// bytes fdatasync'ed before COMMIT, and completions called only after COMMIT.
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "mime/parsed_message.h"
#include "store/types.h"

namespace postamt::store {

template <class T>
using Callback = std::function<void(Result<T>)>;

struct StoreOptions {
    std::string data_dir;            // holds mail.db and blobs/
    int reader_threads = 2;
    int64_t segment_max_bytes = 64 << 20;   // roll to a new segment file after this
    int64_t own_file_threshold = 1 << 20;   // larger messages get a file of their own
    int64_t min_free_bytes = 64 << 20;      // below this, deliveries fail with unavailable
    bool create = true;                     // create data_dir/db when missing
};

struct UidRange {
    Uid first = 1;
    Uid last = 0xFFFFFFFFu;
};

struct DeliveryTarget {
    AccountId account = 0;
    MailboxId mailbox = 0;  // 0: the account's INBOX
    Flags flags;
};

// ---- outbound queue (outbound_ops.cpp; docs/queue.md) ---------------------
// NOTIFY bits (RFC 3461 4.1); 0: not given, which this server treats as
// FAILURE,DELAY (the MTA's choice per RFC 3461 4.1).
enum OutboundNotify : uint8_t {
    kNotifySuccess = 1,
    kNotifyFailure = 2,
    kNotifyDelay = 4,
    kNotifyNever = 8,
};

struct OutboundRecipient {
    std::string address;  // RCPT TO forward-path, as given (local part case kept)
    std::string orcpt;    // ORCPT parameter as received ("rfc822;x@y"), empty: none
    uint8_t notify = 0;   // bits: 1 success, 2 failure, 4 delay, 8 never; 0 = default (failure+delay)
};

// One message for remote recipients: stored with the blob in the same
// transaction as the local copies (NewMessage::outbound).
struct OutboundEnvelope {
    std::string queue_id;          // unique, chosen by the caller (shown by `postamt queue`)
    std::string sender;            // MAIL FROM reverse-path; empty: null sender (<>)
    AccountId sender_account = 0;  // the submitting account, 0: none (relayed, DSN)
    std::string envid;             // RFC 3461 ENVID (xtext decoded), empty: none
    int ret = 0;                   // RFC 3461 RET: 0 unset, 1 FULL, 2 HDRS
    bool smtputf8 = false;         // RFC 6531 SMTPUTF8 was given
    bool body_8bit = false;        // BODY=8BITMIME (RFC 6152)
    std::vector<OutboundRecipient> recipients;  // at least one
};

struct NewMessage {
    std::string data;  // message bytes; canonicalised to CRLF by the store
    int64_t internal_date = 0;  // 0: now
    std::vector<DeliveryTarget> targets;
    bool enforce_quota = true;
    // When at least one target got its copy, the targets that failed go to
    // the local delivery queue in the same transaction (SMTP has answered
    // one 250 for all of them). When none succeeded nothing is queued: the
    // sender keeps the message and retries.
    bool queue_failures = false;
    // Import only: explicit UID (must be >= the mailbox's uid_next), POP3 UIDL,
    // save date. Only meaningful with a single target.
    Uid uid = 0;
    std::string pop3_uidl;
    int64_t save_date = 0;
    // Remote recipients: the message also becomes an outbound queue entry
    // holding a blob reference. A message may have only this (no targets).
    // If the entry cannot be stored (duplicate queue id, bad recipient) the
    // whole delivery fails and nothing is stored.
    std::optional<OutboundEnvelope> outbound;
    // This message is the DSN for these outbound recipient rows (ids from
    // OutboundDsn): in the same transaction, failed rows become 'bounced' and
    // delivered ones drop their pending success report. When any of them no
    // longer owes a report (another DSN was stored first, entry deleted) the
    // whole delivery fails with Errc::already_exists: a report is stored
    // exactly once, also across crashes and several queue runners.
    std::vector<int64_t> bounce_for;
    // This message is the delay warning for these entries (OutboundDsn with
    // delay): sets their delay_warned flag in the same transaction; fails
    // with Errc::already_exists when one was already warned or is gone.
    std::vector<int64_t> delay_warned_for;
};

// Per target: either a placed copy or the reason it was refused. One target
// failing (quota, mailbox gone) never undoes the others (own SAVEPOINT).
struct DeliveredCopy {
    AccountId account = 0;
    MailboxId mailbox = 0;
    uint32_t uid_validity = 0;
    Uid uid = 0;
    ModSeq modseq = 0;
    MessageId message_id = 0;
    Errc error = Errc::ok;
    std::string error_message;
    bool queued = false;  // failed, and waiting in the delivery queue
};

struct QueueRunStats {
    int delivered = 0;
    int deferred = 0;
    int expired = 0;  // gave up after max_age (logged; bounces come with the outbound queue)
    int remaining = 0;
};

// Recipient row states (column outbound_rcpt.state):
//   pending    waiting for (another) attempt
//   delivered  the remote server accepted it (final)
//   failed     permanent failure or expired (final unless a DSN is owed)
//   bounced    failed, and the DSN reporting it has been stored (final)
struct OutboundRecipientState {
    int64_t id = 0;
    std::string address;
    std::string domain;  // lower-cased part after the last '@'
    std::string orcpt;
    uint8_t notify = 0;
    std::string state;   // "pending", "delivered", "failed", "bounced"
    bool dsn_due = false;  // a report (failure or NOTIFY=SUCCESS) is owed, not stored yet
    int attempts = 0;
    int64_t next_attempt = 0;
    int64_t last_attempt = 0;  // 0: never tried
    std::string status;        // last enhanced status code "x.y.z"
    std::string diagnostic;    // last remote reply text (or local reason)
    std::string remote_mta;    // host that gave it
    std::string lease_owner;   // empty: not leased
    int64_t lease_expiry = 0;
};

struct OutboundEntry {
    int64_t id = 0;
    std::string queue_id;
    std::string sender;
    AccountId sender_account = 0;
    std::string envid;
    int ret = 0;
    bool smtputf8 = false;
    bool body_8bit = false;
    int64_t arrival = 0;
    bool delay_warned = false;
    BlobRef blob;  // read with Store::read_blob
    std::vector<OutboundRecipientState> recipients;
    std::string headers;  // show_outbound only: the message header block (CRLF, no blank line)
};

struct OutboundJobRecipient {
    int64_t id = 0;
    std::string address;
    std::string orcpt;
    uint8_t notify = 0;
    int attempts = 0;  // attempts before this one
};

// Due recipients of one entry for one domain, leased to the claiming owner.
struct OutboundJob {
    int64_t entry_id = 0;
    std::string queue_id;
    std::string sender;
    AccountId sender_account = 0;
    std::string envid;
    int ret = 0;
    bool smtputf8 = false;
    bool body_8bit = false;
    int64_t arrival = 0;
    bool delay_warned = false;
    std::string domain;
    std::vector<OutboundJobRecipient> recipients;
    BlobRef blob;  // Store::read_blob(blob, 0, -1, ...) gives the bytes (CRLF)
    int64_t size = 0;
};

struct OutboundOutcome {
    enum Kind { delivered, deferred, failed };
    int64_t recipient_id = 0;
    Kind kind = deferred;
    int64_t next_attempt = 0;  // deferred: when to try again
    std::string status;        // "x.y.z" (4.4.7 for expiry)
    std::string diagnostic;
    std::string remote_mta;
    int64_t attempt_time = 0;  // 0: now
};

// A report the runner must build and store (deliver() with bounce_for =
// the recipients' ids, or delay_warned_for = {entry.id} when `delay`).
// entry.recipients holds only the recipients to report: state "failed" or
// "delivered" (NOTIFY=SUCCESS), or "pending" for a delay warning.
struct OutboundDsn {
    OutboundEntry entry;
    bool delay = false;
};

struct OutboundStats {
    int64_t entries = 0;
    int64_t recipients_pending = 0;
    int64_t recipients_leased = 0;  // pending with a live lease (in flight)
    int64_t dsn_due = 0;            // recipients owing a report not stored yet
    int64_t oldest_arrival = 0;     // 0: queue empty
    int64_t next_due = 0;           // earliest time a pending recipient becomes claimable; 0: none
};

struct FlagChange {
    MailboxId mailbox = 0;
    std::vector<UidRange> uids;
    FlagOp op = FlagOp::add;
    Flags flags;
    std::optional<ModSeq> unchanged_since;  // RFC 7162 3.1.3
};

struct FlagChangeResult {
    std::vector<MessageRow> changed;  // rows as they are after the change
    std::vector<Uid> failed;          // UNCHANGEDSINCE failed ([MODIFIED])
    ModSeq highest_modseq = 0;
};

struct ExpungeRequest {
    MailboxId mailbox = 0;
    std::vector<UidRange> uids;  // empty: every message
    bool only_deleted = true;    // restrict to messages with \Deleted
};

struct ExpungeResult {
    std::vector<Uid> expunged;
    ModSeq highest_modseq = 0;
};

struct CopyRequest {
    MailboxId from = 0;
    MailboxId to = 0;
    std::vector<UidRange> uids;
    bool move = false;
};

struct CopyResult {
    uint32_t dest_uid_validity = 0;
    std::vector<std::pair<Uid, Uid>> mapping;  // source uid -> new uid (COPYUID)
    std::vector<Uid> expunged;                 // MOVE: removed from source
};

enum class RecipientKind { local, forward, unknown_user, not_local };

// What RCPT TO resolves to (aliases, catch-all, plus addressing, postmaster).
struct Resolution {
    RecipientKind kind = RecipientKind::not_local;
    std::vector<AccountId> accounts;          // local mailboxes to deliver to
    std::vector<std::string> forward_to;      // remote addresses an alias points at
};

struct NewAccount {
    std::string address;  // local@domain; domain must exist
    Credentials credentials;
    int64_t quota_bytes = 0;
    int64_t quota_messages = 0;
};

// ---- POP3 (pop3_ops.cpp) ---------------------------------------------------
// One message of a POP3 maildrop snapshot: what STAT/LIST/UIDL/RETR need,
// without flags, keywords or bodies (small enough for 50,000-message INBOXes).
struct Pop3Message {
    Uid uid = 0;
    BlobRef blob;                // blob.size: the octets POP3 reports and sends
    int64_t retrieved_at = 0;    // first complete RETR (unix seconds); 0: never
    std::string imported_uidl;   // empty: derived (pop3_uidl)
};

struct Pop3Maildrop {
    Mailbox inbox;
    std::vector<Pop3Message> messages;  // UID order
};

// ---- METADATA (RFC 5464; metadata_ops.cpp; owner: imap-ext) --------------
// Where annotations live: the server ones of `account` (mailbox 0; each
// account has its own view of "the server") or those of one mailbox of
// `account` (its owner). `user` is the account reading or writing: its
// /private entries are its own, /shared entries are one value for everyone.
struct MetadataScope {
    AccountId account = 0;
    MailboxId mailbox = 0;  // 0: server annotations
    AccountId user = 0;
};

// An entry name ("/private/comment", lower-case as stored) and its value;
// nullopt value: absent (GET) or delete (SET).
struct MetadataEntry {
    std::string name;
    std::optional<std::string> value;
};

struct MetadataLimits {
    int64_t max_value_bytes = 64 * 1024;  // larger: Errc::too_big
    int max_entries = 100;                // per scope, /shared plus the user's /private: Errc::over_quota
};

// Keeps blobs readable: a blob released (refcount reached zero) after the
// oldest live pin was taken is not deleted by compaction. A selected IMAP
// session holds one so an expunged message it still shows stays fetchable.
class BlobPin {
public:
    BlobPin() = default;
    BlobPin(BlobPin&&) noexcept;
    BlobPin& operator=(BlobPin&&) noexcept;
    ~BlobPin();

private:
    friend class Store;
    struct Registry;
    std::shared_ptr<Registry> reg_;
    uint64_t epoch_ = 0;
    bool live_ = false;
};

// The doorbell: "mailbox M is now at MODSEQ N". Destroying it unsubscribes.
class Subscription {
public:
    Subscription() = default;
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&&) noexcept = default;
    ~Subscription();

private:
    friend class Store;
    std::function<void()> cancel_;
};

struct CompactionStats {
    int64_t blobs_deleted = 0;
    int64_t segments_deleted = 0;
    int64_t bytes_freed = 0;
    int64_t tombstones_pruned = 0;
};

// ---- search and SORT/THREAD data (search_*.cpp; owner: search) -------------
struct SearchNode;  // store/search_query.h

// One message as SORT and THREAD (RFC 5256, RFC 5957) see it.
struct SortRow {
    Uid uid = 0;
    int64_t internal_date = 0;
    int64_t size = 0;
    // subject, base_subject, from/to/cc display forms (RFC 5957), their
    // addr-mailbox (from_mailbox etc., RFC 5256), message_id, sent_date (0:
    // no valid Date:). The *_mailbox fields are filled only when asked for
    // (kSortAddresses).
    mime::SortFields fields;
    std::string in_reply_to;  // raw, unfolded; only with kSortThreading
    std::string references;   // raw, unfolded; only with kSortThreading
};

// What sort_data() must fill beyond the columns mail.db has (those cost a
// lookup in the search database, or a blob read while not indexed yet).
enum SortNeeds : unsigned {
    kSortBasic = 0,          // uid, dates, size, subjects, display forms, message-id
    kSortAddresses = 1,      // + from/to/cc addr-mailbox (SORT FROM/TO/CC)
    kSortThreading = 2,      // + In-Reply-To and References (THREAD=REFERENCES)
    kSortAll = 3,
};

struct SearchIndexStatus {
    bool usable = false;        // search.db open and checked
    BlobId watermark = 0;       // blobs up to here are indexed (with exceptions in flight)
    int64_t indexed_blobs = 0;  // rows written since the store opened
    int64_t pending = 0;        // new or reused blob ids waiting for the indexer
    uint64_t rebuilds = 0;      // times search.db was found unusable and rebuilt
    int64_t scanned_blobs = 0;  // blobs searches decoded themselves (not indexed yet)
};

class Store {
public:
    static Result<std::shared_ptr<Store>> open(const StoreOptions& opts);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Finishes queued writes, then stops the threads. Idempotent.
    void close();
    int schema_version() const;
    static int latest_schema_version();

    // ---- directory: domains, accounts, aliases -----------------------------
    void add_domain(std::string name, Callback<Domain> done);
    void remove_domain(std::string name, Callback<Unit> done);  // fails if accounts remain
    void list_domains(Callback<std::vector<Domain>> done);

    // Creates INBOX, Sent, Drafts, Trash, Junk, Archive with special-use.
    void add_account(NewAccount acct, Callback<Account> done);
    void remove_account(std::string address, Callback<Unit> done);
    void set_credentials(AccountId id, Credentials cred, Callback<Unit> done);
    void set_quota(AccountId id, int64_t bytes, int64_t messages, Callback<Unit> done);
    // Disabled accounts cannot log in but still receive mail (Account::disabled).
    void set_disabled(AccountId id, bool disabled, Callback<Unit> done);
    void list_accounts(std::string domain /* empty: all */, Callback<std::vector<Account>> done);
    void find_account(std::string address, Callback<std::optional<Account>> done);
    void get_account(AccountId id, Callback<std::optional<Account>> done);

    void add_alias(Alias alias, Callback<Unit> done);
    void remove_alias(std::string source, std::string target /* empty: all */, Callback<Unit> done);
    void list_aliases(std::string domain /* empty: all */, Callback<std::vector<Alias>> done);
    void resolve_recipient(std::string address, Callback<Resolution> done);

    // ---- mailboxes ----------------------------------------------------------
    void list_mailboxes(AccountId account, Callback<std::vector<Mailbox>> done);
    void get_mailbox(AccountId account, std::string name, Callback<std::optional<Mailbox>> done);
    void get_mailbox_by_id(MailboxId id, Callback<std::optional<Mailbox>> done);
    // uid_validity 0: take the next value of the global counter.
    void create_mailbox(AccountId account, std::string name, std::string special_use,
                        uint32_t uid_validity, Callback<Mailbox> done);
    void delete_mailbox(AccountId account, std::string name, Callback<Unit> done);
    // RFC 9051 6.3.6: renames children too; renaming INBOX moves its messages.
    void rename_mailbox(AccountId account, std::string from, std::string to, Callback<Unit> done);
    void set_subscribed(AccountId account, std::string name, bool on, Callback<Unit> done);
    void list_subscriptions(AccountId account, Callback<std::vector<std::string>> done);
    // Import: after delivering with explicit UIDs, move uid_next forward.
    void set_uid_next(MailboxId mailbox, Uid uid_next, Callback<Unit> done);
    // Import: give an EMPTY mailbox (INBOX included) the UIDVALIDITY it had
    // on the old server. UIDs restart at 1 and old tombstones go, since a new
    // UIDVALIDITY tells clients to forget everything (RFC 9051 2.3.1.1).
    void set_uid_validity(MailboxId mailbox, uint32_t uid_validity, Callback<Unit> done);

    // ---- ACL (RFC 4314) -----------------------------------------------------
    void set_acl(MailboxId mailbox, AclEntry entry, Callback<Unit> done);  // empty rights: delete
    void get_acl(MailboxId mailbox, Callback<std::vector<AclEntry>> done);
    // Mailboxes of other accounts on which `identifier` (or "anyone") has rights.
    void list_shared_with(std::string identifier, Callback<std::vector<std::pair<Mailbox, AclEntry>>> done);

    // ---- messages -----------------------------------------------------------
    void deliver(NewMessage msg, Callback<std::vector<DeliveredCopy>> done);
    void change_flags(FlagChange change, Callback<FlagChangeResult> done);
    void expunge(ExpungeRequest req, Callback<ExpungeResult> done);
    void copy(CopyRequest req, Callback<CopyResult> done);

    void fetch_rows(MailboxId mailbox, std::vector<UidRange> uids, Callback<std::vector<MessageRow>> done);
    // New or flag-changed rows with modseq > since, and expunges after it.
    void changes_since(MailboxId mailbox, ModSeq since, Callback<MailboxChanges> done);
    void read_blob(BlobRef blob, int64_t offset, int64_t length /* -1: to end */, Callback<std::string> done);
    // The stored MIME summary (mime::ParsedMessage serialised).
    void read_summary(BlobId blob, Callback<std::string> done);
    // Retries queued local deliveries that are due: placed copies leave the
    // queue; failures back off (1 min doubling up to 1 h); entries older than
    // `max_age_seconds` are dropped with an error log line. `now` 0: the clock.
    void run_delivery_queue(int64_t max_age_seconds, Callback<QueueRunStats> done, int64_t now = 0);
    // Would adding `bytes` (and one message) exceed the account's quota?
    void check_quota(AccountId account, int64_t bytes, Callback<Unit> done);

    // ---- outbound queue (outbound_ops.cpp; docs/queue.md) ------------------
    // Entries are added by deliver() (NewMessage::outbound). `now` 0: the clock.
    //
    // Leases the due recipients (pending, next_attempt <= now, no live
    // lease) to `owner` until now + lease_seconds, at most max_recipients
    // in all, grouped into jobs of one entry and one domain, oldest due
    // first. A leased recipient's next_attempt moves to the lease expiry,
    // so a runner that dies leaves it due again when the lease runs out.
    void claim_outbound(std::string owner, int64_t now, int64_t lease_seconds, std::size_t max_recipients,
                        Callback<std::vector<OutboundJob>> done);
    // Records attempts: bumps attempts, sets last_* and releases the lease.
    // An outcome for a recipient no longer pending or leased to another
    // owner (the lease expired and was taken) is ignored. failed/delivered
    // rows owe a report when the sender is not null and NOTIFY asks for it.
    // Returns the reports these outcomes made owed (one OutboundDsn per
    // entry) and, when delay_warning_after > 0, a delay warning
    // for an entry older than that which was not warned yet and has pending
    // recipients whose NOTIFY allows it. An entry whose recipients are all
    // final and owe nothing is deleted and its blob reference released.
    void complete_outbound(std::string owner, std::vector<OutboundOutcome> outcomes, int64_t delay_warning_after,
                           Callback<std::vector<OutboundDsn>> done);
    // Drops the live leases of every owner whose name starts with
    // `owner_prefix` and makes those recipients due now; returns how many.
    // A runner calls it at start with the prefix its node's owner names
    // share ("host:"): after a crash or restart no delivery of an earlier
    // run of this node continues, so its recipients need not wait for the
    // leases to run out. Their late outcomes, if any, are ignored.
    void release_outbound_leases(std::string owner_prefix, Callback<int64_t> done);
    // Every report owed and not stored yet: those whose runner died, or
    // failed to store them, before the DSN was stored. A runner calls this
    // at start and now and then (every few minutes).
    void pending_outbound_dsns(Callback<std::vector<OutboundDsn>> done);
    // Sets an entry's delay_warned flag (without storing a message).
    void mark_delay_warned(int64_t entry_id, Callback<Unit> done);
    void outbound_stats(Callback<OutboundStats> done, int64_t now = 0);
    // Admin. list: every entry with its recipients, by arrival. show: one
    // entry (queue id) with the message's header block; not_found if none.
    void list_outbound(Callback<std::vector<OutboundEntry>> done);
    void show_outbound(std::string queue_id, Callback<OutboundEntry> done);
    // Makes the entry's pending recipients that are not in flight due now;
    // returns how many. not_found when the queue id does not exist.
    void retry_outbound(std::string queue_id, Callback<int64_t> done);
    // Removes the entry without any report; a runner in flight finds its
    // outcomes ignored. not_found when the queue id does not exist.
    void delete_outbound(std::string queue_id, Callback<Unit> done);
    // Every pending recipient not in flight due now; returns how many.
    void flush_outbound(Callback<int64_t> done);
    // Called (on a store thread, after COMMIT; must be quick) when outbound
    // rows were added or made due in this process: deliver() with an
    // envelope, retry_outbound, flush_outbound. Another process (the CLI)
    // does not call it: runners also poll (next_due in outbound_stats).
    void set_outbound_listener(std::function<void()> listener);

    // ---- POP3 (pop3_ops.cpp) -------------------------------------------------
    // The account's INBOX and its messages in UID order, from the rows only
    // (no message body is read): the snapshot a POP3 session works on.
    void pop3_maildrop(AccountId account, Callback<Pop3Maildrop> done);
    // POP3 downloaded these messages completely at `when` (unix seconds). A
    // message keeps its first download time (the retention clock does not
    // restart when a "leave on server" client downloads it again).
    void pop3_mark_retrieved(MailboxId mailbox, std::vector<Uid> uids, int64_t when, Callback<Unit> done);

    // ---- METADATA (RFC 5464; metadata_ops.cpp) --------------------------------
    // Entries named `names` (validated, lower-case, starting with /private or
    // /shared) and, by `depth` (0, 1, -1 infinity, RFC 5464 4.2.2), those
    // below them, in name order. Only existing entries are returned.
    void get_metadata(MetadataScope scope, std::vector<std::string> names, int depth,
                      Callback<std::vector<MetadataEntry>> done);
    // Sets (value) or deletes (nullopt) all entries or none (RFC 5464 4.3):
    // too_big for a value over the limit, over_quota when the scope would
    // hold more than max_entries entries, not_found when the mailbox is gone.
    void set_metadata(MetadataScope scope, std::vector<MetadataEntry> entries, MetadataLimits limits,
                      Callback<Unit> done);

    // ---- notification, lifetime, maintenance --------------------------------
    Subscription subscribe(MailboxId mailbox, std::function<void(MailboxId, ModSeq)> ring);
    // Every mailbox of `account` (IMAP NOTIFY): ring(M, N) after a change of
    // mailbox M, ring(0, 0) after its mailbox list or subscriptions changed.
    Subscription subscribe_account(AccountId account, std::function<void(MailboxId, ModSeq)> ring);
    BlobPin pin();
    // Deletes unreferenced, unpinned blobs and empty segments; prunes
    // tombstones older than `tombstone_age_seconds` (moves the expunge horizon).
    void compact(int64_t tombstone_age_seconds, Callback<CompactionStats> done);
    // Consistent online copy of the database and blobs into an empty directory.
    void backup(std::string dir, Callback<Unit> done);
    // Copies a backup into an empty or new data_dir (store not running there).
    static Status restore(const std::string& backup_dir, const std::string& data_dir);

    // ---- search, SORT/THREAD data (search_*.cpp; owner: search) ------------
    // UIDs of the messages in `mailbox` matching `query`, ascending. Runs on
    // a reader-pool thread: flags, dates, sizes from mail.db (SQL); text from
    // the FTS5 trigram index in <data_dir>/search.db where the message is
    // indexed and the term has >= 3 characters, otherwise by scanning the
    // decoded text. An unusable search.db never fails a search (it scans).
    // Include store/search_query.h to call it.
    void search(MailboxId mailbox, SearchNode query, Callback<std::vector<Uid>> done);
    // Sort/thread inputs of the messages in `uids` (empty: all), in UID order.
    void sort_data(MailboxId mailbox, std::vector<UidRange> uids, unsigned needs /* SortNeeds */,
                   Callback<std::vector<SortRow>> done);
    // Waits until every message committed before the call is indexed
    // (tests, benchmarks, `postamt` maintenance); unavailable when paused.
    void search_index_flush(Callback<Unit> done);
    // Pauses or resumes the indexer (tests compare indexed and scanned answers).
    void set_search_indexing(bool enabled);
    SearchIndexStatus search_index_status() const;

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Blocking adapter for the CLI and tests: wait(&Store::list_domains, store).
template <class T, class Start>
Result<T> wait_for(Start&& start) {
    auto p = std::make_shared<std::promise<Result<T>>>();
    auto f = p->get_future();
    start([p](Result<T> r) { p->set_value(std::move(r)); });
    return f.get();
}

// POP3 UIDL in Dovecot's default format (%08Xu%08Xv) unless one was imported.
std::string pop3_uidl(const MessageRow& row, uint32_t uid_validity);
std::string pop3_uidl(const Pop3Message& msg, uint32_t uid_validity);

// Lower-cases the domain, keeps the local part as given (RFC 5321 2.4), and
// validates both; empty optional when the address is not usable.
std::optional<std::pair<std::string, std::string>> split_address(std::string_view address);

}  // namespace postamt::store
