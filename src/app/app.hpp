// The command-line application: argv -> subcommand -> exit status.
#pragma once

namespace autodns {

// Runs one command line. Never throws: every error becomes a message on stderr and an exit
// status from core/errors.hpp.
int run_app(int argc, char** argv);

}  // namespace autodns
