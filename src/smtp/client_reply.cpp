#include "smtp/client_reply.h"

namespace postamt::smtp {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

std::string safe(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
    }
    return out;
}

}  // namespace

std::size_t enhanced_code_length(std::string_view t) {
    if (t.size() < 5) return 0;
    if (t[0] != '2' && t[0] != '4' && t[0] != '5') return 0;
    if (t[1] != '.') return 0;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        std::size_t start = i;
        while (i < t.size() && digit(t[i]) && i - start < 4) ++i;
        std::size_t n = i - start;
        if (n == 0 || n > 3) return 0;
        if (part == 0) {
            if (i >= t.size() || t[i] != '.') return 0;
            ++i;
        }
    }
    if (i < t.size() && t[i] != ' ') return 0;
    return i;
}

std::string ServerReply::text() const {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (i == 0 && !enhanced.empty()) {
            l.remove_prefix(enhanced.size());
            while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
        }
        if (i > 0) out += "; ";
        out += safe(l);
    }
    return out;
}

std::string ServerReply::summary() const {
    std::string out = std::to_string(code);
    if (!enhanced.empty()) out += " " + enhanced;
    std::string t = text();
    if (!t.empty()) out += " " + t;
    return out;
}

void ReplyParser::reset() {
    building_ = ServerReply{};
    error_.clear();
    in_reply_ = false;
}

ServerReply ReplyParser::take() { return std::move(reply_); }

ReplyParser::Feed ReplyParser::feed(std::string_view line) {
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
        !digit(line[2])) {
        error_ = "malformed reply line: " + safe(line.substr(0, 80));
        in_reply_ = false;
        return Feed::error;
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    bool last;
    if (line.size() == 3)
        last = true;
    else if (line[3] == ' ')
        last = true;
    else if (line[3] == '-')
        last = false;
    else {
        error_ = "malformed reply line: " + safe(line.substr(0, 80));
        in_reply_ = false;
        return Feed::error;
    }
    if (in_reply_ && code != building_.code) {
        error_ = "reply code changed inside a multiline reply: " + safe(line.substr(0, 80));
        in_reply_ = false;
        return Feed::error;
    }
    if (!in_reply_) {
        building_ = ServerReply{};
        building_.code = code;
        in_reply_ = true;
    }
    if (building_.lines.size() >= kMaxReplyLines) {
        error_ = "reply has too many lines";
        in_reply_ = false;
        return Feed::error;
    }
    std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
    building_.lines.emplace_back(text);
    if (!last) return Feed::more;
    const std::string& first = building_.lines.front();
    if (std::size_t n = enhanced_code_length(first); n > 0 && first[0] == line[0])
        building_.enhanced = first.substr(0, n);
    reply_ = std::move(building_);
    building_ = ServerReply{};
    in_reply_ = false;
    return Feed::done;
}

std::vector<ServerReply> parse_replies(std::string_view bytes, std::string* error) {
    std::vector<ServerReply> out;
    ReplyParser p;
    while (!bytes.empty()) {
        std::size_t lf = bytes.find('\n');
        if (lf == std::string_view::npos) break;  // an unfinished line
        std::string_view line = bytes.substr(0, lf);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        bytes.remove_prefix(lf + 1);
        auto f = p.feed(line.substr(0, kMaxReplyLine));
        if (f == ReplyParser::Feed::done) out.push_back(p.take());
        if (f == ReplyParser::Feed::error) {
            if (error) *error = p.error();
            break;
        }
    }
    return out;
}

}  // namespace postamt::smtp
