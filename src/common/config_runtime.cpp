// validate_runtime(): the configuration checks that need the filesystem.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/core.h>

#include "common/config.h"

namespace postamt {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Creates, writes and removes a file in `dir`: the honest writability test.
// access(2) checks the real rather than the effective uid and knows nothing
// of immutable flags, full disks or LSM policies.
int probe_writable(const std::string& dir) {
    std::string probe = fmt::format("{}/.postamt-write-test-{}", dir, ::getpid());
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno != EEXIST) return errno;
        // A leftover from a crashed run with our pid: remove and retry once.
        ::unlink(probe.c_str());
        fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return errno;
    }
    int err = 0;
    if (::write(fd, "x", 1) != 1) err = errno ? errno : EIO;
    ::close(fd);
    ::unlink(probe.c_str());
    return err;
}

void check_data_dir(const std::string& dir, std::vector<std::string>& errs) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno != ENOENT) {
            errs.push_back(
                fmt::format("server.data_dir '{}': cannot access ({})", dir, errno_text(errno)));
            return;
        }
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            errs.push_back(
                fmt::format("server.data_dir '{}': does not exist and cannot be created "
                            "({}); create it or choose another directory",
                            dir, ec.message()));
            return;
        }
        ::chmod(dir.c_str(), 0750);  // mail is private; best effort
    } else if (!S_ISDIR(st.st_mode)) {
        errs.push_back(fmt::format("server.data_dir '{}': not a directory", dir));
        return;
    }
    if (int e = probe_writable(dir); e != 0)
        errs.push_back(
            fmt::format("server.data_dir '{}': not writable ({}); fix its owner or "
                        "permissions for the server's user",
                        dir, errno_text(e)));
}

void check_readable(std::string_view key, const std::string& path, std::vector<std::string>& errs) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errs.push_back(fmt::format("{} '{}': not readable ({})", key, path, errno_text(errno)));
        return;
    }
    char c;
    ssize_t n = ::read(fd, &c, 1);
    int e = errno;
    ::close(fd);
    if (n < 0)
        errs.push_back(fmt::format("{} '{}': not readable ({})", key, path, errno_text(e)));
    else if (n == 0)
        errs.push_back(fmt::format("{} '{}': the file is empty; expected PEM", key, path));
}

void check_log_file(const std::string& file, std::vector<std::string>& errs) {
    int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno != ENOENT) {
        errs.push_back(fmt::format("log.file '{}': not writable ({})", file, errno_text(errno)));
        return;
    }
    std::string dir = std::filesystem::path(file).parent_path().string();
    if (dir.empty()) dir = ".";
    if (int e = probe_writable(dir); e != 0)
        errs.push_back(fmt::format("log.file '{}': directory '{}' not writable ({})", file, dir,
                                   errno_text(e)));
}

}  // namespace

Status validate_runtime(const Config& cfg) {
    std::vector<std::string> errs;
    check_data_dir(cfg.server.data_dir, errs);
    if (!cfg.tls.cert.empty()) check_readable("tls.cert", cfg.tls.cert, errs);
    if (!cfg.tls.key.empty()) check_readable("tls.key", cfg.tls.key, errs);
    for (std::size_t i = 0; i < cfg.tls.certificates.size(); ++i) {
        check_readable(fmt::format("tls.certificate[{}].cert", i), cfg.tls.certificates[i].cert,
                       errs);
        check_readable(fmt::format("tls.certificate[{}].key", i), cfg.tls.certificates[i].key,
                       errs);
    }
    if (!cfg.log.file.empty()) check_log_file(cfg.log.file, errs);
    if (errs.empty()) return ok_status();
    std::string msg;
    for (const auto& e : errs) msg += (msg.empty() ? "" : "\n") + e;
    return make_error(Errc::unavailable, std::move(msg));
}

}  // namespace postamt
