#pragma once
// Sequence sets (RFC 9051 9 "sequence-set") turned into what the store and
// the selected view work with, and UID sets formatted for responses
// (COPYUID, APPENDUID, VANISHED, ESEARCH ALL). Pure.
#include <cstdint>
#include <string>
#include <vector>

#include "imap/command.h"
#include "store/store.h"

namespace postamt::imap {

// Sorted, non-overlapping, adjacent ranges merged.
std::vector<store::UidRange> normalize_ranges(std::vector<store::UidRange> ranges);

// A UID set with "*" standing for `max_uid` (RFC 9051 6.4.8: "559:*" always
// includes the last message even when 559 is higher). `max_uid` 0 (empty
// mailbox): "*" is 0 and matches nothing. Not for "$" (set.saved).
std::vector<store::UidRange> uid_ranges(const SequenceSet& set, store::Uid max_uid);

// Message sequence numbers with "*" standing for `exists`. nullopt when a
// number is beyond `exists` (or "*" on an empty mailbox): RFC 9051 says to
// answer BAD. The result is sorted and unique.
std::optional<std::vector<uint32_t>> sequence_numbers(const SequenceSet& set, uint32_t exists);

// "1:3,5,9:10" of ascending unique values; "" when empty.
std::string format_set(const std::vector<uint32_t>& ascending);
// The same for values in any order (sorted and de-duplicated first).
std::string format_set_unsorted(std::vector<uint32_t> values);
// A mapping in the order given (COPYUID pairs source and destination lists
// by position, RFC 4315 3): runs of consecutive values become ranges.
std::string format_sequence(const std::vector<uint32_t>& in_order);

bool contains(const std::vector<store::UidRange>& ranges, store::Uid uid);

}  // namespace postamt::imap
