#include "cli/maildir_format.h"

#include <algorithm>
#include <charconv>

#include "common/text.h"
#include "common/utf8.h"
#include "store/mailbox_name.h"

namespace postamt::cli::maildir {
namespace {

int modified_base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == ',') return 63;
    return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Decodes one shifted run (between '&' and '-') into `out`.
bool decode_shifted(std::string_view run, std::string& out) {
    uint32_t bits = 0;
    int nbits = 0;
    std::vector<uint16_t> units;
    for (char c : run) {
        int v = modified_base64_value(c);
        if (v < 0) return false;
        bits = (bits << 6) | static_cast<uint32_t>(v);
        nbits += 6;
        if (nbits >= 16) {
            nbits -= 16;
            units.push_back(static_cast<uint16_t>((bits >> nbits) & 0xFFFF));
        }
    }
    // Leftover bits must be padding: fewer than 6 and all zero.
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0) return false;
    if (units.empty()) return false;
    for (std::size_t i = 0; i < units.size(); ++i) {
        uint32_t u = units[i];
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 1 >= units.size() || units[i + 1] < 0xDC00 || units[i + 1] > 0xDFFF) return false;
            uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00);
            append_utf8(out, cp);
            ++i;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return false;
        } else {
            // RFC 3501 5.1.3: printable US-ASCII must not be encoded.
            if (u >= 0x20 && u <= 0x7E) return false;
            append_utf8(out, u);
        }
    }
    return true;
}

// Decodes a level when it is valid modified UTF-7, else keeps it when it is
// valid UTF-8 (Dovecot with UTF-8 names on disk); nullopt otherwise.
std::optional<std::string> decode_level(std::string_view level) {
    if (auto d = decode_modified_utf7(level)) return d;
    if (postamt::is_valid_utf8(level)) return std::string(level);
    return std::nullopt;
}

// Dovecot's tab-escaping (\001 followed by '1', 't', 'r' or 'n').
std::string tab_unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\001' && i + 1 < s.size()) {
            char c = s[++i];
            out.push_back(c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c == '1' ? '\001' : c);
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string join_levels(const std::vector<std::string>& levels) {
    std::string out;
    for (const auto& l : levels) {
        if (!out.empty()) out.push_back(store::kHierarchySep);
        out += l;
    }
    return out;
}

template <class T>
bool parse_uint(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    for (auto l : text::split(text, '\n')) {
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        out.push_back(l);
    }
    return out;
}

}  // namespace

std::optional<std::string> decode_modified_utf7(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c > 0x7E) return std::nullopt;
        if (c != '&') {
            out.push_back(static_cast<char>(c));
            continue;
        }
        auto end = s.find('-', i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        if (end == i + 1) {
            out.push_back('&');
        } else if (!decode_shifted(s.substr(i + 1, end - i - 1), out)) {
            return std::nullopt;
        }
        i = end;
    }
    return out;
}

std::optional<std::string> folder_dir_to_mailbox(std::string_view dir_name) {
    if (dir_name.size() < 2 || dir_name.front() != '.' || dir_name == "..") return std::nullopt;
    std::vector<std::string> levels;
    for (auto level : text::split(dir_name.substr(1), '.')) {
        if (level.empty()) return std::nullopt;
        auto d = decode_level(level);
        if (!d || d->find(store::kHierarchySep) != std::string::npos) return std::nullopt;
        levels.push_back(std::move(*d));
    }
    return join_levels(levels);
}

Result<UidList> parse_uidlist(std::string_view text) {
    UidList out;
    auto lines = lines_of(text);
    if (lines.empty() || lines.front().empty()) return make_error(Errc::invalid, "dovecot-uidlist: empty header");
    auto header = text::split(lines.front(), ' ');
    if (header[0] == "1" || header[0] == "2") {
        // "1 <uidvalidity> <nextuid>"
        out.version = header[0] == "1" ? 1 : 2;
        if (header.size() < 3 || !parse_uint(header[1], out.uid_validity) || !parse_uint(header[2], out.next_uid))
            return make_error(Errc::invalid, "dovecot-uidlist: bad version 1 header '" + std::string(lines.front()) + "'");
    } else if (header[0] == "3") {
        out.version = 3;
        for (std::size_t i = 1; i < header.size(); ++i) {
            auto f = header[i];
            if (f.empty()) continue;
            auto v = f.substr(1);
            bool ok = true;
            if (f[0] == 'V') ok = parse_uint(v, out.uid_validity);
            else if (f[0] == 'N') ok = parse_uint(v, out.next_uid);
            else if (f[0] == 'G') out.guid = std::string(v);
            if (!ok) return make_error(Errc::invalid, "dovecot-uidlist: bad header field '" + std::string(f) + "'");
        }
        if (out.uid_validity == 0) return make_error(Errc::invalid, "dovecot-uidlist: header without V<uidvalidity>");
    } else {
        return make_error(Errc::invalid, "dovecot-uidlist: unknown version '" + std::string(header[0]) + "'");
    }
    for (std::size_t n = 1; n < lines.size(); ++n) {
        auto line = lines[n];
        if (line.empty()) continue;
        auto bad = [&] {
            return make_error(Errc::invalid, "dovecot-uidlist line " + std::to_string(n + 1) + ": cannot parse '" +
                                                 std::string(line) + "'");
        };
        auto sp = line.find(' ');
        if (sp == std::string_view::npos) return bad();
        UidListEntry e;
        if (!parse_uint(line.substr(0, sp), e.uid) || e.uid == 0) return bad();
        auto rest = line.substr(sp + 1);
        if (out.version == 3) {
            // Space-separated fields; the one starting with ':' is the file
            // name and runs to the end of the line (values may hold ':').
            bool named = false;
            while (!rest.empty()) {
                if (rest[0] == ' ') {
                    rest.remove_prefix(1);
                    continue;
                }
                if (rest[0] == ':') {
                    e.base = std::string(base_name(rest.substr(1)));
                    named = true;
                    break;
                }
                auto end = rest.find(' ');
                auto f = rest.substr(0, end);
                if (f[0] == 'P') e.pop3_uidl = std::string(f.substr(1));
                else if (f[0] == 'W' && !parse_uint(f.substr(1), e.vsize)) return bad();
                rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
            }
            if (!named) return bad();
        } else {
            e.base = std::string(base_name(text::trim(rest)));
        }
        if (e.base.empty()) return bad();
        out.entries.push_back(std::move(e));
    }
    std::sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) { return a.uid < b.uid; });
    return out;
}

std::map<char, std::string> parse_keywords(std::string_view text) {
    std::map<char, std::string> out;
    for (auto line : lines_of(text)) {
        auto sp = line.find(' ');
        if (sp == std::string_view::npos) continue;
        unsigned idx = 0;
        if (!parse_uint(line.substr(0, sp), idx) || idx >= 26) continue;
        auto kw = text::trim(line.substr(sp + 1));
        if (kw.empty()) continue;
        out[static_cast<char>('a' + idx)] = std::string(kw);
    }
    return out;
}

std::string_view base_name(std::string_view file_name) {
    auto colon = file_name.find(':');
    return colon == std::string_view::npos ? file_name : file_name.substr(0, colon);
}

InfoFlags parse_info_flags(std::string_view file_name, const std::map<char, std::string>& keywords) {
    InfoFlags out;
    auto colon = file_name.find(':');
    if (colon == std::string_view::npos) return out;
    auto info = file_name.substr(colon + 1);
    if (info.substr(0, 2) != "2,") return out;
    for (char c : info.substr(2)) {
        switch (c) {
            case 'S': out.flags.system |= store::kSeen; break;
            case 'R': out.flags.system |= store::kAnswered; break;
            case 'F': out.flags.system |= store::kFlagged; break;
            case 'T': out.flags.system |= store::kDeleted; break;
            case 'D': out.flags.system |= store::kDraft; break;
            default:
                if (c >= 'a' && c <= 'z') {
                    auto it = keywords.find(c);
                    if (it != keywords.end())
                        out.flags.keywords.push_back(it->second);
                    else
                        out.unknown.push_back(c);
                }
                // 'P' (passed) and other letters have no IMAP equivalent.
                break;
        }
    }
    std::sort(out.flags.keywords.begin(), out.flags.keywords.end());
    out.flags.keywords.erase(std::unique(out.flags.keywords.begin(), out.flags.keywords.end()), out.flags.keywords.end());
    return out;
}

std::vector<std::string> parse_subscriptions(std::string_view text) {
    std::vector<std::string> out;
    auto lines = lines_of(text);
    bool v2 = !lines.empty() && lines.front() == "V\t2";
    for (std::size_t i = v2 ? 1 : 0; i < lines.size(); ++i) {
        auto line = lines[i];
        if (line.empty()) continue;
        std::vector<std::string> levels;
        bool ok = true;
        if (v2) {
            for (auto level : text::split(line, '\t')) {
                auto d = decode_level(tab_unescape(level));
                if (!d || d->empty()) ok = false;
                else levels.push_back(std::move(*d));
            }
        } else {
            std::string_view rest = line;
            std::size_t start = 0;
            for (std::size_t j = 0; j <= rest.size(); ++j) {
                if (j == rest.size() || rest[j] == '.' || rest[j] == '/') {
                    auto d = decode_level(rest.substr(start, j - start));
                    if (!d || d->empty()) ok = false;
                    else levels.push_back(std::move(*d));
                    start = j + 1;
                }
            }
        }
        if (!ok || levels.empty()) continue;
        std::string name = join_levels(levels);
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return out;
}

}  // namespace postamt::cli::maildir
