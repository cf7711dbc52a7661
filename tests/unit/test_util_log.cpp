#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "util/log.hpp"

using namespace autodns::util;

namespace {

// Runs `body` in a child whose stderr is a pipe, and returns what the child wrote there.
template <typename Body>
std::string stderr_of(Body body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        body();
        std::fflush(stderr);
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    return out;
}

}  // namespace

TEST_CASE("log: one format for every command, with or without a command name", "[log]") {
    CHECK(log_text("mail", "stdin:<a@b>: stored id:1") ==
          "autodns-notify mail: stdin:<a@b>: stored id:1");
    CHECK(log_text("", "unknown command 'x'") == "autodns-notify: unknown command 'x'");
    CHECK(stderr_of([] { log_line("dispatch", "3 delivered"); }) ==
          "autodns-notify dispatch: 3 delivered\n");
    CHECK(stderr_of([] {
              log_linef("parse", "%s: %zu notification(s)", "a.eml", std::size_t{2});
          }) == "autodns-notify parse: a.eml: 2 notification(s)\n");
    CHECK(stderr_of([] { write_log_line(log_text("serve", "stopped")); }) ==
          "autodns-notify serve: stopped\n");
    // A long text is not cut.
    const std::string long_text(10000, 'x');
    CHECK(stderr_of([&] { log_linef("import", "%s", long_text.c_str()); }) ==
          "autodns-notify import: " + long_text + "\n");
}

TEST_CASE("log: lines of concurrent processes never interleave", "[log]") {
    // Eight writers at once into one pipe, 200 lines each: every line arrives whole.
    const std::string out = stderr_of([] {
        pid_t children[8];
        for (int c = 0; c < 8; ++c) {
            children[c] = ::fork();
            if (children[c] == 0) {
                const std::string text(300, static_cast<char>('a' + c));
                for (int i = 0; i < 200; ++i) log_line("mail", text);
                ::_exit(0);
            }
        }
        for (pid_t child : children) ::waitpid(child, nullptr, 0);
    });
    std::size_t lines = 0, start = 0;
    for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = out.substr(start, end - start);
        const std::string prefix = "autodns-notify mail: ";
        REQUIRE(line.size() == prefix.size() + 300);
        REQUIRE(line.compare(0, prefix.size(), prefix) == 0);
        CHECK(line.find_first_not_of(line[prefix.size()], prefix.size()) == std::string::npos);
        ++lines;
    }
    CHECK(lines == 8 * 200);
    CHECK(start == out.size());
}
