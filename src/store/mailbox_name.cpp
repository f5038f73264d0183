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

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<uint8_t>(s[i]);
        int n = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (int k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            auto cc = static_cast<uint8_t>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates, beyond U+10FFFF.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        if (cp > 0x10FFFF) return false;
        i += static_cast<std::size_t>(n) + 1;
    }
    return true;
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
