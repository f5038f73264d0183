// NOTIFY (RFC 5465): the checks of NOTIFY SET, mailbox filters, and the LIST
// responses for mailbox list changes.
#include <gtest/gtest.h>

#include "imap/command_parser.h"
#include "imap/notify_spec.h"
#include "wire_feed.h"

namespace postamt::imap {
namespace {

using testing::parse_ok;
using Outcome = NotifyCheck::Outcome;

NotifyCheck check(const std::string& wire) {
    Command c = parse_ok(wire);
    return check_notify(std::get<NotifyCmd>(c.body),
                        [](const std::string& n) -> std::optional<std::string> {
                            if (n == "bad&name") return std::nullopt;
                            return n;
                        });
}

TEST(NotifySpec, AcceptsTheTypicalForms) {
    auto r = check(
        "a NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) "
        "(personal (MessageNew MessageExpunge MailboxName SubscriptionChange))");
    ASSERT_EQ(r.outcome, Outcome::ok) << r.message;
    EXPECT_TRUE(r.spec.has_selected);
    EXPECT_FALSE(r.spec.selected_delayed);
    EXPECT_TRUE(r.spec.selected.flag_change);
    EXPECT_EQ(r.spec.new_message_items.size(), 2u);
    ASSERT_EQ(r.spec.others.size(), 1u);
    EXPECT_TRUE(r.spec.wants_other_messages());
    EXPECT_TRUE(r.spec.needs_snapshot());
    EXPECT_TRUE(r.spec.needs_subscriptions());

    r = check("a NOTIFY SET (selected-delayed (MessageNew MessageExpunge)) (inboxes NONE)");
    ASSERT_EQ(r.outcome, Outcome::ok);
    EXPECT_TRUE(r.spec.selected_delayed);
    EXPECT_TRUE(r.spec.others.empty()) << "NONE groups watch nothing";
    EXPECT_FALSE(r.spec.wants_other_messages());
    EXPECT_FALSE(r.spec.needs_snapshot());

    r = check("a NOTIFY SET (mailboxes (INBOX Archive) (MailboxName))");
    ASSERT_EQ(r.outcome, Outcome::ok);
    EXPECT_TRUE(r.spec.needs_snapshot());
    EXPECT_FALSE(r.spec.needs_subscriptions());
    EXPECT_FALSE(r.spec.has_selected);
}

TEST(NotifySpec, RefusesWhatRfc5465Forbids) {
    // 6.1: only message events for the selected mailbox.
    EXPECT_EQ(check("a NOTIFY SET (selected (MailboxName))").outcome, Outcome::bad);
    // 5: MessageNew and MessageExpunge together; FlagChange needs both.
    EXPECT_EQ(check("a NOTIFY SET (personal (MessageNew))").outcome, Outcome::bad);
    EXPECT_EQ(check("a NOTIFY SET (personal (MessageExpunge))").outcome, Outcome::bad);
    EXPECT_EQ(check("a NOTIFY SET (personal (FlagChange))").outcome, Outcome::bad);
    EXPECT_EQ(check("a NOTIFY SET (selected (FlagChange MessageNew))").outcome, Outcome::bad);
    // 8: fetch-att only for the selected mailbox.
    EXPECT_EQ(check("a NOTIFY SET (personal (MessageNew (UID) MessageExpunge))").outcome,
              Outcome::bad);
    // 6.1: one of SELECTED / SELECTED-DELAYED.
    EXPECT_EQ(check("a NOTIFY SET (selected (MessageNew MessageExpunge)) "
                    "(selected-delayed (MessageNew MessageExpunge))")
                  .outcome,
              Outcome::bad);
}

TEST(NotifySpec, UnsupportedEventsAreBadevent) {
    auto r = check("a NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))");
    EXPECT_EQ(r.outcome, Outcome::badevent);
    EXPECT_NE(r.message.find("AnnotationChange"), std::string::npos);
    EXPECT_EQ(check("a NOTIFY SET (personal (MailboxMetadataChange))").outcome, Outcome::badevent);
    EXPECT_EQ(check("a NOTIFY SET (personal (Bogus))").outcome, Outcome::badevent);
    // A grammar-level error elsewhere wins (BAD).
    EXPECT_EQ(check("a NOTIFY SET (personal (Bogus)) (personal (MessageNew))").outcome,
              Outcome::bad);
    EXPECT_NE(notify_supported_events().find("MailboxName"), std::string::npos);
}

TEST(NotifySpec, UnknownAndInvalidMailboxesAreIgnored) {
    // RFC 5465 3.1: a name that is no mailbox is ignored, not an error.
    auto r = check("a NOTIFY SET (mailboxes (bad&name Nowhere) (MessageNew MessageExpunge))");
    ASSERT_EQ(r.outcome, Outcome::ok);
    ASSERT_EQ(r.spec.others.size(), 1u);
    EXPECT_EQ(r.spec.others[0].names, std::vector<std::string>{"Nowhere"});
    r = check("a NOTIFY SET (subtree bad&name (MessageNew MessageExpunge))");
    ASSERT_EQ(r.outcome, Outcome::ok);
    EXPECT_TRUE(r.spec.others.empty());
}

TEST(NotifySpec, Filters) {
    auto r = check(
        "a NOTIFY SET (subtree Lists (MessageNew MessageExpunge)) (mailboxes Drafts (MailboxName)) "
        "(subscribed (MessageNew MessageExpunge FlagChange))");
    ASSERT_EQ(r.outcome, Outcome::ok);
    const NotifySpec& s = r.spec;
    EXPECT_TRUE(s.events_for("Lists", false).message_new);
    EXPECT_TRUE(s.events_for("Lists/a/b", false).message_new);
    EXPECT_FALSE(s.events_for("ListsX", false).message_new);
    EXPECT_FALSE(s.events_for("INBOX", false).any());
    EXPECT_TRUE(s.events_for("Drafts", false).mailbox_name);
    EXPECT_FALSE(s.events_for("Drafts/x", false).mailbox_name) << "no wildcard expansion";
    EXPECT_TRUE(s.events_for("INBOX", true).flag_change);
    r = check("a NOTIFY SET (personal (MailboxName))");
    EXPECT_TRUE(r.spec.events_for("anything/at/all", false).mailbox_name);
    r = check("a NOTIFY SET (mailboxes \"*\" (MailboxName))");
    EXPECT_FALSE(r.spec.events_for("INBOX", false).mailbox_name);
}

store::Mailbox box(store::MailboxId id, std::string name, std::string use = "") {
    store::Mailbox m;
    m.id = id;
    m.name = std::move(name);
    m.special_use = std::move(use);
    return m;
}

MailboxSnapshot snap(std::vector<store::Mailbox> boxes, std::set<std::string> subs = {}) {
    MailboxSnapshot s;
    for (auto& b : boxes) s.boxes.emplace(b.id, b);
    s.subscribed = std::move(subs);
    return s;
}

NotifySpec personal() {
    return check("a NOTIFY SET (personal (MailboxName SubscriptionChange))").spec;
}

TEST(NotifyDiff, CreateDeleteAndParents) {
    auto before = snap({box(1, "INBOX"), box(2, "Lists")});
    auto after = snap({box(1, "INBOX"), box(2, "Lists"), box(3, "Lists/new"), box(4, "Top")});
    auto ev = diff_mailbox_lists(before, after, personal(), {});
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0], (ListEvent{"Lists/new", {"\\HasNoChildren"}, std::nullopt}));
    EXPECT_EQ(ev[1], (ListEvent{"Lists", {"\\HasChildren"}, std::nullopt})) << "the direct parent";
    EXPECT_EQ(ev[2].name, "Top");

    ev = diff_mailbox_lists(after, before, personal(), {});
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0], (ListEvent{"Lists/new", {"\\NonExistent"}, std::nullopt}));
    EXPECT_EQ(ev[1], (ListEvent{"Lists", {"\\HasNoChildren"}, std::nullopt}));
    EXPECT_EQ(ev[2], (ListEvent{"Top", {"\\NonExistent"}, std::nullopt}));

    // Created by this session: not reported (RFC 5465 5).
    ev = diff_mailbox_lists(before, after, personal(), {"Lists/new", "Top", "Lists"});
    EXPECT_TRUE(ev.empty());
}

TEST(NotifyDiff, RenameReportsOnlyTheTopWithOldname) {
    auto before =
        snap({box(1, "INBOX"), box(2, "A", "\\Archive"), box(3, "A/x"), box(4, "A/x/y")}, {"A/x"});
    auto after =
        snap({box(1, "INBOX"), box(2, "B", "\\Archive"), box(3, "B/x"), box(4, "B/x/y")}, {"B/x"});
    auto ev = diff_mailbox_lists(before, after, personal(), {});
    ASSERT_EQ(ev.size(), 1u) << "children and the subscription follow silently";
    EXPECT_EQ(ev[0], (ListEvent{"B", {"\\HasChildren", "\\Archive"}, std::string("A")}));
    EXPECT_EQ(format_list_event(ev[0], false),
              "* LIST (\\HasChildren \\Archive) \"/\" \"B\" (\"OLDNAME\" (\"A\"))\r\n");
}

TEST(NotifyDiff, Subscriptions) {
    auto before = snap({box(1, "INBOX"), box(2, "Lists")}, {"INBOX"});
    auto after = snap({box(1, "INBOX"), box(2, "Lists")}, {"Lists", "Gone"});
    auto ev = diff_mailbox_lists(before, after, personal(), {});
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(ev[0], (ListEvent{"Gone", {"\\NonExistent", "\\Subscribed"}, std::nullopt}));
    EXPECT_EQ(ev[1], (ListEvent{"Lists", {"\\HasNoChildren", "\\Subscribed"}, std::nullopt}));
    EXPECT_EQ(ev[2], (ListEvent{"INBOX", {"\\HasNoChildren"}, std::nullopt}));
    // Only MailboxName asked: subscription changes are not reported.
    auto only_names = check("a NOTIFY SET (personal (MailboxName))").spec;
    EXPECT_TRUE(diff_mailbox_lists(before, after, only_names, {}).empty());
    // A filter limits what is reported.
    auto lists = check("a NOTIFY SET (mailboxes Lists (SubscriptionChange))").spec;
    ev = diff_mailbox_lists(before, after, lists, {});
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].name, "Lists");
}

TEST(NotifyDiff, OwnChangesApplied) {
    auto s = snap({box(1, "INBOX"), box(2, "A"), box(3, "A/b")}, {"A/b"});
    snapshot_rename(s, "A", "C");
    EXPECT_EQ(s.boxes.at(3).name, "C/b");
    EXPECT_TRUE(s.subscribed.count("C/b"));
    snapshot_delete(s, "C/b");
    EXPECT_EQ(s.boxes.size(), 2u);
    snapshot_subscribe(s, "C", true);
    snapshot_subscribe(s, "C/b", false);
    EXPECT_EQ(s.subscribed, (std::set<std::string>{"C"}));
    snapshot_rename(s, "INBOX", "Old");
    EXPECT_EQ(s.boxes.at(1).name, "INBOX") << "INBOX stays; the new mailbox is a creation";
}

TEST(NotifyDiff, Utf8AndModifiedUtf7Names) {
    ListEvent e{"Entwürfe", {"\\HasNoChildren"}, std::nullopt};
    EXPECT_EQ(format_list_event(e, false), "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"\r\n");
    EXPECT_EQ(format_list_event(e, true), "* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"\r\n");
}

}  // namespace
}  // namespace postamt::imap
