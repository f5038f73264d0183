#include "pop3/message_streamer.h"

#include <cstring>

namespace postamt::pop3 {

MessageStreamer::MessageStreamer(std::optional<std::uint32_t> top_lines)
    : top_(top_lines), body_lines_left_(top_lines.value_or(0)) {}

void MessageStreamer::feed(std::string_view chunk, std::string& out) {
    if (done_ || finished_ || chunk.empty()) return;
    if (top_) return feed_top(chunk, out);
    // RETR: copy runs between line starts; only the byte after each LF
    // needs a look.
    out.reserve(out.size() + chunk.size() + 16);
    const char* p = chunk.data();
    const char* end = p + chunk.size();
    while (p < end) {
        if (line_start_ && *p == '.') out += '.';
        const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (!lf) {
            out.append(p, end);
            line_start_ = false;
            return;
        }
        const char* next = static_cast<const char*>(lf) + 1;
        out.append(p, next);
        line_start_ = true;
        p = next;
    }
}

void MessageStreamer::feed_top(std::string_view chunk, std::string& out) {
    for (std::size_t i = 0; i < chunk.size() && !done_; ++i) {
        char c = chunk[i];
        if (line_start_ && c == '.') out += '.';
        out += c;
        line_start_ = false;
        if (c == '\n') {
            line_start_ = true;
            if (in_header_) {
                if (line_empty_so_far_) {
                    // The blank line that ends the header (RFC 5322 2.1).
                    in_header_ = false;
                    if (body_lines_left_ == 0) done_ = true;
                }
            } else if (--body_lines_left_ == 0) {
                done_ = true;
            }
            line_empty_so_far_ = true;
        } else if (c != '\r') {
            line_empty_so_far_ = false;
        }
    }
}

void MessageStreamer::finish(std::string& out) {
    if (finished_) return;
    finished_ = true;
    if (!line_start_) out += "\r\n";
    out += ".\r\n";
}

}  // namespace postamt::pop3
