// net::DeflateStream on its own: zlib as the peer (raw DEFLATE, windowBits
// -15 like the IMAP clients' zlib), bounded inflation, parking between
// bursts, corrupt input.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "net/deflate_stream.h"

using postamt::net::DeflateStream;
using Status = DeflateStream::InflateStatus;

namespace {

// The peer's compressor: raw DEFLATE with zlib's defaults (32 KiB window).
class PeerDeflater {
public:
    explicit PeerDeflater(int wbits = 15, int level = 6) {
        EXPECT_EQ(deflateInit2(&z_, level, Z_DEFLATED, -wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    }
    ~PeerDeflater() { deflateEnd(&z_); }
    std::string compress(const std::string& in, int flush = Z_SYNC_FLUSH) {
        std::string out;
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = uInt(in.size());
        char buf[4096];
        do {
            z_.next_out = reinterpret_cast<Bytef*>(buf);
            z_.avail_out = sizeof buf;
            int rc = deflate(&z_, flush);
            EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) << rc;
            out.append(buf, sizeof buf - z_.avail_out);
        } while (z_.avail_out == 0);
        return out;
    }

private:
    z_stream z_{};
};

// The peer's decompressor, as an IMAP client would run it.
class PeerInflater {
public:
    PeerInflater() { EXPECT_EQ(inflateInit2(&z_, -15), Z_OK); }
    ~PeerInflater() { inflateEnd(&z_); }
    // Everything decodable from `in`; false on a corrupt stream.
    bool decompress(const std::string& in, std::string& out) {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = uInt(in.size());
        char buf[4096];
        for (;;) {
            z_.next_out = reinterpret_cast<Bytef*>(buf);
            z_.avail_out = sizeof buf;
            int rc = inflate(&z_, Z_SYNC_FLUSH);
            out.append(buf, sizeof buf - z_.avail_out);
            if (rc == Z_BUF_ERROR || (rc == Z_OK && z_.avail_out != 0) || rc == Z_STREAM_END) return true;
            if (rc != Z_OK) return false;
        }
    }

private:
    z_stream z_{};
};

// Everything `s` yields for `wire`, in steps of `limit`.
std::string inflate_all(DeflateStream& s, const std::string& wire, std::size_t limit = 16 * 1024) {
    std::string out;
    auto r = s.inflate(wire, out, limit);
    EXPECT_NE(r.status, Status::error) << s.error();
    for (int i = 0; i < 100000 && s.has_pending_input(); ++i) {
        r = s.inflate({}, out, limit);
        EXPECT_NE(r.status, Status::error) << s.error();
    }
    return out;
}

// All of `plain` through our deflater in bursts of at most max_out.
std::string deflate_all(DeflateStream& s, const std::string& plain, std::size_t max_out = 16 * 1024) {
    std::string wire;
    std::size_t pos = 0;
    for (int i = 0; i < 100000; ++i) {
        auto d = s.deflate(std::string_view(plain).substr(pos), wire, max_out);
        EXPECT_TRUE(d.ok);
        pos += d.consumed;
        if (d.flushed) break;
    }
    EXPECT_EQ(pos, plain.size());
    return wire;
}

std::string mixed_data(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s;
    s.reserve(n);
    while (s.size() < n) {
        if (rng() % 2) {
            for (int i = 0; i < 3000 && s.size() < n; ++i) s.push_back(char(rng()));
        } else {
            std::string line = "* " + std::to_string(rng() % 10000) + " FETCH (FLAGS (\\Seen) UID " +
                               std::to_string(rng()) + ")\r\n";
            s.append(line, 0, std::min(line.size(), n - s.size()));
        }
    }
    return s;
}

TEST(CompressDeflateStream, InflatesWhatZlibDeflates) {
    PeerDeflater peer;
    DeflateStream s;
    EXPECT_EQ(inflate_all(s, peer.compress("a1 NOOP\r\n")), "a1 NOOP\r\n");
    EXPECT_EQ(inflate_all(s, peer.compress("a2 NOOP\r\n")), "a2 NOOP\r\n");
    EXPECT_EQ(s.plain_in(), 18u);
}

TEST(CompressDeflateStream, OutputIsBoundedPerCallWhateverTheRatio) {
    // 64 MiB of one byte compresses to ~64 KiB: an inflate bomb.
    PeerDeflater peer(15, 9);
    std::string wire = peer.compress(std::string(64u << 20, 'a'));
    ASSERT_LT(wire.size(), 100u * 1024);
    DeflateStream s;
    std::string out;
    auto r = s.inflate(wire, out, 16 * 1024);
    EXPECT_EQ(r.status, Status::ok);
    EXPECT_EQ(r.produced, 16u * 1024);
    EXPECT_EQ(out.size(), 16u * 1024);
    EXPECT_TRUE(s.has_pending_input());  // the rest stays compressed, queued
    std::size_t total = out.size();
    for (int i = 0; i < 10000 && s.has_pending_input(); ++i) {
        out.clear();
        r = s.inflate({}, out, 16 * 1024);
        ASSERT_EQ(r.status, Status::ok);
        ASSERT_LE(out.size(), 16u * 1024);
        total += out.size();
    }
    EXPECT_EQ(total, 64u << 20);
    EXPECT_FALSE(s.has_pending_input());
}

TEST(CompressDeflateStream, QueuedInputComesFirst) {
    PeerDeflater peer;
    std::string wire = peer.compress("first\r\n") + peer.compress("second\r\n");
    DeflateStream s;
    s.queue_input(std::string_view(wire).substr(0, 5));
    EXPECT_TRUE(s.has_pending_input());
    EXPECT_EQ(inflate_all(s, wire.substr(5)), "first\r\nsecond\r\n");
}

TEST(CompressDeflateStream, ParkedInflaterKeepsHistoryForBackReferences) {
    PeerDeflater peer;
    DeflateStream s;
    std::string first = "a1 UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)\r\n";
    EXPECT_EQ(inflate_all(s, peer.compress(first)), first);
    EXPECT_TRUE(s.input_active());
    s.park_input();  // the peer's sync flush left a block boundary
    EXPECT_FALSE(s.input_active());
    EXPECT_EQ(s.parked_history(), first.size());
    // The second command is mostly a back-reference into the first.
    std::string second = "a2 UID FETCH 2:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)\r\n";
    std::string wire = peer.compress(second);
    EXPECT_LT(wire.size(), second.size() / 2);
    EXPECT_EQ(inflate_all(s, wire), second);
    EXPECT_TRUE(s.input_active());
    EXPECT_EQ(s.parked_history(), 0u);
}

TEST(CompressDeflateStream, HistoryIsCappedAtThePeerWindow) {
    PeerDeflater peer;
    DeflateStream s;
    std::string big = mixed_data(100000, 1);
    EXPECT_EQ(inflate_all(s, peer.compress(big)), big);
    s.park_input();
    EXPECT_EQ(s.parked_history(), 32u * 1024);
    // A back-reference 30000 bytes back still resolves after parking.
    std::string again = big.substr(big.size() - 30000, 200);
    EXPECT_EQ(inflate_all(s, peer.compress(again)), again);
}

TEST(CompressDeflateStream, NoParkingInsideABlock) {
    PeerDeflater peer;
    DeflateStream s;
    // No flush: the peer's block is still open, inflate holds bits and state.
    std::string wire = peer.compress(std::string(200000, 'x') + mixed_data(50000, 2), Z_NO_FLUSH);
    std::string out = inflate_all(s, wire);
    s.park_input();
    EXPECT_TRUE(s.input_active());
    out += inflate_all(s, peer.compress("tail\r\n"));
    EXPECT_EQ(out, std::string(200000, 'x') + mixed_data(50000, 2) + "tail\r\n");
}

TEST(CompressDeflateStream, PartialFlushPeerStillDecodes) {
    PeerDeflater peer;
    DeflateStream s;
    std::string out;
    for (int i = 0; i < 20; ++i) {
        std::string cmd = "a" + std::to_string(i) + " NOOP\r\n";
        std::string got = inflate_all(s, peer.compress(cmd, Z_PARTIAL_FLUSH));
        s.park_input();  // may or may not park: never breaks decoding
        out += got;
    }
    std::string want;
    for (int i = 0; i < 20; ++i) want += "a" + std::to_string(i) + " NOOP\r\n";
    EXPECT_EQ(out, want);
}

TEST(CompressDeflateStream, DeflatedBurstsDecodeAcrossParking) {
    DeflateStream s;
    PeerInflater peer;
    std::string got;
    std::string all;
    for (int i = 0; i < 10; ++i) {
        std::string reply = "* " + std::to_string(i) + " EXISTS\r\na" + std::to_string(i) + " OK NOOP completed\r\n";
        all += reply;
        std::string wire = deflate_all(s, reply);
        EXPECT_TRUE(s.output_flushed());
        // Each burst is complete on its own: the peer decodes it at once.
        std::string part;
        ASSERT_TRUE(peer.decompress(wire, part));
        EXPECT_EQ(part, reply);
        got += part;
        if (i % 2) {
            s.park_output();
            EXPECT_FALSE(s.output_active());
        }
    }
    EXPECT_EQ(got, all);
}

TEST(CompressDeflateStream, ParkedDeflaterKeepsRecentHistory) {
    DeflateStream s;
    PeerInflater peer;
    std::string reply = "a1 OK [READ-WRITE] SELECT completed (0.001 + 0.000 secs).\r\n";
    std::string first = deflate_all(s, reply);
    s.park_output();
    EXPECT_FALSE(s.output_active());
    EXPECT_EQ(s.parked_output_history(), reply.size());
    // The same reply again after parking: a back-reference into the kept history.
    std::string second = deflate_all(s, reply);
    EXPECT_LT(second.size(), first.size() / 2);
    std::string out;
    ASSERT_TRUE(peer.decompress(first + second, out));
    EXPECT_EQ(out, reply + reply);
    // Only the last kParkedOutputHistory bytes are kept.
    deflate_all(s, mixed_data(50000, 4));
    s.park_output();
    EXPECT_EQ(s.parked_output_history(), DeflateStream::kParkedOutputHistory);
}

TEST(CompressDeflateStream, LargeOutputInBoundedSteps) {
    DeflateStream s;
    PeerInflater peer;
    std::string plain = mixed_data(3u << 20, 3);
    std::string wire;
    std::size_t pos = 0;
    int steps = 0;
    for (; steps < 100000; ++steps) {
        std::size_t before = wire.size();
        auto d = s.deflate(std::string_view(plain).substr(pos), wire, 16 * 1024);
        ASSERT_TRUE(d.ok);
        EXPECT_LE(wire.size() - before, 16u * 1024 + 8 * 1024);
        pos += d.consumed;
        if (d.flushed) break;
        EXPECT_FALSE(s.output_flushed());
        s.park_output();  // refused mid-burst
        EXPECT_TRUE(s.output_active());
    }
    EXPECT_GT(steps, 10);
    std::string out;
    ASSERT_TRUE(peer.decompress(wire, out));
    EXPECT_EQ(out, plain);
    EXPECT_EQ(s.plain_out(), plain.size());
    EXPECT_EQ(s.wire_out(), wire.size());
}

TEST(CompressDeflateStream, CorruptInputIsAStickyError) {
    for (std::string bad : {std::string(16, '\xff'),                   // block type 3
                            std::string("\x00\x05\x00\x00\x00", 5),  // stored block, LEN != ~NLEN
                            std::string("\x05\x00", 2) + std::string(8, '\xff'),  // bad code lengths
                            std::string("\x02\xff\xff\xff\xff", 5)}) {                   // bad distance code
        DeflateStream s;
        std::string out;
        auto r = s.inflate(bad, out, 16 * 1024);
        EXPECT_EQ(r.status, Status::error) << testing::PrintToString(bad);
        EXPECT_FALSE(s.error().empty());
        EXPECT_FALSE(s.has_pending_input());
        PeerDeflater peer;
        r = s.inflate(peer.compress("a1 NOOP\r\n"), out, 16 * 1024);
        EXPECT_EQ(r.status, Status::error);
        EXPECT_FALSE(s.deflate("x", out, 100).ok);
    }
}

TEST(CompressDeflateStream, DistanceBeyondHistoryIsAnError) {
    // The peer refers back 100 bytes into history we never saw (a stream
    // joined in the middle): zlib refuses instead of reading stale memory.
    PeerDeflater peer;
    std::string prefix(100, 'q');
    peer.compress(prefix);  // output dropped
    DeflateStream s;
    std::string out;
    auto r = s.inflate(peer.compress(prefix), out, 16 * 1024);
    EXPECT_EQ(r.status, Status::error);
    EXPECT_NE(s.error().find("too far back"), std::string::npos) << s.error();
}

TEST(CompressDeflateStream, EndOfPeerStream) {
    PeerDeflater peer;
    DeflateStream s;
    std::string out;
    auto r = s.inflate(peer.compress("bye\r\n", Z_FINISH) + "trailing junk", out, 1024);
    EXPECT_EQ(out, "bye\r\n");
    EXPECT_EQ(r.status, Status::end);
    EXPECT_FALSE(s.has_pending_input());
    r = s.inflate("more", out, 1024);
    EXPECT_EQ(r.status, Status::end);
    EXPECT_EQ(r.produced, 0u);
}

TEST(CompressDeflateStream, ReleaseFreesAndRefuses) {
    DeflateStream s;
    PeerDeflater peer;
    EXPECT_EQ(inflate_all(s, peer.compress("x\r\n")), "x\r\n");
    deflate_all(s, "y\r\n");
    s.release();
    EXPECT_FALSE(s.input_active());
    EXPECT_FALSE(s.output_active());
    std::string out;
    EXPECT_EQ(s.inflate(peer.compress("z"), out, 10).status, Status::error);
}

}  // namespace
