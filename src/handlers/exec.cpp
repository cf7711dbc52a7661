// exec handler: runs a command (argv words, never a shell) with the record as JSON on stdin
// and its main fields in AUTODNS_* environment variables. Exit status 0 is delivered.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "handlers/handler.hpp"
#include "util/io.hpp"
#include "util/words.hpp"

extern char** environ;

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t output_keep = 2048;  // bytes of the command's output kept for last_error

std::vector<std::pair<std::string, std::string>> record_environment(const Delivery& d,
                                                                    const HandlerSpec& spec) {
    const Notification& n = d.record;
    return {
        {"AUTODNS_KEY", d.key},
        {"AUTODNS_ID", n.id ? std::to_string(*n.id) : ""},
        {"AUTODNS_KIND", n.kind},
        {"AUTODNS_TYPE", n.type.value_or("")},
        {"AUTODNS_STATUS", n.status.type.value_or("")},
        {"AUTODNS_STATUS_CODE", n.status.code.value_or("")},
        {"AUTODNS_OBJECT_TYPE", n.object.type.value_or("")},
        {"AUTODNS_OBJECT", n.object.value.value_or("")},
        {"AUTODNS_CREATED", n.created.value_or("")},
        {"AUTODNS_HANDLER", spec.name},
        {"AUTODNS_ATTEMPT", std::to_string(d.attempt)},
    };
}

// Our environment with the AUTODNS_* variables above replacing any inherited ones.
std::vector<std::string> child_environment(const Delivery& d, const HandlerSpec& spec) {
    const auto vars = record_environment(d, spec);
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const auto& v : vars) replaced = replaced || v.first == name;
        if (!replaced) env.push_back(entry);
    }
    for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
    return env;
}

void keep_tail(std::string& kept, const char* data, std::size_t size) {
    kept.append(data, size);
    if (kept.size() > 2 * output_keep) kept.erase(0, kept.size() - output_keep);
}

std::string tail(const std::string& kept) {
    return kept.size() > output_keep ? kept.substr(kept.size() - output_keep) : kept;
}

std::string signal_text(int sig) {
    const char* name = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (name ? std::string(" (SIG") + name + ")" : "");
}

class ExecHandler : public Handler {
  public:
    explicit ExecHandler(HandlerSpec spec) : spec_(std::move(spec)) {}

    DeliveryResult deliver(const Delivery& delivery, Clock::time_point deadline) override {
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0) return fail_errno("pipe");
        if (pipe2(out, O_CLOEXEC) != 0) {
            close(in[0]);
            close(in[1]);
            return fail_errno("pipe");
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, out[1], 2);
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t defaults, empty;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        sigemptyset(&empty);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setsigmask(&attr, &empty);
        posix_spawnattr_setpgroup(&attr, 0);  // own process group, killed as a whole
        posix_spawnattr_setflags(
            &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

        std::vector<char*> argv;
        for (const std::string& w : spec_.argv) argv.push_back(const_cast<char*>(w.c_str()));
        argv.push_back(nullptr);
        std::vector<std::string> env = child_environment(delivery, spec_);
        std::vector<char*> envp;
        envp.reserve(env.size() + 1);
        for (std::string& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);

        pid_t pid = 0;
        const int spawn_error =
            posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        close(in[0]);
        close(out[1]);
        if (spawn_error != 0) {
            close(in[1]);
            close(out[0]);
            return util::Failure{"cannot run " + util::join_words(spec_.argv) + ": " +
                                 util::errno_text(spawn_error)};
        }
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        fcntl(out[0], F_SETFL, O_NONBLOCK);

        const auto started = Clock::now();
        const std::string input = delivery.record_json + "\n";
        std::size_t written = 0;
        int in_fd = in[1], out_fd = out[0];
        std::string output;
        int status = 0;
        bool exited = false, timed_out = false;
        while (!exited) {
            const pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                break;
            }
            const auto now = Clock::now();
            if (now >= deadline) {
                timed_out = true;
                break;
            }
            pollfd fds[2];
            nfds_t count = 0;
            if (in_fd >= 0) fds[count++] = {in_fd, POLLOUT, 0};
            if (out_fd >= 0) fds[count++] = {out_fd, POLLIN, 0};
            // With the output open, wake up for it (and to reap); once it is closed the command
            // is about to exit, or runs on with its output elsewhere: nap briefly between reaps.
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
            const int wait_ms =
                static_cast<int>(std::min<long long>(left + 1, out_fd >= 0 ? 100 : 5));
            if (count == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
                continue;
            }
            if (poll(fds, count, wait_ms) < 0 && errno != EINTR) break;
            for (nfds_t i = 0; i < count; ++i) {
                if (fds[i].revents == 0) continue;
                if (fds[i].fd == in_fd) {
                    const ssize_t n = write(in_fd, input.data() + written, input.size() - written);
                    if (n > 0) written += static_cast<std::size_t>(n);
                    if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
                        close(in_fd);  // all sent, or the command closed its stdin (EPIPE)
                        in_fd = -1;
                    }
                } else {
                    char buffer[4096];
                    const ssize_t n = read(out_fd, buffer, sizeof buffer);
                    if (n > 0) {
                        keep_tail(output, buffer, static_cast<std::size_t>(n));
                    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        close(out_fd);
                        out_fd = -1;
                    }
                }
            }
        }
        if (timed_out) {
            kill(-pid, SIGTERM);
            const auto grace = Clock::now() + std::chrono::seconds(1);
            while (waitpid(pid, &status, WNOHANG) == 0 && Clock::now() < grace) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            kill(-pid, SIGKILL);  // the whole group: whatever the command started goes too
            waitpid(pid, &status, 0);
        }
        if (out_fd >= 0) {  // what is left in the pipe, without waiting for its writers
            char buffer[4096];
            ssize_t n;
            while ((n = read(out_fd, buffer, sizeof buffer)) > 0) {
                keep_tail(output, buffer, static_cast<std::size_t>(n));
            }
            close(out_fd);
        }
        if (in_fd >= 0) close(in_fd);

        const std::string said = tail(output);
        std::string error;
        if (timed_out) {
            const auto ran =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)
                    .count();
            char text[96];
            std::snprintf(text, sizeof text,
                          "timed out after %.1f s (timeout %d s); process group killed",
                          static_cast<double>(ran) / 1000.0, spec_.timeout_seconds);
            error = text;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            return {};
        } else if (WIFEXITED(status)) {
            error = "exit status " + std::to_string(WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
            error = signal_text(WTERMSIG(status));
        } else {
            error = "ended abnormally";
        }
        if (!said.empty()) error += ": " + said;
        return util::Failure{error};
    }

  private:
    static DeliveryResult fail_errno(const char* what) {
        return util::Failure{std::string(what) + ": " + util::errno_text(errno)};
    }

    HandlerSpec spec_;
};

}  // namespace

std::unique_ptr<Handler> make_exec_handler(const HandlerSpec& spec) {
    return std::make_unique<ExecHandler>(spec);
}

}  // namespace autodns
