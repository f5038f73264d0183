#pragma once
// Which accounts have a POP3 session open, and when each last logged in:
// the maildrop lock (RFC 1939 8: "the POP3 server then acquires an
// exclusive-access lock on the maildrop"; a second session gets
// -ERR [IN-USE], RFC 2449 8.1.2) and LOGIN-DELAY (RFC 2449 6.5, 8.1.1).
//
// In-process: one `postamt serve` process serves every POP3 connection, so
// a mutex-protected set is the whole lock. IMAP sessions never take it.
// Thread-safe; a Lock may be released from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "store/types.h"

namespace postamt::pop3 {

class MaildropRegistry : public std::enable_shared_from_this<MaildropRegistry> {
  public:
    using Clock = std::chrono::steady_clock;

    // Held by a session for as long as it has the maildrop open.
    class Lock {
      public:
        Lock() = default;
        Lock(Lock&& o) noexcept;
        Lock& operator=(Lock&& o) noexcept;
        ~Lock();
        explicit operator bool() const { return owner_ != nullptr; }
        void release();

      private:
        friend class MaildropRegistry;
        std::shared_ptr<MaildropRegistry> owner_;
        store::AccountId account_ = 0;
        bool locked_ = false;
    };

    enum class Refusal { none, in_use, login_delay };

    struct Admission {
        Refusal refusal = Refusal::none;
        Lock lock;                            // refusal == none
        std::chrono::seconds retry_after{0};  // login_delay: time left
    };

    struct Options {
        bool lock_maildrop = true;
        std::chrono::seconds login_delay{0};
    };

    static std::shared_ptr<MaildropRegistry> create(
        Options opts, std::function<Clock::time_point()> now = nullptr);

    // After a successful authentication: lock the account's maildrop and
    // record the login time, or say why not. A refused login does not
    // count as a login (the delay runs from the last accepted one).
    Admission admit(store::AccountId account);

    bool locked(store::AccountId account) const;
    std::size_t tracked_logins() const;

  private:
    MaildropRegistry(Options o, std::function<Clock::time_point()> now)
        : opts_(o), now_(std::move(now)) {}
    void unlock(store::AccountId account);
    void prune_logins(Clock::time_point now);

    const Options opts_;
    std::function<Clock::time_point()> now_;
    mutable std::mutex mu_;
    std::unordered_set<store::AccountId> locked_;
    std::unordered_map<store::AccountId, Clock::time_point> last_login_;
    std::size_t prune_at_ = 1024;
};

}  // namespace postamt::pop3
