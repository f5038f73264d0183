#pragma once
// The Asio pieces net/ and the session runners use (DESIGN.md: Asio only in
// net/ and session runners). BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_ASIO_NO_DEPRECATED come from postamt_net's compile definitions.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace postamt::net {
namespace asio = boost::asio;
}  // namespace postamt::net
