#pragma once
// Runs the real `postamt` binary (POSTAMT_BINARY) as a subprocess in its own
// session (no controlling terminal, so prompts fail deterministically), with
// a temporary data directory and an empty configuration file.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.h"
#include "test_support.h"

namespace postamt::cli::testing {

using ::postamt::testing::must;

inline std::string temp_dir(const std::string& tag) { return ::postamt::testing::temp_dir("cli-" + tag); }

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void spit(const std::string& path, const std::string& data) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    out << data;
}

struct RunResult {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs `postamt args...` with `input` on stdin.
inline RunResult run_binary(const std::vector<std::string>& args, const std::string& input, const std::string& scratch) {
    std::string out_path = scratch + "/stdout", err_path = scratch + "/stderr";
    int in_pipe[2];
    if (::pipe(in_pipe) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();  // no controlling terminal: /dev/tty cannot be opened
        int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(in_pipe[0], 0);
        ::dup2(o, 1);
        ::dup2(e, 2);
        ::close(in_pipe[0]);
        ::close(in_pipe[1]);
        ::unsetenv("POSTAMT_CONFIG");
        std::vector<char*> argv;
        std::string bin = POSTAMT_BINARY;
        argv.push_back(bin.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(bin.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    std::size_t off = 0;
    while (off < input.size()) {
        ssize_t n = ::write(in_pipe[1], input.data() + off, input.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
    ::close(in_pipe[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
}

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = temp_dir("t");
        config = dir + "/postamt.toml";
        spit(config, "");
        data = dir + "/data";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    // postamt -c <empty config> --data-dir <data> args...
    RunResult pm(std::vector<std::string> args, const std::string& input = "") {
        return pm_in(data, std::move(args), input);
    }
    RunResult pm_in(const std::string& data_dir, std::vector<std::string> args, const std::string& input = "") {
        std::vector<std::string> full{"-c", config, "--data-dir", data_dir};
        full.insert(full.end(), args.begin(), args.end());
        return run_binary(full, input, dir);
    }
    // Domain example.org with bob@example.org (password "bob-secret").
    void add_bob() {
        ASSERT_EQ(pm({"domain", "add", "example.org"}).code, 0);
        auto r = pm({"user", "add", "bob@example.org", "--password-stdin"}, "bob-secret\n");
        ASSERT_EQ(r.code, 0) << r.err;
    }
    std::shared_ptr<store::Store> open_store(const std::string& data_dir) {
        store::StoreOptions o;
        o.data_dir = data_dir;
        o.min_free_bytes = 0;
        o.create = false;
        return must(store::Store::open(o));
    }

    std::string dir, config, data;
};

}  // namespace postamt::cli::testing
