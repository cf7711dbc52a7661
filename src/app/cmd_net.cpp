// autodns-notify serve|poll: hand over to the helper executable that links the HTTP and TLS
// libraries (net_commands.hpp). exec() keeps the process id, so signals, systemd and exit
// statuses behave as if the command ran here.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "util/log.hpp"

#ifndef AUTODNS_NET_HELPER_DIR
#define AUTODNS_NET_HELPER_DIR "/usr/local/libexec/autodns-notify"
#endif

namespace autodns {
namespace {

constexpr const char* kHelper = "autodns-notify-net";

bool executable(const std::string& path) {
    return access(path.c_str(), X_OK) == 0;
}

std::string own_directory() {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    std::string path(buf, static_cast<std::size_t>(n));
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

std::string find_net_helper() {
    if (const char* env = std::getenv("AUTODNS_NOTIFY_NET"); env && *env) return env;
    const std::string dir = own_directory();
    if (!dir.empty()) {
        for (const std::string& p :
             {dir + "/" + kHelper, dir + "/../libexec/autodns-notify/" + std::string(kHelper)}) {
            if (executable(p)) return p;
        }
    }
    const std::string installed = std::string(AUTODNS_NET_HELPER_DIR) + "/" + kHelper;
    return executable(installed) ? installed : std::string();
}

int exec_net_helper(const char* command, const Args& args) {
    const std::string helper = find_net_helper();
    if (helper.empty()) {
        util::log_linef(command,
                        "the helper %s was not found beside this program nor in "
                        "%s (set AUTODNS_NOTIFY_NET to its path)",
                        kHelper, AUTODNS_NET_HELPER_DIR);
        return exit_software;
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kHelper));
    argv.push_back(const_cast<char*>(command));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::fflush(nullptr);
    execv(helper.c_str(), argv.data());
    util::log_linef(command, "cannot run %s: %s", helper.c_str(), std::strerror(errno));
    return exit_software;
}

int cmd_serve(const Args& args) {
    return exec_net_helper("serve", args);
}
int cmd_poll(const Args& args) {
    return exec_net_helper("poll", args);
}

}  // namespace autodns
