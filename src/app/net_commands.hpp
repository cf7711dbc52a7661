// The commands that speak HTTP (serve, poll) run in a helper executable, autodns-notify-net,
// that links cpp-httplib and OpenSSL; `autodns-notify serve|poll` execs it (cmd_net.cpp).
// The mail filter thereby never loads the TLS libraries (docs/dependencies.md).
#pragma once

#include <string>

#include "app/commands.hpp"

namespace autodns {

// The implementations, linked into autodns-notify-net only. Same contract as the cmd_*
// functions (commands.hpp).
int run_serve(const Args& args);
int run_poll(const Args& args);

// Path of the helper executable: $AUTODNS_NOTIFY_NET when set, else autodns-notify-net beside
// the running executable, else in the libexec directory chosen at build time. Empty when none
// exists.
std::string find_net_helper();

// Replaces the process with `autodns-notify-net COMMAND ARGS...`; returns only on failure
// (after printing why), with exit status 70.
int exec_net_helper(const char* command, const Args& args);

}  // namespace autodns
