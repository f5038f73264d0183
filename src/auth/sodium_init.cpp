#include "auth/sodium_init.h"

#include <sodium.h>

#include <cstdlib>

namespace postamt::auth {

void ensure_sodium() {
    static const bool ready = [] {
        if (sodium_init() < 0) std::abort();  // no usable randomness: cannot run safely
        return true;
    }();
    (void)ready;
}

}  // namespace postamt::auth
