// The command-line application: argv -> subcommand -> exit status.
#pragma once

#include <functional>

namespace autodns {

// Runs `command`, the command called `name`, and turns what it throws into a message on stderr
// ("autodns-notify NAME: ...") and an exit status: a usage error (an option the command does
// not know or a bad value) is exit_usage, a FatalError is exit_temp_fail when temporary and 1
// otherwise. Other exceptions pass through. The one mapping for both executables.
int run_command(const char* name, const std::function<int()>& command);

// Runs one command line. Never throws: every error becomes a message on stderr and an exit
// status from core/errors.hpp.
int run_app(int argc, char** argv);

// Overwrites, in place, the password of every PostgreSQL URI among the arguments ("--db URI" or
// "--db=URI") with '*', so that ps and /proc/PID/cmdline do not show it. Call after the
// arguments were copied.
void hide_passwords_in_argv(int argc, char** argv);

}  // namespace autodns
