#pragma once
// The DEFLATE layer of one connection (IMAP COMPRESS=DEFLATE, RFC 4978):
// raw DEFLATE (RFC 1951, no zlib or gzip framing) in both directions, with
// bounded inflation and zlib state that can be parked while the connection
// is idle. Pure: no sockets, no Asio; net::Connection layers it above TLS.
//
// Memory (zlib 1.2.13, measured in docs/networking.md):
// - inflate: ~7 KiB of state plus the 32 KiB history window once output has
//   been produced. The client picks its window (RFC 4978 4: windowBits -8 to
//   -15) and raw DEFLATE does not say which, so the inflater must accept 32 KiB.
// - deflate: ours is the sender's choice: windowBits -12 and memLevel 3 keep
//   it at ~26 KiB while in use instead of zlib's default ~256 KiB.
// - park_input()/park_output() free both states between bursts. Parked, the
//   inflater keeps only its history (what the client may refer back to: the
//   bytes inflated so far, at most 32 KiB), the deflater its last 1 KiB. The
//   next burst re-creates the deflater primed with that history: the peer
//   decodes it as a continuation because every burst ended with Z_SYNC_FLUSH
//   (a byte-aligned, non-final block) and its window holds those bytes. Small
//   responses need the history: without it, replies one burst each came out
//   larger than plain (measured), with 1 KiB they take ~32%.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace postamt::net {

class DeflateStream {
public:
    // Our compressor's choices (RFC 4978 3: each side picks its own rate).
    static constexpr int kLevel = 6;
    static constexpr int kWindowBits = 12;  // 4 KiB history
    static constexpr int kMemLevel = 3;
    // Any peer window: 32 KiB (RFC 1951 2, RFC 4978 4).
    static constexpr int kInflateWindowBits = 15;
    // What a parked deflater keeps of its history to prime the next burst.
    static constexpr std::size_t kParkedOutputHistory = 1024;

    DeflateStream() = default;
    ~DeflateStream();
    DeflateStream(const DeflateStream&) = delete;
    DeflateStream& operator=(const DeflateStream&) = delete;

    // ---- input (peer -> us) -------------------------------------------------
    enum class InflateStatus {
        ok,     // `produced` bytes appended (possibly 0: need more input)
        end,    // the peer ended its DEFLATE stream (a final block); nothing more will come
        error,  // corrupt stream or out of memory; sticky
    };
    struct Inflated {
        InflateStatus status = InflateStatus::ok;
        std::size_t produced = 0;
    };
    // Queues compressed bytes without inflating them (data the peer pipelined
    // behind the command that switched compression on).
    void queue_input(std::string_view compressed);
    // Inflates the queued input followed by `more`, appending at most `limit`
    // bytes to `out`. Whatever does not fit stays queued (copied), so the
    // caller's buffer may be reused at once and output per call is bounded no
    // matter the compression ratio (inflate bombs).
    Inflated inflate(std::string_view more, std::string& out, std::size_t limit);
    // Queued compressed input, or inflated output that did not fit the last limit.
    bool has_pending_input() const { return queued_off_ < queued_.size() || output_waiting_; }
    // The peer sent its final block: no more input will ever come.
    bool input_ended() const { return ended_; }
    // Frees the inflate state when the stream is at a byte-aligned block
    // boundary (the peer ended its burst with a sync or full flush), keeping
    // only the history window. Otherwise does nothing.
    void park_input();

    // ---- output (us -> peer) -------------------------------------------------
    struct Deflated {
        std::size_t consumed = 0;  // bytes of `in` taken
        bool flushed = false;      // everything taken and Z_SYNC_FLUSHed: the peer can decode all of it
        bool ok = true;
    };
    // Compresses `in` and appends to `out`, stopping once `out` has grown by
    // about `max_out` bytes. Every burst ends with Z_SYNC_FLUSH (RFC 4978 4).
    // When not flushed, call again with the rest of the input (more may have
    // been appended to it meanwhile).
    Deflated deflate(std::string_view in, std::string& out, std::size_t max_out);
    bool output_flushed() const { return !deflate_unfinished_; }
    // Frees the deflate state when the last burst was flushed; the next one
    // starts without history (see above).
    void park_output();

    // Frees everything; later calls fail (inflate: error, deflate: !ok).
    void release();

    // Diagnostics.
    bool input_active() const { return inflate_active_; }
    bool output_active() const { return deflate_active_; }
    std::size_t parked_history() const { return history_.size(); }
    std::size_t parked_output_history() const { return out_history_.size(); }
    const std::string& error() const { return error_; }
    std::uint64_t plain_in() const { return plain_in_; }
    std::uint64_t wire_in() const { return wire_in_; }
    std::uint64_t plain_out() const { return plain_out_; }
    std::uint64_t wire_out() const { return wire_out_; }
    std::uint64_t input_parks() const { return input_parks_; }
    std::uint64_t output_parks() const { return output_parks_; }

private:
    bool ensure_inflater();
    bool ensure_deflater();
    void fail(const char* what, int rc, const z_stream& s);

    z_stream in_{};
    z_stream out_{};
    std::string queued_;  // compressed input not yet inflated
    std::size_t queued_off_ = 0;
    std::string history_;      // parked inflater's window
    std::string out_history_;  // parked deflater's last bytes
    std::string error_;
    std::uint64_t plain_in_ = 0, wire_in_ = 0, plain_out_ = 0, wire_out_ = 0;
    std::uint64_t input_parks_ = 0, output_parks_ = 0;
    bool inflate_active_ = false;
    bool deflate_active_ = false;
    bool output_waiting_ = false;      // the last inflate stopped at `limit`
    bool deflate_unfinished_ = false;  // the last deflate stopped at `max_out`
    bool ended_ = false;
    bool failed_ = false;
    bool released_ = false;
};

}  // namespace postamt::net
