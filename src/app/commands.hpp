// One function per subcommand; each takes the words after the command name and returns the
// exit status. They throw po::error for usage errors and FatalError for fatal ones;
// run_app() maps those to 64 and to 75 (temporary) or 1.
#pragma once

#include <string>
#include <vector>

namespace autodns {

using Args = std::vector<std::string>;

int cmd_parse(const Args& args);
int cmd_mail(const Args& args);
int cmd_import(const Args& args);
int cmd_dispatch(const Args& args);
int cmd_report(const Args& args);
int cmd_prune(const Args& args);
int cmd_backup(const Args& args);  // SQLite only; PostgreSQL: how to, exit 64
int cmd_serve(const Args& args);   // execs autodns-notify-net (net_commands.hpp)
int cmd_poll(const Args& args);    // likewise

}  // namespace autodns
