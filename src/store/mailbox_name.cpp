#include "store/mailbox_name.h"

#include <cstdint>

#include "store/types.h"

namespace postamt::store {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::optional<std::string> normalize_mailbox_name(std::string_view name) {
    if (name.empty() || name.size() > 1000) return std::nullopt;
    if (!is_valid_utf8(name)) return std::nullopt;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '*' || c == '%') return std::nullopt;
    if (name.front() == kHierarchySep || name.back() == kHierarchySep) return std::nullopt;
    std::string out;
    std::size_t start = 0;
    int levels = 0;
    while (start <= name.size()) {
        std::size_t end = name.find(kHierarchySep, start);
        if (end == std::string_view::npos) end = name.size();
        std::string_view comp = name.substr(start, end - start);
        if (comp.empty() || comp == "." || comp == "..") return std::nullopt;
        if (++levels > 32) return std::nullopt;
        if (levels == 1 && ascii_lower(comp) == "inbox")
            out += "INBOX";
        else
            out += comp;
        if (end == name.size()) break;
        out += kHierarchySep;
        start = end + 1;
    }
    return out;
}

}  // namespace postamt::store
