#!/usr/bin/env bash
# bench/run.sh — the importer and filter benchmark, side by side with the Python-stdlib peer
# (../shared/bench/baseline.py) on the same generated Maildirs, in one run.
#
#   bench/run.sh [COUNTS...]        default: 20000 100000
# Environment: BUILD_DIR (default build), WORK (default /tmp/autodns-bench), SHARED (default
# ../shared relative to the repository), FILTER_RUNS (default 1000), PEER_FILTER_RUNS (200),
# PG (default 1: also import the first Maildir into, and run PG_FILTER_RUNS (default 200) mail
# filters against, a throwaway local PostgreSQL server over its Unix socket).
# IMPORT=0 to measure only the one-process-per-mail filter (on the first Maildir), and
# FILTER_VARIANTS="NAME=PROGRAM ..." to time other builds of the program in the same rounds as
# this one (each `PROGRAM mail` beside `autodns-notify mail`, e.g. a build with a start-up
# change, for a side-by-side figure; docs/performance.md).
# Prints one JSON object per measurement and a Markdown table at the end (for
# docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/autodns-bench}
shared=${SHARED:-$root/../shared}
counts=("$@")
((${#counts[@]})) || counts=(20000 100000)
filter_runs=${FILTER_RUNS:-1000}
peer_filter_runs=${PEER_FILTER_RUNS:-200}
# The peer runs under the system interpreter: a version-manager shim on PATH (pyenv) adds
# about a second to every start, which would make the one-process-per-mail figures absurd.
py=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

cmake --build "$build" --target autodns-notify bench_read_files bench_spawn_each bench_durable_insert -j "$(nproc)" >/dev/null
bin=$root/$build/autodns-notify
mkdir -p "$work"
results=$work/results.jsonl
: >"$results"
record() { echo "$1" | tee -a "$results"; }

query="SELECT id, kind, COALESCE(json_extract(record,'\$.job_type'), type), status_code, object_value FROM notifications WHERE id IS NOT NULL"

for n in "${counts[@]}"; do
  md=$work/md-$n
  if [ ! -f "$md.manifest.json" ]; then
    python3 "$shared/bench/gen_maildir.py" --count "$n" --seed 1 --out "$md" --force >/dev/null
  fi
  sync
  [ "${IMPORT:-1}" = 0 ] && continue
  # Warm the page cache once, then take the floor: open/read/close every file.
  "$build/bench_read_files" "$md" >/dev/null
  read_json=$("$build/bench_read_files" "$md")
  record "{\"what\": \"read_files\", \"mails\": $n, \"result\": $read_json}"

  rm -f "$work/ours-$n.sqlite"*
  # The WAL's largest size during the import (sampled every 50 ms): the import lets it grow to
  # about 64 MiB before a checkpoint, and leaves it empty.
  wal=$work/ours-$n.sqlite-wal
  rm -f "$work/wal-stop"
  "$py" -c '
import os, sys, time
wal, stop, out = sys.argv[1:4]
largest = 0
while not os.path.exists(stop):
    try:
        largest = max(largest, os.stat(wal).st_size)
    except OSError:
        pass
    time.sleep(0.05)
open(out, "w").write(str(largest))
' "$wal" "$work/wal-stop" "$work/wal-max" &
  sampler=$!
  out=$(python3 bench/measure.py "$bin" import --db "$work/ours-$n.sqlite" --json --no-progress "$md")
  touch "$work/wal-stop"; wait "$sampler"; rm -f "$work/wal-stop"
  record "{\"what\": \"import\", \"mails\": $n, \"measure\": $(echo "$out" | sed -n 1p), \"summary\": $(echo "$out" | sed -n 2p), \"wal_max_bytes\": $(cat "$work/wal-max"), \"wal_end_bytes\": $(stat -c %s "$wal")}"
  verified=0
  verify=$(python3 "$shared/bench/verify_db.py" --truth "$md.truth.jsonl" --db "$work/ours-$n.sqlite" --query "$query") || verified=$?
  record "{\"what\": \"verify\", \"mails\": $n, \"result\": \"$verify\"}"
  # Figures of an import that stored the wrong thing are worthless: stop here.
  [ "$verified" = 0 ] || { echo "bench: the import of $n mails fails verify_db.py" >&2; exit 1; }

  # The database's share, as a floor: the sqlite3 shell copies the rows the import stored into a
  # fresh database with the same schema (WAL, synchronous=FULL), one INSERT ... SELECT per table
  # in one transaction. No mail is read or parsed; it only writes the same rows and indexes.
  rm -f "$work/copy-$n.sqlite"*
  sqlite3 "$work/ours-$n.sqlite" .schema >"$work/schema.sql"
  t0=$(date +%s.%N)
  sqlite3 "$work/copy-$n.sqlite" "PRAGMA journal_mode = WAL;" "PRAGMA synchronous = FULL;" \
    ".read $work/schema.sql" "ATTACH '$work/ours-$n.sqlite' AS src;" "BEGIN;" \
    "INSERT INTO notifications SELECT * FROM src.notifications;" \
    "INSERT INTO receipts SELECT * FROM src.receipts;" \
    "INSERT INTO quarantine SELECT * FROM src.quarantine;" "COMMIT;" >/dev/null
  t1=$(date +%s.%N)
  record "{\"what\": \"db_copy_floor\", \"mails\": $n, \"seconds\": $(awk "BEGIN { print $t1 - $t0 }")}"

  out=$(python3 bench/measure.py "$bin" import --db "$work/ours-$n.sqlite" --json --no-progress "$md")
  record "{\"what\": \"import_again\", \"mails\": $n, \"measure\": $(echo "$out" | sed -n 1p), \"summary\": $(echo "$out" | sed -n 2p)}"

  rm -f "$work/peer-$n.sqlite"*
  out=$(python3 bench/measure.py "$py" "$shared/bench/baseline.py" --maildir "$md" --db "$work/peer-$n.sqlite" --json)
  record "{\"what\": \"peer_import\", \"mails\": $n, \"measure\": $(echo "$out" | sed -n 1p), \"summary\": $(echo "$out" | sed -n 2p)}"
done

# One process per mail, as an MDA runs the filter: the first mails of the first Maildir, in
# rounds that alternate with the two floors of that figure on this machine (spawning a trivial
# program, and bench_durable_insert: a minimal C program that does nothing but one durable
# insert into a kept-WAL database), so that all three see the same machine. The summary takes
# the median of the rounds' medians.
md=$work/md-${counts[0]}
rm -f "$work/filter.sqlite"* "$work/filter-"*.sqlite* "$work/floor.sqlite"*
rounds=5
per_round=$((filter_runs / rounds))
for ((r = 0; r < rounds; r++)); do
  ours=$("$build/bench_spawn_each" --offset $((r * per_round)) --limit "$per_round" "$md" -- "$bin" mail --db "$work/filter.sqlite")
  record "{\"what\": \"mail_filter\", \"round\": $r, \"result\": $ours}"
  for variant in ${FILTER_VARIANTS:-}; do
    name=${variant%%=*}
    out=$("$build/bench_spawn_each" --offset $((r * per_round)) --limit "$per_round" "$md" -- "${variant#*=}" mail --db "$work/filter-$name.sqlite")
    record "{\"what\": \"mail_filter:$name\", \"round\": $r, \"result\": $out}"
  done
  floor=$("$build/bench_spawn_each" --offset $((r * per_round)) --limit "$per_round" "$md" -- /bin/true)
  record "{\"what\": \"spawn_floor\", \"round\": $r, \"result\": $floor}"
  floor=$("$build/bench_spawn_each" --offset $((r * per_round)) --limit "$per_round" "$md" -- "$root/$build/bench_durable_insert" "$work/floor.sqlite")
  record "{\"what\": \"durable_insert_floor\", \"round\": $r, \"result\": $floor}"
done
rm -f "$work/peer-filter.sqlite"*
peer=$("$build/bench_spawn_each" --limit "$peer_filter_runs" "$md" -- "$py" "$shared/bench/baseline.py" --stdin --db "$work/peer-filter.sqlite")
record "{\"what\": \"peer_mail_filter\", \"result\": $peer}"

# PostgreSQL column: the same import and filter against a local server (Unix socket), in the
# same run. The cluster comes from tests/integration/pg_lib.sh and is removed at the end.
if [ "${PG:-1}" = 1 ]; then
  T=$work/pg-tmp
  rm -rf "$T"
  mkdir -p "$T"
  source "$root/tests/integration/pg_lib.sh"
  pg_start
  n=${counts[0]}
  out=$(python3 bench/measure.py "$bin" import --db "$PG_URI" --json --no-progress "$work/md-$n")
  record "{\"what\": \"pg_import\", \"mails\": $n, \"measure\": $(echo "$out" | sed -n 1p), \"summary\": $(echo "$out" | sed -n 2p)}"
  pg_sql "TRUNCATE notifications, receipts, quarantine, outbox" >/dev/null
  pg_runs=${PG_FILTER_RUNS:-200}
  for ((r = 0; r < rounds; r++)); do
    ours=$("$build/bench_spawn_each" --offset $((r * pg_runs / rounds)) --limit $((pg_runs / rounds)) "$work/md-$n" -- "$bin" mail --db "$PG_URI")
    record "{\"what\": \"pg_mail_filter\", \"round\": $r, \"result\": $ours}"
  done
fi

python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r.get("mails"), {})[r["what"]] = r
print("\n| mails | read files s | db copy s | import s | mails/s | peer s | peer mails/s | x peer | x read | peak RSS MB | largest WAL MB | rerun s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for n, d in by.items():
    if n is None or "import" not in d:
        continue
    rs = d["read_files"]["result"]["seconds"]
    im = d["import"]["measure"]; ps = d["peer_import"]["measure"]["seconds"]
    print("| %d | %.2f | %.2f | %.2f | %.0f | %.2f | %.0f | %.1f | %.1f | %.1f | %.0f (%d at the end) | %.2f |" % (
        n, rs, d["db_copy_floor"]["seconds"], im["seconds"], n / im["seconds"], ps, n / ps, ps / im["seconds"],
        im["seconds"] / rs, im["max_rss_kb"] / 1024, d["import"]["wal_max_bytes"] / 2**20,
        d["import"]["wal_end_bytes"], d["import_again"]["measure"]["seconds"]))
import statistics
for n, d in by.items():
    if n is not None and "pg_import" in d and "import" in d:
        pg = d["pg_import"]["measure"]["seconds"]; lite = d["import"]["measure"]["seconds"]
        print("\nPostgreSQL import of %d mails: %.2f s, %.0f mails/s (SQLite %.0f mails/s: %.0f %%)" % (
            n, pg, n / pg, n / lite, 100 * lite / pg))
whats = ["mail_filter"] + sorted({r["what"] for r in rows if r["what"].startswith("mail_filter:")})
medians = {}
for what in whats + ["spawn_floor", "durable_insert_floor", "peer_mail_filter", "pg_mail_filter"]:
    rs = [r["result"] for r in rows if r["what"] == what]
    if rs:
        medians[what] = statistics.median(x["median_ms"] for x in rs)
    if not rs:
        continue
    print("\n%s: %d runs in %d round(s), %d failures, median %.2f ms (rounds: %s), p90 %.2f ms" % (
        what, sum(x["runs"] for x in rs), len(rs), sum(x["failures"] for x in rs),
        statistics.median(x["median_ms"] for x in rs),
        " ".join("%.2f" % x["median_ms"] for x in rs),
        statistics.median(x["p90_ms"] for x in rs)))
floor = medians.get("durable_insert_floor")
if floor:
    print()
    for what in whats:
        if what in medians:
            print("%s: %.2f x the durable-insert floor (target: at most 1.75)" % (what, medians[what] / floor))
PY
