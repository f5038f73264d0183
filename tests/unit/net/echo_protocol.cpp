// The echo-line test protocol (net_test_support.h):
//   greeting "HELLO <tls-version-or-plain>"; every line is answered
//   "ECHO <line> <ending>"; commands: EXACT n, CHUNKS n, STARTTLS, TLSINFO,
//   PEER, TIMEOUT ms, SLOW ms (an in-flight command), QUIT.
#include <boost/asio/steady_timer.hpp>

#include "net_test_support.h"

namespace nettest {

using net::asio::awaitable;

awaitable<void> echo_protocol(std::shared_ptr<net::Connection> c) {
    if (c->admission() != net::Admission::ok) {
        std::string busy = c->admission() == net::Admission::too_many_from_ip ? "BUSY per-ip\r\n" : "BUSY global\r\n";
        co_await c->write(busy);
        co_return;
    }
    std::string hello = "HELLO " + (c->is_tls() ? c->tls_version() : std::string("plain")) + "\r\n";
    co_await c->write(hello);
    // g++ 12: no reference locals and no string temporaries across co_await
    // in this long branchy coroutine; the reply is built in a named variable.
    std::string reply;
    for (;;) {
        auto r = co_await c->read_line(32);
        g_last_end = int(r.end);
        std::string l = r.line;
        net::LineEnd end = r.end;
        reply.clear();
        bool stop = false;
        if (end == net::LineEnd::shutdown) {
            reply = "BYE shutting down\r\n";
            stop = true;
        } else if (end == net::LineEnd::timeout) {
            reply = "BYE idle timeout\r\n";
            stop = true;
        } else if (end == net::LineEnd::too_long) {
            reply = "ERR too long\r\n";
        } else if (!r.ok()) {
            co_return;
        } else if (l.starts_with("EXACT ")) {
            auto x = co_await c->read_exact(std::stoul(l.substr(6)));
            reply = "GOT " + x.data + "\r\n";
        } else if (l.starts_with("CHUNKS ")) {
            std::string all;
            int pieces = 0;
            auto rend = co_await c->read_chunks(std::stoull(l.substr(7)), [&all, &pieces](std::string_view p) {
                all.append(p);
                ++pieces;
            });
            reply = "CHUNKS " + std::string(net::read_end_name(rend)) + " " + std::to_string(all.size()) + " " +
                    all.substr(0, 16) + "\r\n";
        } else if (l == "STARTTLS") {
            bool pipelined = c->has_buffered_input();
            reply = std::string("OK begin TLS pipelined=") + (pipelined ? "yes" : "no") + "\r\n";
            if (!co_await c->write(reply)) co_return;
            if (!co_await c->start_tls()) co_return;
            continue;
        } else if (l == "TLSINFO") {
            reply = "TLS " + c->tls_version() + " " + c->tls_cipher() + " sni=" + c->sni() + "\r\n";
        } else if (l == "PEER") {
            reply = "PEER " + c->peer_address() + " " + std::to_string(c->peer_port()) + " " + c->local_address() +
                    " " + std::to_string(c->local_port()) + "\r\n";
        } else if (l.starts_with("TIMEOUT ")) {
            c->set_idle_timeout(std::chrono::milliseconds(std::stoul(l.substr(8))));
            reply = "OK\r\n";
        } else if (l.starts_with("SLOW ")) {
            net::asio::steady_timer t(c->executor());
            t.expires_after(std::chrono::milliseconds(std::stoul(l.substr(5))));
            co_await t.async_wait(net::asio::use_awaitable);
            reply = std::string("DONE shutting_down=") + (c->shutting_down() ? "yes" : "no") + "\r\n";
        } else if (l == "QUIT") {
            reply = "BYE\r\n";
            stop = true;
        } else {
            reply = "ECHO " + l + " " + net::line_end_name(end) + "\r\n";
        }
        if (!co_await c->write(reply) || stop) co_return;
    }
}

}  // namespace nettest
