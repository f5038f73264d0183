#pragma once
// Drives one smtp::Session over a net::Connection: performs each Step
// (replies, STARTTLS, store calls, BDAT chunks) and feeds the next input
// line. The only file of smtp/ that knows about sockets and Asio.
#include <functional>
#include <memory>

#include "net/asio.h"
#include "net/connection.h"
#include "smtp/session.h"
#include "store/store.h"

namespace postamt::smtp {

struct RunnerContext {
    std::shared_ptr<store::Store> store;
    SessionOptions options;
    // Submission: AUTH (nullptr on port 25), the hourly message limit and
    // DKIM signing (SessionEnv).
    std::shared_ptr<auth::Authenticator> auth;
    SessionEnv env;
    // Recipients whose copy failed after the 250 (step::Delivered). Called on
    // the connection's strand; must not block.
    std::function<void(const DeliveryReport&)> on_retry;
};

net::asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                       std::shared_ptr<const RunnerContext> ctx);

}  // namespace postamt::smtp
