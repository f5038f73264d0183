// Feeds arbitrary bytes through the IMAP command reader and parser
// (src/imap/command_reader.h, command_parser.h) the way the runner does:
// lines up to CRLF, literals by their announced size, a probe before every
// synchronising literal. Must never crash, hang or leak, and keeps these
// invariants:
//  - the reader asks for a literal only when the line really ends with a
//    literal announcement, and never holds more than its limits allow;
//  - a refused command carries an error text; a parsed one a non-empty tag
//    made of tag characters;
//  - a probe that says "pending" for APPEND data agrees with the reader
//    that the literal is message data;
//  - parse_command on the same input is deterministic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "imap/command_parser.h"
#include "imap/command_reader.h"
#include "imap/wire_string.h"

using namespace postamt::imap;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    ReaderLimits lim;
    lim.max_literal_size = 4096;
    lim.max_message_size = 1 << 16;
    lim.max_append_bytes = 1 << 17;
    lim.max_command_bytes = 1 << 16;
    CommandReader r(lim);
    std::size_t pos = 0;
    int commands = 0;
    while (pos < in.size() && commands < 64) {
        std::size_t lf = in.find('\n', pos);
        std::string_view line =
            lf == std::string_view::npos ? in.substr(pos) : in.substr(pos, lf - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = lf == std::string_view::npos ? in.size() : lf + 1;
        auto st = r.on_line(line);
        bool dropped = false;
        while (st == CommandReader::State::need_literal) {
            auto lit = r.literal();
            Announcement a = find_literal_announcement(line);
            if (!a.found || a.size != lit.size) __builtin_trap();
            if (lit.sync) {
                LiteralProbe p = r.probe();
                if (p.kind == LiteralProbe::Kind::error && p.error.empty()) __builtin_trap();
                if (p.kind == LiteralProbe::Kind::pending && p.is_message && !lit.message)
                    __builtin_trap();
                if (p.kind == LiteralProbe::Kind::error || lit.too_big) {
                    r.reset();
                    dropped = true;
                    break;
                }
            }
            if (lit.too_big) {
                if (lit.size > in.size() - pos) return 0;  // the runner closes the connection
                pos += lit.size;
                st = r.on_literal_discarded("TOOBIG", "too big", lit.message);
                break;
            }
            if (lit.size > in.size() - pos) return 0;  // connection ends mid-literal
            std::string bytes(in.substr(pos, lit.size));
            pos += lit.size;
            st = r.on_literal(std::move(bytes));
        }
        if (r.held_bytes() > (1u << 16) * 4 + (1u << 17) * 2) __builtin_trap();
        if (dropped || st != CommandReader::State::complete) continue;
        ++commands;
        auto t = r.take();
        if (t.result.ok()) {
            const Command& c = *t.result.command;
            if (c.tag.empty() || c.tag != t.result.tag) __builtin_trap();
            for (char ch : c.tag)
                if (!is_astring_char(ch) || ch == '+') __builtin_trap();
        } else if (t.result.error.empty()) {
            __builtin_trap();
        }
    }

    // The whole input as one command text with no literals.
    std::vector<std::string> none1, none2;
    auto a = parse_command(in, none1);
    auto b = parse_command(in, none2);
    if (a.ok() != b.ok() || a.tag != b.tag || a.error != b.error) __builtin_trap();
    return 0;
}
