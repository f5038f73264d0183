#pragma once
#include <memory>

#include "net/server.h"
#include "store/store.h"

namespace postamt::cli {

// Retries the store's local delivery queue every minute on the server's
// io_context until the server stops.
void start_delivery_queue_timer(net::Server& server, std::shared_ptr<store::Store> store);

}  // namespace postamt::cli
