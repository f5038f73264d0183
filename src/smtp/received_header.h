#pragma once
// Trace fields added to every received message (RFC 5321 4.4): the
// Return-Path and the Received header.
//
//   Received: from <helo> (<rdns> [ip])
//   	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256 bits))
//   	by <hostname> (Postamt) with ESMTPS id <queue id>
//   	for <rcpt>; Tue, 01 Oct 2024 12:00:00 +0000
//
// "with" is the protocol type of RFC 3848 / RFC 6531 7.2: SMTP after HELO,
// ESMTP after EHLO, UTF8SMTP when the transaction used SMTPUTF8, each with
// "S" for TLS and "A" for an authenticated client.
#include <chrono>
#include <optional>
#include <string>

#include "smtp/address.h"
#include "smtp/peer.h"

namespace postamt::smtp {

struct TraceInfo {
    std::string helo;       // as given; empty when the client sent none
    bool esmtp = true;      // EHLO (not HELO)
    std::string peer_ip;    // "192.0.2.1" / "2001:db8::1"
    std::string peer_rdns;  // empty: unknown
    std::optional<TlsInfo> tls;
    bool authenticated = false;
    // Submission privacy ([submission] received_header = "private"): no
    // "from" clause, so the user's address and client name stay private.
    bool hide_client = false;
    bool smtputf8 = false;
    std::string hostname;
    std::string queue_id;
    std::string single_recipient;  // "for <...>" only with exactly one recipient
    std::chrono::system_clock::time_point when;
};

std::string protocol_type(bool esmtp, bool smtputf8, bool tls, bool authenticated);
// RFC 5322 3.3 date-time in UTC: "Tue, 01 Oct 2024 12:00:00 +0000".
std::string rfc5322_date(std::chrono::system_clock::time_point t);
// "[192.0.2.1]" / "[IPv6:2001:db8::1]" (RFC 5321 4.1.3).
std::string ip_literal(const std::string& ip);
// "Return-Path: <sender>\r\n" (RFC 5321 4.4; "<>" for the null sender).
std::string return_path_header(const Path& sender);
// The whole field, folded, ending in CRLF.
std::string received_header(const TraceInfo& t);

}  // namespace postamt::smtp
