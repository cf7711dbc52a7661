"""The mutants: each breaks one promise of README.md or docs/ in a small, plausible way.

Each entry: name; promise (what breaks, and where it is promised); files (fnmatch glob, relative to
the repository, `*` crossing folders, searched for `find`); find (text that must occur exactly once in exactly one of
those files, else the mutant no longer applies and the run fails); replace; tests (ctest -R
regex of the tests meant to catch it); env (added to the tests' environment: PROMISES picks
the sections of tests/integration/test_promises.sh); targets (what to rebuild).
"""

BIN = ["autodns-notify"]  # depends on autodns-notify-net and the http module
UNIT = ["unit_tests"]
PROMISES = r"^integration\.test_promises$"
SHIM = ["fault_shim"]  # tests/tools/fault_shim.c, preloaded by the PostgreSQL tests too

MUTANTS = [
    {
        "name": "store-synchronous-off",
        "promise": "nothing is acknowledged before it is durable (README; docs/storage.md)",
        "files": "src/store/*.cpp",
        "find": '"PRAGMA synchronous = FULL"',
        "replace": '"PRAGMA synchronous = OFF"',
        "tests": r"^durability: |" + PROMISES,
        "env": {"PROMISES": "durable-mail"},
        "targets": BIN + UNIT,
    },
    {
        "name": "store-synchronous-normal",
        "promise": "a commit that is acknowledged is synced (synchronous=FULL, docs/storage.md)",
        "files": "src/store/*.cpp",
        "find": '"PRAGMA synchronous = FULL"',
        "replace": '"PRAGMA synchronous = NORMAL"',
        "tests": r"^durability: |" + PROMISES,
        "env": {"PROMISES": "durable-serve"},
        "targets": BIN + UNIT,
    },
    {
        "name": "mail-not-durable",
        "promise": "mail never exits 0 before the commit is durable (docs/mail-ingest.md)",
        "files": "src/app/cmd_mail.cpp",
        "find": "options.durable_ack = true;",
        "replace": "options.durable_ack = false;",
        "tests": PROMISES,
        "env": {"PROMISES": "durable-mail"},
        "targets": BIN,
    },
    {
        "name": "import-not-durable",
        "promise": "--mark-seen moves a mail only after a durable commit (README, docs/user-guide.md)",
        "files": "src/app/cmd_import.cpp",
        "find": "options.durable_ack = true;",
        "replace": "options.durable_ack = false;",
        "tests": PROMISES,
        "env": {"PROMISES": "durable-import"},
        "targets": BIN,
    },
    {
        "name": "import-mark-before-commit",
        "promise": "--mark-seen moves new/ -> cur/ only after the commit (docs/user-guide.md)",
        "files": "src/ingest/import_engine.cpp",
        "find": """            batch.commit();
        }
        if (settings.mark_seen) {
            for (const Item& item : chunk) {
                if (!item.in_new || !item.read_error.empty()) continue;  // not imported
                if (const auto moved = mark_seen(item.path); !moved) {
                    warn(item.path + ": " + moved.error());
                }
            }
        }""",
        "replace": """            if (settings.mark_seen) {
                for (const Item& item : chunk) {
                    if (!item.in_new || !item.read_error.empty()) continue;
                    if (const auto moved = mark_seen(item.path); !moved) {
                        warn(item.path + ": " + moved.error());
                    }
                }
            }
            batch.commit();
        }""",
        "tests": PROMISES,
        "env": {"PROMISES": "full-import"},
        "targets": BIN,
    },
    {
        "name": "poll-store-error-swallowed",
        "promise": "poll never confirms what it did not store (docs/poll.md)",
        "files": "src/net/poll_client.cpp",
        "find": "const IngestReport report = record_input(*store_, analysis, arrival, got.body);",
        "replace": "IngestReport report;\n            try { report = record_input(*store_, analysis, "
                   "arrival, got.body); } catch (const FatalError&) {}",
        "tests": PROMISES + r"|^integration\.test_postgres_poll$",
        "env": {"PROMISES": "full-poll"},
        "targets": BIN,
    },
    {
        "name": "serve-delivery-inline",
        "promise": "serve's 200 never waits for a handler (docs/handlers.md, docs/push.md)",
        "files": "src/app/cmd_serve.cpp",
        "find": "options.after_commit = [&deliverer](const std::vector<Notification>&) { "
                "deliverer.wake(); };",
        "replace": "options.after_commit = [&delivery](const std::vector<Notification>&) { "
                   "delivery.run_all(); };",
        "tests": PROMISES,
        "env": {"PROMISES": "serve-slow"},
        "targets": BIN,
    },
    {
        "name": "serve-full-answers-200",
        "promise": "a full disk gives HTTP 503, never a 200 for an unstored body (README)",
        "files": "src/net/push_server.cpp",
        "find": "        if (job.unavailable) {\n"
                "            res->result(http::status::service_unavailable);",
        "replace": "        if (job.unavailable) {\n"
                   "            res->result(http::status::ok);",
        "tests": PROMISES,
        "env": {"PROMISES": "full-serve"},
        "targets": BIN,
    },
    {
        "name": "jsonl-partial-line-kept",
        "promise": "jsonl never leaves half a record (docs/handlers.md)",
        "files": "src/handlers/jsonl.cpp",
        "find": 'if (ftruncate(fd, st.st_size) != 0) error += " (and cannot cut the partial line)";',
        "replace": "(void)st;",
        "tests": PROMISES,
        "env": {"PROMISES": "jsonl"},
        "targets": BIN,
    },
    {
        "name": "jsonl-no-fsync",
        "promise": "a jsonl delivery counts as done once the line is on disk (docs/handlers.md)",
        "files": "src/handlers/jsonl.cpp",
        "find": "if (fsync(fd) != 0) {",
        "replace": "if (false) {",
        "tests": PROMISES,
        "env": {"PROMISES": "jsonl"},
        "targets": BIN,
    },
    {
        "name": "mail-config-no-drain",
        "promise": "a broken config still drains stdin before 75 (docs/mail-ingest.md)",
        "files": "src/app/cmd_mail.cpp",
        "find": "        static_cast<void>(util::read_stream(stdin));  // drained, not used\n        log.line(\"config\"",
        "replace": "        log.line(\"config\"",
        "tests": PROMISES,
        "env": {"PROMISES": "mail-config"},
        "targets": BIN,
    },
    {
        "name": "mail-full-exits-0",
        "promise": "a full disk gives exit 75, never 0 (README, docs/user-guide.md)",
        "files": "src/app/cmd_mail.cpp",
        "find": "db_access_note(config.db_path) + why);\n        return log.finish(exit_temp_fail);",
        "replace": "db_access_note(config.db_path) + why);\n        return log.finish(exit_ok);",
        "tests": PROMISES,
        "env": {"PROMISES": "full-mail"},
        "targets": BIN,
    },
    {
        "name": "ingest-quarantine-dropped",
        "promise": "every input ends stored, a duplicate, or quarantined with the reason (README)",
        "files": "src/ingest/*.cpp",
        "find": "    store.quarantine(arrival, raw, report.reason);\n",
        "replace": "",
        "tests": r"^integration\.test_ground_truth$",
        "targets": BIN,
    },
    {
        "name": "xml-time-without-summer-time",
        "promise": "XML times are Europe/Berlin local time, across DST (docs/formats.md)",
        "files": "src/parse/*.hpp",
        "find": '"CET-1CEST,M3.5.0,M10.5.0/3"',
        "replace": '"CET-1"',
        "tests": r"^integration\.test_goldens$",
        "targets": BIN,
    },
    {
        "name": "postgres-commit-asynchronous",
        "promise": "PostgreSQL: nothing is acknowledged before it is durable, synchronous_commit "
                   "on for the session (docs/storage.md)",
        "files": "src/store/postgres/postgres_store.cpp",
        "find": '(options_.durable_ack ? "on" : "off")',
        "replace": '(options_.durable_ack ? "off" : "off")',
        "tests": r"^integration\.test_postgres_(promises|poll_epp)$",
        "targets": BIN + SHIM,
    },
    {
        "name": "postgres-standby-not-temporary",
        "promise": "PostgreSQL: a read-only standby is temporary: 75 / 503, poll does not confirm "
                   "(docs/storage.md, docs/user-guide.md)",
        "files": "src/store/postgres/errors.cpp",
        "find": 'return {"read-only (a standby, or default_transaction_read_only)", true};',
        "replace": 'return {"read-only (a standby, or default_transaction_read_only)", false};',
        "tests": r"^integration\.test_postgres_fault_classes$",
        "targets": BIN + SHIM,
    },
    {
        "name": "postgres-batch-retry-without-savepoint",
        "promise": "PostgreSQL: a deadlock inside an import's chunk costs the one call, retried "
                   "after ROLLBACK TO SAVEPOINT (docs/storage.md)",
        "files": "src/store/postgres/postgres_store.cpp",
        "find": 'batch_tx_->exec("ROLLBACK TO SAVEPOINT ingest");',
        "replace": "",
        "tests": r"^integration\.test_postgres_fault_classes$",
        "targets": BIN + SHIM,
    },
    {
        "name": "postgres-old-schema-not-migrated",
        "promise": "PostgreSQL: an older schema is migrated step by step at the first writing "
                   "open (docs/storage.md)",
        "files": "src/store/postgres/postgres_store.cpp",
        "find": "for (int step = version; step < sql::latest_version; ++step) {",
        "replace": "for (int step = version == 0 ? 0 : sql::latest_version - 1; "
                   "step < sql::latest_version; ++step) {",
        "tests": r"^integration\.test_postgres_migrate$",
        "targets": BIN,
    },
]
