// load_config(), validate_runtime() and the shipped example file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/config.h"

using namespace postamt;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

class TempDir : public ::testing::Test {
  protected:
    void SetUp() override {
        static int counter = 0;
        dir_ = fs::temp_directory_path() / ("postamt-config-test-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir_ / "ro", fs::perms::owner_all, ec);
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    std::string write(const std::string& name, const std::string& content) {
        std::ofstream(path(name)) << content;
        return path(name);
    }
    Config config_with_data_dir(const std::string& d) {
        Config c;
        c.server.data_dir = d;
        return c;
    }
    fs::path dir_;
};

std::string read_all(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

// ------------------------------------------------------------------ load_config

using LoadConfig = TempDir;

TEST_F(LoadConfig, MissingFile) {
    auto r = load_config(path("nope.toml"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_THAT(r.error().message,
                HasSubstr(path("nope.toml") + ": cannot read the configuration "
                                              "file: No such file or directory"));
}

TEST_F(LoadConfig, DirectoryIsNotAFile) {
    auto r = load_config(dir_.string());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_THAT(r.error().message, HasSubstr("Is a directory"));
}

TEST_F(LoadConfig, UnreadableFile) {
    // Permission bits do not stop root; a path through a regular file fails
    // for everyone.
    write("plain", "x");
    auto r = load_config(path("plain") + "/postamt.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_THAT(r.error().message, HasSubstr("Not a directory"));
}

TEST_F(LoadConfig, ErrorsNameTheFile) {
    std::string p = write("bad.toml", "[limits]\nmax_errors = \"x\"\n");
    auto r = load_config(p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid);
    EXPECT_THAT(r.error().message,
                ::testing::StartsWith(p + ":2:14: 'limits.max_errors' must be an integer"));
}

TEST_F(LoadConfig, RelativePathsResolvedAgainstTheFile) {
    std::string p = write("postamt.toml", R"(
[server]
data_dir = "data"
[log]
file = "../logs/postamt.log"
[tls]
cert = "tls/cert.pem"
key = "/abs/key.pem"
[[tls.certificate]]
cert = "./sni/a.pem"
key = "sni/a.key"
)");
    auto r = load_config(p);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->server.data_dir, (dir_ / "data").string());
    EXPECT_EQ(r->log.file, (dir_.parent_path() / "logs/postamt.log").string());
    EXPECT_EQ(r->tls.cert, (dir_ / "tls/cert.pem").string());
    EXPECT_EQ(r->tls.key, "/abs/key.pem");
    EXPECT_EQ(r->tls.certificates.at(0).cert, (dir_ / "sni/a.pem").string());
    EXPECT_EQ(r->tls.certificates.at(0).key, (dir_ / "sni/a.key").string());
}

TEST(ParseConfig, RelativePathsKeptAsWritten) {
    auto r = parse_config("server.data_dir = \"data\"", "x.toml");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->server.data_dir, "data");
}

// ------------------------------------------------------------------ validate_runtime

using ValidateRuntime = TempDir;

TEST_F(ValidateRuntime, CreatesMissingDataDir) {
    std::string d = path("a/b/data");
    auto st = validate_runtime(config_with_data_dir(d));
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(fs::is_directory(d));
    EXPECT_TRUE(fs::is_empty(d)) << "the write probe must be removed";
}

TEST_F(ValidateRuntime, ExistingWritableDataDir) {
    auto st = validate_runtime(config_with_data_dir(dir_.string()));
    EXPECT_TRUE(st.ok());
}

TEST_F(ValidateRuntime, DataDirUnderARegularFileFailsForEveryone) {
    write("file", "x");
    std::string d = path("file/data");
    auto st = validate_runtime(config_with_data_dir(d));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::unavailable);
    EXPECT_THAT(st.error().message, HasSubstr("server.data_dir '" + d + "': "));
    EXPECT_THAT(st.error().message, HasSubstr("Not a directory"));
}

TEST_F(ValidateRuntime, DataDirIsAFile) {
    std::string f = write("file", "x");
    auto st = validate_runtime(config_with_data_dir(f));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "server.data_dir '" + f + "': not a directory");
}

// Runs validate_runtime as an unprivileged user: root (CAP_DAC_OVERRIDE)
// writes regardless of mode bits, so as root the check runs in a child that
// switched to uid/gid 65534 (nobody) first. Returns the error message, or
// "OK".
static std::string validate_as_unprivileged(const Config& c) {
    if (::geteuid() != 0) {
        auto st = validate_runtime(c);
        return st.ok() ? "OK" : st.error().message;
    }
    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(2);
        auto st = validate_runtime(c);
        std::string out = st.ok() ? "OK" : st.error().message;
        if (::write(fds[1], out.data(), out.size()) < 0) _exit(3);
        _exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child failed to drop privileges";
    return out;
}

TEST_F(ValidateRuntime, ReadOnlyDataDir) {
    std::string d = path("ro");
    fs::create_directories(d);
    ::chmod(dir_.c_str(), 0755);  // the unprivileged child must reach d
    ::chmod(d.c_str(), 0555);
    std::string msg = validate_as_unprivileged(config_with_data_dir(d));
    EXPECT_THAT(msg, HasSubstr("server.data_dir '" + d + "': not writable (Permission denied)"));
}

TEST_F(ValidateRuntime, CertAndKeyMustBeReadable) {
    Config c = config_with_data_dir(dir_.string());
    c.tls.cert = path("missing.pem");
    c.tls.key = write("empty.key", "");
    c.tls.certificates.push_back({write("sni.pem", "-----BEGIN"), path("file/x.key")});
    write("file", "x");
    auto st = validate_runtime(c);
    ASSERT_FALSE(st.ok());
    const std::string& m = st.error().message;
    EXPECT_THAT(m, HasSubstr("tls.cert '" + c.tls.cert +
                             "': not readable (No such file or "
                             "directory)"));
    EXPECT_THAT(m, HasSubstr("tls.key '" + c.tls.key + "': the file is empty; expected PEM"));
    EXPECT_THAT(m, HasSubstr("tls.certificate[0].key '" + path("file/x.key") +
                             "': not readable (Not a directory)"));
    EXPECT_THAT(m, ::testing::Not(HasSubstr("tls.certificate[0].cert")));
    EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2);  // three problems, three lines
}

TEST_F(ValidateRuntime, CertDirectoryIsNotReadableAsFile) {
    Config c = config_with_data_dir(dir_.string());
    c.tls.cert = dir_.string();
    c.tls.key = write("k.pem", "k");
    auto st = validate_runtime(c);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().message,
                HasSubstr("tls.cert '" + dir_.string() + "': not readable (Is a directory)"));
}

TEST_F(ValidateRuntime, LogFile) {
    Config c = config_with_data_dir(dir_.string());
    c.log.file = path("postamt.log");
    EXPECT_TRUE(validate_runtime(c).ok());
    EXPECT_FALSE(fs::exists(c.log.file)) << "the check must not leave files behind";
    write("postamt.log", "old line\n");
    EXPECT_TRUE(validate_runtime(c).ok());
    EXPECT_EQ(read_all(c.log.file), "old line\n");

    c.log.file = path("no/such/dir/postamt.log");
    auto st = validate_runtime(c);
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().message,
                HasSubstr("log.file '" + c.log.file + "': directory '" + path("no/such/dir") +
                          "' not writable (No such file or directory)"));
}

// ------------------------------------------------------------------ example and docs

TEST(ConfigExample, LoadsAndEqualsDefaults) {
    std::string p = std::string(POSTAMT_SOURCE_DIR) + "/config/postamt.toml.example";
    auto r = load_config(p);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, Config{}) << "the example must document the defaults exactly";
}

TEST(ConfigExample, MentionsEveryKey) {
    std::string text = read_all(std::string(POSTAMT_SOURCE_DIR) + "/config/postamt.toml.example");
    for (const std::string& path : config_key_paths()) {
        std::string leaf = path.substr(path.rfind('.') + 1);
        EXPECT_THAT(text, HasSubstr(leaf + " = ")) << path;
    }
}

TEST(ConfigDocs, MentionEveryKey) {
    std::string text = read_all(std::string(POSTAMT_SOURCE_DIR) + "/docs/configuration.md");
    ASSERT_FALSE(text.empty());
    for (const std::string& path : config_key_paths()) {
        std::string leaf = path.substr(path.rfind('.') + 1);
        EXPECT_THAT(text, HasSubstr("`" + leaf + "`")) << path;
    }
}
