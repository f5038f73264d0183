#include "store/schema.h"

#include <string>

namespace postamt::store {
namespace {

// Version 1: the first released layout. Subscriptions were a column of
// mailboxes, which cannot express a subscription to a name that does not
// exist (RFC 9051 6.3.7 allows it; LSUB/LIST (SUBSCRIBED) report them).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('uidvalidity', 0);
CREATE TABLE domains(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE);
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  local_part TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  scram_sha256 TEXT NOT NULL DEFAULT '',
  quota_bytes INTEGER NOT NULL DEFAULT 0,
  quota_messages INTEGER NOT NULL DEFAULT 0,
  used_bytes INTEGER NOT NULL DEFAULT 0,
  used_messages INTEGER NOT NULL DEFAULT 0,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  UNIQUE(domain_id, local_part));
CREATE TABLE aliases(
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  PRIMARY KEY(source, target)) WITHOUT ROWID;
CREATE TABLE mailboxes(
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  special_use TEXT NOT NULL DEFAULT '',
  uid_validity INTEGER NOT NULL,
  uid_next INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 0,
  messages INTEGER NOT NULL DEFAULT 0,
  unseen INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  expunge_horizon INTEGER NOT NULL DEFAULT 0,
  subscribed INTEGER NOT NULL DEFAULT 0,
  UNIQUE(account_id, name));
CREATE TABLE blobs(
  id INTEGER PRIMARY KEY,
  segment INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  refcount INTEGER NOT NULL,
  released_epoch INTEGER,
  summary BLOB,
  subject TEXT, base_subject TEXT, from_addr TEXT, to_addr TEXT, cc_addr TEXT,
  message_id_hdr TEXT, sent_date INTEGER);
CREATE INDEX blobs_segment ON blobs(segment);
CREATE INDEX blobs_released ON blobs(released_epoch) WHERE refcount = 0;
CREATE TABLE messages(
  id INTEGER PRIMARY KEY,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  keywords TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  save_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  blob_id INTEGER NOT NULL REFERENCES blobs(id),
  pop3_uidl TEXT NOT NULL DEFAULT '',
  UNIQUE(mailbox_id, uid));
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
CREATE TABLE tombstones(
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  expunged_at INTEGER NOT NULL,
  PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;
CREATE INDEX tombstones_modseq ON tombstones(mailbox_id, modseq);
CREATE INDEX tombstones_age ON tombstones(expunged_at);
)sql";

// Version 2: subscriptions by name in their own table; ACL entries.
constexpr const char* kMigrateV2 = R"sql(
CREATE TABLE subscriptions(
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  PRIMARY KEY(account_id, name)) WITHOUT ROWID;
INSERT INTO subscriptions(account_id, name)
  SELECT account_id, name FROM mailboxes WHERE subscribed != 0;
ALTER TABLE mailboxes DROP COLUMN subscribed;
CREATE TABLE acl(
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
  identifier TEXT NOT NULL,
  rights TEXT NOT NULL,
  PRIMARY KEY(mailbox_id, identifier)) WITHOUT ROWID;
CREATE INDEX acl_identifier ON acl(identifier);
)sql";

// Version 3: the local delivery queue. A recipient whose copy failed after
// the others were stored (SMTP answered one 250 for all) waits here, holding
// a reference to the blob, until a retry places it (DESIGN.md "Queue").
constexpr const char* kMigrateV3 = R"sql(
CREATE TABLE delivery_queue(
  id INTEGER PRIMARY KEY,
  blob_id INTEGER NOT NULL REFERENCES blobs(id),
  account_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL DEFAULT 0,
  flags INTEGER NOT NULL DEFAULT 0,
  keywords TEXT NOT NULL DEFAULT '',
  internal_date INTEGER NOT NULL,
  created INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX delivery_queue_due ON delivery_queue(next_attempt);
)sql";

// Version 4: when a POP3 client first downloaded a message completely
// (RETR), for the [pop3] expire_days retention policy (RFC 2449 6.7). A
// column, not a table: it goes with the row on expunge, and a message moved
// out of INBOX and back is a new row that was never downloaded.
constexpr const char* kMigrateV4 = R"sql(
ALTER TABLE messages ADD COLUMN pop3_retrieved INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_pop3_retrieved ON messages(mailbox_id, pop3_retrieved) WHERE pop3_retrieved > 0;
)sql";

// Version 5: IMAP METADATA (RFC 5464) annotations, server ones (mailbox_id
// 0, kept per account: each user's view of "the server") and per mailbox.
// owner_id 0 is a /shared entry, otherwise the account whose /private entry
// it is (RFC 5464 3.2). Names are stored lower-case (they are
// case-insensitive). Triggers drop a mailbox's or an account's entries with
// it, so a later mailbox reusing the id starts without annotations.
constexpr const char* kMigrateV5 = R"sql(
CREATE TABLE metadata(
  account_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  owner_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY(account_id, mailbox_id, owner_id, name)) WITHOUT ROWID;
CREATE INDEX metadata_owner ON metadata(owner_id) WHERE owner_id != 0;
CREATE TRIGGER metadata_mailbox_deleted AFTER DELETE ON mailboxes BEGIN
  DELETE FROM metadata WHERE account_id = OLD.account_id AND mailbox_id = OLD.id;
END;
CREATE TRIGGER metadata_account_deleted AFTER DELETE ON accounts BEGIN
  DELETE FROM metadata WHERE account_id = OLD.id OR owner_id = OLD.id;
END;
)sql";

// Version 6: the outbound queue (DESIGN.md "Queue", docs/queue.md). An
// entry per message holds a blob reference (refcount) while any recipient
// needs it; a row per recipient keeps the delivery state, the DSN fields
// (RFC 3461: ORCPT, NOTIFY; the entry has ENVID, RET) and a lease (owner,
// expiry) so several runners can share the queue. A leased row's
// next_attempt is its lease expiry, so "due" is one index range.
constexpr const char* kMigrateV6 = R"sql(
CREATE TABLE outbound(
  id INTEGER PRIMARY KEY,
  queue_id TEXT NOT NULL UNIQUE,
  blob_id INTEGER NOT NULL REFERENCES blobs(id),
  sender TEXT NOT NULL,
  sender_account INTEGER NOT NULL DEFAULT 0,
  envid TEXT NOT NULL DEFAULT '',
  ret INTEGER NOT NULL DEFAULT 0,
  smtputf8 INTEGER NOT NULL DEFAULT 0,
  body_8bit INTEGER NOT NULL DEFAULT 0,
  arrival INTEGER NOT NULL,
  delay_warned INTEGER NOT NULL DEFAULT 0);
CREATE INDEX outbound_arrival ON outbound(arrival);
CREATE TABLE outbound_rcpt(
  id INTEGER PRIMARY KEY,
  entry_id INTEGER NOT NULL REFERENCES outbound(id),
  address TEXT NOT NULL,
  domain TEXT NOT NULL,
  orcpt TEXT NOT NULL DEFAULT '',
  notify INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'delivered', 'failed', 'bounced')),
  dsn_due INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_attempt INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT '',
  diagnostic TEXT NOT NULL DEFAULT '',
  remote_mta TEXT NOT NULL DEFAULT '',
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expiry INTEGER NOT NULL DEFAULT 0);
CREATE INDEX outbound_rcpt_entry ON outbound_rcpt(entry_id);
CREATE INDEX outbound_rcpt_due ON outbound_rcpt(next_attempt) WHERE state = 'pending';
CREATE INDEX outbound_rcpt_dsn ON outbound_rcpt(entry_id) WHERE dsn_due != 0;
)sql";

// Version 7: "disable login" (postamt user disable, admin API). A disabled
// account cannot log in (IMAP, POP3, submission answer as for a wrong
// password) but keeps receiving mail, like Dovecot's nologin / Postfix
// setups where only the login is turned off (docs/admin-api.md).
constexpr const char* kMigrateV7 = R"sql(
ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
)sql";

struct Migration {
    int to_version;
    const char* sql;
};
constexpr Migration kMigrations[] = {
    {1, kSchemaV1},
    {2, kMigrateV2},
    {3, kMigrateV3},
    {4, kMigrateV4},
    {5, kMigrateV5},
    {6, kMigrateV6},
    {7, kMigrateV7},
};

int user_version(Db& db) {
    auto st = db.prepare("PRAGMA user_version");
    return st->step() ? static_cast<int>(st->i64(0)) : 0;
}

}  // namespace

std::string schema_sql_up_to(int version) {
    std::string out;
    for (const auto& m : kMigrations)
        if (m.to_version <= version) out += m.sql;
    return out;
}

Result<int> migrate_schema(Db& db) {
    try {
        db.exec("BEGIN IMMEDIATE");
        int found = user_version(db);
        if (found > kSchemaVersion) {
            db.exec("ROLLBACK");
            return make_error(Errc::invalid,
                              "database schema version " + std::to_string(found) +
                                  " is newer than this postamt supports (" +
                                  std::to_string(kSchemaVersion) +
                                  "); upgrade postamt or restore a backup made by this version");
        }
        for (const auto& m : kMigrations) {
            if (m.to_version <= found) continue;
            db.exec(m.sql);
            db.exec("PRAGMA user_version = " + std::to_string(m.to_version));
        }
        db.exec("COMMIT");
        return found;
    } catch (const SqliteError& e) {
        try {
            db.exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        return make_error(Errc::internal, std::string("schema migration failed: ") + e.what());
    }
}

}  // namespace postamt::store
