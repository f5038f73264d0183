#include "smtp/received_header.h"

#include <fmt/core.h>

#include <ctime>

namespace postamt::smtp {

std::string protocol_type(bool esmtp, bool smtputf8, bool tls, bool authenticated) {
    if (!esmtp) return "SMTP";
    std::string p = smtputf8 ? "UTF8SMTP" : "ESMTP";
    if (tls) p += 'S';
    if (authenticated) p += 'A';
    return p;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
    static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string ip_literal(const std::string& ip) {
    if (ip.find(':') != std::string::npos) return "[IPv6:" + ip + "]";
    return "[" + ip + "]";
}

std::string return_path_header(const Path& sender) {
    return "Return-Path: <" + sender.mailbox() + ">\r\n";
}

std::string received_header(const TraceInfo& t) {
    std::string out;
    if (t.hide_client) {
        // RFC 5321 4.4's grammar wants a From clause; an MSA hiding its
        // users' addresses (what Postfix admins do with header_checks)
        // leaves it out, trading strict syntax for not leaking where the
        // user is. Parsers of trace fields accept a missing From clause.
        out = "Received: by " + t.hostname + " (Postamt) with " +
              protocol_type(t.esmtp, t.smtputf8, t.tls.has_value(), t.authenticated) + " id " +
              t.queue_id;
        if (!t.single_recipient.empty()) out += fmt::format("\r\n\tfor <{}>", t.single_recipient);
        out += fmt::format(";\r\n\t{}\r\n", rfc5322_date(t.when));
        return out;
    }
    std::string lit = ip_literal(t.peer_ip);
    // RFC 5321 4.4: TCP-info = address-literal / ( Domain FWS address-literal )
    std::string tcp_info = t.peer_rdns.empty() ? lit : t.peer_rdns + " " + lit;
    out = fmt::format("Received: from {} ({})\r\n", t.helo.empty() ? lit : t.helo, tcp_info);
    if (t.tls) {
        out += fmt::format("\t(using {} with cipher {}",
                           t.tls->version.empty() ? "TLS" : t.tls->version,
                           t.tls->cipher.empty() ? "unknown" : t.tls->cipher);
        if (t.tls->bits > 0) out += fmt::format(" ({} bits)", t.tls->bits);
        out += ")\r\n";
    }
    out += fmt::format("\tby {} (Postamt) with {} id {}", t.hostname,
                       protocol_type(t.esmtp, t.smtputf8, t.tls.has_value(), t.authenticated),
                       t.queue_id);
    if (!t.single_recipient.empty()) out += fmt::format("\r\n\tfor <{}>", t.single_recipient);
    out += fmt::format(";\r\n\t{}\r\n", rfc5322_date(t.when));
    return out;
}

}  // namespace postamt::smtp
