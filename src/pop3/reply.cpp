#include "pop3/reply.h"

namespace postamt::pop3 {
namespace {

void append_clean(std::string& out, std::string_view text) {
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        out += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
}

}  // namespace

std::string_view resp_code_name(RespCode c) {
    switch (c) {
        case RespCode::none:
            return "";
        case RespCode::in_use:
            return "IN-USE";
        case RespCode::login_delay:
            return "LOGIN-DELAY";
        case RespCode::auth:
            return "AUTH";
        case RespCode::sys_temp:
            return "SYS/TEMP";
        case RespCode::sys_perm:
            return "SYS/PERM";
    }
    return "";
}

std::string ok_line(std::string_view text) {
    std::string out = "+OK";
    if (!text.empty()) {
        out += ' ';
        append_clean(out, text);
    }
    out += "\r\n";
    return out;
}

std::string err_line(std::string_view text, RespCode code) {
    std::string out = "-ERR";
    if (code != RespCode::none) {
        out += " [";
        out += resp_code_name(code);
        out += ']';
    }
    if (!text.empty()) {
        out += ' ';
        append_clean(out, text);
    }
    out += "\r\n";
    return out;
}

std::string multiline(std::string_view first_line_ok_text, const std::string& lines_crlf) {
    std::string out = ok_line(first_line_ok_text);
    out.reserve(out.size() + lines_crlf.size() + 8);
    bool line_start = true;
    for (char c : lines_crlf) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

}  // namespace postamt::pop3
