// IMAP METADATA (RFC 5464) annotations in the metadata table (schema v5):
// server entries per account (mailbox_id 0) and mailbox entries; /shared
// ones with owner_id 0, /private ones with the account they belong to.
#include <algorithm>

#include "store/store_impl.h"

namespace postamt::store {
namespace {

bool is_private(std::string_view name) { return name.rfind("/private", 0) == 0; }

int64_t owner_for(const MetadataScope& scope, std::string_view name) { return is_private(name) ? scope.user : 0; }

// Components of `name` below `base` ("/a/b/c" under "/a": 2).
std::size_t depth_below(std::string_view base, std::string_view name) {
    return static_cast<std::size_t>(std::count(name.begin() + static_cast<std::ptrdiff_t>(base.size()), name.end(), '/'));
}

// GLOB is case-sensitive and treats * ? [ specially; names are lower-case
// and never contain * or % (validated by the caller), but may contain ? or [.
std::string glob_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[') {
            out += '[';
            out += c;
            out += ']';
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

void Store::get_metadata(MetadataScope scope, std::vector<std::string> names, int depth,
                         Callback<std::vector<MetadataEntry>> done) {
    impl_->read<std::vector<MetadataEntry>>(
        [scope, names = std::move(names), depth](Db& db) -> Result<std::vector<MetadataEntry>> {
            std::vector<MetadataEntry> out;
            auto exact = db.prepare(
                "SELECT value FROM metadata WHERE account_id = ? AND mailbox_id = ? AND owner_id = ? AND name = ?");
            auto below = db.prepare(
                "SELECT name, value FROM metadata WHERE account_id = ? AND mailbox_id = ? AND owner_id = ? AND "
                "name GLOB ? ORDER BY name");
            for (const auto& n : names) {
                int64_t owner = owner_for(scope, n);
                exact->bind(1, scope.account).bind(2, scope.mailbox).bind(3, owner).bind(4, n);
                if (exact->step()) out.push_back(MetadataEntry{n, exact->text(0)});
                exact->reset();
                if (depth == 0) continue;
                below->bind(1, scope.account).bind(2, scope.mailbox).bind(3, owner).bind(4, glob_escape(n) + "/*");
                while (below->step()) {
                    std::string name = below->text(0);
                    if (depth == 1 && depth_below(n, name) != 1) continue;
                    out.push_back(MetadataEntry{std::move(name), below->text(1)});
                }
                below->reset();
            }
            std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
            out.erase(std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name == b.name; }),
                      out.end());
            return out;
        },
        std::move(done));
}

void Store::set_metadata(MetadataScope scope, std::vector<MetadataEntry> entries, MetadataLimits limits,
                         Callback<Unit> done) {
    impl_->write<Unit>(
        [scope, entries = std::move(entries), limits](WriteTx& tx) -> Result<Unit> {
            if (scope.mailbox != 0) {
                auto mb = mailbox_by_id(tx.db, scope.mailbox);
                if (!mb || mb->account_id != scope.account) return make_error(Errc::not_found, "no such mailbox");
            }
            auto put = tx.db.prepare(
                "INSERT OR REPLACE INTO metadata(account_id, mailbox_id, owner_id, name, value) VALUES (?, ?, ?, ?, ?)");
            auto del = tx.db.prepare(
                "DELETE FROM metadata WHERE account_id = ? AND mailbox_id = ? AND owner_id = ? AND name = ?");
            for (const auto& e : entries) {
                int64_t owner = owner_for(scope, e.name);
                if (e.value) {
                    if (static_cast<int64_t>(e.value->size()) > limits.max_value_bytes)
                        return make_error(Errc::too_big, "annotation value too large");
                    put->bind(1, scope.account).bind(2, scope.mailbox).bind(3, owner).bind(4, e.name);
                    put->bind_blob(5, *e.value);
                    put->run();
                    put->reset();
                } else {
                    del->bind(1, scope.account).bind(2, scope.mailbox).bind(3, owner).bind(4, e.name);
                    del->run();
                    del->reset();
                }
            }
            // Counted after the changes: a command that deletes as many as it
            // adds is fine at the limit. The writer rolls the request back on
            // error (its own SAVEPOINT), so nothing is half set.
            auto count = tx.db.prepare(
                "SELECT count(*) FROM metadata WHERE account_id = ? AND mailbox_id = ? AND owner_id IN (0, ?)");
            count->bind(1, scope.account).bind(2, scope.mailbox).bind(3, scope.user);
            int64_t n = count->step() ? count->i64(0) : 0;
            if (n > limits.max_entries) return make_error(Errc::over_quota, "too many annotations");
            return Unit{};
        },
        std::move(done));
}

}  // namespace postamt::store
