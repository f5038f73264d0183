#pragma once
// OBJECTID (RFC 8474) identifiers: stable, never shown for two different
// things, made of the store's ids. Pure.
#include <optional>
#include <string>
#include <string_view>

#include "store/types.h"

namespace postamt::imap {

// MAILBOXID: "F" and the store's mailbox id (kept across RENAME).
std::string mailbox_object_id(store::MailboxId id);
// EMAILID: "M" and the id of the message's blob, its immutable content:
// COPY and MOVE keep it (RFC 8474 5.1), and the copies one delivery made
// for several recipients share it (same content).
std::string email_object_id(store::BlobId id);
// The blob id of an EMAILID, nullopt when the text is not one of ours.
std::optional<store::BlobId> parse_email_object_id(std::string_view text);

}  // namespace postamt::imap
