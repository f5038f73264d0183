#include "net/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/log.h"

namespace postamt::net {

Status drop_privileges(const std::string& user) {
    if (user.empty()) return ok_status();
    if (::geteuid() != 0) {
        log::info("event=privileges_kept reason=not_root uid={} configured_user={}", ::geteuid(), log::quote(user));
        return ok_status();
    }
    std::vector<char> buf(16384);
    struct passwd pw;
    struct passwd* found = nullptr;
    int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc != 0 || !found)
        return make_error(Errc::not_found, "server.run_as_user: user '" + user +
                                               "' does not exist; create it (e.g. useradd --system " + user +
                                               ") or set run_as_user = \"\" to stay root (not recommended)");
    if (found->pw_uid == 0) return ok_status();  // configured to run as root
    if (::initgroups(found->pw_name, found->pw_gid) != 0 && ::setgroups(1, &found->pw_gid) != 0)
        return make_error(Errc::internal, std::string("setgroups: ") + std::strerror(errno));
    if (::setgid(found->pw_gid) != 0) return make_error(Errc::internal, std::string("setgid: ") + std::strerror(errno));
    if (::setuid(found->pw_uid) != 0) return make_error(Errc::internal, std::string("setuid: ") + std::strerror(errno));
    if (::setuid(0) == 0 || ::geteuid() == 0)
        return make_error(Errc::internal, "privileges could be regained after setuid; refusing to continue");
    log::info("event=privileges_dropped user={} uid={} gid={}", log::quote(user), found->pw_uid, found->pw_gid);
    return ok_status();
}

}  // namespace postamt::net
