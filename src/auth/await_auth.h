#pragma once
// Awaiting the Authenticator from a session runner's coroutine (header-only:
// included by runners only, so the auth library itself stays free of Asio).
// A dropped or failed call comes back as AuthStatus::unavailable.
//
// g++ 12 coroutine rules (docs/networking.md): free functions, by-value
// parameters, no reference locals across co_await.
#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "net/await_store.h"

namespace postamt::auth {

inline net::asio::awaitable<AuthResult> await_password(std::shared_ptr<Authenticator> au,
                                                       std::string login, std::string password,
                                                       std::string ip, Service service) {
    auto r = co_await net::await_store<AuthResult>([&](auto done) {
        au->verify_password(std::move(login), std::move(password), std::move(ip), service,
                            [done](AuthResult res) mutable { done(std::move(res)); });
    });
    if (r) co_return std::move(r).value();
    AuthResult failed;
    failed.status = AuthStatus::unavailable;
    co_return failed;
}

inline net::asio::awaitable<ScramLookup> await_scram_lookup(std::shared_ptr<Authenticator> au,
                                                            std::string login, std::string ip,
                                                            Service service) {
    auto r = co_await net::await_store<ScramLookup>([&](auto done) {
        au->lookup_scram(std::move(login), std::move(ip), service,
                         [done](ScramLookup res) mutable { done(std::move(res)); });
    });
    if (r) co_return std::move(r).value();
    ScramLookup failed;
    failed.status = AuthStatus::unavailable;
    co_return failed;
}

}  // namespace postamt::auth
