#pragma once
// libsodium must be initialised once before use; sodium_init() is itself
// thread-safe, this just keeps the call in one place.
namespace postamt::auth {
void ensure_sodium();
}  // namespace postamt::auth
