#pragma once
// The text of OpenSSL's error queue for logs and error messages: every
// queued error, joined with "; ", and the queue left empty (so a later
// failure does not report this one's causes). `if_none` when nothing was
// queued (an I/O failure without an OpenSSL reason, say).
#include <string>
#include <string_view>

namespace postamt::net {

std::string openssl_errors(std::string_view if_none = "unknown OpenSSL error");

}  // namespace postamt::net
