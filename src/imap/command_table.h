#pragma once
// Per-command facts the runner checks before and after running an
// executor, in one place (DESIGN.md "Shapes that work"): which states the
// command is valid in, and whether untagged EXPUNGE/VANISHED may be sent
// while it runs (RFC 9051 7.4.1: not during FETCH, STORE or SEARCH by
// sequence number; the UID forms allow it). Asio-free; the executors are
// in executors.h.
#include <cstdint>

#include "imap/command.h"

namespace postamt::imap {

enum StateMask : uint8_t {
    kNotAuthenticated = 1,
    kAuthenticated = 2,
    kSelected = 4,
    kAnyState = kNotAuthenticated | kAuthenticated | kSelected,
    kLoggedIn = kAuthenticated | kSelected,
};

struct CommandSpec {
    CommandId id = CommandId::noop;
    uint8_t states = kAnyState;
    // Non-UID form uses message sequence numbers: no EXPUNGE/VANISHED may be
    // sent while it runs (pending ones wait for the next command that allows them).
    bool seq_numbers_block_expunge = false;
    // Untagged updates of the selected mailbox may be sent at its end.
    bool sends_updates = true;
};

const CommandSpec& command_spec(CommandId id);

// EXPUNGE/VANISHED allowed at the end of this command?
inline bool expunge_allowed(const CommandSpec& spec, bool uid) {
    return !spec.seq_numbers_block_expunge || uid;
}

}  // namespace postamt::imap
