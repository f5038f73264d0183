// METADATA and METADATA-SERVER (RFC 5464): GETMETADATA / SETMETADATA on
// server annotations (mailbox "") and on mailboxes, the user's own or
// shared with them (shared_mailboxes.h). Storage: store/metadata_ops.cpp
// (schema v5). Decisions:
//  - server annotations are per account: each user sees and sets their
//    own "server" entries; /shared/admin is read-only and computed
//    (mailto:postmaster@<the user's domain>, RFC 5464 3.2.1.1);
//  - on a mailbox the user needs "l" and one of "r s w i p" (RFC 5464 3.3);
//    setting a /shared entry on another account's mailbox also needs "w";
//  - limits: 64 KiB per value ([METADATA MAXSIZE 65536]) and 100 entries
//    per mailbox or server (/shared plus the user's /private,
//    [METADATA TOOMANY]); private annotations are supported (no NOPRIVATE);
//  - GETMETADATA returns "entry NIL" for a requested entry that has no
//    value, so every command gets its METADATA response (RFC 5464 4.2).
#include <algorithm>

#include "common/text.h"
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/shared_mailboxes.h"
#include "imap/wire_string.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

constexpr int64_t kMaxValueBytes = 64 * 1024;
constexpr int kMaxEntries = 100;

// RFC 5464 3.2: "/" separated, starting with /private or /shared, at
// least two components (GETMETADATA may ask for the bare prefix to get
// everything below it with DEPTH), no "*", "%", non-ASCII or control
// characters, no empty component. Returns the lower-cased name.
std::optional<std::string> valid_entry(std::string_view name, bool allow_prefix_only) {
    if (name.empty() || name[0] != '/' || name.back() == '/') return std::nullopt;
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x19 || u >= 0x7f || c == '*' || c == '%') return std::nullopt;
    }
    if (name.find("//") != std::string_view::npos) return std::nullopt;
    std::string lower = text::to_lower(name);
    for (std::string_view prefix : {"/private", "/shared"}) {
        if (lower == prefix) {
            if (allow_prefix_only) return lower;
            return std::nullopt;
        }
        if (lower.rfind(std::string(prefix) + "/", 0) == 0) return lower;
    }
    return std::nullopt;
}

void append_value(std::string& out, const std::optional<std::string>& v, bool utf8) {
    if (!v) {
        out += "NIL";
    } else if (v->find('\0') != std::string::npos) {
        append_literal(out, *v, true);  // RFC 5464 5: value = nstring / literal8
    } else {
        append_string(out, *v, utf8);
    }
}

bool may_access(std::string_view rights) {
    return acl::has(rights, 'l') && std::any_of(rights.begin(), rights.end(), [](char c) {
               return c == 'r' || c == 's' || c == 'w' || c == 'i' || c == 'p';
           });
}

struct Target {
    store::MetadataScope scope;
    bool server = false;
    bool own = true;
    std::string rights;
};

// The annotations `raw` (a wire mailbox name, "" for the server) names.
asio::awaitable<Result<Target>> target_for(SessionPtr s, std::string raw) {
    Target t;
    t.scope.user = s->account->id;
    if (raw.empty()) {
        t.server = true;
        t.scope.account = s->account->id;
        t.rights = std::string(acl::kAllRights);
        co_return t;
    }
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return make_error(Errc::not_found, name.error().message);
    auto mb = co_await resolve_mailbox(s, *name);
    if (!mb) co_return mb.error();
    if (!may_access(mb->rights)) co_return make_error(Errc::permission, "no access to annotations of this mailbox");
    t.scope.account = mb->owner.id;
    t.scope.mailbox = mb->mailbox.id;
    t.own = mb->own;
    t.rights = mb->rights;
    co_return t;
}

std::string admin_value(const store::Account& a) { return "mailto:postmaster@" + a.domain; }

// Would GETMETADATA for `requested` with `depth` include `entry`?
bool covers(std::string_view requested, int depth, std::string_view entry) {
    if (requested == entry) return true;
    if (depth == 0 || entry.size() <= requested.size() || entry.substr(0, requested.size()) != requested ||
        entry[requested.size()] != '/')
        return false;
    if (depth < 0) return true;
    return entry.find('/', requested.size() + 1) == std::string_view::npos;
}

}  // namespace

asio::awaitable<Reply> exec_getmetadata(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<GetMetadataCmd>(c->body).mailbox;
    std::optional<uint64_t> max_size = std::get<GetMetadataCmd>(c->body).max_size;
    int depth = std::get<GetMetadataCmd>(c->body).depth;
    std::vector<std::string> names;
    for (const auto& e : std::get<GetMetadataCmd>(c->body).entries) {
        auto n = valid_entry(e, true);
        if (!n) co_return Reply::bad("Invalid entry name " + e);
        names.push_back(std::move(*n));
    }
    auto target = co_await target_for(s, raw);
    if (!target) co_return store_error_reply(target.error(), "GETMETADATA failed");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MetadataScope scope = target->scope;
    auto got = co_await net::await_store<std::vector<store::MetadataEntry>>(
        [&](auto done) { st->get_metadata(scope, names, depth, std::move(done)); });
    if (!got) co_return store_error_reply(got.error(), "GETMETADATA failed");
    std::vector<store::MetadataEntry> entries = std::move(*got);
    if (target->server) {
        for (const auto& n : names)
            if (covers(n, depth, "/shared/admin")) {
                entries.push_back({"/shared/admin", admin_value(*s->account)});
                break;
            }
    }
    // Requested names without a value are reported as NIL.
    for (const auto& n : names) {
        bool found = std::any_of(entries.begin(), entries.end(), [&n](const auto& e) { return e.name == n; });
        bool bare_prefix = n == "/private" || n == "/shared";
        if (!found && !bare_prefix) entries.push_back({n, std::nullopt});
    }
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

    uint64_t longest_skipped = 0;
    std::string out = "* METADATA ";
    if (target->server) out += "\"\"";
    else append_mailbox(out, mailbox_from_wire(raw, s->utf8()).value(), s->utf8());
    out += " (";
    bool first = true;
    for (const auto& e : entries) {
        if (max_size && e.value && e.value->size() > *max_size) {
            // RFC 5464 4.2.1: left out, the largest size reported.
            longest_skipped = std::max<uint64_t>(longest_skipped, e.value->size());
            continue;
        }
        if (!first) out += ' ';
        first = false;
        out += e.name;
        out += ' ';
        append_value(out, e.value, s->utf8());
    }
    out += ")\r\n";
    if (!first) s->send(out);
    if (longest_skipped)
        co_return Reply::ok("GETMETADATA completed", "METADATA LONGENTRIES " + std::to_string(longest_skipped));
    co_return Reply::ok("GETMETADATA completed");
}

asio::awaitable<Reply> exec_setmetadata(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<SetMetadataCmd>(c->body).mailbox;
    std::vector<store::MetadataEntry> entries;
    bool shared_entry = false;
    for (auto& [name, value] : std::get<SetMetadataCmd>(c->body).entries) {
        auto n = valid_entry(name, false);
        if (!n) co_return Reply::bad("Invalid entry name " + name);
        if (value && static_cast<int64_t>(value->size()) > kMaxValueBytes)
            co_return Reply::no("Annotation value too large", "METADATA MAXSIZE " + std::to_string(kMaxValueBytes));
        shared_entry = shared_entry || n->rfind("/shared", 0) == 0;
        entries.push_back({std::move(*n), std::move(value)});
    }
    auto target = co_await target_for(s, raw);
    if (!target) co_return store_error_reply(target.error(), "SETMETADATA failed");
    if (target->server)
        for (const auto& e : entries)
            if (e.name == "/shared/admin") co_return Reply::no("/shared/admin is read-only", "NOPERM");
    if (shared_entry && !acl::has(target->rights, 'w'))
        co_return Reply::no("Setting shared annotations needs the \"w\" right", "NOPERM");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MetadataScope scope = target->scope;
    store::MetadataLimits limits;
    limits.max_value_bytes = kMaxValueBytes;
    limits.max_entries = kMaxEntries;
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->set_metadata(scope, std::move(entries), limits, std::move(done)); });
    if (!r) {
        if (r.error().code == Errc::over_quota) co_return Reply::no("Too many annotations", "METADATA TOOMANY");
        if (r.error().code == Errc::too_big)
            co_return Reply::no("Annotation value too large", "METADATA MAXSIZE " + std::to_string(kMaxValueBytes));
        co_return store_error_reply(r.error(), "SETMETADATA failed");
    }
    co_return Reply::ok("SETMETADATA completed");
}

}  // namespace postamt::imap
