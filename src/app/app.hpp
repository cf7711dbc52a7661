// The command-line application: argv -> subcommand -> exit status.
#pragma once

namespace autodns {

// Runs one command line. Never throws: every error becomes a message on stderr and an exit
// status from core/errors.hpp.
int run_app(int argc, char** argv);

// Overwrites, in place, the password of every PostgreSQL URI among the arguments ("--db URI" or
// "--db=URI") with '*', so that ps and /proc/PID/cmdline do not show it. Call after the
// arguments were copied.
void hide_passwords_in_argv(int argc, char** argv);

}  // namespace autodns
