// Feeds arbitrary client messages through the PLAIN, LOGIN and SCRAM-SHA-256
// server state machines (src/auth). Must never crash, hang or leak.
//
// Input layout: byte 0 selects the mechanism (bits 0-1: 0 PLAIN, 1 LOGIN,
// 2/3 SCRAM-SHA-256), bit 2 "client sent an initial response", bit 3 the
// credential answer (password verified / SCRAM user known), bit 4 "messages
// are base64 lines" (decoded with decode_client_response like the protocol
// layer does). The rest is the client's messages separated by '\n'.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl.h"
#include "auth/scram.h"
#include "common/base64.h"

using namespace postamt::auth;

namespace {

const ScramCredentials& fixed_credentials() {
    // RFC 7677 section 3: user "user", password "pencil".
    static const ScramCredentials c = [] {
        auto r = scram_derive("pencil", *postamt::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        return *r;
    }();
    return c;
}

void check_step(const Step& s) {
    // Invariants every step must keep.
    if (s.kind == Step::Kind::failure && s.failure == SaslFailure::none) __builtin_trap();
    if (s.kind != Step::Kind::need_credentials && !s.password.empty()) __builtin_trap();
    if (s.kind == Step::Kind::success && s.login.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)fixed_credentials();  // PBKDF2 once, not per input
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t flags = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::vector<std::string> messages;
    while (true) {
        auto nl = rest.find('\n');
        std::string_view part = rest.substr(0, nl);
        if (flags & 0x10) {
            auto r = decode_client_response(part);
            if (r.kind == ClientResponse::Kind::cancel) break;  // protocol ends the exchange
            if (r.kind == ClientResponse::Kind::invalid) break;
            messages.push_back(std::move(r.data));
        } else {
            messages.emplace_back(part);
        }
        if (nl == std::string_view::npos || messages.size() > 8) break;
        rest.remove_prefix(nl + 1);
    }

    std::unique_ptr<SaslMechanism> mech;
    switch (flags & 3) {
        case 0: mech = make_plain_mechanism(); break;
        case 1: mech = make_login_mechanism(); break;
        default:
            mech = std::make_unique<ScramSha256Server>(
                [] { return std::string("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"); });
    }
    const bool verified = flags & 0x08;
    std::size_t next = 0;
    Step s = (flags & 0x04) && next < messages.size()
                 ? mech->start(std::string_view(messages[next++]))
                 : mech->start(std::nullopt);
    for (int round = 0; round < 16; ++round) {
        check_step(s);
        if (s.kind == Step::Kind::need_credentials) {
            if (s.credential == CredentialKind::scram)
                s = mech->resume_scram(verified ? &fixed_credentials() : nullptr);
            else
                s = mech->resume_password(verified);
            continue;
        }
        if (s.kind != Step::Kind::challenge) break;
        if (next >= messages.size()) break;
        s = mech->step(messages[next++]);
    }
    // Calls after the end must be refused, not crash.
    if (mech->finished()) {
        Step after = mech->step("x");
        if (after.kind != Step::Kind::failure) __builtin_trap();
    }
    return 0;
}
