#pragma once
// Connection counting: a global limit (limits.max_connections), a per-client-IP
// limit (limits.max_connections_per_ip) checked at accept time, and a
// per-user limit (limits.max_connections_per_user) the protocols check after
// login. Each admitted connection or login holds a Ticket; dropping it gives
// the slot back. A limit of 0 means unlimited. Thread-safe.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace postamt::net {

enum class Admission {
    ok,
    too_many_connections,  // global limit reached
    too_many_from_ip,      // per-IP limit reached
};

class ConnectionLimits : public std::enable_shared_from_this<ConnectionLimits> {
public:
    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&& o) noexcept;
        Ticket& operator=(Ticket&& o) noexcept;
        ~Ticket();
        explicit operator bool() const { return owner_ != nullptr; }
        void release();

    private:
        friend class ConnectionLimits;
        enum class Kind : std::uint8_t { connection, user };
        std::shared_ptr<ConnectionLimits> owner_;
        std::string key;
        Kind kind = Kind::connection;
    };

    static std::shared_ptr<ConnectionLimits> create(std::uint32_t max_total, std::uint32_t max_per_ip,
                                                     std::uint32_t max_per_user);

    // Counts the connection if both limits allow it; otherwise returns an
    // empty ticket and says which limit was hit (the connection is not counted).
    Ticket admit(const std::string& ip, Admission& result);
    // nullopt when `user` already has max_per_user connections.
    std::optional<Ticket> acquire_user(const std::string& user);

    std::size_t total() const;
    std::size_t count_for_ip(const std::string& ip) const;
    std::size_t count_for_user(const std::string& user) const;

private:
    ConnectionLimits(std::uint32_t t, std::uint32_t ip, std::uint32_t user)
        : max_total_(t), max_per_ip_(ip), max_per_user_(user) {}
    void give_back(Ticket::Kind kind, const std::string& key);
    mutable std::mutex mu_;
    const std::uint32_t max_total_, max_per_ip_, max_per_user_;
    std::size_t total_ = 0;
    std::unordered_map<std::string, std::uint32_t> per_ip_, per_user_;
};

}  // namespace postamt::net
