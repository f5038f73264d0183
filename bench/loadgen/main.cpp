// postamt-loadgen SUBCOMMAND [--option value ...]; see bench/README.md.
#include <cstdio>
#include <exception>
#include <string>

#include "loadgen.h"

namespace {
const char* kUsage =
    "usage: postamt-loadgen smtp|imap|imap-scenario [options]\n"
    "  common: --host 127.0.0.1 --port N [--tls] [--threads 1] [--cpu-pid PID ...]\n"
    "  smtp: --sessions 10 (--seconds 10 | --messages M) --size 1k|10k|100k|BYTES|mix\n"
    "        --rcpt a@x[,b@y] [--from bench@example.net] [--corpus FILE]\n"
    "        [--user U --password P (AUTH PLAIN)] [--no-pipelining]\n"
    "  imap: --clients 10 --users 'u%d@example.org' --user-count 10 --password P\n"
    "        --mode login|persistent (--seconds 10 | --cycles M) [--msgs 30]\n"
    "        [--prob cmd=percent,...] [--corpus FILE] [--seed 1]\n"
    "  imap-scenario: --user U --password P [--mailbox INBOX] --repeat 5\n"
    "        --scenarios select,uid_fetch_flags,fetch_envelopes,search_text\n"
    "        [--search-user U2 --search-mailbox INBOX --search-word W]\n";
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    std::string cmd = argv[1];
    try {
        loadgen::Args a(argc, argv, 2);
        if (cmd == "smtp") return loadgen::run_smtp(a);
        if (cmd == "imap") return loadgen::run_imap(a);
        if (cmd == "imap-scenario") return loadgen::run_imap_scenario(a);
        std::fputs(kUsage, stderr);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "postamt-loadgen %s: %s\n", cmd.c_str(), e.what());
        return 2;
    }
}
