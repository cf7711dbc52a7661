// spawn_each: per-message cost of a one-process-per-mail filter, as an MDA sees it.
// Runs COMMAND once per file in a Maildir (stdin = the file), timing each run from spawn to
// exit. Prints count, failures, median, p90 and mean in milliseconds as JSON.
//   spawn_each [--offset K] [--limit N] MAILDIR -- COMMAND [ARGS...]
// (--offset K: skip the first K files, in name order)
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
    std::size_t limit = 1000, offset = 0;
    int i = 1;
    if (i + 1 < argc && std::strcmp(argv[i], "--offset") == 0) {
        offset = std::strtoul(argv[i + 1], nullptr, 10);
        i += 2;
    }
    if (i + 1 < argc && std::strcmp(argv[i], "--limit") == 0) {
        limit = std::strtoul(argv[i + 1], nullptr, 10);
        i += 2;
    }
    if (i + 2 >= argc || std::strcmp(argv[i + 1], "--") != 0) {
        std::fprintf(stderr,
                     "usage: spawn_each [--offset K] [--limit N] MAILDIR -- COMMAND [ARGS...]\n");
        return 64;
    }
    const std::string maildir = argv[i];
    char** command = argv + i + 2;
    std::vector<std::string> files;
    for (const char* sub : {"/cur", "/new"}) {
        const std::string dir = maildir + sub;
        DIR* d = opendir(dir.c_str());
        if (!d) continue;
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
        }
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    files.erase(files.begin(), files.begin() + static_cast<long>(std::min(offset, files.size())));
    if (files.size() > limit) files.resize(limit);
    std::vector<double> ms;
    int failures = 0;
    for (const std::string& file : files) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, file.c_str(), O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        const auto start = std::chrono::steady_clock::now();
        pid_t pid;
        if (posix_spawnp(&pid, command[0], &actions, nullptr, command, environ) != 0) {
            std::perror("posix_spawnp");
            return 1;
        }
        int status = 0;
        waitpid(pid, &status, 0);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
        posix_spawn_file_actions_destroy(&actions);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    }
    if (ms.empty()) return 1;
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
    std::printf(
        "{\"runs\": %zu, \"failures\": %d, \"median_ms\": %.3f, \"p90_ms\": %.3f, "
        "\"mean_ms\": %.3f}\n",
        ms.size(), failures, sorted[sorted.size() / 2], sorted[sorted.size() * 9 / 10], mean);
    return 0;
}
