// dkim_sign KEY_DIR [UNIX_TIME] < message > signed message
// Signs a message the way the queue does at enqueue (smtp/dkim_sign.h):
// the message is brought to CRLF form, the keyring is read from KEY_DIR
// (<domain>/<selector>.pem), and the DKIM-Signature fields for the From
// domain are prepended. For tests/integration/test_dkim.py, which verifies
// the output with independent verifiers.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <iterator>
#include <string>

#include "mime/parsed_message.h"
#include "smtp/dkim_sign.h"

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: dkim_sign KEY_DIR [UNIX_TIME] < message\n");
        return 2;
    }
    std::time_t now = argc == 3 ? static_cast<std::time_t>(std::atoll(argv[2])) : std::time(nullptr);
    std::string raw((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::string msg = postamt::mime::canonicalize_crlf(raw);
    auto ring = postamt::smtp::dkim::Keyring::load(argv[1]);
    if (!ring.ok()) {
        std::fprintf(stderr, "dkim_sign: %s\n", ring.error().message.c_str());
        return 1;
    }
    auto sigs = postamt::smtp::dkim::sign_with_keyring(*ring, msg, now);
    if (!sigs.ok()) {
        std::fprintf(stderr, "dkim_sign: %s\n", sigs.error().message.c_str());
        return 1;
    }
    if (sigs->empty()) {
        std::fprintf(stderr, "dkim_sign: no key for the From domain '%s'\n",
                     postamt::smtp::dkim::from_domain(msg).c_str());
        return 1;
    }
    std::cout << *sigs << msg;
    return 0;
}
