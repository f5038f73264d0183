// COMPRESS=DEFLATE (RFC 4978): the tagged OK goes out uncompressed and is
// flushed; from the next byte on, both directions are raw DEFLATE above
// TLS (net::Connection::start_compress, docs/networking.md). A second
// COMPRESS is refused with [COMPRESSIONACTIVE] (RFC 4978 3).
#include "common/log.h"
#include "imap/executors.h"

namespace postamt::imap {

asio::awaitable<Reply> exec_compress(SessionPtr s, CommandPtr c) {
    std::string mech = std::get<CompressCmd>(c->body).mechanism;
    if (s->conn->is_compressed()) co_return Reply::no("DEFLATE is already active", "COMPRESSIONACTIVE");
    // RFC 4978 3: an unknown mechanism is an invalid argument.
    if (mech != "DEFLATE") co_return Reply::bad("Unknown compression mechanism " + mech);
    std::string tag = c->tag;
    s->send(format_reply(tag, Reply::ok("DEFLATE active")));
    Reply r;
    r.already_sent = true;
    if (!co_await s->conn->flush()) {
        r.close = true;
        co_return r;
    }
    if (!s->conn->start_compress()) {
        // The OK is out, so the client compresses now; without compression
        // on our side the two ends cannot understand each other any more.
        log::warn("event=imap_compress_failed conn={}", s->conn->id());
        r.close = true;
        co_return r;
    }
    log::debug("event=imap_compress conn={} user={}", s->conn->id(), log::quote(s->log_user()));
    co_return r;
}

}  // namespace postamt::imap
