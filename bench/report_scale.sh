#!/usr/bin/env bash
# bench/report_scale.sh — the report at scale: fills a store with N notifications through the
# Store API (bench_fill_store, a year of realistic traffic) and times `report --format json`
# over all of it and over the last 7 days, with its peak RSS, on SQLite and PostgreSQL side by
# side in one run.
#
#   bench/report_scale.sh [COUNTS...]     default: 100000 1000000
# Environment: BUILD_DIR (default build), WORK (default /tmp/autodns-report-bench), PG (default
# 1: also a throwaway local PostgreSQL cluster from tests/integration/pg_lib.sh), RUNS (default
# 3: the median of this many report runs is kept).
# Targets (docs/performance.md): at 1 000 000 notifications, all of it ≤ 3 s, the 7-day window
# ≤ 0.3 s, peak RSS < 64 MB, for both backends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/autodns-report-bench}
runs=${RUNS:-3}
counts=("$@")
((${#counts[@]})) || counts=(100000 1000000)
cmake --build "$build" --target autodns-notify autodns-notify-net bench_fill_store -j "$(nproc)" >/dev/null
bin=$root/$build/autodns-notify
mkdir -p "$work"
export AUTODNS_NOTIFY_CONFIG=/dev/null

if [ "${PG:-1}" = 1 ]; then
  T=$work/pg-tmp
  rm -rf "$T"
  mkdir -p "$T"
  source "$root/tests/integration/pg_lib.sh"
  pg_start
fi

# measure LABEL ARGS...: the median time and the largest peak RSS of `runs` report runs.
measure() {
  local label=$1
  shift
  python3 - "$label" "$runs" "$@" <<'PY'
import json, subprocess, sys
label, runs, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
results = []
for _ in range(runs):
    out = subprocess.run(["python3", "bench/measure.py"] + args, stdout=subprocess.PIPE,
                         check=True).stdout.decode().split("\n", 1)[0]
    results.append(json.loads(out))
    if results[-1]["status"] != 0:
        sys.exit("%s: exit status %d" % (label, results[-1]["status"]))
seconds = sorted(r["seconds"] for r in results)[len(results) // 2]
rss = max(r["max_rss_kb"] for r in results)
print(json.dumps({"what": label, "seconds": seconds, "max_rss_mb": round(rss / 1024, 1)}))
PY
}

for n in "${counts[@]}"; do
  backends=(sqlite)
  [ "${PG:-1}" = 1 ] && backends+=(postgresql)
  for backend in "${backends[@]}"; do
    if [ "$backend" = sqlite ]; then
      db=$work/store-$n.sqlite
      rm -f "$db" "$db-wal" "$db-shm"
    else
      db=$PG_URI
      pg_sql "DROP TABLE IF EXISTS notifications, receipts, quarantine, outbox, pruned_keys, pruned_raw, prune_horizons, report_keys, autodns_schema CASCADE; DROP FUNCTION IF EXISTS report_receipt_added, report_receipt_removed CASCADE" >/dev/null 2>&1 || true
    fi
    start=$SECONDS
    "$build/bench_fill_store" --db "$db" --count "$n" >&2
    fill=$((SECONDS - start))
    # What autovacuum does soon after a bulk load: the visibility map that lets the report's
    # counts be index-only scans (right after the fill, before it, they visit the heap).
    [ "$backend" = postgresql ] && pg_sql "VACUUM (ANALYZE)" >/dev/null
    size=
    [ "$backend" = sqlite ] && size=$(du -m "$db" | cut -f1)
    [ "$backend" = postgresql ] && size=$(pg_sql "SELECT pg_database_size(current_database()) / 1048576")
    echo "{\"what\": \"fill\", \"backend\": \"$backend\", \"notifications\": $n, \"seconds\": $fill, \"size_mb\": $size}"
    measure "$backend $n report all" "$bin" report --db "$db" --format json --since 2000-01-01 --output "$work/report.json"
    measure "$backend $n report 7d" "$bin" report --db "$db" --format json --since 7d --output "$work/report.json"
  done
done
