#include "smtp/reply.h"

#include <fmt/core.h>

namespace postamt::smtp {

std::string Reply::wire() const {
    if (enhanced.empty()) return fmt::format("{} {}\r\n", code, text);
    return fmt::format("{} {} {}\r\n", code, enhanced, text);
}

std::string multiline_wire(int code, const std::vector<std::string>& lines) {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i)
        out += fmt::format("{}{}{}\r\n", code, i + 1 < lines.size() ? '-' : ' ', lines[i]);
    return out;
}

}  // namespace postamt::smtp
