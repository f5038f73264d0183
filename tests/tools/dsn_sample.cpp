// dsn_sample [failed|delayed] [full|hdrs] [utf8] < original > DSN
// Builds a DSN (smtp/dsn.h) for the original message on stdin with fixed
// envelope data, so tests/integration/test_dsn.py can check it with an
// independent parser (Python's email package).
#include <chrono>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include "mime/parsed_message.h"
#include "smtp/dsn.h"

using namespace postamt::smtp;

int main(int argc, char** argv) {
    bool delayed = false, hdrs = false, utf8 = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "delayed")) delayed = true;
        if (!std::strcmp(argv[i], "hdrs")) hdrs = true;
        if (!std::strcmp(argv[i], "utf8")) utf8 = true;
    }
    std::string raw((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::string original = postamt::mime::canonicalize_crlf(raw);
    using std::chrono::seconds;
    DsnInput in;
    in.reporting_mta = "mail.example.org";
    in.postmaster = "postmaster@example.org";
    in.sender = utf8 ? "j\xc3\xb6rg@example.org" : "alice@example.org";
    in.envid = "ENV+2B1";
    in.queue_id = "01J9ZQ3K8M5TB2X";
    in.arrival = std::chrono::system_clock::time_point(seconds(1727784000));
    in.now = in.arrival + seconds(7200);
    in.ret = hdrs ? DsnRet::hdrs : DsnRet::full;
    in.smtputf8 = utf8;
    in.original = original;
    DsnRecipient a;
    a.final_recipient = utf8 ? "m\xc3\xbcller@example.net" : "bob@example.net";
    a.original_recipient = "rfc822;bob+2Bx@example.net";
    a.action = delayed ? DsnAction::delayed : DsnAction::failed;
    a.status = delayed ? "4.4.1" : "5.1.1";
    a.remote_mta = "mx.example.net";
    a.diagnostic = delayed ? "421 4.4.1 try later" : "550 5.1.1 <bob@example.net>: user unknown";
    a.last_attempt = in.now;
    if (delayed) a.will_retry_until = in.arrival + seconds(5 * 86400);
    DsnRecipient b;
    b.final_recipient = "carol@example.net";
    b.action = a.action;
    b.status = delayed ? "4.2.2" : "5.2.2";
    b.diagnostic = delayed ? "452 4.2.2 mailbox full" : "552 5.2.2 mailbox full";
    if (delayed) b.will_retry_until = a.will_retry_until;
    in.recipients = {a, b};
    std::cout << build_dsn(in).message;
    return 0;
}
