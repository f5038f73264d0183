#pragma once
// Drives one POP3 session over a net::Connection. The only part of pop3/
// that knows about sockets and Asio; the protocol logic stays testable
// without them.
#include <memory>

#include "auth/authenticator.h"
#include "common/config.h"
#include "net/asio.h"
#include "net/connection.h"
#include "store/store.h"

namespace postamt::pop3 {

struct RunnerContext;

// Built once by `serve` after the listeners are bound (tls_available: a
// certificate is loaded, so STARTTLS/STLS can be offered).
std::shared_ptr<const RunnerContext> make_runner_context(const Config& cfg,
                                                         std::shared_ptr<store::Store> store,
                                                         std::shared_ptr<auth::Authenticator> auth,
                                                         bool tls_available);

net::asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                       std::shared_ptr<const RunnerContext> ctx);

}  // namespace postamt::pop3
