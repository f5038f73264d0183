#pragma once
// NOTIFY (RFC 5465), runner side: what the command loop, IDLE and the
// mailbox executors call. The executor itself is exec_notify (executors.h).
#include "imap/session.h"

namespace postamt::imap {

// Changes of more distinct mailboxes than this between two points where
// notifications may be sent end NOTIFY with NOTIFICATIONOVERFLOW (RFC 5465
// 5.8): a client that far behind is better off resynchronising.
inline constexpr std::size_t kNotifyMaxPendingMailboxes = 1000;

// Sends the STATUS / LIST responses for what the account doorbell reported
// since the last call (command ends, IDLE). false: a store read failed and
// the rest is kept for the next call (IDLE retries after a second).
asio::awaitable<bool> send_notify_updates(SessionPtr s);

// MessageNew (fetch-att ...) for the selected mailbox: the FETCH for new
// messages with UIDs first..last (after their EXISTS).
asio::awaitable<void> notify_fetch_new(SessionPtr s, store::Uid first, store::Uid last);

// IDLE: whether selected-mailbox changes are to be pushed (RFC 5465 3.1: not
// when NOTIFY is in effect without SELECTED/SELECTED-DELAYED, or with
// SELECTED NONE).
bool notify_selected_events(const Session& s);

// This session's own CREATE/DELETE/RENAME/SUBSCRIBE (RFC 5465 5: not
// reported back to it).
void notify_own_created(Session& s, const std::string& name);
void notify_own_deleted(Session& s, const std::string& name);
void notify_own_renamed(Session& s, const std::string& from, const std::string& to);
void notify_own_subscribed(Session& s, const std::string& name, bool on);

}  // namespace postamt::imap
