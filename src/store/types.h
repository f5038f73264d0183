#pragma once
// Plain data the store hands out. Everything here is a value: safe to copy
// across threads, no handles into SQLite.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace postamt::store {

using DomainId = int64_t;
using AccountId = int64_t;
using MailboxId = int64_t;
using MessageId = int64_t;  // global, never reused: IMAP OBJECTID EMAILID
using BlobId = int64_t;
using Uid = uint32_t;
using ModSeq = uint64_t;

// Mailbox hierarchy separator in stored names (IMAP LIST delimiter).
inline constexpr char kHierarchySep = '/';

struct Domain {
    DomainId id = 0;
    std::string name;  // lower-case, A-label/U-label as given (IDNA in cli)
};

// Credentials as the auth module needs them; the store keeps them opaque.
struct Credentials {
    std::string password_hash;  // "{ARGON2ID}$argon2id$...", "{SHA512-CRYPT}$6$..."
    std::string scram_sha256;   // "iter:salt_b64:storedkey_b64:serverkey_b64", empty if none
};

struct Account {
    AccountId id = 0;
    DomainId domain_id = 0;
    std::string local_part;
    std::string domain;
    std::string address() const { return local_part + "@" + domain; }
    int64_t quota_bytes = 0;     // 0: unlimited
    int64_t quota_messages = 0;  // 0: unlimited
    int64_t used_bytes = 0;
    int64_t used_messages = 0;
    ModSeq highest_modseq = 0;
    Credentials credentials;
    // Login refused (IMAP, POP3, submission), mail still delivered (schema 7).
    bool disabled = false;
};

struct Alias {
    std::string source;  // "local@domain" or "@domain" (catch-all)
    std::string target;  // "local@domain" (any address, may be remote)
};

struct Mailbox {
    MailboxId id = 0;
    AccountId account_id = 0;
    std::string name;         // UTF-8, '/' separated, "INBOX" canonical
    std::string special_use;  // "\\Sent" etc., empty when none
    uint32_t uid_validity = 0;
    Uid uid_next = 1;
    ModSeq highest_modseq = 0;
    uint32_t messages = 0;
    uint32_t unseen = 0;
    int64_t size = 0;           // sum of message sizes (STATUS=SIZE)
    bool subscribed = false;
};

enum class FlagOp { add, remove, replace };

// System flags as a bit set; keywords as strings (RFC 9051 2.3.2).
enum SystemFlag : uint32_t {
    kSeen = 1, kAnswered = 2, kFlagged = 4, kDeleted = 8, kDraft = 16,
    // \Recent is session state in IMAP4rev1 and gone in rev2; not stored.
};

struct Flags {
    uint32_t system = 0;
    std::vector<std::string> keywords;  // sorted, unique, case preserved
    bool operator==(const Flags&) const = default;
};

struct BlobRef {
    BlobId id = 0;
    int64_t size = 0;  // canonical CRLF size == RFC822.SIZE
};

struct MessageRow {
    MessageId message_id = 0;
    Uid uid = 0;
    ModSeq modseq = 0;
    Flags flags;
    int64_t internal_date = 0;  // unix seconds
    int64_t save_date = 0;      // unix seconds
    BlobRef blob;
    std::string pop3_uidl;  // imported value; empty: derive from uidvalidity+uid
};

struct Tombstone {
    Uid uid = 0;
    ModSeq modseq = 0;
};

// What a session that is behind pulls after the doorbell rang.
struct MailboxChanges {
    ModSeq highest_modseq = 0;
    Uid uid_next = 1;
    std::vector<MessageRow> changed;  // new or flag-changed since, uid order
    std::vector<Uid> expunged;        // uids expunged since, ascending
    bool expunges_complete = true;    // false: older than the expunge horizon
};

struct AclEntry {
    std::string identifier;  // "user@domain", "anyone", "-user@domain"
    std::string rights;      // RFC 4314 letters, e.g. "lrswipkxtecda"
};

}  // namespace postamt::store
