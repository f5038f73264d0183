#include "common/result.h"

namespace postamt {

const char* errc_name(Errc e) {
    switch (e) {
        case Errc::ok: return "ok";
        case Errc::not_found: return "not_found";
        case Errc::already_exists: return "already_exists";
        case Errc::invalid: return "invalid";
        case Errc::over_quota: return "over_quota";
        case Errc::permission: return "permission";
        case Errc::conflict: return "conflict";
        case Errc::too_big: return "too_big";
        case Errc::unavailable: return "unavailable";
        case Errc::internal: return "internal";
    }
    return "unknown";
}

}  // namespace postamt
