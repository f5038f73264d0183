#pragma once
// The messages a STORE, COPY, MOVE or EXPUNGE names, through the session's
// view: sequence numbers, UIDs or "$" (SEARCHRES, RFC 5182).
#include <optional>
#include <vector>

#include "imap/command.h"
#include "imap/session.h"

namespace postamt::imap {

// Sequence numbers (ascending) of the shown messages the set names;
// nullopt when a sequence number is out of range (answer BAD). UIDs that
// are not shown are skipped (RFC 9051 6.4.8).
std::optional<std::vector<uint32_t>> target_seqs(const Session& s, const SequenceSet& set,
                                                 bool uid);

// Their UIDs as ranges (consecutive sequence numbers cover exactly the
// UIDs between their ends).
std::vector<store::UidRange> uid_ranges_of(const MailboxView& v, const std::vector<uint32_t>& seqs);

}  // namespace postamt::imap
