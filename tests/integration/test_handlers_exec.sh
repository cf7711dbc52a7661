#!/usr/bin/env bash
# exec and jsonl handlers with real scripts and files: the record on stdin and in AUTODNS_*
# variables, argv without a shell, routing, duplicates, a failing handler that leaves `mail`
# at exit 0, dead-lettering and --retry-dead, and kill -9 of a dispatcher mid-delivery.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/handlers_lib.sh"

DB=$T/db.sqlite
cat >"$T/handler.sh" <<SH
#!/bin/sh
# Records what it got; flags in $T steer it: slow (sleep once), fail (exit 7).
cat > "$T/stdin.\$AUTODNS_ID"
env | grep '^AUTODNS_' | sort > "$T/env.\$AUTODNS_ID"
printf '%s\n' "\$@" > "$T/argv.\$AUTODNS_ID"
if [ -e "$T/slow" ]; then rm -f "$T/slow"; echo \$\$ > "$T/slow.pid"; sleep 60; fi
if [ -e "$T/fail" ]; then echo "simulated failure for \$AUTODNS_KEY" >&2; exit 7; fi
echo "\$AUTODNS_KEY" >> "$T/delivered"
SH
chmod 755 "$T/handler.sh"
cat >"$T/config.ini" <<INI
db = $DB
[handler.ops]
kind = exec
command = /bin/sh $T/handler.sh "two words" '\$HOME;echo x' >out
types = autoupdate_* transfer_*
timeout = 3
max-attempts = 2
backoff = 1
[handler.archive]
kind = jsonl
path = $T/archive/records.jsonl
[handler.transfers-only]
kind = jsonl
path = $T/transfers.jsonl
types = transfer_*
INI
mkdir -p "$T/archive"

# --- mail stores, then delivers to the handlers that want the record.
make_mail 5001 >"$T/m1.eml"
status=0
"$BIN" mail --config "$T/config.ini" <"$T/m1.eml" 2>"$T/err1" || status=$?
expect_eq "mail exit" "$status" 0
expect_eq "delivered once" "$(cat "$T/delivered" 2>/dev/null)" "id:5001"
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$T/stdin.5001")
expect_eq "stdin carries the record JSON" "$key" "id:5001"
env1=$(cat "$T/env.5001")
expect_contains "AUTODNS_KEY" "$env1" "AUTODNS_KEY=id:5001"
expect_contains "AUTODNS_ID" "$env1" "AUTODNS_ID=5001"
expect_contains "AUTODNS_KIND" "$env1" "AUTODNS_KIND=notify"
expect_contains "AUTODNS_TYPE" "$env1" "AUTODNS_TYPE=autoupdate_dns_success"
expect_contains "AUTODNS_OBJECT" "$env1" "AUTODNS_OBJECT=example.aq"
expect_contains "AUTODNS_OBJECT_TYPE" "$env1" "AUTODNS_OBJECT_TYPE=domain"
expect_contains "AUTODNS_HANDLER" "$env1" "AUTODNS_HANDLER=ops"
expect_contains "AUTODNS_ATTEMPT" "$env1" "AUTODNS_ATTEMPT=1"
expect_eq "argv words, no shell" "$(cat "$T/argv.5001")" $'two words\n$HOME;echo x\n>out'
expect_eq "no redirection happened" "$(ls "$T" | grep -c '^out$' || true)" 0
expect_eq "archive line" "$(count_lines "$T/archive/records.jsonl" '"key":"id:5001"')" 1
expect_eq "archive mode 0600" "$(stat -c %a "$T/archive/records.jsonl")" 600
expect_eq "transfers-only not routed" "$([ -e "$T/transfers.jsonl" ] && echo yes || echo no)" no
expect_eq "outbox rows" "$(outbox "$DB")" $'archive|id:5001|done|1\nops|id:5001|done|1'

# --- a duplicate (same id, another mail) writes no outbox rows and runs nothing.
make_mail 5001 | sed 's/5001.test/5001.again/' >"$T/m1b.eml"
"$BIN" mail --config "$T/config.ini" <"$T/m1b.eml" 2>/dev/null
expect_eq "duplicate: no second delivery" "$(count_lines "$T/delivered")" 1
expect_eq "duplicate: no new rows" "$(sql "$DB" 'SELECT count(*) FROM outbox')" 2

# --- a failing handler: mail still exits 0, one stderr line, the row waits for a retry.
touch "$T/fail"
make_mail 5002 >"$T/m2.eml"
status=0
"$BIN" mail --config "$T/config.ini" <"$T/m2.eml" 2>"$T/err2" || status=$?
expect_eq "mail exit with a failing handler" "$status" 0
expect_eq "one failure line" "$(grep -c 'handler ops' "$T/err2")" 1
expect_contains "failure line" "$(cat "$T/err2")" \
  "handler ops: id:5002: attempt 1 of 2 failed: exit status 7: simulated failure for id:5002; retry in"
expect_eq "stored anyway" "$(sql "$DB" "SELECT count(*) FROM notifications WHERE key='id:5002'")" 1
expect_eq "row pending" "$(outbox "$DB" "WHERE key='id:5002' AND handler='ops'")" "ops|id:5002|pending|1"
expect_eq "last_error" "$(sql "$DB" "SELECT last_error FROM outbox WHERE key='id:5002' AND handler='ops'")" \
  "exit status 7: simulated failure for id:5002"

# --- the second (last) attempt dead-letters it; --list shows it; --retry-dead delivers.
for i in $(seq 1 30); do
  [ "$(sql "$DB" "SELECT state FROM outbox WHERE key='id:5002' AND handler='ops'")" = dead ] && break
  sleep 0.5
  "$BIN" dispatch --config "$T/config.ini" >/dev/null 2>&1
done
expect_eq "dead after max-attempts" "$(outbox "$DB" "WHERE key='id:5002' AND handler='ops'")" "ops|id:5002|dead|2"
list=$("$BIN" dispatch --config "$T/config.ini" --list)
expect_contains "--list shows the dead row" "$list" "dead     ops"
expect_contains "--list shows its error" "$list" "exit status 7: simulated failure for id:5002"
rm -f "$T/fail"
out=$("$BIN" dispatch --config "$T/config.ini" --retry-dead 2>"$T/err3")
expect_contains "retry-dead message" "$(cat "$T/err3")" "1 dead-lettered row made pending again"
expect_contains "retry-dead summary" "$out" "dispatch: 1 delivered, 0 failed, 0 dead-lettered; 0 pending, 0 dead"
expect_eq "delivered after retry" "$(count_lines "$T/delivered" id:5002)" 1

# --- --handler filter and usage errors.
make_mail 5003 >"$T/m3.eml"
"$BIN" mail --config "$T/config.ini" --no-dispatch <"$T/m3.eml" 2>/dev/null
expect_eq "--no-dispatch leaves rows pending" "$(sql "$DB" "SELECT count(*) FROM outbox WHERE key='id:5003' AND state='pending'")" 2
"$BIN" dispatch --config "$T/config.ini" --handler archive >/dev/null 2>&1
expect_eq "--handler archive only" "$(outbox "$DB" "WHERE key='id:5003'")" $'archive|id:5003|done|1\nops|id:5003|pending|0'
status=0
"$BIN" dispatch --config "$T/config.ini" --handler nosuch 2>"$T/err4" || status=$?
expect_eq "unknown --handler exit" "$status" 64
expect_contains "unknown --handler message" "$(cat "$T/err4")" "--handler nosuch: no [handler.nosuch] section"
"$BIN" dispatch --config "$T/config.ini" >/dev/null 2>&1

# --- a bad handler section: mail defers (75) and names section and key; dispatch exits 1.
printf 'db = %s\n[handler.bad]\nkind = exec\ncommand = /bin/true\ntimeout = soon\n' "$DB" >"$T/bad.ini"
status=0
"$BIN" mail --config "$T/bad.ini" <"$T/m3.eml" 2>"$T/err5" || status=$?
expect_eq "mail with a bad handler config" "$status" 75
expect_contains "names section and key" "$(cat "$T/err5")" "[handler.bad] timeout: 'soon' is not a number of seconds"
status=0
"$BIN" dispatch --config "$T/bad.ini" 2>/dev/null || status=$?
expect_eq "dispatch with a bad handler config" "$status" 1

# --- kill -9 of a dispatcher while its handler runs: the row is delivered after the lease.
touch "$T/slow"
make_mail 5004 >"$T/m4.eml"
"$BIN" mail --config "$T/config.ini" --no-dispatch <"$T/m4.eml" 2>/dev/null
"$BIN" dispatch --config "$T/config.ini" --handler ops --lease 6 >/dev/null 2>&1 &
dispatcher=$!
for i in $(seq 1 200); do [ -s "$T/slow.pid" ] && break; sleep 0.05; done
expect_eq "handler started" "$([ -s "$T/slow.pid" ] && echo yes || echo no)" yes
kill -9 "$dispatcher"
wait "$dispatcher" 2>/dev/null || true
[ -s "$T/slow.pid" ] && kill -9 -- "-$(cat "$T/slow.pid")" 2>/dev/null  # the orphaned handler
out=$("$BIN" dispatch --config "$T/config.ini" --handler ops --lease 6 2>/dev/null)
expect_contains "leased row is not taken" "$out" "0 delivered, 0 failed"
expect_eq "not delivered yet" "$(count_lines "$T/delivered" id:5004)" 0
for i in $(seq 1 40); do
  [ "$(count_lines "$T/delivered" id:5004)" -ge 1 ] && break
  sleep 0.5
  "$BIN" dispatch --config "$T/config.ini" --handler ops --lease 6 >/dev/null 2>&1
done
expect_eq "delivered once after the lease expired" "$(count_lines "$T/delivered" id:5004)" 1
expect_eq "two attempts counted" "$(outbox "$DB" "WHERE key='id:5004' AND handler='ops'")" "ops|id:5004|done|2"

# --- the shipped sample: handlers.ini reads, on-transfer-start.sh logs each transfer once.
out=$("$BIN" dispatch --config "$SRC/samples/handlers/handlers.ini" --db "$T/sample.sqlite" 2>&1)
expect_contains "sample handlers.ini reads" "$out" "dispatch: 0 delivered"
cat >"$T/sample.ini" <<INI
db = $T/sample.sqlite
[handler.transfer-start]
kind = exec
command = /usr/bin/env OPS_LOG=$T/transfers.log $SRC/samples/handlers/on-transfer-start.sh
types = transfer_start
INI
make_maildir "$T/transfer" 1 0
"$BIN" mail --config "$T/sample.ini" <"$T/transfer/new/00000000.test" 2>/dev/null
expect_eq "sample: row done" "$(outbox "$T/sample.sqlite")" "transfer-start|id:7000001|done|1"
expect_contains "sample: ops log line" "$(cat "$T/transfers.log")" "key=id:7000001 domain=d7000001.example"
sql "$T/sample.sqlite" "SELECT record FROM notifications" >"$T/record.json"
AUTODNS_KEY=id:7000001 AUTODNS_TYPE=transfer_start AUTODNS_OBJECT=d7000001.example \
  OPS_LOG=$T/transfers.log "$SRC/samples/handlers/on-transfer-start.sh" <"$T/record.json"
expect_eq "sample: a repeated delivery logs nothing new" "$(count_lines "$T/transfers.log")" 1

finish
