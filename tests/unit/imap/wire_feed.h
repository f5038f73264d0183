#pragma once
// Drives a CommandReader with a complete wire text the way the runner does:
// lines up to CRLF, literals by their announced size (sync literals are
// simply taken, as if "+" had been sent).
#include <string>
#include <string_view>

#include "imap/command_reader.h"

namespace postamt::imap::testing {

struct Fed {
    CommandReader::Taken taken;
    bool complete = false;     // the reader reported a complete command
    std::size_t consumed = 0;  // bytes of `wire` used
};

inline Fed feed_wire(std::string_view wire, ReaderLimits limits = {}) {
    CommandReader r(limits);
    Fed f;
    std::size_t pos = 0;
    for (int guard = 0; guard < 100000; ++guard) {
        std::size_t lf = wire.find("\r\n", pos);
        std::string_view line =
            lf == std::string_view::npos ? wire.substr(pos) : wire.substr(pos, lf - pos);
        pos = lf == std::string_view::npos ? wire.size() : lf + 2;
        auto st = r.on_line(line);
        while (st == CommandReader::State::need_literal) {
            auto lit = r.literal();
            if (lit.too_big || wire.size() - pos < lit.size) {
                f.consumed = pos;
                return f;  // not complete: the runner would refuse
            }
            std::string data(wire.substr(pos, lit.size));
            pos += lit.size;
            st = r.on_literal(std::move(data));
            if (st == CommandReader::State::need_line) break;
        }
        if (st == CommandReader::State::complete) {
            f.complete = true;
            f.taken = r.take();
            f.consumed = pos;
            return f;
        }
        if (pos >= wire.size() && lf == std::string_view::npos) break;
    }
    f.consumed = pos;
    return f;
}

// Parses a wire command that must succeed.
inline Command parse_ok(std::string_view wire) {
    Fed f = feed_wire(wire);
    if (!f.complete || !f.taken.result.ok()) {
        ADD_FAILURE() << "did not parse: " << wire << " : " << f.taken.result.error;
        return Command{};
    }
    return std::move(*f.taken.result.command);
}

// Parses a wire command that must fail; returns the error text.
inline std::string parse_bad(std::string_view wire, std::string* tag = nullptr) {
    Fed f = feed_wire(wire);
    if (!f.complete) return "<incomplete>";
    if (f.taken.result.ok()) {
        ADD_FAILURE() << "parsed but should not: " << wire;
        return {};
    }
    if (tag) *tag = f.taken.result.tag;
    EXPECT_FALSE(f.taken.result.error.empty()) << wire;
    return f.taken.result.error;
}

}  // namespace postamt::imap::testing
