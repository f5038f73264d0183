#include "imap/section_locator.h"

#include <algorithm>

namespace postamt::imap {
namespace {

using mime::kNoIndex;

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

ByteRange span(const mime::ParsedMessage& msg, uint64_t b, uint64_t e) {
    // Offsets come from the parser (or a checked deserialize); clamp anyway
    // so a range can never leave the message.
    e = std::min(e, msg.size);
    b = std::min(b, e);
    return ByteRange{b, e - b};
}

SectionLocation header_or_text(const mime::ParsedMessage& msg, uint32_t root, const Section& s) {
    const mime::Part& r = msg.parts[root];
    SectionLocation loc;
    loc.found = true;
    loc.part = root;
    switch (s.text) {
        case SectionText::header:
            loc.range = span(msg, r.header_start, r.body_start);
            break;
        case SectionText::header_fields:
        case SectionText::header_fields_not:
            loc.range = span(msg, r.header_start, r.body_start);
            loc.filter = s.text == SectionText::header_fields ? FieldFilter::fields
                                                               : FieldFilter::fields_not;
            loc.blank_line = r.has_blank_line || r.end > r.body_start;
            break;
        case SectionText::text:
            loc.range = span(msg, r.body_start, r.end);
            break;
        default:
            return SectionLocation{};
    }
    return loc;
}

}  // namespace

SectionLocation locate_section(const mime::ParsedMessage& msg, const Section& s) {
    if (msg.parts.empty()) return SectionLocation{};
    if (s.part.empty()) {
        if (s.text == SectionText::none) {
            SectionLocation loc;
            loc.found = true;
            loc.part = 0;
            loc.range = span(msg, 0, msg.size);
            return loc;
        }
        if (s.text == SectionText::mime) return SectionLocation{};  // MIME needs a part number
        return header_or_text(msg, 0, s);
    }
    uint32_t idx = msg.find_section(s.part);
    if (idx == kNoIndex || idx >= msg.parts.size()) return SectionLocation{};
    const mime::Part& p = msg.parts[idx];
    SectionLocation loc;
    loc.found = true;
    loc.part = idx;
    switch (s.text) {
        case SectionText::none:
            loc.range = span(msg, p.body_start, p.end);
            return loc;
        case SectionText::mime:
            loc.range = span(msg, p.header_start, p.body_start);
            return loc;
        default:
            // RFC 9051 6.4.5: HEADER/TEXT after a part number only for a
            // part of type MESSAGE/RFC822 or MESSAGE/GLOBAL.
            if (!p.is_message() || p.children.empty() || p.children[0] >= msg.parts.size())
                return SectionLocation{};
            return header_or_text(msg, p.children[0], s);
    }
}

std::string filter_header_fields(std::string_view h, const std::vector<std::string>& fields,
                                 bool negate, bool blank_line) {
    std::string out;
    std::size_t pos = 0;
    bool keep = false;  // whether the current field (and its continuations) is kept
    while (pos < h.size()) {
        std::size_t nl = h.find('\n', pos);
        std::size_t next = nl == std::string_view::npos ? h.size() : nl + 1;
        std::string_view line = h.substr(pos, next - pos);
        std::string_view content = line;
        if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
        if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
        if (content.empty()) break;  // the blank line ends the header
        if (content[0] == ' ' || content[0] == '\t') {
            // Continuation line: belongs to the field before it. One before
            // any field belongs to no field, which HEADER.FIELDS.NOT keeps.
            if (pos == 0) keep = negate;
        } else {
            std::size_t colon = content.find(':');
            std::string_view name = content.substr(0, colon == std::string_view::npos ? 0 : colon);
            while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
            bool listed = false;
            if (!name.empty())
                for (const auto& f : fields)
                    if (iequal(f, name)) {
                        listed = true;
                        break;
                    }
            keep = listed != negate;
        }
        if (keep) {
            out.append(content);
            out += "\r\n";
        }
        pos = next;
    }
    if (blank_line) out += "\r\n";
    return out;
}

std::string section_content(const mime::ParsedMessage& msg, const Section& section,
                            std::string_view message) {
    SectionLocation loc = locate_section(msg, section);
    if (!loc.found || loc.range.offset >= message.size()) return {};
    std::string_view bytes = message.substr(loc.range.offset, loc.range.length);
    if (loc.filter == FieldFilter::none) return std::string(bytes);
    return filter_header_fields(bytes, section.fields, loc.filter == FieldFilter::fields_not,
                                loc.blank_line);
}

ByteRange clip_range(ByteRange r, const std::optional<Partial>& partial) {
    if (!partial) return r;
    if (partial->offset >= r.length) return ByteRange{r.end(), 0};
    uint64_t len = std::min(partial->count, r.length - partial->offset);
    return ByteRange{r.offset + partial->offset, len};
}

std::string_view clip_text(std::string_view s, const std::optional<Partial>& partial) {
    if (!partial) return s;
    if (partial->offset >= s.size()) return {};
    return s.substr(partial->offset, std::min<uint64_t>(partial->count, s.size() - partial->offset));
}

}  // namespace postamt::imap
