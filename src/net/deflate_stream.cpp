#include "net/deflate_stream.h"

#include <algorithm>
#include <climits>

namespace postamt::net {
namespace {

// Stack buffer for one zlib call; output is copied into the caller's string
// so neither side has to zero-fill a resized buffer first.
constexpr std::size_t kStep = 8 * 1024;

uInt clamp_uint(std::size_t n) { return n > UINT_MAX ? UINT_MAX : uInt(n); }

}  // namespace

DeflateStream::~DeflateStream() { release(); }

void DeflateStream::release() {
    if (inflate_active_) inflateEnd(&in_);
    if (deflate_active_) deflateEnd(&out_);
    inflate_active_ = deflate_active_ = false;
    in_ = {};
    out_ = {};
    std::string().swap(queued_);
    std::string().swap(history_);
    std::string().swap(out_history_);
    queued_off_ = 0;
    output_waiting_ = deflate_unfinished_ = false;
    released_ = true;
}

void DeflateStream::fail(const char* what, int rc, const z_stream& s) {
    error_ = std::string(what) + ": " + (s.msg ? s.msg : zError(rc));
    failed_ = true;
    release();  // a broken stream cannot recover: free the memory now
}

// ---- input ------------------------------------------------------------------

void DeflateStream::queue_input(std::string_view compressed) {
    if (compressed.empty() || released_) return;
    if (queued_off_ > 0) {
        queued_.erase(0, queued_off_);
        queued_off_ = 0;
    }
    queued_.append(compressed);
    wire_in_ += compressed.size();
}

bool DeflateStream::ensure_inflater() {
    if (inflate_active_) return true;
    in_ = {};
    // Negative windowBits: raw DEFLATE, no zlib header (RFC 4978 3 and 4).
    int rc = inflateInit2(&in_, -kInflateWindowBits);
    if (rc != Z_OK) {
        fail("inflateInit2", rc, in_);
        return false;
    }
    inflate_active_ = true;
    if (!history_.empty()) {
        // Raw inflate accepts a dictionary at any time; after a parked block
        // boundary this restores exactly the state the peer assumes.
        rc = inflateSetDictionary(&in_, reinterpret_cast<const Bytef*>(history_.data()), uInt(history_.size()));
        if (rc != Z_OK) {
            fail("inflateSetDictionary", rc, in_);
            return false;
        }
        std::string().swap(history_);
    }
    return true;
}

DeflateStream::Inflated DeflateStream::inflate(std::string_view more, std::string& out, std::size_t limit) {
    Inflated r;
    if (failed_ || released_) {
        r.status = InflateStatus::error;
        return r;
    }
    if (ended_) {  // bytes after the final block are not part of the stream
        r.status = InflateStatus::end;
        return r;
    }
    wire_in_ += more.size();
    if (queued_off_ < queued_.size() && !more.empty()) {
        queued_.append(more);
        more = {};
    }
    const bool from_queue = queued_off_ < queued_.size();
    std::string_view src = from_queue ? std::string_view(queued_).substr(queued_off_) : more;
    if ((src.empty() && !output_waiting_) || limit == 0) return r;
    if (!ensure_inflater()) {
        r.status = InflateStatus::error;
        return r;
    }
    const uInt given = clamp_uint(src.size());
    in_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src.data()));
    in_.avail_in = given;
    char buf[kStep];
    output_waiting_ = false;
    while (r.produced < limit) {
        const std::size_t room = std::min(sizeof buf, limit - r.produced);
        in_.next_out = reinterpret_cast<Bytef*>(buf);
        in_.avail_out = uInt(room);
        int rc = ::inflate(&in_, Z_SYNC_FLUSH);
        const std::size_t got = room - in_.avail_out;
        out.append(buf, got);
        r.produced += got;
        if (rc == Z_STREAM_END) {
            ended_ = true;
            break;
        }
        if (rc == Z_BUF_ERROR) break;  // no progress possible: needs more input
        if (rc != Z_OK) {              // Z_DATA_ERROR (corrupt), Z_MEM_ERROR, Z_NEED_DICT
            fail("inflate", rc, in_);
            r.status = InflateStatus::error;
            return r;
        }
        if (in_.avail_out != 0) break;  // all input used, all output delivered
    }
    plain_in_ += r.produced;
    const std::size_t used = given - in_.avail_in;
    in_.next_in = nullptr;
    in_.avail_in = 0;
    in_.next_out = nullptr;
    if (ended_) {
        std::string().swap(queued_);
        queued_off_ = 0;
        r.status = InflateStatus::end;
        return r;
    }
    // Stopped at the limit: there may be more output even with no input left.
    output_waiting_ = r.produced >= limit;
    if (from_queue) {
        queued_off_ += used;
        if (queued_off_ >= queued_.size()) {
            if (queued_.capacity() > 4096) std::string().swap(queued_);
            else queued_.clear();
            queued_off_ = 0;
        }
    } else if (used < src.size()) {
        queued_.assign(src.substr(used));  // the caller's buffer is about to be reused
        queued_off_ = 0;
    }
    return r;
}

void DeflateStream::park_input() {
    if (!inflate_active_ || failed_ || ended_ || has_pending_input()) return;
    // data_type == 128: inflate stopped in state TYPE (between blocks), not in
    // the last block, with no bits held: the peer's sync or full flush left a
    // byte boundary, and the history window is the only state that matters.
    if (in_.data_type != 128) return;
    uInt len = 0;
    if (inflateGetDictionary(&in_, nullptr, &len) != Z_OK) return;
    std::string saved(len, '\0');
    if (len > 0 && inflateGetDictionary(&in_, reinterpret_cast<Bytef*>(saved.data()), &len) != Z_OK) return;
    history_ = std::move(saved);
    inflateEnd(&in_);
    in_ = {};
    inflate_active_ = false;
    ++input_parks_;
}

// ---- output -----------------------------------------------------------------

bool DeflateStream::ensure_deflater() {
    if (deflate_active_) return true;
    out_ = {};
    int rc = deflateInit2(&out_, kLevel, Z_DEFLATED, -kWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        fail("deflateInit2", rc, out_);
        return false;
    }
    deflate_active_ = true;
    if (!out_history_.empty()) {
        // Raw deflate takes a dictionary at any block boundary; the peer's
        // window holds these bytes already, so references into them decode.
        rc = deflateSetDictionary(&out_, reinterpret_cast<const Bytef*>(out_history_.data()),
                                  uInt(out_history_.size()));
        if (rc != Z_OK) {
            fail("deflateSetDictionary", rc, out_);
            return false;
        }
        std::string().swap(out_history_);
    }
    return true;
}

DeflateStream::Deflated DeflateStream::deflate(std::string_view in, std::string& out, std::size_t max_out) {
    Deflated r;
    if (failed_ || released_) {
        r.ok = false;
        return r;
    }
    if (in.empty() && !deflate_unfinished_) {
        r.flushed = true;
        return r;
    }
    if (!ensure_deflater()) {
        r.ok = false;
        return r;
    }
    const std::size_t start = out.size();
    const uInt given = clamp_uint(in.size());
    out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    out_.avail_in = given;
    char buf[kStep];
    bool done = false;
    for (;;) {
        out_.next_out = reinterpret_cast<Bytef*>(buf);
        out_.avail_out = uInt(sizeof buf);
        // Z_SYNC_FLUSH on every call: when it returns with output space left,
        // all input is compressed and ends on a byte-aligned empty stored
        // block, so the peer can decode everything sent (RFC 4978 4).
        int rc = ::deflate(&out_, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - out_.avail_out);
        if (rc == Z_BUF_ERROR) {  // nothing left to do
            done = true;
            break;
        }
        if (rc != Z_OK) {
            fail("deflate", rc, out_);
            r.ok = false;
            return r;
        }
        if (out_.avail_out != 0) {
            done = true;
            break;
        }
        if (out.size() - start >= max_out) break;
    }
    r.consumed = given - out_.avail_in;
    out_.next_in = nullptr;
    out_.avail_in = 0;
    out_.next_out = nullptr;
    r.flushed = done && r.consumed == in.size();
    deflate_unfinished_ = !r.flushed;
    plain_out_ += r.consumed;
    wire_out_ += out.size() - start;
    return r;
}

void DeflateStream::park_output() {
    if (!deflate_active_ || deflate_unfinished_) return;
    // At most the window (1 << kWindowBits bytes); keep only its tail, in a
    // string of exactly that size.
    char window[std::size_t(1) << kWindowBits];
    uInt len = 0;
    if (deflateGetDictionary(&out_, nullptr, &len) != Z_OK || len > sizeof window) return;
    if (len > 0 && deflateGetDictionary(&out_, reinterpret_cast<Bytef*>(window), &len) != Z_OK) return;
    const std::size_t keep = std::min<std::size_t>(len, kParkedOutputHistory);
    out_history_.assign(window + (len - keep), keep);
    deflateEnd(&out_);  // Z_DATA_ERROR here only says the stream was not Z_FINISHed
    out_ = {};
    deflate_active_ = false;
    ++output_parks_;
}

}  // namespace postamt::net
