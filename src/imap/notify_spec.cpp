#include "imap/notify_spec.h"

#include <algorithm>

#include "common/text.h"
#include "imap/mailbox_names.h"

namespace postamt::imap {
namespace {

using Filter = NotifyGroup::Filter;

bool is_selected_filter(Filter f) { return f == Filter::selected || f == Filter::selected_delayed; }

bool below_or_equal(const std::string& name, const std::string& root) {
    return name == root || (name.size() > root.size() && name.compare(0, root.size(), root) == 0 &&
                            name[root.size()] == '/');
}

std::string parent_of(const std::string& name) {
    auto p = name.rfind('/');
    return p == std::string::npos ? std::string() : name.substr(0, p);
}

}  // namespace

void NotifyEvents::merge(const NotifyEvents& o) {
    message_new |= o.message_new;
    message_expunge |= o.message_expunge;
    flag_change |= o.flag_change;
    mailbox_name |= o.mailbox_name;
    subscription_change |= o.subscription_change;
}

std::string notify_supported_events() {
    return "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";
}

NotifyEvents NotifySpec::events_for(const std::string& name, bool subscribed) const {
    NotifyEvents out;
    for (const auto& g : others) {
        bool match = false;
        switch (g.filter) {
            case Filter::personal:
            case Filter::inboxes:
                // RFC 5465 6.3: without a cheap way to tell which mailboxes an
                // MDA delivers to, "inboxes" is "personal".
                match = true;
                break;
            case Filter::subscribed:
                match = subscribed;
                break;
            case Filter::subtree:
                for (const auto& n : g.names) match = match || below_or_equal(name, n);
                break;
            case Filter::mailboxes:
                // RFC 5465 6.6: no wildcard expansion.
                match = std::find(g.names.begin(), g.names.end(), name) != g.names.end();
                break;
            case Filter::selected:
            case Filter::selected_delayed:
                break;
        }
        if (match) out.merge(g.events);
    }
    return out;
}

bool NotifySpec::wants_other_messages() const {
    return std::any_of(others.begin(), others.end(),
                       [](const Group& g) { return g.events.any_message(); });
}

bool NotifySpec::needs_subscriptions() const {
    return std::any_of(others.begin(), others.end(), [](const Group& g) {
        return g.filter == Filter::subscribed || g.events.subscription_change;
    });
}

bool NotifySpec::needs_snapshot() const {
    return needs_subscriptions() || std::any_of(others.begin(), others.end(), [](const Group& g) {
               return g.events.mailbox_name;
           });
}

NotifyCheck check_notify_decoded(
    const NotifyCmd& cmd, const std::vector<std::vector<std::optional<std::string>>>& names) {
    NotifyCheck r;
    auto fail = [&r](NotifyCheck::Outcome o, std::string msg) {
        r.outcome = o;
        r.message = std::move(msg);
        return r;
    };
    if (cmd.none) return r;
    // Unknown or unsupported events are NO [BADEVENT] (RFC 5465 3.1), but
    // grammar errors (BAD) are found first so the answer does not depend on
    // the order of the groups.
    bool bad_event = false;
    std::string bad_event_name;
    for (std::size_t gi = 0; gi < cmd.groups.size(); ++gi) {
        const NotifyGroup& g = cmd.groups[gi];
        bool selected = is_selected_filter(g.filter);
        if (selected && r.spec.has_selected)
            return fail(NotifyCheck::Outcome::bad,
                        "Only one of SELECTED and SELECTED-DELAYED may be given");
        NotifyEvents ev;
        for (const auto& e : g.events) {
            std::string n = text::to_lower(e.name);
            bool message_event = true;
            if (n == "messagenew")
                ev.message_new = true;
            else if (n == "messageexpunge")
                ev.message_expunge = true;
            else if (n == "flagchange")
                ev.flag_change = true;
            else if (n == "annotationchange") {
                bad_event = true;
                bad_event_name = e.name;
            } else {
                message_event = false;
                if (n == "mailboxname")
                    ev.mailbox_name = true;
                else if (n == "subscriptionchange")
                    ev.subscription_change = true;
                else if (!bad_event) {
                    bad_event = true;
                    bad_event_name = e.name;
                }
            }
            // RFC 5465 6.1: only message events with SELECTED; 8: fetch-att
            // only there, and only after MessageNew.
            if (selected && !message_event)
                return fail(NotifyCheck::Outcome::bad,
                            "Only message events are allowed for the selected mailbox");
            if (!e.fetch_items.empty() && (!selected || n != "messagenew"))
                return fail(
                    NotifyCheck::Outcome::bad,
                    "FETCH attributes are only allowed with MessageNew for the selected mailbox");
        }
        bool annotation = std::any_of(g.events.begin(), g.events.end(), [](const NotifyEvent& e) {
            return text::iequals(e.name, "AnnotationChange");
        });
        // RFC 5465 5: MessageNew and MessageExpunge together; FlagChange and
        // AnnotationChange only with both.
        if (ev.message_new != ev.message_expunge)
            return fail(NotifyCheck::Outcome::bad,
                        "MessageNew and MessageExpunge must be given together");
        if ((ev.flag_change || annotation) && !ev.message_new)
            return fail(NotifyCheck::Outcome::bad,
                        "FlagChange needs MessageNew and MessageExpunge");
        if (selected) {
            r.spec.has_selected = true;
            r.spec.selected_delayed = g.filter == Filter::selected_delayed;
            r.spec.selected = ev;
            for (const auto& e : g.events)
                if (!e.fetch_items.empty()) r.spec.new_message_items = e.fetch_items;
            continue;
        }
        if (g.none || !ev.any()) continue;
        NotifySpec::Group out;
        out.filter = g.filter;
        out.events = ev;
        if (gi < names.size())
            for (const auto& n : names[gi])
                if (n) out.names.push_back(*n);  // invalid names are ignored like missing ones
        if ((g.filter == Filter::subtree || g.filter == Filter::mailboxes) && out.names.empty())
            continue;
        r.spec.others.push_back(std::move(out));
    }
    if (bad_event)
        return fail(NotifyCheck::Outcome::badevent,
                    "Event " + bad_event_name + " is not supported");
    return r;
}

// ---- mailbox list changes ----------------------------------------------------------

namespace {

struct NameIndex {
    std::map<std::string, const store::Mailbox*> by_name;
    explicit NameIndex(const MailboxSnapshot& s) {
        for (const auto& [id, mb] : s.boxes) by_name[mb.name] = &mb;
    }
    bool has_children(const std::string& name) const {
        // The first key at or after "name/" starts with it if any does.
        auto it = by_name.lower_bound(name + "/");
        return it != by_name.end() && it->first.compare(0, name.size() + 1, name + "/") == 0;
    }
};

std::vector<std::string> attributes(const MailboxSnapshot& s, const NameIndex& idx,
                                    const std::string& name) {
    std::vector<std::string> a;
    auto it = idx.by_name.find(name);
    if (it == idx.by_name.end()) {
        a.push_back("\\NonExistent");
    } else {
        a.push_back(idx.has_children(name) ? "\\HasChildren" : "\\HasNoChildren");
        if (!it->second->special_use.empty()) a.push_back(it->second->special_use);
    }
    if (s.subscribed.count(name)) a.push_back("\\Subscribed");
    return a;
}

}  // namespace

std::vector<ListEvent> diff_mailbox_lists(const MailboxSnapshot& before,
                                          const MailboxSnapshot& after, const NotifySpec& spec,
                                          const std::set<std::string>& own_created) {
    NameIndex idx_after(after);
    std::vector<ListEvent> out;
    std::set<std::string> reported;
    auto wants = [&](const std::string& name, bool mailbox_event) {
        bool sub = before.subscribed.count(name) || after.subscribed.count(name);
        NotifyEvents ev = spec.events_for(name, sub);
        return mailbox_event ? ev.mailbox_name : ev.subscription_change;
    };
    auto add = [&](const std::string& name, std::optional<std::string> old_name) {
        if (!reported.insert(name).second) return;
        out.push_back(ListEvent{name, attributes(after, idx_after, name), std::move(old_name)});
    };

    // Renames: the same mailbox id under a new name.
    std::map<std::string, std::string> renamed;  // old -> new, children included
    for (const auto& [id, mb] : after.boxes) {
        auto b = before.boxes.find(id);
        if (b != before.boxes.end() && b->second.name != mb.name) renamed[b->second.name] = mb.name;
    }
    auto follows_parent = [&](const std::string& from, const std::string& to) {
        for (std::string p = parent_of(from); !p.empty(); p = parent_of(p)) {
            auto r = renamed.find(p);
            if (r != renamed.end() && to == r->second + from.substr(p.size())) return true;
        }
        return false;
    };
    auto rename_target = [&](const std::string& name) -> std::optional<std::string> {
        for (std::string p = name; !p.empty(); p = parent_of(p)) {
            auto r = renamed.find(p);
            if (r != renamed.end()) return r->second + name.substr(p.size());
        }
        return std::nullopt;
    };

    for (const auto& [from, to] : renamed)
        if (!follows_parent(from, to) && (wants(from, true) || wants(to, true))) add(to, from);
    // Created and deleted mailboxes, and their direct parents (RFC 5465 5.4).
    std::vector<std::string> touched;
    for (const auto& [id, mb] : after.boxes)
        if (!before.boxes.count(id) && !own_created.count(mb.name)) touched.push_back(mb.name);
    for (const auto& [id, mb] : before.boxes)
        if (!after.boxes.count(id)) touched.push_back(mb.name);
    for (const auto& name : touched) {
        if (wants(name, true)) add(name, std::nullopt);
        std::string parent = parent_of(name);
        if (!parent.empty() && wants(parent, true) && !own_created.count(parent))
            add(parent, std::nullopt);
    }
    // Subscriptions, except those that only followed a rename.
    for (const auto& name : after.subscribed) {
        if (before.subscribed.count(name)) continue;
        bool moved = false;
        for (const auto& old : before.subscribed)
            if (!after.subscribed.count(old) && rename_target(old) == name) moved = true;
        if (!moved && wants(name, false)) add(name, std::nullopt);
    }
    for (const auto& name : before.subscribed) {
        if (after.subscribed.count(name)) continue;
        auto to = rename_target(name);
        if (to && after.subscribed.count(*to)) continue;
        if (wants(name, false)) add(name, std::nullopt);
    }
    return out;
}

void snapshot_delete(MailboxSnapshot& s, const std::string& name) {
    for (auto it = s.boxes.begin(); it != s.boxes.end(); ++it)
        if (it->second.name == name) {
            s.boxes.erase(it);
            return;
        }
}

void snapshot_rename(MailboxSnapshot& s, const std::string& from, const std::string& to) {
    if (from == "INBOX") return;  // INBOX stays; the new mailbox is reported as created
    for (auto& [id, mb] : s.boxes)
        if (below_or_equal(mb.name, from)) mb.name = to + mb.name.substr(from.size());
    std::set<std::string> subs;
    for (const auto& n : s.subscribed)
        subs.insert(below_or_equal(n, from) ? to + n.substr(from.size()) : n);
    s.subscribed = std::move(subs);
}

void snapshot_subscribe(MailboxSnapshot& s, const std::string& name, bool on) {
    if (on)
        s.subscribed.insert(name);
    else
        s.subscribed.erase(name);
}

std::string format_list_event(const ListEvent& e, bool utf8) {
    std::string out = "* LIST (";
    for (std::size_t i = 0; i < e.attrs.size(); ++i) {
        if (i) out += ' ';
        out += e.attrs[i];
    }
    out += ") \"/\" ";
    append_mailbox(out, e.name, utf8);
    if (e.old_name) {
        // RFC 5465 5.4 / RFC 5258 9: the OLDNAME extended data item.
        out += " (\"OLDNAME\" (";
        append_mailbox(out, *e.old_name, utf8);
        out += "))";
    }
    out += "\r\n";
    return out;
}

}  // namespace postamt::imap
