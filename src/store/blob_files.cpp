#include "store/blob_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

namespace postamt::store {
namespace {

Error io_error(const std::string& what, const std::string& path, int err) {
    Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::unavailable : Errc::internal;
    return make_error(code, what + " " + path + ": " + std::strerror(err));
}

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

BlobFiles::BlobFiles(std::string dir, int64_t segment_max, int64_t own, int64_t min_free)
    : dir_(std::move(dir)), segment_max_(segment_max), own_threshold_(own), min_free_(min_free) {}

BlobFiles::~BlobFiles() {
    if (active_fd_ >= 0) ::close(active_fd_);
    for (int fd : close_after_sync_) ::close(fd);
}

std::string BlobFiles::path_of(int64_t segment) const {
    return fmt::format("{}/{:08x}.seg", dir_, segment);
}

Status BlobFiles::open() {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return make_error(Errc::unavailable, "cannot create " + dir_ + ": " + ec.message());
    for (int64_t id : list_segments()) next_id_ = std::max(next_id_, id + 1);
    return ok_status();
}

std::vector<int64_t> BlobFiles::list_segments() const {
    std::vector<int64_t> out;
    DIR* d = ::opendir(dir_.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n.size() != 12 || n.substr(8) != ".seg") continue;
        char* end = nullptr;
        std::string hex(n.substr(0, 8));
        long long v = std::strtoll(hex.c_str(), &end, 16);
        if (end && *end == 0 && v > 0) out.push_back(v);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

int64_t BlobFiles::active_segment() const {
    std::lock_guard lk(mu_);
    return active_id_;
}

Result<int> BlobFiles::create_segment(int64_t* id_out) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
        int64_t id = next_id_++;
        std::string path = path_of(id);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, 0600);
        if (fd >= 0) {
            *id_out = id;
            dir_dirty_ = true;
            return fd;
        }
        if (errno != EEXIST) return io_error("cannot create", path, errno);
    }
    return make_error(Errc::internal, "cannot find a free segment name in " + dir_);
}

Result<BlobLocation> BlobFiles::append(std::string_view data) {
    struct statvfs vfs {};
    if (::statvfs(dir_.c_str(), &vfs) == 0) {
        auto free_bytes = static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
        if (free_bytes - static_cast<int64_t>(data.size()) < min_free_)
            return make_error(Errc::unavailable, "disk nearly full under " + dir_);
    }
    auto len = static_cast<int64_t>(data.size());
    if (len >= own_threshold_) {
        int64_t id = 0;
        auto fd = create_segment(&id);
        if (!fd) return fd.error();
        if (!write_all(*fd, data.data(), data.size())) {
            int err = errno;
            ::close(*fd);
            ::unlink(path_of(id).c_str());
            return io_error("cannot write", path_of(id), err);
        }
        dirty_fds_.push_back(*fd);
        close_after_sync_.push_back(*fd);
        return BlobLocation{id, 0, len};
    }
    if (active_fd_ < 0 || active_size_ + len > segment_max_) {
        if (active_fd_ >= 0) {
            // Sealed: make sure it is synced with the batch before closing.
            if (std::find(dirty_fds_.begin(), dirty_fds_.end(), active_fd_) != dirty_fds_.end())
                close_after_sync_.push_back(active_fd_);
            else
                ::close(active_fd_);
        }
        int64_t id = 0;
        auto fd = create_segment(&id);
        if (!fd) return fd.error();
        active_fd_ = *fd;
        active_size_ = 0;
        std::lock_guard lk(mu_);
        active_id_ = id;
    }
    int64_t off = active_size_;
    if (!write_all(active_fd_, data.data(), data.size())) {
        int err = errno;
        // Whatever part was written is garbage no row points at; start a
        // fresh segment so offsets stay exact. Earlier blobs of this batch in
        // it still need their fdatasync.
        if (std::find(dirty_fds_.begin(), dirty_fds_.end(), active_fd_) != dirty_fds_.end())
            close_after_sync_.push_back(active_fd_);
        else
            ::close(active_fd_);
        active_fd_ = -1;
        return io_error("cannot write", path_of(active_id_), err);
    }
    active_size_ += len;
    if (std::find(dirty_fds_.begin(), dirty_fds_.end(), active_fd_) == dirty_fds_.end())
        dirty_fds_.push_back(active_fd_);
    return BlobLocation{active_id_, off, len};
}

Status BlobFiles::sync() {
    Status result = ok_status();
    for (int fd : dirty_fds_) {
        if (::fdatasync(fd) != 0 && result.ok()) result = io_error("fdatasync failed in", dir_, errno);
    }
    dirty_fds_.clear();
    for (int fd : close_after_sync_) ::close(fd);
    close_after_sync_.clear();
    if (dir_dirty_) {
        int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            if (::fsync(dfd) != 0 && result.ok()) result = io_error("fsync failed on", dir_, errno);
            ::close(dfd);
        }
        dir_dirty_ = false;
    }
    return result;
}

Result<std::string> BlobFiles::read(const BlobLocation& loc, int64_t offset, int64_t length) const {
    if (offset < 0) offset = 0;
    if (offset > loc.length) offset = loc.length;
    if (length < 0 || offset + length > loc.length) length = loc.length - offset;
    std::string path = path_of(loc.segment);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", path, errno);
    std::string out(static_cast<std::size_t>(length), '\0');
    int64_t done = 0;
    while (done < length) {
        ssize_t r = ::pread(fd, out.data() + done, static_cast<std::size_t>(length - done),
                            loc.offset + offset + done);
        if (r < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return io_error("cannot read", path, err);
        }
        if (r == 0) {
            ::close(fd);
            return make_error(Errc::internal, "blob truncated in " + path);
        }
        done += r;
    }
    ::close(fd);
    return out;
}

Status BlobFiles::remove_segment(int64_t segment) {
    std::string path = path_of(segment);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", path, errno);
    return ok_status();
}

}  // namespace postamt::store
