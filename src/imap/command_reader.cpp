#include "imap/command_reader.h"

#include <limits>

#include "common/text.h"
#include "imap/wire_string.h"

namespace postamt::imap {

Announcement find_literal_announcement(std::string_view line) {
    Announcement a;
    // Quote state from the start of the line: a quoted string never spans
    // lines, so every line starts outside one. The "{" must be outside.
    bool in_quote = false;
    std::size_t brace = std::string_view::npos;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (in_quote) {
            if (c == '\\' && i + 1 < line.size())
                ++i;
            else if (c == '"')
                in_quote = false;
            continue;
        }
        if (c == '"')
            in_quote = true;
        else if (c == '{')
            brace = i;
    }
    if (in_quote || brace == std::string_view::npos || line.empty() || line.back() != '}') return a;
    std::string_view inner = line.substr(brace + 1, line.size() - brace - 2);
    if (!inner.empty() && inner.back() == '+') {
        a.sync = false;
        inner.remove_suffix(1);
    }
    if (inner.empty()) return a;
    uint64_t v = 0;
    for (char c : inner) {
        if (c < '0' || c > '9') return a;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
            a.overflow = true;
        else
            v = v * 10 + d;
    }
    a.found = true;
    a.size = a.overflow ? std::numeric_limits<uint64_t>::max() : v;
    a.start = brace;
    if (brace > 0 && line[brace - 1] == '~') {
        a.binary = true;
        a.start = brace - 1;
    }
    return a;
}

namespace {

// "tag APPEND" at the start of the first line (case-insensitive).
bool starts_append(std::string_view line) {
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return false;
    return text::istarts_with(line.substr(sp + 1), "APPEND ");
}

std::string leading_tag(std::string_view line) {
    std::size_t n = 0;
    while (n < line.size() && is_astring_char(line[n]) && line[n] != '+') ++n;
    if (n == 0 || (n < line.size() && line[n] != ' ')) return {};
    return std::string(line.substr(0, n));
}

}  // namespace

void CommandReader::fail(std::string code, std::string error, bool no) {
    if (failed_) return;  // the first reason wins
    failed_ = true;
    fail_code_ = std::move(code);
    fail_error_ = std::move(error);
    fail_no_ = no;
    // Nothing more of this command is kept.
    std::string().swap(text_);
    std::vector<std::string>().swap(literals_);
}

CommandReader::State CommandReader::on_line(std::string_view line) {
    if (!started_) {
        started_ = true;
        tag_ = leading_tag(line);
        is_append_ = starts_append(line);
    }
    Announcement a = find_literal_announcement(line);
    command_bytes_ += line.size() + 2;
    if (command_bytes_ > limits_.max_command_bytes) fail("TOOBIG", "command too long", false);
    if (!failed_) {
        text_.append(line);
        if (a.found) text_.append("\r\n");
    }
    if (!a.found) return State::complete;

    literal_ = Literal{};
    literal_.size = a.size;
    literal_.sync = a.sync;
    literal_.binary = a.binary;
    // APPEND: every literal is message data except the mailbox name, which
    // can only be the first thing after "APPEND " (flags and dates are never
    // literals); the probe gives the exact answer for synchronising ones.
    if (is_append_) {
        std::string_view before = line.substr(0, a.start);
        // Exactly "<tag> APPEND " before it (a mailbox named "APPEND" is
        // followed by the message, not by its own name).
        bool mailbox_literal = !seen_message_ && literals_.empty() &&
                               text_.size() == line.size() + 2 && !tag_.empty() &&
                               before.size() == tag_.size() + 8 &&
                               text::iequals(before.substr(tag_.size()), " APPEND ");
        literal_.message = !mailbox_literal;
    }
    if (literal_.message) {
        literal_.too_big = a.overflow || a.size > limits_.max_message_size ||
                           message_bytes_ + a.size > limits_.max_append_bytes;
    } else {
        literal_.too_big = a.overflow || a.size > limits_.max_literal_size ||
                           command_bytes_ + a.size > limits_.max_command_bytes;
    }
    if (literals_.size() >= limits_.max_literals) literal_.too_big = true;
    return State::need_literal;
}

CommandReader::State CommandReader::on_literal(std::string data) {
    if (literal_.message) {
        seen_message_ = true;
        message_bytes_ += data.size();
    } else {
        command_bytes_ += data.size();
    }
    if (!failed_) literals_.push_back(std::move(data));
    return State::need_line;
}

CommandReader::State CommandReader::on_literal_discarded(std::string code, std::string error,
                                                         bool answer_no) {
    fail(std::move(code), std::move(error), answer_no);
    if (literal_.message) seen_message_ = true;
    return State::need_line;
}

LiteralProbe CommandReader::probe() const {
    if (failed_) {
        LiteralProbe p;
        p.kind = LiteralProbe::Kind::error;
        p.tag = tag_;
        p.error = fail_error_;
        return p;
    }
    return probe_literal(text_, literals_, limits_.max_depth);
}

CommandReader::Taken CommandReader::take() {
    Taken t;
    if (failed_) {
        t.result.tag = tag_;
        t.result.error = fail_error_;
        t.code = fail_code_;
        t.answer_no = fail_no_;
    } else {
        t.result = parse_command(text_, literals_, limits_.max_depth);
    }
    reset();
    return t;
}

void CommandReader::reset() {
    std::string().swap(text_);
    std::vector<std::string>().swap(literals_);
    literal_ = Literal{};
    tag_.clear();
    started_ = false;
    is_append_ = false;
    seen_message_ = false;
    message_bytes_ = 0;
    command_bytes_ = 0;
    failed_ = false;
    fail_code_.clear();
    fail_error_.clear();
    fail_no_ = false;
}

std::size_t CommandReader::held_bytes() const {
    std::size_t n = text_.capacity();
    for (const auto& l : literals_) n += l.capacity();
    return n;
}

}  // namespace postamt::imap
