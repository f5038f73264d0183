// LIST (RFC 9051 6.3.9, LIST-EXTENDED RFC 5258, SPECIAL-USE RFC 6154,
// LIST-STATUS RFC 5819, CHILDREN RFC 3348) and LSUB (RFC 3501 6.3.9).
//
// Special-use attributes are returned in every LIST, not only with RETURN
// (SPECIAL-USE): clients that look for them in a plain LIST (iOS, Outlook)
// otherwise create their own "Sent Messages" (issue 4). \HasChildren /
// \HasNoChildren are always returned too (RFC 5258 4 allows it).
#include <algorithm>
#include <map>
#include <set>

#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/shared_mailboxes.h"
#include "imap/status_data.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

struct Entry {
    bool exists = false;
    bool subscribed = false;
    bool has_children = false;
    bool subscribed_child = false;  // some descendant is subscribed (CHILDINFO, LSUB \Noselect)
    std::string special_use;
    store::Mailbox mailbox;
};

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
    for (const auto& p : patterns)
        if (pattern_matches(p, name)) return true;
    return false;
}

// Every ancestor of `name` ("a/b/c" -> "a", "a/b").
std::vector<std::string> ancestors(const std::string& name) {
    std::vector<std::string> out;
    for (std::size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos + 1))
        out.push_back(name.substr(0, pos));
    return out;
}

struct Line {
    std::string name;
    std::string attrs;
    std::string extended;  // mbox-list-extended ("CHILDINFO" ("SUBSCRIBED"))
    bool status = false;   // LIST-STATUS applies (an existing, selectable mailbox)
    store::Mailbox mailbox;
};

}  // namespace

asio::awaitable<Reply> exec_list(SessionPtr s, CommandPtr c) {
    ListCmd l = std::get<ListCmd>(c->body);
    std::string verb = l.lsub ? "LSUB" : "LIST";
    bool utf8 = s->utf8();

    // RFC 9051 6.3.9: an empty pattern asks for the hierarchy delimiter.
    if (!l.extended && l.patterns.size() == 1 && l.patterns[0].empty()) {
        s->send("* " + verb + " (\\Noselect) \"/\" \"\"\r\n");
        co_return Reply::ok(verb + " completed");
    }

    std::vector<std::string> patterns;
    for (const auto& p : l.patterns)
        if (auto lp = list_pattern(l.reference, p, utf8)) patterns.push_back(std::move(*lp));

    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    auto boxes = co_await net::await_store<std::vector<store::Mailbox>>(
        [&](auto done) { st->list_mailboxes(acct, std::move(done)); });
    if (!boxes) co_return store_error_reply(boxes.error(), "Cannot list mailboxes");
    bool want_subs = l.lsub || l.sel_subscribed || l.ret_subscribed;
    std::vector<std::string> subs;
    if (want_subs) {
        auto r = co_await net::await_store<std::vector<std::string>>(
            [&](auto done) { st->list_subscriptions(acct, std::move(done)); });
        if (!r) co_return store_error_reply(r.error(), "Cannot list subscriptions");
        subs = std::move(*r);
    }

    std::map<std::string, Entry> all;
    for (const auto& mb : *boxes) {
        Entry& e = all[mb.name];
        e.exists = true;
        e.special_use = mb.special_use;
        e.mailbox = mb;
        for (const auto& a : ancestors(mb.name)) all[a].has_children = true;
    }
    // Other accounts' mailboxes shared with the user (shared_mailboxes.h).
    std::map<std::string, std::string> shared_rights;
    {
        // LSUB too: a subscribed shared mailbox is selectable, not \Noselect.
        std::vector<SharedMailbox> shared = co_await list_shared_mailboxes(s);
        for (std::size_t i = 0; i < shared.size(); ++i) {
            Entry& e = all[shared[i].name];
            e.exists = true;
            e.mailbox = shared[i].mailbox;
            for (const auto& a : ancestors(shared[i].name)) all[a].has_children = true;
            shared_rights[shared[i].name] = shared[i].rights;
        }
    }
    for (const auto& n : subs) {
        all[n].subscribed = true;
        for (const auto& a : ancestors(n)) all[a].subscribed_child = true;
    }

    std::vector<Line> lines;
    for (auto& [name, e] : all) {
        bool match = matches_any(patterns, name);
        if (l.lsub) {
            // RFC 3501 6.3.9: a non-subscribed level above a subscribed one
            // that matches "%" is listed as \Noselect.
            if (!match) continue;
            if (e.subscribed) {
                Line ln{name, e.exists ? "" : "\\Noselect", "", false, e.mailbox};
                lines.push_back(std::move(ln));
            } else if (e.subscribed_child) {
                bool via_percent = false;
                for (const auto& p : patterns)
                    if (p.find('%') != std::string::npos && pattern_matches(p, name))
                        via_percent = true;
                if (via_percent) lines.push_back(Line{name, "\\Noselect", "", false, e.mailbox});
            }
            continue;
        }
        if (!match) continue;
        bool childinfo = false;
        if (l.sel_subscribed) {
            if (!e.subscribed) {
                // RFC 5258 3.5: RECURSIVEMATCH reports parents of subscribed mailboxes.
                if (l.sel_recursivematch && e.subscribed_child)
                    childinfo = true;
                else
                    continue;
            }
        } else if (!e.exists) {
            continue;  // a subscription without mailbox is only listed with SUBSCRIBED
        }
        if (l.sel_special_use && e.special_use.empty()) {
            if (!(l.sel_recursivematch && e.has_children)) continue;
        }
        std::string attrs;
        auto add = [&attrs](std::string_view a) {
            if (!attrs.empty()) attrs += ' ';
            attrs.append(a);
        };
        if (!e.exists) {
            add("\\NonExistent");
        } else {
            add(e.has_children ? "\\HasChildren" : "\\HasNoChildren");
            if (!e.special_use.empty()) add(e.special_use);
        }
        if ((l.sel_subscribed || l.ret_subscribed) && e.subscribed) add("\\Subscribed");
        std::string ext = childinfo ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : "";
        if (childinfo && e.subscribed) ext.clear();
        lines.push_back(Line{name, attrs, ext, e.exists, e.mailbox});
    }
    // INBOX first, the rest in name order (the map's order).
    std::stable_partition(lines.begin(), lines.end(),
                          [](const Line& a) { return a.name == "INBOX"; });

    std::optional<std::vector<StatusItem>> status_items = l.ret_status;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        Line ln = lines[i];
        std::string out = "* " + verb + " (" + ln.attrs + ") \"/\" ";
        append_mailbox(out, ln.name, utf8);
        out += ln.extended;
        out += "\r\n";
        s->send(out);
        if (l.ret_myrights && ln.status) {
            // RFC 8440: MYRIGHTS follows the LIST response of its mailbox.
            auto r = shared_rights.find(ln.name);
            std::string mr = "* MYRIGHTS ";
            append_mailbox(mr, ln.name, utf8);
            mr +=
                ' ' +
                acl::display(r == shared_rights.end() ? std::string(acl::kAllRights) : r->second) +
                "\r\n";
            s->send(mr);
        }
        if (status_items && ln.status) {
            // RFC 5819: the STATUS follows the LIST response of its mailbox.
            auto attrs = co_await status_attributes(s, ln.mailbox, *status_items);
            if (attrs) {
                std::string st_line = "* STATUS ";
                append_mailbox(st_line, ln.name, utf8);
                st_line += " (" + *attrs + ")\r\n";
                s->send(st_line);
            }
        }
        if (!co_await s->flush_if_large()) break;
    }
    co_return Reply::ok(verb + " completed");
}

asio::awaitable<Reply> exec_status(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<StatusCmd>(c->body).mailbox;
    std::vector<StatusItem> items = std::get<StatusCmd>(c->body).items;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "CANNOT");
    std::string n = *name;
    // Own or shared (shared_mailboxes.h); STATUS needs "r" (RFC 4314 4).
    auto mb = co_await resolve_mailbox(s, n);
    if (!mb) {
        if (mb.error().code == Errc::not_found)
            co_return Reply::no("No such mailbox", "NONEXISTENT");
        co_return store_error_reply(mb.error(), "Cannot get status");
    }
    if (!acl::has(mb->rights, 'r')) co_return Reply::no("STATUS needs the \"r\" right", "NOPERM");
    store::Mailbox box = mb->mailbox;
    auto attrs = co_await status_attributes(s, box, items);
    if (!attrs) co_return Reply::no("Cannot get status: temporarily unavailable", "UNAVAILABLE");
    std::string out = "* STATUS ";
    append_mailbox(out, n, s->utf8());
    out += " (" + *attrs + ")\r\n";
    s->send(out);
    co_return Reply::ok("STATUS completed");
}

}  // namespace postamt::imap
