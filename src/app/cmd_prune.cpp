// autodns-notify prune : retention (docs/storage.md, "Retention"). Removes what the policies of
// [retention] (or the command line) allow, never pending or dead-lettered work, never a key:
// a later arrival of a pruned notification is still a duplicate.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "util/numbers.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

struct PolicyKey {
    const char* key;  // option and [retention] key
    int PrunePolicy::*days;
};

const PolicyKey policy_keys[] = {
    {"notification-days", &PrunePolicy::notification_days},
    {"receipt-days", &PrunePolicy::receipt_days},
    {"quarantine-days", &PrunePolicy::quarantine_days},
    {"raw-days", &PrunePolicy::raw_days},
};

// A whole number of days from the command line or the config file; anything else is a usage
// error naming where it came from.
int parse_days(const std::string& text, const std::string& where) {
    // Digits with an optional '-' only: no blanks, no '+'.
    const bool negative = !text.empty() && text[0] == '-';
    const std::string digits = negative ? text.substr(1) : text;
    const util::Expected<long> days =
        util::parse_bounded(text, -999999, 999999, "a number of days");
    if (!util::all_digits(digits) || digits.size() > 6 || !days) {
        throw po::error(where + " '" + text +
                        "': want a whole number of days (0 keeps forever, else at least " +
                        std::to_string(prune_minimum_days) + ")");
    }
    return static_cast<int>(*days);
}

long long file_bytes(const std::string& path) {
    struct stat st {};
    long long total = 0;
    for (const std::string& p : {path, path + "-wal"}) {
        if (::stat(p.c_str(), &st) == 0) total += static_cast<long long>(st.st_size);
    }
    return total;
}

std::string json_text_or_null(const std::string& s) {
    return s.empty() ? "null" : "\"" + s + "\"";  // ISO 8601 times: nothing to escape
}

}  // namespace

int cmd_prune(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own("Prune options");
    own.add_options()("notification-days", po::value<std::string>()->value_name("N"),
                      "remove notifications whose every arrival is more than N days old and "
                      "whose handler work is all done, with their receipts and outbox rows; "
                      "the key stays, so a late copy is still a duplicate (0: keep forever; "
                      "config: [retention] notification-days)")(
        "receipt-days", po::value<std::string>()->value_name("N"),
        "remove receipts (arrival records) more than N days old; their raw fingerprints stay, "
        "so import still skips those inputs (config: [retention] receipt-days)")(
        "quarantine-days", po::value<std::string>()->value_name("N"),
        "remove quarantined inputs more than N days old (fingerprints stay likewise; "
        "config: [retention] quarantine-days)")(
        "raw-days", po::value<std::string>()->value_name("N"),
        "drop the raw payload of notifications first received more than N days ago; the "
        "normalized record stays (config: [retention] raw-days)")(
        "dry-run", "count what would be removed, per policy; change nothing")(
        "json", "print the counts as one JSON object instead of one line per policy")(
        "vacuum",
        "afterwards give the space back: SQLite VACUUM (locks the database while it runs, "
        "needs room for a copy; without it freed pages are reused by new rows), PostgreSQL "
        "VACUUM (ANALYZE) (autovacuum does it anyway)");
    visible.add(own);
    Config config;
    po::variables_map vm = parse_command_line(args, visible, {}, config);
    use_store(config, "prune", args);
    if (vm.count("help")) {
        print_help(
            "autodns-notify prune [OPTIONS]",
            "Retention: removes old data by the policies below (command line, else the\n"
            "[retention] section of the config file; absent or 0 keeps that data forever).\n"
            "Policies run in this order: notifications, receipts, quarantine, raw payloads.\n"
            "Any age must be at least 2 days: AutoDNS falls back to mail 24 h after an\n"
            "unconfirmed poll or push, and that late mail must still be known as a\n"
            "duplicate. Pending and dead-lettered handler work, and the notifications it\n"
            "belongs to, are never removed. Keys and raw fingerprints of what was removed\n"
            "are kept (tombstones), so neither a late mail nor a re-import of an archive is\n"
            "stored as new. Rows go in transactions of at most 10000, so concurrent filters\n"
            "wait only briefly. The report notes when its window starts before what was\n"
            "pruned. docs/storage.md, \"Retention\", says what each policy loses.\n\n"
            "Prints one line per policy with its cutoff and counts (or --json).",
            visible,
            {{exit_ok, "done (also when nothing was due)"},
             {1, "the database is missing or unreadable, or bad configuration"},
             {exit_usage, "usage (a bad or too small age)"},
             {exit_temp_fail, "the database stayed locked (retry)"}});
        return exit_ok;
    }
    const bool dry_run = vm.count("dry-run") > 0;
    const bool json = vm.count("json") > 0;
    const bool vacuum = vm.count("vacuum") > 0;
    if (dry_run && vacuum) throw po::error("--dry-run changes nothing; drop --vacuum");

    PrunePolicy policy;
    for (const PolicyKey& p : policy_keys) {
        std::string where;
        std::string text;
        if (vm.count(p.key)) {
            where = std::string("--") + p.key;
            text = vm[p.key].as<std::string>();
        } else if (const std::string* v = config_value(config, std::string("retention.") + p.key)) {
            where = "config file " + config.config_file + ": [retention] " + p.key;
            text = *v;
        } else {
            continue;
        }
        policy.*p.days = parse_days(text, where);
        PrunePolicy one;
        one.*p.days = policy.*p.days;
        if (const auto valid = check_prune_policy(one); !valid) {
            throw po::error(vm.count(p.key) ? valid.error() : where + ": " + valid.error());
        }
    }

    StoreOptions store_options;
    store_options.location = config.db_path;
    store_options.busy_timeout_ms = config.busy_timeout_ms;
    store_options.file_mode = config.db_mode;
    store_options.read_only = dry_run;
    const std::unique_ptr<Store> store = open_store(store_options);

    const std::int64_t now = util::now_unix();
    const auto started = std::chrono::steady_clock::now();
    const PruneResult r = store->prune(policy, now, dry_run);
    long long bytes_before = -1, bytes_after = -1;
    bool vacuumed = false;
    if (vacuum) {
        const bool sqlite = store->backend() == StoreBackend::sqlite;
        const std::string path = sqlite ? sqlite_path_of(config.db_path) : std::string();
        if (sqlite) bytes_before = file_bytes(path);
        vacuumed = store->reclaim_space();
        if (sqlite) bytes_after = file_bytes(path);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    const std::string verb = dry_run ? "would remove" : "removed";
    const std::string cut_n = prune_cutoff(now, policy.notification_days);
    const std::string cut_r = prune_cutoff(now, policy.receipt_days);
    const std::string cut_q = prune_cutoff(now, policy.quarantine_days);
    const std::string cut_raw = prune_cutoff(now, policy.raw_days);
    if (json) {
        auto n = [](std::int64_t v) { return std::to_string(v); };
        std::string out =
            "{\"dry_run\":" + std::string(dry_run ? "true" : "false") +
            ",\"notifications\":{\"days\":" + n(policy.notification_days) +
            ",\"before\":" + json_text_or_null(cut_n) + ",\"rows\":" + n(r.notifications) +
            ",\"receipts\":" + n(r.notification_receipts) +
            ",\"outbox_rows\":" + n(r.notification_outbox) +
            "},\"receipts\":{\"days\":" + n(policy.receipt_days) +
            ",\"before\":" + json_text_or_null(cut_r) + ",\"rows\":" + n(r.receipts) +
            "},\"quarantine\":{\"days\":" + n(policy.quarantine_days) +
            ",\"before\":" + json_text_or_null(cut_q) + ",\"rows\":" + n(r.quarantined) +
            ",\"bytes\":" + n(r.quarantine_bytes) +
            "},\"raw_payloads\":{\"days\":" + n(policy.raw_days) +
            ",\"before\":" + json_text_or_null(cut_raw) + ",\"rows\":" + n(r.raw_payloads) +
            ",\"bytes\":" + n(r.raw_payload_bytes) + "}";
        if (vacuum) {
            out += ",\"vacuum\":{\"done\":" + std::string(vacuumed ? "true" : "false");
            if (bytes_before >= 0) {
                out += ",\"bytes_before\":" + std::to_string(bytes_before) +
                       ",\"bytes_after\":" + std::to_string(bytes_after);
            }
            out += "}";
        }
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.3f", seconds);
        out += ",\"seconds\":" + std::string(secs) + "}\n";
        std::fputs(out.c_str(), stdout);
        return exit_ok;
    }

    auto head = [&](const char* name, const char* key, int days, const std::string& cutoff) {
        std::printf("prune: %-13s (%s %d", name, key, days);
        if (cutoff.empty()) {
            std::printf("): kept forever\n");
            return false;
        }
        std::printf(", before %s): ", cutoff.c_str());
        return true;
    };
    if (head("notifications", "notification-days", policy.notification_days, cut_n)) {
        std::printf("%s %lld, with %lld receipts and %lld outbox rows\n", verb.c_str(),
                    static_cast<long long>(r.notifications),
                    static_cast<long long>(r.notification_receipts),
                    static_cast<long long>(r.notification_outbox));
    }
    if (head("receipts", "receipt-days", policy.receipt_days, cut_r)) {
        std::printf("%s %lld\n", verb.c_str(), static_cast<long long>(r.receipts));
    }
    if (head("quarantine", "quarantine-days", policy.quarantine_days, cut_q)) {
        std::printf("%s %lld (%lld bytes)\n", verb.c_str(), static_cast<long long>(r.quarantined),
                    static_cast<long long>(r.quarantine_bytes));
    }
    if (head("raw payloads", "raw-days", policy.raw_days, cut_raw)) {
        std::printf("%s %lld (%lld bytes)\n", verb.c_str(), static_cast<long long>(r.raw_payloads),
                    static_cast<long long>(r.raw_payload_bytes));
    }
    if (vacuum) {
        if (bytes_before >= 0) {
            std::printf("prune: vacuum %s: %lld -> %lld bytes\n", vacuumed ? "done" : "incomplete",
                        bytes_before, bytes_after);
        } else {
            std::printf("prune: vacuum %s\n", vacuumed ? "done" : "incomplete");
        }
    }
    std::printf("prune: %.3f seconds%s\n", seconds, dry_run ? " (dry run: nothing changed)" : "");
    return exit_ok;
}

}  // namespace autodns
