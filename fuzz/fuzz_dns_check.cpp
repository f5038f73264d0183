// What DNS answers for the records `postamt dns check` compares (remote
// data: anyone can publish any TXT, SRV or CNAME). The input is split into
// answer values at '\n'; every planned record is checked against them. Must
// never crash, and a verdict must be consistent with what was found.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/dns_records.h"

using namespace postamt;
using namespace postamt::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    DnsFound found;
    std::size_t pos = 0;
    while (pos <= in.size()) {
        std::size_t nl = in.find('\n', pos);
        found.values.emplace_back(in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    // Half of the values also serve as addresses (the CNAME fallback).
    for (std::size_t i = 0; i < found.values.size(); i += 2) found.name_addresses.push_back(found.values[i]);
    found.host_addresses = found.name_addresses;

    DnsPlanInput plan;
    plan.domain = "example.org";
    plan.hostname = "mail.example.org";
    plan.listeners = default_listeners();
    plan.dkim = {{"s1", "v=DKIM1; k=ed25519; p=KEY"}};
    plan.mta_sts_id = "abc";
    for (const auto& rec : plan_dns_records(plan)) {
        auto o = check_record(rec, found);
        if (o.expected != presentation(rec)) __builtin_trap();
        if (o.verdict == Verdict::ok && o.found.empty()) __builtin_trap();
        if (o.verdict == Verdict::error) __builtin_trap();  // only lookup failures give error
        DnsFound none;
        if (check_record(rec, none).verdict != Verdict::missing) __builtin_trap();
    }
    for (std::string_view tag : {"p", "v", "id", "rua"}) (void)tag_value(in, tag);
    return 0;
}
