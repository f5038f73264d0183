// Part tree construction (RFC 2045, RFC 2046 section 5) and ENVELOPE data
// (RFC 9051 7.5.2 / RFC 3501 7.4.2).
#include "mime/message_parser.h"

#include <cstring>

#include "mime/header.h"

namespace postamt::mime {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

uint64_t count_lines(std::string_view m, uint64_t b, uint64_t e) {
    if (e <= b) return 0;
    const char* p = m.data() + b;
    const char* end = m.data() + e;
    uint64_t n = 0;
    while (p < end) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (!nl) break;
        ++n;
        p = static_cast<const char*>(nl) + 1;
    }
    if (m[e - 1] != '\n') ++n;  // unterminated last line
    return n;
}

std::string strip_ws(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
    return out;
}

class Builder {
public:
    explicit Builder(std::string_view m) : m_(m) {}

    ParsedMessage run() {
        msg_.size = m_.size();
        msg_.parts.reserve(8);
        parse_entity(0, m_.size(), kNoIndex, 0, false, true);
        return std::move(msg_);
    }

private:
    enum class F : uint8_t {
        none, content_type, cte, content_id, content_description, content_md5,
        content_disposition, content_language, content_location,
        date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id
    };

    static F classify(std::string_view n) {
        if (n.empty()) return F::none;
        switch (lower(n[0])) {
            case 'c':
                if (n.size() == 2 && iequals_ascii(n, "cc")) return F::cc;
                if (n.size() < 10 || !iequals_ascii(n.substr(0, 8), "content-")) return F::none;
                {
                    std::string_view r = n.substr(8);
                    if (iequals_ascii(r, "type")) return F::content_type;
                    if (iequals_ascii(r, "transfer-encoding")) return F::cte;
                    if (iequals_ascii(r, "id")) return F::content_id;
                    if (iequals_ascii(r, "description")) return F::content_description;
                    if (iequals_ascii(r, "md5")) return F::content_md5;
                    if (iequals_ascii(r, "disposition")) return F::content_disposition;
                    if (iequals_ascii(r, "language")) return F::content_language;
                    if (iequals_ascii(r, "location")) return F::content_location;
                }
                return F::none;
            case 'd': return iequals_ascii(n, "date") ? F::date : F::none;
            case 's':
                if (iequals_ascii(n, "subject")) return F::subject;
                return iequals_ascii(n, "sender") ? F::sender : F::none;
            case 'f': return iequals_ascii(n, "from") ? F::from : F::none;
            case 'r': return iequals_ascii(n, "reply-to") ? F::reply_to : F::none;
            case 't': return iequals_ascii(n, "to") ? F::to : F::none;
            case 'b': return iequals_ascii(n, "bcc") ? F::bcc : F::none;
            case 'i': return iequals_ascii(n, "in-reply-to") ? F::in_reply_to : F::none;
            case 'm': return iequals_ascii(n, "message-id") ? F::message_id : F::none;
            default: return F::none;
        }
    }

    // Adds a part spanning the whole of [b, e) as a header-less text/plain
    // body: keeps multiparts and messages that could not be split renderable.
    void add_opaque_child(uint32_t parent, uint64_t b, uint64_t e) {
        Part c;
        c.header_start = c.body_start = b;
        c.end = e;
        c.lines = count_lines(m_, b, e);
        c.params.push_back(Param{"charset", "us-ascii", {}, {}});
        c.parent = parent;
        c.has_blank_line = false;
        uint32_t idx = static_cast<uint32_t>(msg_.parts.size());
        msg_.parts.push_back(std::move(c));
        msg_.parts[parent].children.push_back(idx);
    }

    static void set_opt(std::optional<std::string>& dst, std::string_view raw) {
        if (!dst) dst = unfold(raw);
    }

    void build_envelope(const HeaderBlock& hb, Envelope& env) {
        bool seen_from = false, seen_sender = false, seen_reply = false, seen_to = false,
             seen_cc = false, seen_bcc = false;
        for (const auto& f : hb.fields) {
            switch (classify(f.name)) {
                case F::date: set_opt(env.date, f.raw_value); break;
                case F::subject: set_opt(env.subject, f.raw_value); break;
                case F::in_reply_to: set_opt(env.in_reply_to, f.raw_value); break;
                case F::message_id: set_opt(env.message_id, f.raw_value); break;
                case F::from:
                    if (!seen_from) env.from = parse_address_list(f.raw_value);
                    seen_from = true;
                    break;
                case F::sender:
                    if (!seen_sender) env.sender = parse_address_list(f.raw_value);
                    seen_sender = true;
                    break;
                case F::reply_to:
                    if (!seen_reply) env.reply_to = parse_address_list(f.raw_value);
                    seen_reply = true;
                    break;
                case F::to:
                    if (!seen_to) env.to = parse_address_list(f.raw_value);
                    seen_to = true;
                    break;
                case F::cc:
                    if (!seen_cc) env.cc = parse_address_list(f.raw_value);
                    seen_cc = true;
                    break;
                case F::bcc:
                    if (!seen_bcc) env.bcc = parse_address_list(f.raw_value);
                    seen_bcc = true;
                    break;
                default: break;
            }
        }
        // RFC 3501 7.4.2: absent or empty Sender / Reply-To default to From.
        if (env.sender.empty()) env.sender = env.from;
        if (env.reply_to.empty()) env.reply_to = env.from;
        if (env.date) env.parsed_date = parse_date(*env.date);
    }

    // A boundary line at line start k: "--" boundary ["--"] *WSP line-end.
    // Returns 0 if none, 1 for a delimiter, 2 for the close delimiter;
    // `next` is set to the start of the following line.
    int boundary_at(uint64_t k, uint64_t end, std::string_view delim, uint64_t& next) const {
        uint64_t p = k + delim.size();
        int kind = 1;
        if (p + 2 <= end && m_[p] == '-' && m_[p + 1] == '-') {
            p += 2;
            kind = 2;
        }
        while (p < end && (m_[p] == ' ' || m_[p] == '\t')) ++p;
        if (p == end) {
            next = end;
            return kind;
        }
        if (m_[p] == '\r' && p + 1 < end && m_[p + 1] == '\n') {
            next = p + 2;
            return kind;
        }
        if (m_[p] == '\n') {
            next = p + 1;
            return kind;
        }
        return 0;
    }

    void parse_multipart(uint32_t idx, const std::string& boundary, uint32_t depth) {
        const uint64_t b = msg_.parts[idx].body_start;
        const uint64_t e = msg_.parts[idx].end;
        std::string delim = "--" + boundary;
        std::string_view area = m_.substr(0, e);
        const bool digest = msg_.parts[idx].subtype == "digest";
        uint64_t pos = b;
        uint64_t part_start = UINT64_MAX;
        bool full = false;
        while (pos < e) {
            std::size_t k = area.find(delim, pos);
            if (k == std::string_view::npos) break;
            uint64_t next = 0;
            int kind = 0;
            if (k == b || m_[k - 1] == '\n') kind = boundary_at(k, e, delim, next);
            if (kind == 0) {
                pos = k + 1;
                continue;
            }
            if (part_start != UINT64_MAX) {
                uint64_t part_end = k;
                if (part_end >= part_start + 2 && m_[k - 1] == '\n' && m_[k - 2] == '\r')
                    part_end = k - 2;
                else if (part_end >= part_start + 1 && m_[k - 1] == '\n')
                    part_end = k - 1;
                if (msg_.parts.size() >= kMaxParts) {
                    full = true;
                    break;
                }
                parse_entity(part_start, part_end, idx, depth + 1, digest, false);
            }
            if (kind == 2) {
                part_start = UINT64_MAX;
                break;
            }
            part_start = next;
            pos = next;
        }
        if (part_start != UINT64_MAX && !full) {  // missing close delimiter
            if (msg_.parts.size() < kMaxParts)
                parse_entity(part_start, e, idx, depth + 1, digest, false);
            else
                full = true;
        }
        if (full) msg_.parts[idx].truncated = true;
        if (msg_.parts[idx].children.empty()) add_opaque_child(idx, b, e);
    }

    uint32_t parse_entity(uint64_t start, uint64_t limit, uint32_t parent, uint32_t depth,
                          bool digest_child, bool message_root) {
        const uint32_t idx = static_cast<uint32_t>(msg_.parts.size());
        msg_.parts.emplace_back();
        if (parent != kNoIndex) msg_.parts[parent].children.push_back(idx);
        HeaderBlock hb = parse_header(m_, start, limit);
        {
            Part& p = msg_.parts[idx];
            p.header_start = start;
            p.body_start = hb.body_start;
            p.end = limit;
            p.parent = parent;
            p.has_blank_line = hb.has_blank_line;
            bool have_ct = false, have_cte = false;
            for (const auto& f : hb.fields) {
                switch (classify(f.name)) {
                    case F::content_type:
                        if (!have_ct) {
                            ContentType ct = parse_content_type(f.raw_value);
                            if (ct.valid) {
                                p.type = std::move(ct.type);
                                p.subtype = std::move(ct.subtype);
                                p.params = std::move(ct.params);
                                have_ct = true;
                            }
                        }
                        break;
                    case F::cte:
                        if (!have_cte) {
                            std::string v = parse_token_value(f.raw_value);
                            if (!v.empty()) p.encoding = std::move(v);
                            have_cte = true;
                        }
                        break;
                    case F::content_id: set_opt(p.id, f.raw_value); break;
                    case F::content_description: set_opt(p.description, f.raw_value); break;
                    case F::content_md5: set_opt(p.md5, f.raw_value); break;
                    case F::content_location:
                        if (!p.location) p.location = strip_ws(f.raw_value);
                        break;
                    case F::content_disposition:
                        if (!p.disposition) {
                            DispositionValue d = parse_disposition(f.raw_value);
                            if (!d.type.empty())
                                p.disposition = Disposition{std::move(d.type), std::move(d.params)};
                        }
                        break;
                    case F::content_language:
                        if (p.language.empty()) p.language = parse_language_list(f.raw_value);
                        break;
                    default: break;
                }
            }
            if (!have_ct) {
                // RFC 2045 5.2 default; RFC 2046 5.1.5 digest parts default to message/rfc822.
                if (digest_child) {
                    p.type = "message";
                    p.subtype = "rfc822";
                } else {
                    p.params.push_back(Param{"charset", "us-ascii", {}, {}});
                }
            }
            p.lines = count_lines(m_, p.body_start, p.end);
        }
        if (message_root) {
            uint32_t env_idx = static_cast<uint32_t>(msg_.envelopes.size());
            msg_.envelopes.emplace_back();
            build_envelope(hb, msg_.envelopes.back());
            if (parent != kNoIndex) msg_.parts[parent].envelope = env_idx;
        }
        Part& p = msg_.parts[idx];
        if (p.is_multipart()) {
            const std::string* boundary = p.param("boundary");
            if (depth >= kMaxDepth || msg_.parts.size() >= kMaxParts) {
                p.truncated = true;
                add_opaque_child(idx, p.body_start, p.end);
            } else if (!boundary || boundary->empty()) {
                add_opaque_child(idx, p.body_start, p.end);
            } else {
                std::string b = *boundary;
                parse_multipart(idx, b, depth);
            }
        } else if (p.is_message()) {
            if (depth >= kMaxDepth || msg_.parts.size() >= kMaxParts) {
                p.truncated = true;
                p.envelope = static_cast<uint32_t>(msg_.envelopes.size());
                msg_.envelopes.emplace_back();
                add_opaque_child(idx, p.body_start, p.end);
            } else {
                parse_entity(p.body_start, p.end, idx, depth + 1, false, true);
            }
        }
        return idx;
    }

    std::string_view m_;
    ParsedMessage msg_;
};

}  // namespace

const std::string* Part::param(std::string_view name) const {
    for (const auto& p : params)
        if (iequals_ascii(p.name, name)) return &p.value;
    return nullptr;
}

uint32_t ParsedMessage::find_section(const std::vector<uint32_t>& path) const {
    if (parts.empty()) return kNoIndex;
    uint32_t cur = 0;
    bool top = true;  // cur is the message itself: numbers address its body
    for (uint32_t n : path) {
        const Part& c = parts[cur];
        uint32_t body_root;
        bool at_message;
        if (top) {
            body_root = cur;
            at_message = true;
        } else if (c.is_message() && !c.children.empty()) {
            body_root = c.children[0];
            at_message = true;
        } else {
            body_root = cur;
            at_message = false;
        }
        const Part& r = parts[body_root];
        if (r.is_multipart() && (at_message || body_root == cur)) {
            if (n < 1 || n > r.children.size()) return kNoIndex;
            cur = r.children[n - 1];
        } else if (at_message && n == 1) {
            cur = body_root;
        } else {
            return kNoIndex;
        }
        top = false;
    }
    return cur;
}

ParsedMessage parse_message(std::string_view canonical_message) {
    return Builder(canonical_message).run();
}

}  // namespace postamt::mime
