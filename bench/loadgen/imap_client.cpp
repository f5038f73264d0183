#include "imap_client.h"

#include <cctype>
#include <cstdlib>

namespace loadgen {

namespace {
// "{123}" or "{123+}" at the end of a line: the literal's size, else -1.
long literal_size(const std::string& line) {
    if (line.empty() || line.back() != '}') return -1;
    auto open = line.rfind('{');
    if (open == std::string::npos) return -1;
    std::string n = line.substr(open + 1, line.size() - open - 2);
    if (!n.empty() && n.back() == '+') n.pop_back();
    if (n.empty() || n.size() > 12) return -1;
    for (char c : n)
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    return std::atol(n.c_str());
}
}  // namespace

long ImapResult::count(std::string_view kind) const {
    long n = 0;
    for (const auto& r : untagged) {
        // "* 12 FETCH (..."
        auto sp = r.text.find(' ', 2);
        if (r.text.size() > 2 && std::isdigit(static_cast<unsigned char>(r.text[2])) && sp != std::string::npos &&
            r.text.compare(sp + 1, kind.size(), kind) == 0)
            ++n;
    }
    return n;
}

long fetch_number(std::string_view text, std::string_view item) {
    std::string key = std::string(item) + " ";
    auto p = text.find(key);
    if (p == std::string_view::npos) return -1;
    return std::atol(std::string(text.substr(p + key.size(), 20)).c_str());
}

std::string imap_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

asio::awaitable<ImapResponse> ImapClient::read_response() {
    ImapResponse r;
    std::string line = co_await conn_.read_line();
    for (;;) {
        long n = literal_size(line);
        r.text += line;
        if (n < 0) break;
        std::string lit = co_await conn_.read_exact(static_cast<std::size_t>(n));
        r.literals.push_back(std::move(lit));
        r.text += "\n";
        line = co_await conn_.read_line();
    }
    co_return r;
}

void ImapClient::note_untagged(const std::string& text) {
    // "* 12 EXISTS", "* 3 EXPUNGE", "* CAPABILITY ... LITERAL+ ...", "* OK [CAPABILITY ...]"
    if (text.size() > 2 && std::isdigit(static_cast<unsigned char>(text[2]))) {
        auto sp = text.find(' ', 2);
        if (sp == std::string::npos) return;
        long n = std::atol(text.c_str() + 2);
        if (text.compare(sp + 1, 6, "EXISTS") == 0)
            exists_ = static_cast<std::uint32_t>(n);
        else if (text.compare(sp + 1, 7, "EXPUNGE") == 0 && exists_ > 0)
            --exists_;
        return;
    }
    if (text.find("CAPABILITY") != std::string::npos) literal_plus_ = text.find("LITERAL+") != std::string::npos;
}

asio::awaitable<void> ImapClient::open(std::string host, std::uint16_t port) {
    co_await conn_.connect(host, port);
    ImapResponse greeting = co_await read_response();
    if (greeting.text.rfind("* OK", 0) != 0) throw std::runtime_error("greeting: " + greeting.text);
    note_untagged(greeting.text);
}

asio::awaitable<ImapResult> ImapClient::finish(std::string tag) {
    ImapResult res;
    for (;;) {
        ImapResponse r = co_await read_response();
        if (r.text.rfind(tag + " ", 0) == 0) {
            auto rest = r.text.substr(tag.size() + 1);
            auto sp = rest.find(' ');
            res.status = rest.substr(0, sp);
            res.text = sp == std::string::npos ? "" : rest.substr(sp + 1);
            if (res.text.find("CAPABILITY") != std::string::npos) note_untagged(res.text);
            co_return res;
        }
        if (r.text.rfind("* BYE", 0) == 0 && last_command.rfind("LOGOUT", 0) != 0) {
            res.status = "BYE";
            res.text = r.text;
            co_return res;
        }
        if (r.text.rfind("* ", 0) == 0) note_untagged(r.text);
        res.untagged.push_back(std::move(r));
    }
}

asio::awaitable<ImapResult> ImapClient::command(std::string cmd) {
    std::string tag = "a" + std::to_string(++next_tag_);
    last_command = cmd;
    co_await conn_.write(tag + " " + cmd + "\r\n");
    ImapResult r = co_await finish(tag);
    co_return r;
}

asio::awaitable<ImapResult> ImapClient::append(std::string mailbox, std::string flags, std::string message) {
    std::string tag = "a" + std::to_string(++next_tag_);
    last_command = "APPEND";
    std::string head = tag + " APPEND " + imap_quote(mailbox) + (flags.empty() ? "" : " (" + flags + ")") + " {" +
                       std::to_string(message.size());
    if (literal_plus_) {
        co_await conn_.write(head + "+}\r\n" + message + "\r\n");
    } else {
        co_await conn_.write(head + "}\r\n");
        ImapResponse cont = co_await read_response();
        if (cont.text.rfind("+", 0) != 0) {
            // Refused before the literal: the tagged reply is this line.
            ImapResult res;
            auto rest = cont.text.substr(std::min(cont.text.size(), tag.size() + 1));
            auto sp = rest.find(' ');
            res.status = rest.substr(0, sp);
            res.text = sp == std::string::npos ? "" : rest.substr(sp + 1);
            co_return res;
        }
        co_await conn_.write(message + "\r\n");
    }
    ImapResult r = co_await finish(tag);
    co_return r;
}

}  // namespace loadgen
