#include "smtp/queue_id.h"

#include <atomic>
#include <random>

namespace postamt::smtp {

std::string encode_queue_id(uint64_t millis, uint32_t counter) {
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford
    // 72 bits: high 48 = time, low 24 = counter.
    unsigned __int128 v =
        (static_cast<unsigned __int128>(millis & 0xFFFFFFFFFFFFull) << 24) | (counter & 0xFFFFFFu);
    std::string out(15, '0');
    for (int i = 14; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kAlphabet[static_cast<unsigned>(v & 31u)];
        v >>= 5;
    }
    return out;
}

std::string make_queue_id(std::chrono::system_clock::time_point now) {
    static std::atomic<uint32_t> counter{std::random_device{}()};
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    return encode_queue_id(static_cast<uint64_t>(ms),
                           counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace postamt::smtp
