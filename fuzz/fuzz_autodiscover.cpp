// libFuzzer target: the Outlook autodiscover request parser and the
// address check behind it (http/mail_settings.h). Expat does the XML; this
// checks our handling of what it reports: an extracted address is
// non-empty, trimmed and bounded, and the documents built from it stay
// well-formed (the response parses back to the same address).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/mail_settings.h"

using namespace postamt::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto address = parse_autodiscover_request(in);
    if (!address) return 0;
    if (address->empty() || address->size() > 1024) std::abort();
    if (address->front() == ' ' || address->back() == ' ') std::abort();
    if (!address_domain(*address)) return 0;
    MailSettings s;
    s.hostname = "mail.example.org";
    s.endpoints = {{postamt::Protocol::imap, postamt::TlsMode::implicit, 993},
                   {postamt::Protocol::submission, postamt::TlsMode::implicit, 465}};
    // The address is escaped into the documents: wrapped into a request it
    // must come back unchanged.
    std::string again = "<a><EMailAddress>" + xml_escape(*address) + "</EMailAddress></a>";
    auto back = parse_autodiscover_request(again);
    if (!back || *back != *address) std::abort();
    std::string page = setup_page(s, *address, "");
    if (page.find("<script") != std::string::npos) std::abort();
    return 0;
}
