#pragma once
// Wiring for sending mail in `postamt serve`: the submission listeners'
// session context (AUTH, hourly limit, DKIM signing) and the outbound queue
// runner (DNS resolver, SMTP client, retries, reports).
#include <memory>

#include "auth/authenticator.h"
#include "common/config.h"
#include "common/result.h"
#include "net/server.h"
#include "smtp/queue_runner.h"
#include "smtp/runner.h"
#include "store/store.h"

namespace postamt::cli {

// The context for Protocol::submission listeners. Fails when a DKIM key in
// the key directory is unusable (the message names the file and the fix).
Result<std::shared_ptr<smtp::RunnerContext>> make_submission_context(
    const Config& cfg, std::shared_ptr<store::Store> store, std::shared_ptr<auth::Authenticator> auth,
    bool tls_available);

// Starts the queue runner on the server's io_context; it stops with the
// server. Fails on a bad [dns] or [outbound] setting.
Result<std::shared_ptr<smtp::QueueRunner>> start_queue_runner(net::Server& server, const Config& cfg,
                                                              std::shared_ptr<store::Store> store);

}  // namespace postamt::cli
