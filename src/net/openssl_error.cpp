#include "net/openssl_error.h"

#include <openssl/err.h>

namespace postamt::net {

std::string openssl_errors(std::string_view if_none) {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? std::string(if_none) : out;
}

}  // namespace postamt::net
