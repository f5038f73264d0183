// RETR/TOP output of arbitrary message bytes, cut into arbitrary chunks
// (src/pop3/message_streamer.h). Invariants:
//  - the output does not depend on where the chunks are cut;
//  - it ends with the terminator, and no line before it is a lone ".";
//  - undoing the byte-stuffing gives back the input (RETR), or a prefix of
//    it (TOP), plus at most the CRLF that completes the last line.
//
// Input: byte 0 = chunk size seed, byte 1 = TOP lines (0xff: RETR), rest =
// the message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pop3/message_streamer.h"

using postamt::pop3::MessageStreamer;

namespace {

std::string run(std::string_view msg, std::optional<uint32_t> top, std::size_t chunk) {
    MessageStreamer s(top);
    std::string out;
    for (std::size_t i = 0; i < msg.size() && !s.done(); i += chunk)
        s.feed(msg.substr(i, chunk), out);
    s.finish(out);
    return out;
}

// What a client reconstructs: split at LF, drop the stuffed dot, stop at ".".
std::string unstuff(std::string_view wire) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        std::size_t lf = wire.find('\n', pos);
        if (lf == std::string_view::npos) __builtin_trap();  // unterminated
        std::string_view line = wire.substr(pos, lf + 1 - pos);
        pos = lf + 1;
        if (line == ".\r\n") {
            if (pos != wire.size()) __builtin_trap();  // data after the terminator
            return out;
        }
        if (line[0] == '.') {
            if (line.size() < 2 || line[1] != '.') __builtin_trap();  // unstuffed dot line
            line.remove_prefix(1);
        }
        out.append(line);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    std::size_t chunk = 1 + data[0] % 64;
    std::optional<uint32_t> top;
    if (data[1] != 0xff) top = data[1] % 16;
    std::string_view msg(reinterpret_cast<const char*>(data + 2), size - 2);

    std::string whole = run(msg, top, msg.empty() ? 1 : msg.size());
    if (run(msg, top, chunk) != whole) __builtin_trap();
    std::string back = unstuff(whole);
    if (!top) {
        std::string expect(msg);
        if (!expect.empty() && expect.back() != '\n') expect += "\r\n";
        if (back != expect) __builtin_trap();
    } else {
        // A prefix of the message, cut at a line end (or all of it).
        std::string_view m(msg);
        if (back.size() <= m.size()) {
            if (m.substr(0, back.size()) != back) __builtin_trap();
        } else {
            if (back != std::string(m) + "\r\n") __builtin_trap();
        }
    }
    return 0;
}
