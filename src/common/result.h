#pragma once
// A value or an error, for calls that cross thread boundaries (store, auth)
// where exceptions would have to be transported by hand anyway.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace postamt {

// Error kinds map onto protocol replies (IMAP response codes, SMTP enhanced
// status codes) in the protocol modules; the message is for logs and admins.
enum class Errc {
    ok = 0,
    not_found,       // no such account / mailbox / message
    already_exists,  // ALREADYEXISTS
    invalid,         // bad argument (name syntax, range)
    over_quota,      // OVERQUOTA, 452 4.2.2 / 552 5.2.2
    permission,      // ACL denies
    conflict,        // UNCHANGEDSINCE failed, concurrent change
    too_big,         // message or literal exceeds a limit
    unavailable,     // disk full, store closed, transient
    internal,        // bug or I/O error
};

const char* errc_name(Errc e);

struct Error {
    Errc code = Errc::internal;
    std::string message;
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error e) : v_(std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() { return std::get<0>(v_); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(Errc c, std::string msg) { return Error{c, std::move(msg)}; }

}  // namespace postamt
