#!/usr/bin/env bash
# Several "hosts" on one PostgreSQL database: two imports of overlapping archives, eight mail
# filters at once and a push receiver getting the same message ids, all concurrently. Every key
# is stored once, every arrival is a receipt, and the report equals the SQLite report of the
# same inputs. Then two `dispatch --loop` workers deliver every outbox row exactly once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null
cat >"$T/config.ini" <<INI
[handler.ops]
kind = jsonl
path = $T/records.jsonl
INI

body() {  # body ID: a JSON push body (also the body of the mails)
  printf '{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", "object": {"type": "Domain", "value": "d%d.example"}}\n' "$1" "$1" "$1"
}
archive() {  # archive DIR TAG FIRST LAST: a Maildir with one mail per id, raw bytes unique by TAG
  mkdir -p "$1/new" "$1/cur" "$1/tmp"
  local id
  for id in $(seq "$3" "$4"); do
    { printf 'Message-ID: <%s.%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n' "$2" "$id"
      printf 'Subject: notification %d\nContent-Type: application/json\n\n' "$id"
      body "$id"; } >"$1/new/$2-$id"
  done
}
archive "$T/a" a 1 300
archive "$T/b" b 151 450
for f in $(seq 0 7); do  # mails for eight filters: ids 100..259, twenty each
  mkdir -p "$T/mail$f"
  for id in $(seq $((100 + f * 20)) $((119 + f * 20))); do
    { printf 'Message-ID: <m%d.%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n' "$f" "$id"
      printf 'Subject: n\nContent-Type: application/json\n\n'; body "$id"; } >"$T/mail$f/$id"
  done
done
mkdir -p "$T/push"
for id in $(seq 200 299); do body "$id" >"$T/push/$id.json"; done
arrivals=$((300 + 300 + 160 + 100))

# run_all DB: every input into DB, the two imports, the filters and the pushes at once.
run_all() {
  local db=$1 pids=() rc=0 p
  start_serve "$T/serve.log" --db "$db" --config "$T/config.ini" --no-dispatch
  "$BIN" import --db "$db" --config "$T/config.ini" --no-dispatch --no-progress "$T/a" \
    2>>"$T/import.log" & pids+=($!)
  "$BIN" import --db "$db" --config "$T/config.ini" --no-dispatch --no-progress "$T/b" \
    2>>"$T/import.log" & pids+=($!)
  for f in $(seq 0 7); do
    ( for m in "$T/mail$f"/*; do
        "$BIN" mail --db "$db" --config "$T/config.ini" --no-dispatch <"$m" 2>>"$T/mail.log" || exit 1
      done ) & pids+=($!)
  done
  ( for b in "$T/push"/*; do
      out=$(post "http://127.0.0.1:$PORT/autodns/push" "$b")
      case $out in "200 "*) ;; *) echo "push $b: $out" >&2; exit 1 ;; esac
    done ) & pids+=($!)
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  stop_serve
  return $rc
}

started=$(date +%s)
if run_all "$PG_URI"; then ok; else fail "an ingest on PostgreSQL failed (see below)"; cat "$T/import.log" "$T/mail.log" "$T/serve.log" >&2; fi
echo "PostgreSQL: $arrivals arrivals by 11 writers in $(( $(date +%s) - started )) s" >&2
expect_eq "every key once" "$(pg_sql "SELECT count(*), count(DISTINCT key) FROM notifications")" "450|450"
expect_eq "every arrival a receipt" "$(pg_sql "SELECT count(*) FROM receipts")" "$arrivals"
expect_eq "receipts by channel" "$(pg_sql "SELECT channel || '=' || count(*) FROM receipts GROUP BY channel ORDER BY channel" | tr '\n' ' ')" "mail=760 push=100 "
expect_eq "one outbox row per key" "$(pg_sql "SELECT count(*), count(DISTINCT key) FROM outbox")" "450|450"
expect_eq "nothing quarantined" "$(pg_sql "SELECT count(*) FROM quarantine")" "0"

# The same inputs into SQLite, then the reports side by side: the same notifications, types,
# statuses, errors and arrivals per channel. (Which channel came first, and when, depends on
# how the concurrent writers happened to interleave, in either store.)
if run_all "$T/lite.sqlite"; then ok; else fail "an ingest on SQLite failed"; fi
report() {
  "$BIN" report --db "$1" --since 2000-01-01 --until 2100-01-01 --format json |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
keep = {k: r[k] for k in ("schema_version", "types", "statuses", "errors", "open_jobs", "quarantine")}
keep["totals"] = {k: r["totals"][k] for k in ("notifications", "new_notifications", "arrivals", "quarantined", "errors", "open_jobs", "outbox")}
keep["channels"] = [{k: c[k] for k in ("channel", "arrivals", "notifications", "quarantined")} for c in r["channels"]]
print(json.dumps(keep, sort_keys=True, indent=1))'
}
report "$PG_URI" >"$T/report.pg"
report "$T/lite.sqlite" >"$T/report.sqlite"
if diff -u "$T/report.sqlite" "$T/report.pg" >"$T/report.diff"; then ok; else
  fail "the PostgreSQL report differs from the SQLite report:"; head -40 "$T/report.diff" >&2
fi

# Two dispatchers on different "hosts" share the outbox: each row is delivered exactly once.
"$BIN" dispatch --loop --interval 1 --db "$PG_URI" --config "$T/config.ini" 2>"$T/d1.log" &
d1=$!
"$BIN" dispatch --loop --interval 1 --db "$PG_URI" --config "$T/config.ini" 2>"$T/d2.log" &
d2=$!
for _ in $(seq 120); do
  [ "$(pg_sql "SELECT count(*) FROM outbox WHERE state <> 'done'")" = 0 ] && break
  sleep 0.5
done
kill -TERM "$d1" "$d2"
wait "$d1" || true
wait "$d2" || true
expect_eq "every outbox row done" "$(pg_sql "SELECT state || '=' || count(*) FROM outbox GROUP BY state")" "done=450"
expect_eq "delivered lines" "$(wc -l <"$T/records.jsonl" | tr -d ' ')" 450
expect_eq "each key delivered once" "$(python3 -c 'import json,sys; print(len({json.loads(l)["key"] for l in open(sys.argv[1])}))' "$T/records.jsonl")" 450
expect_eq "one attempt each" "$(pg_sql "SELECT max(attempts) FROM outbox")" 1
both=$(pg_sql "SELECT count(DISTINCT lease_owner) FROM outbox")
[ "$both" -ge 1 ] && ok || fail "no lease owner recorded"
finish
