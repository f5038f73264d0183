#pragma once
// Command executors: one file per command or small group (cmd_*.cpp), each
// a coroutine that does what the command means and returns the tagged
// Reply. executor_table.cpp maps CommandId -> executor; a command without
// an executor is answered "BAD Command not supported" (and must not be
// advertised). To add one (docs/imap.md): write cmd_<name>.cpp, declare it
// here, add it to the table, add its capability to capabilities.cpp.
//
// g++ 12 coroutine rules apply (DESIGN.md): by-value parameters, no
// reference or pointer locals alive across a co_await.
#include <memory>
#include <optional>

#include "imap/command.h"
#include "imap/command_parser.h"
#include "imap/response.h"
#include "imap/session.h"

namespace postamt::imap {

using CommandPtr = std::shared_ptr<Command>;
using Executor = asio::awaitable<Reply> (*)(SessionPtr, CommandPtr);

// nullptr when the command has no executor (yet).
Executor executor_for(CommandId id);

// cmd_any.cpp
asio::awaitable<Reply> exec_capability(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_noop(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_logout(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_id(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_enable(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_namespace(SessionPtr s, CommandPtr c);
// cmd_auth.cpp
asio::awaitable<Reply> exec_starttls(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_login(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_authenticate(SessionPtr s, CommandPtr c);
// cmd_mailbox.cpp
asio::awaitable<Reply> exec_create(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_delete(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_rename(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_subscribe(SessionPtr s, CommandPtr c);
// cmd_list.cpp
asio::awaitable<Reply> exec_list(SessionPtr s, CommandPtr c);
// cmd_status.cpp
asio::awaitable<Reply> exec_status(SessionPtr s, CommandPtr c);
// cmd_select.cpp
asio::awaitable<Reply> exec_select(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_close(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_unselect(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_check(SessionPtr s, CommandPtr c);
// cmd_append.cpp
asio::awaitable<Reply> exec_append(SessionPtr s, CommandPtr c);
// Before answering "+" to APPEND's synchronising message literal: is the
// target there, the size allowed, the quota free? A Reply means refuse.
asio::awaitable<std::optional<Reply>> append_precheck(SessionPtr s, LiteralProbe probe,
                                                      uint64_t size);
// cmd_expunge.cpp
asio::awaitable<Reply> exec_expunge(SessionPtr s, CommandPtr c);
// cmd_fetch.cpp
asio::awaitable<Reply> exec_fetch(SessionPtr s, CommandPtr c);
// cmd_store.cpp
asio::awaitable<Reply> exec_store(SessionPtr s, CommandPtr c);
// cmd_copy.cpp
asio::awaitable<Reply> exec_copy(SessionPtr s, CommandPtr c);
// cmd_search.cpp
asio::awaitable<Reply> exec_search(SessionPtr s, CommandPtr c);
// cmd_idle.cpp
asio::awaitable<Reply> exec_idle(SessionPtr s, CommandPtr c);
// cmd_sort.cpp
asio::awaitable<Reply> exec_sort(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_thread(SessionPtr s, CommandPtr c);
// cmd_quota.cpp, cmd_acl.cpp, cmd_metadata.cpp, cmd_compress.cpp (docs/imap-extensions.md)
asio::awaitable<Reply> exec_getquota(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_getquotaroot(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_setquota(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_setacl(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_deleteacl(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_getacl(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_listrights(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_myrights(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_getmetadata(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_setmetadata(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_compress(SessionPtr s, CommandPtr c);
asio::awaitable<Reply> exec_notify(SessionPtr s, CommandPtr c);  // cmd_notify.cpp (RFC 5465)

}  // namespace postamt::imap
