#include "net/connection_limits.h"

namespace postamt::net {

ConnectionLimits::Ticket::Ticket(Ticket&& o) noexcept
    : owner_(std::move(o.owner_)), key(std::move(o.key)), kind(o.kind) {
    o.owner_.reset();
}

ConnectionLimits::Ticket& ConnectionLimits::Ticket::operator=(Ticket&& o) noexcept {
    if (this != &o) {
        release();
        owner_ = std::move(o.owner_);
        o.owner_.reset();
        key = std::move(o.key);
        kind = o.kind;
    }
    return *this;
}

ConnectionLimits::Ticket::~Ticket() { release(); }

void ConnectionLimits::Ticket::release() {
    if (!owner_) return;
    owner_->give_back(kind, key);
    owner_.reset();
}

std::shared_ptr<ConnectionLimits> ConnectionLimits::create(std::uint32_t max_total, std::uint32_t max_per_ip,
                                                           std::uint32_t max_per_user) {
    return std::shared_ptr<ConnectionLimits>(new ConnectionLimits(max_total, max_per_ip, max_per_user));
}

ConnectionLimits::Ticket ConnectionLimits::admit(const std::string& ip, Admission& result) {
    std::lock_guard lk(mu_);
    if (max_total_ && total_ >= max_total_) {
        result = Admission::too_many_connections;
        return {};
    }
    auto& n = per_ip_[ip];
    if (max_per_ip_ && n >= max_per_ip_) {
        result = Admission::too_many_from_ip;
        return {};
    }
    ++n;
    ++total_;
    result = Admission::ok;
    Ticket t;
    t.owner_ = shared_from_this();
    t.key = ip;
    t.kind = Ticket::Kind::connection;
    return t;
}

std::optional<ConnectionLimits::Ticket> ConnectionLimits::acquire_user(const std::string& user) {
    std::lock_guard lk(mu_);
    auto& n = per_user_[user];
    if (max_per_user_ && n >= max_per_user_) {
        if (n == 0) per_user_.erase(user);
        return std::nullopt;
    }
    ++n;
    Ticket t;
    t.owner_ = shared_from_this();
    t.key = user;
    t.kind = Ticket::Kind::user;
    return t;
}

void ConnectionLimits::give_back(Ticket::Kind kind, const std::string& key) {
    std::lock_guard lk(mu_);
    auto& map = kind == Ticket::Kind::connection ? per_ip_ : per_user_;
    auto it = map.find(key);
    if (it != map.end() && --it->second == 0) map.erase(it);
    if (kind == Ticket::Kind::connection && total_ > 0) --total_;
}

std::size_t ConnectionLimits::total() const {
    std::lock_guard lk(mu_);
    return total_;
}

std::size_t ConnectionLimits::count_for_ip(const std::string& ip) const {
    std::lock_guard lk(mu_);
    auto it = per_ip_.find(ip);
    return it == per_ip_.end() ? 0 : it->second;
}

std::size_t ConnectionLimits::count_for_user(const std::string& user) const {
    std::lock_guard lk(mu_);
    auto it = per_user_.find(user);
    return it == per_user_.end() ? 0 : it->second;
}

}  // namespace postamt::net
