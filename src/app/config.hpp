// Command-line and configuration-file options shared by every command.
//
// Precedence: command line, then the INI file (--config, $AUTODNS_NOTIFY_CONFIG, or
// /etc/autodns-notify/config.ini when it exists), then built-in defaults. Sections other than
// the ones known here ([handler.NAME], [serve], [poll]) are kept verbatim in `sections` for the
// rooms that own them.
#pragma once

#include <boost/program_options.hpp>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "ingest/pipeline.hpp"
#include "mail/extract.hpp"
#include "parse/parse.hpp"

namespace autodns {

namespace po = boost::program_options;

struct Config {
    std::string config_file;  // the file read, empty when none
    std::string db_path;
    int busy_timeout_ms = 10000;
    unsigned db_mode = 0600;  // mode of a database file this process creates (--db-mode)
    int verbosity = 0;
    MailPolicy mail_policy;
    MimeLimits mime_limits;
    ParseLimits parse_limits;
    std::size_t max_input_bytes = 64u * 1024 * 1024;
    // Unknown "section.key" entries of the INI file, in file order per key.
    std::map<std::string, std::vector<std::string>> sections;
};

// The default database: $AUTODNS_NOTIFY_DB, else $XDG_STATE_HOME/autodns-notify/notify.sqlite,
// else ~/.local/state/autodns-notify/notify.sqlite.
std::string default_db_path();

// Every key of the config file as "section.key" ("key" before any section,
// "handler.NAME.key" for handler sections): what `autodns-notify --config-keys` prints.
std::vector<std::string> known_config_keys();

// Counts the verbosity words of `args` (-v, -vv, --verbose, --verbose=N, before a "--") and
// copies every other word to `rest`. Throws po::error for a bad --verbose=N.
int count_verbosity(const std::vector<std::string>& args, std::vector<std::string>& rest);

// Options every command takes: --db, --db-mode, --config, --busy-timeout, -v, --help.
po::options_description common_options();

// Options of the mail pipeline: sender policy, mail and payload limits (mail, import, parse).
po::options_description mail_options();

// Parses `args` (the words after the command name) against `visible` (+ `positional`),
// reads the config file, fills `config`. Throws po::error for usage errors and FatalError
// for an unreadable config file.
po::variables_map parse_command_line(const std::vector<std::string>& args,
                                     const po::options_description& visible,
                                     const po::positional_options_description& positional,
                                     Config& config);

// For the commands that open the store, right after parse_command_line(): throws po::error
// (exit status 64) when config.db_path is no location the store accepts
// (check_store_location()), and when its backend lives in the helper executable
// autodns-notify-net (PostgreSQL: the mail filter never loads libpq) replaces this process
// with `autodns-notify-net COMMAND ARGS...`. Throws FatalError(temporary) when that helper
// cannot be run.
void use_store(const Config& config, const char* command, const std::vector<std::string>& args);

// The last value of "section.key" in the config file, or nullptr.
const std::string* config_value(const Config& config, const std::string& key);

// The string option `option` from the command line, else "section.option" from the config
// file, else `fallback`.
std::string option_or_config(const po::variables_map& vm, const Config& config,
                             const std::string& section, const char* option,
                             const std::string& fallback);

// Why this process may not write the database at `db_path`: " (user NAME, groups A B; PATH
// is owner:group MODE)" for the first of the directory, the file, its -wal and -shm that it
// cannot write (or, for a missing directory, the nearest existing one); empty when it can
// write them all. Appended to the message of a failed open.
std::string db_access_note(const std::string& db_path);

// One exit status and what it means.
struct ExitStatusHelp {
    int status;
    const char* meaning;
};

// Every exit status a command can give, for the top-level --help; the man page's EXIT STATUS
// section and the user guide list the same (tests/integration/test_docs_complete.sh compares
// them).
const std::vector<ExitStatusHelp>& program_exit_statuses();

// Prints "usage: autodns-notify COMMAND ...", the description, the options and the command's
// own exit statuses; used by every --help. Each status must be one of program_exit_statuses()
// (std::logic_error otherwise: the command's help and the program's list disagree).
void print_help(const char* usage, const char* description, const po::options_description& d,
                std::initializer_list<ExitStatusHelp> statuses);

}  // namespace autodns
