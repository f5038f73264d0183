// Placeholder until the POP3 session lands: refuses politely so a client
// gets a protocol-shaped answer instead of a silent socket.
#include "pop3/runner.h"

namespace postamt::pop3 {

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
    conn->append("-ERR [SYS/PERM] POP3 is not available in this build yet\r\n");
    co_await conn->flush();
    conn->close();
}

}  // namespace postamt::pop3
