// autodns-notify backup : an online, verified copy of the SQLite store (docs/storage.md,
// "Backup"). Never writes the database; with a PostgreSQL store it says how to back that up.
#include <cstdio>
#include <optional>
#include <string>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "store/store.hpp"
#include "util/json.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"

namespace autodns {
namespace {

// Why this command does not copy a PostgreSQL database, and what to run instead.
void print_postgres_advice(const std::string& location) {
    const std::string uri = redacted_location(location);
    // Several lines, written at once as one message.
    util::log_linef("backup",
                    "the database %s is PostgreSQL; this command copies\n"
                    "SQLite databases only. Back up PostgreSQL with its own tools:\n"
                    "  pg_dump -Fc -f notify-$(date -u +%%Y%%m%%dT%%H%%M%%SZ).dump '%s'\n"
                    "    (a consistent snapshot while the writers go on; restore into an empty\n"
                    "    database with: pg_restore --no-owner -d 'postgresql://.../NEWDB' FILE)\n"
                    "  or pg_basebackup and WAL archiving for point-in-time recovery of the whole\n"
                    "  cluster. docs/storage.md, \"Backup\", has the details.",
                    uri.c_str(), uri.c_str());
}

}  // namespace

int cmd_backup(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own("Backup options");
    own.add_options()("force", "replace DEST when it exists (default: refuse)")(
        "json", "print the result as one JSON object instead of a line of text");
    visible.add(own);
    po::options_description all;
    all.add(visible);
    all.add_options()("dest", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("dest", -1);
    Config config;
    po::variables_map vm = parse_command_line(args, all, positional, config);
    if (vm.count("help")) {
        print_help("autodns-notify backup [OPTIONS] DEST",
                   "Copies the SQLite database to DEST while mail, serve, import and the other\n"
                   "commands keep writing: one consistent snapshot, taken with SQLite's online\n"
                   "backup API, written to DEST.tmp-XXXXXX beside DEST, synced, reopened read-\n"
                   "only and checked (quick_check, schema version, the row counts of the\n"
                   "snapshot), then renamed to DEST. The copy is one self-contained file with\n"
                   "the mode of the database file. DEST an existing directory: the copy is\n"
                   "DIR/notify-YYYYmmddTHHMMSSZ.sqlite (UTC). An existing DEST is replaced only\n"
                   "with --force. Prints what the copy holds; a progress line (pages) on stderr\n"
                   "when stderr is a terminal. To restore, stop the writers and copy the file\n"
                   "back as the database (docs/storage.md, \"Backup\").\n\n"
                   "A PostgreSQL database (--db postgresql://...) is not copied: the command\n"
                   "prints how to back it up with pg_dump and exits 64.",
                   visible,
                   {{exit_ok, "copied and verified"},
                    {1,
                     "the database is missing or not one, DEST exists, DEST's directory is not "
                     "writable, or the copy failed its check"},
                    {exit_usage, "usage, or the database is PostgreSQL (use pg_dump)"},
                    {exit_temp_fail, "the database stayed locked, or the disk is full (retry)"}});
        return exit_ok;
    }
    if (const auto usable = check_store_location(config.db_path); !usable) {
        throw po::error("database " + redacted_location(config.db_path) + ": " + usable.error());
    }
    if (store_backend_of(config.db_path) == StoreBackend::postgres) {
        print_postgres_advice(config.db_path);
        return exit_usage;
    }
    const std::vector<std::string> dests =
        vm.count("dest") ? vm["dest"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (dests.size() != 1) {
        throw po::error(dests.empty() ? "missing DEST (a file or a directory for the copy)"
                                      : "one DEST only");
    }
    if (dests[0].empty()) throw po::error("empty DEST");

    BackupRequest request;
    request.location = config.db_path;
    request.destination = dests[0];
    request.force = vm.count("force") > 0;
    request.busy_timeout_ms = config.busy_timeout_ms;
    std::optional<util::Progress> progress;
    const bool terminal = util::Progress::stderr_is_terminal();
    if (terminal) {
        request.progress = [&](std::uint64_t done, std::uint64_t total) {
            if (!progress) progress.emplace("backup", "pages", total, true);
            progress->update(done);
        };
    }
    const BackupResult r = backup_sqlite_store(request);
    if (progress) progress->finish();

    const StoreCounts& c = r.counts;
    if (vm.count("json")) {
        // One line, in the order of the text form.
        const auto n = [](auto v) { return std::to_string(v); };
        std::string out = "{\"path\":" + util::json_string(r.path, util::JsonEscape::text);
        out += ",\"database\":" + util::json_string(config.db_path, util::JsonEscape::text);
        out += ",\"schema_version\":" + n(r.schema_version);
        out += ",\"snapshot_at\":" + util::json_string(r.snapshot_at, util::JsonEscape::text);
        out += ",\"notifications\":" + n(c.notifications) + ",\"receipts\":" + n(c.receipts) +
               ",\"quarantined\":" + n(c.quarantined);
        out += ",\"outbox\":{\"pending\":" + n(c.outbox_pending) + ",\"done\":" + n(c.outbox_done) +
               ",\"dead\":" + n(c.outbox_dead) + "}";
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.6f", r.seconds);
        out += ",\"pages\":" + n(r.pages) + ",\"bytes\":" + n(r.bytes) + ",\"seconds\":" + seconds +
               "}";
        std::printf("%s\n", out.c_str());
    } else {
        std::printf(
            "backup: %s: schema %d, %lld notifications, %lld receipts, %lld quarantined, outbox "
            "%lld pending/%lld done/%lld dead, %llu bytes, %.2f s\n",
            r.path.c_str(), r.schema_version, static_cast<long long>(c.notifications),
            static_cast<long long>(c.receipts), static_cast<long long>(c.quarantined),
            static_cast<long long>(c.outbox_pending), static_cast<long long>(c.outbox_done),
            static_cast<long long>(c.outbox_dead), static_cast<unsigned long long>(r.bytes),
            r.seconds);
    }
    if (std::fflush(stdout) != 0) throw FatalError("cannot write standard output");
    return exit_ok;
}

}  // namespace autodns
