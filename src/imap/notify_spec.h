#pragma once
// NOTIFY (RFC 5465), the Asio-free part: a parsed NOTIFY SET checked and
// turned into what the session watches (which events for the selected
// mailbox, which for which other mailboxes), name matching for the mailbox
// filters, and the LIST responses for changes of the mailbox list
// (MailboxName, SubscriptionChange) found by comparing two snapshots of it.
// The runner side (cmd_notify.cpp) feeds it from the store's account
// doorbell.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imap/command.h"
#include "store/types.h"

namespace postamt::imap {

struct NotifyEvents {
    bool message_new = false;
    bool message_expunge = false;
    bool flag_change = false;
    bool mailbox_name = false;
    bool subscription_change = false;
    bool any_message() const { return message_new || message_expunge || flag_change; }
    bool any() const { return any_message() || mailbox_name || subscription_change; }
    void merge(const NotifyEvents& o);
};

struct NotifySpec {
    // SELECTED or SELECTED-DELAYED given (RFC 5465 6.1).
    bool has_selected = false;
    bool selected_delayed = false;
    NotifyEvents selected;
    std::vector<FetchItem>
        new_message_items;  // MessageNew (fetch-att ...) for the selected mailbox

    struct Group {
        NotifyGroup::Filter filter = NotifyGroup::Filter::personal;
        std::vector<std::string> names;  // subtree / mailboxes, store form (UTF-8)
        NotifyEvents events;
    };
    std::vector<Group> others;  // groups for non-selected mailboxes, NONE groups left out

    // Events for a mailbox of the user's own account named `name` (store
    // form), given its subscription state.
    NotifyEvents events_for(const std::string& name, bool subscribed) const;
    // Some group asks for message events on other mailboxes.
    bool wants_other_messages() const;
    // The subscription list must be known (a SUBSCRIBED filter or a
    // SubscriptionChange event) or the mailbox list (MailboxName).
    bool needs_snapshot() const;
    bool needs_subscriptions() const;
};

// The checks of RFC 5465 before a NOTIFY SET takes effect.
struct NotifyCheck {
    enum class Outcome { ok, bad, badevent };
    Outcome outcome = Outcome::ok;
    std::string message;
    NotifySpec spec;
};

// Supported event names, in the order BADEVENT lists them.
std::string notify_supported_events();

// `decode` turns a wire mailbox name into the store form (nullopt: not a
// valid name, which NOTIFY ignores like a mailbox that does not exist,
// RFC 5465 3.1). Shared names ("Shared/...") are kept; the caller decides.
template <class Decode>
NotifyCheck check_notify(const NotifyCmd& cmd, Decode&& decode);

NotifyCheck check_notify_decoded(const NotifyCmd& cmd,
                                 const std::vector<std::vector<std::optional<std::string>>>& names);

// ---- MailboxName and SubscriptionChange (RFC 5465 5.4, 5.5) -------------------

struct MailboxSnapshot {
    std::map<store::MailboxId, store::Mailbox> boxes;
    std::set<std::string> subscribed;
};

// One untagged LIST to send: the name, its attributes, OLDNAME for a rename.
struct ListEvent {
    std::string name;
    std::vector<std::string> attrs;
    std::optional<std::string> old_name;
    bool operator==(const ListEvent&) const = default;
};

// What changed from `before` to `after`, as LIST responses for the groups
// of `spec` that ask for MailboxName / SubscriptionChange. Names in
// `own_created` were created by this session (RFC 5465 5: SHOULD NOT be
// reported). A renamed mailbox's children are not reported on their own,
// nor are subscriptions that merely followed a rename.
std::vector<ListEvent> diff_mailbox_lists(const MailboxSnapshot& before,
                                          const MailboxSnapshot& after, const NotifySpec& spec,
                                          const std::set<std::string>& own_created);

// Applies this session's own change to the snapshot so that the next diff
// does not report it.
void snapshot_delete(MailboxSnapshot& s, const std::string& name);
void snapshot_rename(MailboxSnapshot& s, const std::string& from, const std::string& to);
void snapshot_subscribe(MailboxSnapshot& s, const std::string& name, bool on);

// "* LIST (\HasNoChildren) "/" "name" ("OLDNAME" ("old"))\r\n"
std::string format_list_event(const ListEvent& e, bool utf8);

// ---- template definition ------------------------------------------------------

template <class Decode>
NotifyCheck check_notify(const NotifyCmd& cmd, Decode&& decode) {
    std::vector<std::vector<std::optional<std::string>>> names;
    for (const auto& g : cmd.groups) {
        std::vector<std::optional<std::string>> v;
        for (const auto& n : g.mailboxes) v.push_back(decode(n));
        names.push_back(std::move(v));
    }
    return check_notify_decoded(cmd, names);
}

}  // namespace postamt::imap
