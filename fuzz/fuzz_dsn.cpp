// Builds DSNs (src/smtp/dsn.h) from arbitrary remote replies, ORCPT values
// and original messages: the parts an outside party controls. Must never
// crash, and the result always parses as a three-part multipart/report
// whose header and report lines stay within 998 octets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mime/message_parser.h"
#include "smtp/dsn.h"

using namespace postamt::smtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    // Split the input into diagnostic | orcpt | original at the first two NULs.
    auto a = in.find('\0');
    auto b = a == std::string_view::npos ? a : in.find('\0', a + 1);
    std::string diag(in.substr(0, a));
    std::string orcpt = a == std::string_view::npos ? "" : std::string(in.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
    std::string original =
        b == std::string_view::npos ? "Subject: x\r\n\r\nbody\r\n" : postamt::mime::canonicalize_crlf(in.substr(b + 1));

    DsnInput d;
    d.reporting_mta = "mail.example.org";
    d.postmaster = "postmaster@example.org";
    d.sender = "a@example.org";
    d.queue_id = "01J9ZQ3K8M5TB2X";
    d.original = original;
    d.ret = size % 2 ? DsnRet::hdrs : DsnRet::full;
    d.max_returned_size = 4096;
    DsnRecipient r;
    r.final_recipient = "b@example.net";
    r.original_recipient = orcpt;
    r.status = "5.0.0";
    r.remote_mta = "mx.example.net";
    r.diagnostic = diag;
    d.recipients.push_back(r);
    auto dsn = build_dsn(d);

    auto pm = postamt::mime::parse_message(dsn.message);
    if (pm.root().children.size() != 3) __builtin_trap();
    // Lines up to the returned original (which is the sender's own text).
    const auto& orig = pm.parts[pm.root().children[2]];
    std::string_view head = std::string_view(dsn.message).substr(0, orig.body_start);
    std::size_t start = 0;
    while (start < head.size()) {
        auto e = head.find("\r\n", start);
        if (e == std::string_view::npos) __builtin_trap();
        if (e - start > 998) __builtin_trap();
        start = e + 2;
    }
    return 0;
}
