#pragma once
// What the runner knows about the connection when it hands it to a session.
#include <cstdint>
#include <optional>
#include <string>

namespace postamt::smtp {

struct TlsInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
    int bits = 0;         // 0: unknown
};

struct PeerInfo {
    std::string ip;    // "192.0.2.1" or "2001:db8::1" (no brackets, no zone)
    std::string rdns;  // forward-confirmed reverse name; empty when unknown
    uint16_t local_port = 25;
    std::optional<TlsInfo> tls;         // TLS already active (implicit TLS, port 465)
    bool too_many_connections = false;  // over a connection limit: 421 and close
    bool loopback = false;              // 127.0.0.0/8 or ::1 (plaintext AUTH policy)
};

}  // namespace postamt::smtp
