#pragma once
// POP3 status lines (RFC 1939 3): "+OK text" / "-ERR text", with the
// extended response codes of RFC 2449 8 and RFC 3206 in square brackets.
#include <string>
#include <string_view>

namespace postamt::pop3 {

enum class RespCode {
    none,
    in_use,       // [IN-USE] RFC 2449 8.1.2: authenticated, but the maildrop is locked
    login_delay,  // [LOGIN-DELAY] RFC 2449 8.1.1: logged in too recently
    auth,         // [AUTH] RFC 3206 5: the credentials were refused
    sys_temp,     // [SYS/TEMP] RFC 3206 4: a transient system problem; try later
    sys_perm,     // [SYS/PERM] RFC 3206 4: a permanent system problem
};

std::string_view resp_code_name(RespCode c);  // "IN-USE", ... ("" for none)

// "+OK text\r\n" ("+OK\r\n" when text is empty).
std::string ok_line(std::string_view text = {});
// "-ERR [CODE] text\r\n". CR, LF and other controls in `text` become '?':
// a status line can never be split into two by what it quotes.
std::string err_line(std::string_view text, RespCode code = RespCode::none);

// The body of a multi-line response: each line CRLF-terminated and
// dot-stuffed (RFC 1939 3), then the terminating ".\r\n".
std::string multiline(std::string_view first_line_ok_text, const std::string& lines_crlf);

}  // namespace postamt::pop3
