// Placeholder until the IMAP session lands: refuses politely so a client
// gets a protocol-shaped answer instead of a silent socket.
#include "imap/runner.h"

namespace postamt::imap {

struct RunnerContext {
    std::shared_ptr<store::Store> store;
};

std::shared_ptr<const RunnerContext> make_runner_context(const Config&, std::shared_ptr<store::Store> store,
                                                         std::shared_ptr<auth::Authenticator>, bool) {
    auto c = std::make_shared<RunnerContext>();
    c->store = std::move(store);
    return c;
}

net::asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                       std::shared_ptr<const RunnerContext>) {
    conn->append("* BYE IMAP is not available in this build yet\r\n");
    co_await conn->flush();
    conn->close();
}

}  // namespace postamt::imap
