#!/usr/bin/env bash
# bench/serve.sh — push receiver throughput and latency with wrk, and the "nothing lost" check.
#
#   bench/serve.sh [CONCURRENCY...]      default: 1 8 64
# Environment: BUILD_DIR (default build), WORK (default /tmp/autodns-bench-serve),
# DURATION (seconds per run, default 10), THREADS (--threads; default: the serve default),
# DB_CONNECTIONS (--db-connections, for the older thread-per-connection server),
# SERVE_BIN (another build's autodns-notify, e.g. the previous commit's, to compare; the
# autodns-notify-net beside it is used).
# Each run starts a fresh database and server on a free loopback port, POSTs JSON push bodies
# with distinct ids (every 10th repeats the previous id, so duplicates are exercised too),
# then checks that every 200 answer left a receipt: the server log's 200 lines equal the
# receipts, and wrk's count of 200s is at most that (requests still in flight when wrk stops
# may be stored without wrk counting the answer). Prints one JSON line per run and a
# Markdown table for docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/autodns-bench-serve}
duration=${DURATION:-10}
levels=("$@")
((${#levels[@]})) || levels=(1 8 64)

if ! command -v wrk >/dev/null; then
  echo "bench/serve.sh: installing wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
if [ -n "${SERVE_BIN:-}" ]; then
  bin=$SERVE_BIN
else
  cmake --build "$build" --target autodns-notify autodns-notify-net -j 2 >/dev/null
  bin=$root/$build/autodns-notify
fi
mkdir -p "$work"

cat >"$work/post.lua" <<'LUA'
-- Distinct ids per thread and request; every 10th request repeats the previous id.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  ok, other, n = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  n = n + 1
  local seq = n
  if n % 10 == 0 then seq = n - 1 end
  local id = 2000000000 + tid * 10000000 + seq
  local body = string.format('{"id": %d, "notify": {"type": "transfer_start"}, ' ..
    '"stid": "bench-%d", "object": {"type": "Domain", "value": "d%d.example", ' ..
    '"data": {"name": "d%d.example"}}}', id, id, id, id)
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local ok_total, other_total = 0, 0
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    other_total = other_total + t:get("other")
  end
  io.write(string.format('WRK {"requests": %d, "seconds": %.3f, "rps": %.1f, ' ..
    '"p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "ok": %d, "other": %d, ' ..
    '"socket_errors": %d}\n', summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, ok_total, other_total,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
LUA

sql() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
rows=()
for c in "${levels[@]}"; do
  db=$work/bench-$c.sqlite
  log=$work/serve-$c.log
  rm -f "$db" "$db-wal" "$db-shm" "$log" "$work/port"
  extra=()
  [ -n "${DB_CONNECTIONS:-}" ] && extra+=(--db-connections "$DB_CONNECTIONS")
  [ -n "${THREADS:-}" ] && extra+=(--threads "$THREADS")
  AUTODNS_NOTIFY_CONFIG=/dev/null "$bin" serve --db "$db" --listen 127.0.0.1:0 \
    --port-file "$work/port" "${extra[@]}" 2>"$log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  wrk_threads=$((c < 4 ? c : 4))
  out=$(wrk -t "$wrk_threads" -c "$c" -d "${duration}s" --timeout 30s -s "$work/post.lua" \
    "http://127.0.0.1:$port/autodns/push")
  kill -TERM "$pid"
  wait "$pid"
  w=$(grep '^WRK ' <<<"$out" | cut -c5-)
  receipts=$(sql "$db" "SELECT count(*) FROM receipts")
  notifications=$(sql "$db" "SELECT count(*) FROM notifications")
  logged_200=$(grep -c ' POST /autodns/push 200 ' "$log" || true)
  wrk_ok=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ok"])' "$w")
  lost=no
  [ "$logged_200" -eq "$receipts" ] && [ "$wrk_ok" -le "$receipts" ] || lost=YES
  line="{\"concurrency\": $c, \"db_connections\": \"${DB_CONNECTIONS:-default}\", \"wrk\": $w, \"receipts\": $receipts, \"notifications\": $notifications, \"logged_200\": $logged_200, \"lost\": \"$lost\"}"
  echo "$line"
  rows+=("$line")
done

echo
echo "| clients | requests/s | p50 ms | p99 ms | 200 answers (wrk) | 200 logged | receipts | notifications | lost |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  python3 - "$r" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); w = r["wrk"]
print("| %d | %.0f | %.2f | %.2f | %d | %d | %d | %d | %s |" % (r["concurrency"], w["rps"],
      w["p50_ms"], w["p99_ms"], w["ok"], r["logged_200"], r["receipts"], r["notifications"],
      r["lost"]))
PY
done
