#pragma once
// Reading secrets and confirmations from the controlling terminal
// (/dev/tty, echo off via termios) or from stdin for scripts.
#include <string>

namespace postamt::cli {

// Asks twice on /dev/tty without echo; fails (exit 1) when the two differ,
// usage error (exit 2) when there is no terminal.
std::string prompt_new_password(const std::string& what);
// One line from stdin without its line ending; fails when stdin is empty.
std::string read_password_line_from_stdin();
// "question [y/N] " on /dev/tty; true for y/yes. Usage error without a terminal.
bool confirm_on_tty(const std::string& question);

}  // namespace postamt::cli
