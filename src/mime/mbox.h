#pragma once
// Splits an mboxo/mboxrd file (RFC 4155) into messages: drops the "From "
// separator lines, un-escapes ">From " (mboxrd) and returns each message in
// canonical CRLF form.
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

std::vector<std::string> split_mbox(std::string_view mbox);

}  // namespace postamt::mime
