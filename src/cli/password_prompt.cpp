#include "cli/password_prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/context.h"
#include "common/text.h"

namespace postamt::cli {
namespace {

// The controlling terminal, opened read-write; closed on destruction.
class Tty {
public:
    Tty() : fd_(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) {}
    ~Tty() {
        if (fd_ >= 0) ::close(fd_);
    }
    Tty(const Tty&) = delete;
    Tty& operator=(const Tty&) = delete;
    bool ok() const { return fd_ >= 0; }

    void write(const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    }

    // Reads one line; false on end of input.
    bool read_line(std::string& out, bool echo) {
        termios saved{};
        bool restore = false;
        if (!echo && ::tcgetattr(fd_, &saved) == 0) {
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            quiet.c_lflag |= ECHONL;
            restore = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
        }
        out.clear();
        bool got_any = false;
        for (;;) {
            char c;
            ssize_t n = ::read(fd_, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got_any = true;
            if (c == '\n') break;
            out.push_back(c);
        }
        if (restore) ::tcsetattr(fd_, TCSAFLUSH, &saved);
        if (!out.empty() && out.back() == '\r') out.pop_back();
        return got_any;
    }

private:
    int fd_;
};

void wipe(std::string& s) {
    volatile char* p = s.data();
    for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
    s.clear();
}

}  // namespace

std::string prompt_new_password(const std::string& what) {
    Tty tty;
    if (!tty.ok()) usage_error("no terminal to ask for the password; use --password-stdin");
    std::string first, second;
    tty.write("New password for " + what + ": ");
    if (!tty.read_line(first, false)) fail("no password entered");
    tty.write("Repeat the password: ");
    if (!tty.read_line(second, false)) fail("no password entered");
    bool same = first == second;
    wipe(second);
    if (!same) {
        wipe(first);
        fail("the two passwords differ");
    }
    if (first.empty()) fail("empty password refused");
    return first;
}

std::string read_password_line_from_stdin() {
    std::string line;
    if (!std::getline(std::cin, line)) fail("no password on stdin");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) fail("empty password refused");
    return line;
}

bool confirm_on_tty(const std::string& question) {
    Tty tty;
    if (!tty.ok()) usage_error("no terminal to confirm: " + question + " (pass --yes)");
    tty.write(question + " [y/N] ");
    std::string answer;
    if (!tty.read_line(answer, true)) return false;
    auto a = text::trim(answer);
    return text::iequals(a, "y") || text::iequals(a, "yes");
}

}  // namespace postamt::cli
