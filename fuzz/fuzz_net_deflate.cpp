// Feeds arbitrary bytes to net::DeflateStream (COMPRESS=DEFLATE, RFC 4978),
// both as a client's compressed stream and as plain data to compress. Must
// never crash, hang or leak, and keeps these invariants:
//  - one inflate() call appends at most `limit` bytes, whatever the input
//    (inflate bombs), and a stream that errs stays in error;
//  - parking between pieces never changes what is inflated;
//  - plain bytes deflated in pieces of any size, with parking in between,
//    inflate back to the same bytes.
// Layout: byte 0 picks the inflate limit, byte 1 the piece size, the rest is
// the payload.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/deflate_stream.h"

using postamt::net::DeflateStream;
using Status = DeflateStream::InflateStatus;

namespace {

// All of `wire` through `s` in pieces of `piece`, parking between pieces
// when `park`; returns false on a stream error. Output capped at `cap`.
bool inflate_pieces(DeflateStream& s, std::string_view wire, std::size_t piece, std::size_t limit, bool park,
                    std::string& out, std::size_t cap) {
    bool ok = true;
    for (std::size_t off = 0; off < wire.size() && ok; off += piece) {
        std::string_view p = wire.substr(off, piece);
        for (int i = 0; i < 100000; ++i) {
            std::size_t before = out.size();
            auto r = s.inflate(i == 0 ? p : std::string_view(), out, limit);
            if (out.size() - before != r.produced || r.produced > limit) __builtin_trap();
            if (r.status == Status::error) {
                ok = false;
                break;
            }
            if (out.size() > cap) return ok;
            if (!s.has_pending_input()) break;
        }
        if (park) s.park_input();
    }
    if (!ok) {
        std::string more;
        if (s.inflate("x", more, limit).status != Status::error || !more.empty()) __builtin_trap();
    }
    return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const std::size_t limit = 1 + data[0] * 64;  // 1 .. 16321
    const std::size_t piece = 1 + data[1];
    std::string_view payload(reinterpret_cast<const char*>(data) + 2, size - 2);
    const std::size_t cap = 8u << 20;

    // The payload as a client's compressed stream, with and without parking.
    {
        DeflateStream a, b;
        std::string out_a, out_b;
        bool ok_a = inflate_pieces(a, payload, piece, limit, false, out_a, cap);
        bool ok_b = inflate_pieces(b, payload, piece, limit, true, out_b, cap);
        if (out_a.size() <= cap && out_b.size() <= cap) {
            if (ok_a != ok_b) __builtin_trap();
            if (out_a != out_b) __builtin_trap();
        }
    }

    // The payload as plain data: deflate in pieces, park, inflate back.
    {
        DeflateStream ours;
        std::string wire;
        for (std::size_t off = 0; off < payload.size(); off += piece) {
            std::string_view p = payload.substr(off, piece);
            std::size_t used = 0;
            for (int i = 0; i < 100000; ++i) {
                auto d = ours.deflate(p.substr(used), wire, 1 + limit / 4);
                if (!d.ok) __builtin_trap();
                used += d.consumed;
                if (d.flushed) break;
            }
            if (used != p.size() || !ours.output_flushed()) __builtin_trap();
            if (data[1] & 1) ours.park_output();
        }
        DeflateStream peer;
        std::string back;
        if (!inflate_pieces(peer, wire, piece, limit, (data[1] & 2) != 0, back, cap)) __builtin_trap();
        if (back != payload) __builtin_trap();
    }
    return 0;
}
