#include "mime/mbox.h"

#include "mime/parsed_message.h"

namespace postamt::mime {

std::vector<std::string> split_mbox(std::string_view mbox) {
    std::vector<std::string> out;
    std::string cur;
    bool in_message = false;
    std::size_t pos = 0;
    auto flush = [&] {
        if (in_message) {
            // The blank line before the next "From " belongs to the separator.
            if (cur.size() >= 2 && cur.compare(cur.size() - 2, 2, "\n\n") == 0) cur.pop_back();
            out.push_back(canonicalize_crlf(cur));
        }
        cur.clear();
    };
    while (pos < mbox.size()) {
        std::size_t nl = mbox.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? mbox.size() : nl + 1;
        std::string_view line = mbox.substr(pos, end - pos);
        if (line.rfind("From ", 0) == 0) {
            flush();
            in_message = true;
        } else if (in_message) {
            std::size_t gt = 0;
            while (gt < line.size() && line[gt] == '>') ++gt;
            if (gt > 0 && line.substr(gt).rfind("From ", 0) == 0) line.remove_prefix(1);
            cur.append(line);
        }
        pos = end;
    }
    flush();
    return out;
}

}  // namespace postamt::mime
