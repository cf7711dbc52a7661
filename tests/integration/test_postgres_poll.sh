#!/usr/bin/env bash
# autodns-notify poll (JSON, XML) into PostgreSQL, against the AutoDNS stand-in
# (autodns_standin.py, which looks into the database with psql at every confirm): the records
# stored, each message confirmed only once it is committed, a second delivery of the same
# messages a duplicate, the server down at start and crashing mid-run (exit 75, the unsaved
# message never confirmed, a rerun after the restart completes), and no password in any log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null PG_BINDIR
P=$SRC/samples/payloads
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -poll)" AUTODNS_CONTEXT=4
FAST=(--once --timeout 5 --retry-min 0.05 --retry-max 0.2)
JSON_QUEUE=("$P/001-domaincreate-poll.json" "$P/003-autoupdate_dns_success-poll.json" "$P/003-autoupdate_deferred_error-poll.json")
JSON_IDS="1819917 1005491836 1005373399"
XML_QUEUE=("$P/001-domaincreate-poll.xml" "$P/003-autoupdate_dns_success-poll.xml" "$P/003-autoupdate_dns_error-poll.xml")
XML_IDS="1855680 1005491836 1012057852"

confirmed() { grep '^CONFIRM [0-9]' "$STANDIN_LOG" | awk '$3 == "ok" {print $2}' | tr '\n' ' ' | sed 's/ $//'; }
confirms() { grep -c '^CONFIRM' "$STANDIN_LOG" || true; }
violations() { grep -c 'VIOLATION' "$STANDIN_LOG" || true; }
url_of() { if [ "$protocol" = json ]; then echo "$STANDIN_URL_JSON"; else echo "$STANDIN_URL_XML"; fi; }
no_password() {  # no_password WHAT FILE...
  if grep -q -F "$SECRET_MARK" "${@:2}"; then fail "$1: a password in the log"; else ok; fi
}

# --- JSON and XML: stored in order, each confirm after its commit; the same messages again
# (AutoDNS delivers anew what it did not see confirmed) are duplicates with a receipt each.
for protocol in json xml; do
  db=poll_$protocol
  DB=$(pg_createdb "$db")
  if [ $protocol = json ]; then queue=("${JSON_QUEUE[@]}") ids=$JSON_IDS; else queue=("${XML_QUEUE[@]}") ids=$XML_IDS; fi
  start_standin "$protocol" --protocol $protocol --db "$DB" "${queue[@]}"
  rc=0
  "$BIN" poll --protocol $protocol --db "$DB&password=$(secret -TopSecret42)" --url "$(url_of)" "${FAST[@]}" \
    2>"$T/$protocol.poll.log" || rc=$?
  expect_eq "$protocol: exit" "$rc" 0
  expect_eq "$protocol: confirmed in order" "$(confirmed)" "$ids"
  expect_eq "$protocol: no confirm before the commit" "$(violations)" 0
  expect_eq "$protocol: stored in order" \
    "$(pg_sql_in "$db" "SELECT string_agg(n.id::text, ' ' ORDER BY r.rowid) FROM notifications n JOIN receipts r USING (key)")" "$ids"
  expect_eq "$protocol: format" "$(pg_sql_in "$db" "SELECT DISTINCT format FROM notifications")" "$protocol"
  expect_eq "$protocol: receipts by poll" "$(pg_sql_in "$db" "SELECT count(*) FROM receipts WHERE channel = 'poll'")" 3
  expect_contains "$protocol: summary" "$(cat "$T/$protocol.poll.log")" "3 stored, 0 duplicate, 3 confirmed, 0 quarantined"
  no_password "$protocol" "$T/$protocol.poll.log"
  stop_standin

  start_standin "$protocol-again" --protocol $protocol --db "$DB" "${queue[@]}"
  rc=0
  "$BIN" poll --protocol $protocol --db "$DB" --url "$(url_of)" "${FAST[@]}" \
    2>"$T/$protocol.again.log" || rc=$?
  expect_eq "$protocol again: exit" "$rc" 0
  expect_eq "$protocol again: confirmed" "$(confirmed)" "$ids"
  expect_eq "$protocol again: no confirm before the commit" "$(violations)" 0
  expect_contains "$protocol again: all duplicates" "$(cat "$T/$protocol.again.log")" "0 stored, 3 duplicate, 3 confirmed"
  expect_eq "$protocol again: one notification and two receipts each" \
    "$(pg_sql_in "$db" "SELECT count(DISTINCT key) || ' ' || count(*) FROM receipts WHERE channel = 'poll'")" "3 6"
  expect_eq "$protocol again: still three notifications" "$(pg_sql_in "$db" "SELECT count(*) FROM notifications")" 3
  stop_standin
done

# --- The server down before poll starts: exit 75 with one line, nothing fetched at all (the
# store is opened first), so nothing can be confirmed.
DB=$(pg_createdb poll_down)
start_standin down --protocol json --db "$DB" "${JSON_QUEUE[@]}"
pg_stop immediate
rc=0
"$BIN" poll --db "$DB&password=$(secret -TopSecret42)" --url "$STANDIN_URL_JSON" "${FAST[@]}" 2>"$T/down.poll.log" || rc=$?
expect_eq "server down at start: exit" "$rc" 75
# The log: the start line ("json URL as user ..., database ..."), then the one line of why.
expect_eq "server down at start: one line after the start line" "$(wc -l <"$T/down.poll.log" | tr -d ' ')" 2
expect_contains "server down at start: says why" "$(tail -n 1 "$T/down.poll.log")" "cannot reach the server"
expect_contains "server down at start: temporary" "$(tail -n 1 "$T/down.poll.log")" "(temporary; retry later)"
expect_eq "server down at start: nothing fetched" "$(grep -c '^FETCH' "$STANDIN_LOG" || true)" 0
expect_eq "server down at start: nothing confirmed" "$(confirms)" 0
no_password "server down at start" "$T/down.poll.log"
pg_restart
rc=0
"$BIN" poll --db "$DB" --url "$STANDIN_URL_JSON" "${FAST[@]}" 2>"$T/down-rerun.log" || rc=$?
expect_eq "server down at start, rerun: exit" "$rc" 0
expect_eq "server down at start, rerun: confirmed" "$(confirmed)" "$JSON_IDS"
expect_eq "server down at start, rerun: stored" "$(pg_sql_in poll_down "SELECT count(*) FROM notifications")" 3
stop_standin

# --- The server crashes (pg_ctl stop -m immediate) after the first message was confirmed and
# while the second is being fetched: poll cannot store it, confirms nothing more and gives up
# with 75 after --max-failures; the rerun after the restart stores and confirms the rest, the
# first message once.
for protocol in json xml; do
  db=poll_crash_$protocol
  DB=$(pg_createdb "$db")
  pg_script "$T/crash" crash
  if [ $protocol = json ]; then queue=("${JSON_QUEUE[@]}") ids=$JSON_IDS; else queue=("${XML_QUEUE[@]}") ids=$XML_IDS; fi
  first=${ids%% *}
  start_standin "crash-$protocol" --protocol $protocol --db "$DB" --hook "fetch2=$T/crash" "${queue[@]}"
  rc=0
  "$BIN" poll --protocol $protocol --db "$DB&password=$(secret -TopSecret42)" --url "$(url_of)" "${FAST[@]}" \
    --max-failures 3 2>"$T/crash-$protocol.poll.log" || rc=$?
  expect_eq "$protocol crash: exit" "$rc" 75
  expect_eq "$protocol crash: the server was crashed at the second fetch" "$(grep -c '^HOOK fetch2' "$STANDIN_LOG" || true)" 1
  expect_eq "$protocol crash: only the first message confirmed" "$(confirmed)" "$first"
  expect_eq "$protocol crash: nothing confirmed unsaved" "$(violations)" 0
  expect_eq "$protocol crash: no other confirm" "$(confirms)" 1
  expect_contains "$protocol crash: the store failure logged" "$(cat "$T/crash-$protocol.poll.log")" "store unavailable: database"
  expect_contains "$protocol crash: nothing confirmed" "$(cat "$T/crash-$protocol.poll.log")" "nothing confirmed"
  expect_contains "$protocol crash: gave up" "$(cat "$T/crash-$protocol.poll.log")" "giving up after 3 failures"
  no_password "$protocol crash" "$T/crash-$protocol.poll.log"
  pg_restart
  expect_eq "$protocol crash: the confirmed message survived the crash" \
    "$(pg_sql_in "$db" "SELECT string_agg(id::text, ' ') FROM notifications")" "$first"
  rc=0
  "$BIN" poll --protocol $protocol --db "$DB" --url "$(url_of)" "${FAST[@]}" 2>"$T/crash-$protocol.rerun.log" || rc=$?
  expect_eq "$protocol crash, rerun: exit" "$rc" 0
  expect_eq "$protocol crash, rerun: all confirmed" "$(confirmed)" "$ids"
  expect_eq "$protocol crash, rerun: no confirm before the commit" "$(violations)" 0
  expect_eq "$protocol crash, rerun: each stored once, with one receipt" \
    "$(pg_sql_in "$db" "SELECT (SELECT count(*) FROM notifications) || ' ' || (SELECT count(*) FROM receipts)")" "3 3"
  stop_standin
done

finish
