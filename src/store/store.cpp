#include "store/store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/core.h>

#include "common/log.h"
#include "store/mailbox_name.h"
#include "store/schema.h"
#include "store/store_impl.h"

namespace postamt::store {

// ---- row mapping and small helpers ------------------------------------------

Account account_from(Stmt& s) {
    Account a;
    a.id = s.i64(0);
    a.domain_id = s.i64(1);
    a.local_part = s.text(2);
    a.domain = s.text(3);
    a.quota_bytes = s.i64(4);
    a.quota_messages = s.i64(5);
    a.used_bytes = s.i64(6);
    a.used_messages = s.i64(7);
    a.highest_modseq = static_cast<ModSeq>(s.i64(8));
    a.credentials.password_hash = s.text(9);
    a.credentials.scram_sha256 = s.text(10);
    a.disabled = s.i64(11) != 0;
    return a;
}

Mailbox mailbox_from(Stmt& s) {
    Mailbox m;
    m.id = s.i64(0);
    m.account_id = s.i64(1);
    m.name = s.text(2);
    m.special_use = s.text(3);
    m.uid_validity = static_cast<uint32_t>(s.i64(4));
    m.uid_next = static_cast<Uid>(s.i64(5));
    m.highest_modseq = static_cast<ModSeq>(s.i64(6));
    m.messages = static_cast<uint32_t>(s.i64(7));
    m.unseen = static_cast<uint32_t>(s.i64(8));
    m.size = s.i64(9);
    m.subscribed = s.i64(10) != 0;
    return m;
}

MessageRow message_from(Stmt& s) {
    MessageRow r;
    r.message_id = s.i64(0);
    r.uid = static_cast<Uid>(s.i64(1));
    r.modseq = static_cast<ModSeq>(s.i64(2));
    r.flags.system = static_cast<uint32_t>(s.i64(3));
    r.flags.keywords = split_keywords(s.text(4));
    r.internal_date = s.i64(5);
    r.save_date = s.i64(6);
    r.blob.size = s.i64(7);
    r.blob.id = s.i64(8);
    r.pop3_uidl = s.text(9);
    return r;
}

std::string join_keywords(const std::vector<std::string>& kw) {
    std::string out;
    for (const auto& k : kw) {
        if (!out.empty()) out += ' ';
        out += k;
    }
    return out;
}

std::vector<std::string> split_keywords(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = s.find(' ', i);
        if (j == std::string_view::npos) j = s.size();
        if (j > i) out.emplace_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

uint32_t next_uid_validity(Db& db) {
    auto st = db.prepare(
        "UPDATE counters SET value = max(value + 1, ?) WHERE name = 'uidvalidity' RETURNING value");
    st->bind(1, unix_now());
    if (!st->step()) throw SqliteError(SQLITE_CORRUPT, "uidvalidity counter missing");
    auto v = st->i64(0);
    st->run();
    if (v <= 0 || v > 0xFFFFFFFFll) throw SqliteError(SQLITE_RANGE, "uidvalidity counter out of range");
    return static_cast<uint32_t>(v);
}

ModSeq next_modseq(Db& db, AccountId account) {
    auto st = db.prepare(
        "UPDATE accounts SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq");
    st->bind(1, account);
    if (!st->step()) throw SqliteError(SQLITE_NOTFOUND, "account vanished");
    auto v = static_cast<ModSeq>(st->i64(0));
    st->run();
    return v;
}

std::optional<Mailbox> mailbox_by_name(Db& db, AccountId account, const std::string& name) {
    auto st = db.prepare("SELECT " POSTAMT_MAILBOX_COLS "WHERE m.account_id = ? AND m.name = ?");
    st->bind(1, account).bind(2, name);
    if (!st->step()) return std::nullopt;
    return mailbox_from(*st);
}

std::optional<Mailbox> mailbox_by_id(Db& db, MailboxId id) {
    auto st = db.prepare("SELECT " POSTAMT_MAILBOX_COLS "WHERE m.id = ?");
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return mailbox_from(*st);
}

void release_blob(WriteTx& tx, BlobId blob) {
    auto st = tx.db.prepare(
        "UPDATE blobs SET refcount = refcount - 1, "
        "released_epoch = CASE WHEN refcount = 1 THEN ? ELSE released_epoch END WHERE id = ?");
    st->bind(1, static_cast<int64_t>(tx.pins.current_epoch())).bind(2, blob);
    st->run();
}

std::string pop3_uidl(const MessageRow& row, uint32_t uid_validity) {
    if (!row.pop3_uidl.empty()) return row.pop3_uidl;
    return fmt::format("{:08X}{:08X}", row.uid, uid_validity);
}

std::optional<std::pair<std::string, std::string>> split_address(std::string_view address) {
    if (address.size() > 320) return std::nullopt;
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return std::nullopt;
    std::string_view local = address.substr(0, at);
    std::string_view domain = address.substr(at + 1);
    if (local.size() > 64 * 4 || domain.size() > 255) return std::nullopt;
    if (!is_valid_utf8(address)) return std::nullopt;
    for (unsigned char c : address)
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') return std::nullopt;
    for (unsigned char c : domain)
        if (c == '@' || c == '/' || c == '\\') return std::nullopt;
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos)
        return std::nullopt;
    // Local parts are matched case-insensitively, as Postfix and Dovecot do
    // by default; RFC 5321 2.4 allows either.
    return std::make_pair(ascii_lower(local), ascii_lower(domain));
}

// ---- pins and subscriptions -------------------------------------------------

BlobPin::BlobPin(BlobPin&& o) noexcept : reg_(std::move(o.reg_)), epoch_(o.epoch_), live_(o.live_) {
    o.live_ = false;
}

BlobPin& BlobPin::operator=(BlobPin&& o) noexcept {
    if (this != &o) {
        if (live_ && reg_) reg_->pins.release(epoch_);
        reg_ = std::move(o.reg_);
        epoch_ = o.epoch_;
        live_ = o.live_;
        o.live_ = false;
    }
    return *this;
}

BlobPin::~BlobPin() {
    if (live_ && reg_) reg_->pins.release(epoch_);
}

Subscription::~Subscription() {
    if (cancel_) cancel_();
}

BlobPin Store::pin() {
    BlobPin p;
    p.reg_ = impl_->pin_reg;
    p.epoch_ = impl_->pin_reg->pins.acquire();
    p.live_ = true;
    return p;
}

Subscription Store::subscribe(MailboxId mailbox, std::function<void(MailboxId, ModSeq)> ring) {
    Subscription s;
    uint64_t token = impl_->doorbell->subscribe(mailbox, std::move(ring));
    std::weak_ptr<Doorbell> weak = impl_->doorbell;
    s.cancel_ = [weak, mailbox, token] {
        if (auto d = weak.lock()) d->unsubscribe(mailbox, token);
    };
    return s;
}

Subscription Store::subscribe_account(AccountId account, std::function<void(MailboxId, ModSeq)> ring) {
    Subscription s;
    uint64_t token = impl_->doorbell->subscribe_account(account, std::move(ring));
    std::weak_ptr<Doorbell> weak = impl_->doorbell;
    s.cancel_ = [weak, account, token] {
        if (auto d = weak.lock()) d->unsubscribe_account(account, token);
    };
    return s;
}

// ---- lifecycle ----------------------------------------------------------------

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { close(); }

int Store::schema_version() const { return kSchemaVersion; }
int Store::latest_schema_version() { return kSchemaVersion; }

Result<std::shared_ptr<Store>> Store::open(const StoreOptions& opts) {
    auto impl = std::make_unique<Impl>();
    impl->opts = opts;
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(opts.data_dir, ec)) {
        if (!opts.create) return make_error(Errc::not_found, "data directory " + opts.data_dir + " does not exist");
        fs::create_directories(opts.data_dir, ec);
        if (ec) return make_error(Errc::unavailable, "cannot create " + opts.data_dir + ": " + ec.message());
    }
    impl->db_path = opts.data_dir + "/mail.db";
    bool fresh = !fs::exists(impl->db_path, ec);
    if (fresh && !opts.create) return make_error(Errc::not_found, "no store at " + opts.data_dir);

    auto db = Db::open(impl->db_path, false, true);
    if (!db) return db.error();
    impl->wdb = std::move(db.value());
    try {
        impl->wdb->exec("PRAGMA journal_mode = WAL");
        impl->wdb->exec("PRAGMA synchronous = FULL");
        impl->wdb->exec("PRAGMA wal_autocheckpoint = 0");
        impl->wdb->exec("PRAGMA foreign_keys = ON");
    } catch (const SqliteError& e) {
        return make_error(Errc::unavailable, std::string("cannot configure database: ") + e.what());
    }
    auto found = migrate_schema(*impl->wdb);
    if (!found) return found.error();
    impl->schema_found = found.value();
    if (found.value() != 0 && found.value() < kSchemaVersion)
        log::info("event=schema_migrated from={} to={}", found.value(), kSchemaVersion);

    // Releases stamped by an earlier run are all older than any pin of this
    // run: start the epoch above them.
    try {
        auto st = impl->wdb->prepare("SELECT coalesce(max(released_epoch), 0) FROM blobs WHERE refcount = 0");
        if (st->step()) impl->pin_reg->pins.set_epoch_floor(static_cast<uint64_t>(st->i64(0)) + 1);
    } catch (const SqliteError& e) {
        return make_error(Errc::internal, e.what());
    }

    impl->blobs = std::make_unique<BlobFiles>(opts.data_dir + "/blobs", opts.segment_max_bytes,
                                              opts.own_file_threshold, opts.min_free_bytes);
    if (auto st = impl->blobs->open(); !st) return st.error();

    impl->readers = std::make_unique<ReaderPool>(impl->db_path, opts.reader_threads);
    if (auto st = impl->readers->start(); !st) return st.error();

    auto cdb = Db::open(impl->db_path, false, false);
    if (!cdb) return cdb.error();
    impl->ckpt_db = std::move(cdb.value());
    // A connection learns that the database is in WAL mode only when it
    // first reads it; until then every PASSIVE checkpoint is a no-op and the
    // WAL grows without bound (found at 245 MB after 100,000 deliveries).
    impl->ckpt_db->exec("SELECT count(*) FROM sqlite_master");

    // Search index (search_index.h): derived, so it never stops the store from opening.
    impl->search = std::make_unique<SearchIndex>(opts.data_dir, impl->db_path, *impl->blobs);
    impl->search->start();

    impl->writer = std::make_unique<Writer>(*impl->wdb, *impl->blobs, impl->pin_reg->pins, *impl->doorbell);
    impl->writer->start();
    impl->ckpt_thread = std::thread([p = impl.get()] { p->checkpoint_loop(); });
    return std::shared_ptr<Store>(new Store(std::move(impl)));
}

void Store::Impl::checkpoint_loop() {
    std::unique_lock lk(ckpt_mu);
    while (!ckpt_stop) {
        ckpt_cv.wait_for(lk, std::chrono::milliseconds(500));
        if (ckpt_stop) break;
        lk.unlock();
        int log_frames = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(ckpt_db->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log::warn("event=wal_checkpoint_failed rc={}", rc);
        lk.lock();
    }
}

void Store::close() {
    if (!impl_ || impl_->closed.exchange(true)) return;
    impl_->search->stop();
    impl_->writer->stop();
    impl_->readers->stop();
    {
        std::lock_guard lk(impl_->ckpt_mu);
        impl_->ckpt_stop = true;
    }
    impl_->ckpt_cv.notify_all();
    if (impl_->ckpt_thread.joinable()) impl_->ckpt_thread.join();
    // A final full checkpoint keeps the WAL small for the next start.
    sqlite3_wal_checkpoint_v2(impl_->ckpt_db->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

}  // namespace postamt::store
