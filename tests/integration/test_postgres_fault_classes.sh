#!/usr/bin/env bash
# The PostgreSQL troubles that store/postgres/errors.cpp calls temporary, each made real on a
# throwaway cluster, and what every writer answers while it lasts: `mail` exits 75 with one
# line naming it, `serve` answers 503, `poll` exits 75 having confirmed nothing, `import`
# exits 75; nothing is stored. Once it is over, the same commands (the MTA's, AutoDNS's and
# the operator's retries) store everything once.
#   - a read-only hot standby (pg_basebackup -R), then its promotion (a failover);
#   - default_transaction_read_only set for the database;
#   - a lock held longer than the lock timeout (--busy-timeout) by another session;
#   - serialization failures and deadlocks that keep recurring (the server raises them on
#     every attempt, from a trigger): retried five times in all, then temporary;
#   - a real deadlock between two imports of the same mails in opposite orders;
#   - a statement that runs past statement_timeout (30 s: the floor the store sets), and one
#     canceled by pg_cancel_backend();
#   - a full disk on the server: the postgres processes run with the fault shim's ENOSPC
#     for every write under base/ (SQLSTATE 53100, "could not extend file").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null PG_BINDIR
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -poll)" AUTODNS_CONTEXT=4
P=$SRC/samples/payloads
POLL_REPLY=$P/003-autoupdate_dns_success-poll.json  # message 1005491836
POLL=(--once --timeout 60 --retry-min 0.05 --retry-max 0.1 --max-failures 2)
BUSY=(--busy-timeout 500)
make_maildir "$T/archive" 20 0  # ids 7000001..7000020
mkdir -p "$T/archive2/new" "$T/archive2/cur" "$T/archive2/tmp"  # the same with ids 7100001..
for f in "$T/archive/new/"*; do sed 's/70000/71000/g' "$f" >"$T/archive2/new/${f##*/}"; done

body() {
  printf '{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", "object": {"type": "Domain", "value": "d%d.example"}}\n' "$1" "$1" "$1"
}
# q DATABASE QUERY: in that database of the cluster, or of the standby while SB_ACTIVE is set.
SB_ACTIVE=
q() { if [ -n "$SB_ACTIVE" ]; then sb_sql "$2"; else pg_sql_in "$1" "$2"; fi; }
count() { q "$1" "SELECT count(*) FROM notifications"; }

# under_fault NAME DATABASE URI REASON: the four writers against URI (serve already running
# on $PORT with it) while the fault lasts. Mail id 1, push id 2, the poll message, the archive.
under_fault() {
  local name=$1 db=$2 uri=$3 reason=$4 rc before
  before=$(count "$db")
  rc=0
  make_mail 8100001 | "$BIN" mail --db "$uri" "${BUSY[@]}" 2>"$T/$name.mail.err" || rc=$?
  expect_eq "$name: mail exit" "$rc" 75
  expect_eq "$name: mail says it in one line" "$(wc -l <"$T/$name.mail.err" | tr -d ' ')" 1
  expect_contains "$name: mail names the reason" "$(cat "$T/$name.mail.err")" "$reason"
  expect_contains "$name: mail calls it temporary" "$(cat "$T/$name.mail.err")" "(temporary"
  body 8100002 >"$T/$name.push.json"
  expect_eq "$name: push answered 503" "$(post "http://127.0.0.1:$PORT/autodns/push" "$T/$name.push.json" | cut -d' ' -f1)" 503
  start_standin "$name.standin" --protocol json --db "$uri" "$POLL_REPLY"
  rc=0
  "$BIN" poll --db "$uri" "${BUSY[@]}" --url "$STANDIN_URL_JSON" "${POLL[@]}" 2>"$T/$name.poll.err" || rc=$?
  expect_eq "$name: poll exit" "$rc" 75
  expect_eq "$name: poll fetched" "$([ "$(grep -c '^FETCH 1005491836' "$STANDIN_LOG")" -ge 1 ] && echo yes)" yes
  expect_eq "$name: poll confirmed nothing" "$(grep -c '^CONFIRM' "$STANDIN_LOG" || true)" 0
  expect_contains "$name: poll names the reason" "$(cat "$T/$name.poll.err")" "$reason"
  stop_standin
  rc=0
  "$BIN" import --db "$uri" "${BUSY[@]}" --no-progress "$T/archive" 2>"$T/$name.import.err" || rc=$?
  expect_eq "$name: import exit" "$rc" 75
  expect_contains "$name: import names the reason" "$(cat "$T/$name.import.err")" "$reason"
  expect_eq "$name: nothing stored" "$(count "$db")" "$before"
}

# after_fault NAME DATABASE URI: the retries store everything, once.
after_fault() {
  local name=$1 db=$2 uri=$3 rc before
  before=$(count "$db")
  rc=0
  make_mail 8100001 | "$BIN" mail --db "$uri" "${BUSY[@]}" 2>"$T/$name.mail2.err" || rc=$?
  expect_eq "$name, after: mail exit" "$rc" 0
  expect_eq "$name, after: push answered 200" "$(post "http://127.0.0.1:$PORT/autodns/push" "$T/$name.push.json" | cut -d' ' -f1)" 200
  start_standin "$name.standin2" --protocol json --db "$uri" "$POLL_REPLY"
  rc=0
  "$BIN" poll --db "$uri" "${BUSY[@]}" --url "$STANDIN_URL_JSON" "${POLL[@]}" 2>"$T/$name.poll2.err" || rc=$?
  expect_eq "$name, after: poll exit" "$rc" 0
  expect_eq "$name, after: poll confirmed after the commit" "$(grep '^CONFIRM' "$STANDIN_LOG" | tr '\n' ' ')" "CONFIRM 1005491836 ok "
  stop_standin
  rc=0
  "$BIN" import --db "$uri" "${BUSY[@]}" --no-progress "$T/archive" 2>"$T/$name.import2.err" || rc=$?
  expect_eq "$name, after: import exit" "$rc" 0
  expect_eq "$name, after: all stored once" "$(count "$db")" "$((before + 23))"
  expect_eq "$name, after: one receipt each" \
    "$(q "$db" "SELECT count(*) FROM receipts WHERE key LIKE 'id:81%' OR key LIKE 'id:70%' OR key = 'id:1005491836'")" 23
}

# new_db NAME: a database with the schema (one mail stored); prints its URI.
new_db() {
  local uri
  uri=$(pg_createdb "$1")
  make_mail 8000000 | "$BIN" mail --db "$uri" 2>/dev/null || { echo "FAIL: seeding $1" >&2; exit 1; }
  echo "$uri"
}

# --- 1. A read-only hot standby: the writers are pointed at it (a load balancer in front of
# the cluster sent them to the wrong node, or the failover has not happened yet). Promoting it
# (the failover) makes the same location writable: the retries succeed.
DB=$(new_db standby)
SB_DATA=$PG_DIR/standby
SB_SOCK=$PG_DIR/standby-socket
as_postgres mkdir "$SB_SOCK"
as_postgres "$PG_BINDIR/pg_basebackup" -h "$PG_DIR" -U postgres -D "$SB_DATA" -R -X stream -c fast \
  >"$T/basebackup.log" 2>&1 || { cat "$T/basebackup.log" >&2; echo "FAIL: pg_basebackup" >&2; exit 1; }
echo "unix_socket_directories = '$SB_SOCK'" >>"$SB_DATA/postgresql.conf"
sb_stop() { as_postgres "$PG_BINDIR/pg_ctl" -D "$SB_DATA" -m immediate -w -t 60 stop >/dev/null 2>&1 || true; }
trap 'sb_stop; pg_cleanup' EXIT
as_postgres "$PG_BINDIR/pg_ctl" -D "$SB_DATA" -l "$SB_SOCK/server.log" -w -t 60 start >/dev/null ||
  { cat "$SB_SOCK/server.log" >&2; echo "FAIL: the standby did not start" >&2; exit 1; }
SB_URI="postgresql:///standby?host=$SB_SOCK&user=postgres"
sb_sql() { "$PG_BINDIR/psql" -X -q -A -t -h "$SB_SOCK" -U postgres -d standby -c "$1"; }
expect_eq "standby: in recovery" "$(sb_sql "SELECT pg_is_in_recovery()")" t
expect_eq "standby: the seeded row replicated" "$(sb_sql "SELECT count(*) FROM notifications")" 1
start_serve "$T/serve.standby.log" --db "$SB_URI" "${BUSY[@]}"
SB_ACTIVE=yes
under_fault standby standby "$SB_URI" "read-only (a standby"
as_postgres "$PG_BINDIR/pg_ctl" -D "$SB_DATA" -w -t 60 promote >/dev/null || fail "standby: promote"
expect_eq "standby: promoted" "$(sb_sql "SELECT pg_is_in_recovery()")" f
after_fault standby standby "$SB_URI"
stop_serve
sb_stop
SB_ACTIVE=

# --- 2. default_transaction_read_only for the database (what a DBA sets to fence writers).
DB=$(new_db readonly)
pg_sql "ALTER DATABASE readonly SET default_transaction_read_only = on" >/dev/null
start_serve "$T/serve.readonly.log" --db "$DB" "${BUSY[@]}"
under_fault readonly readonly "$DB" "read-only (a standby, or default_transaction_read_only)"
pg_sql "ALTER DATABASE readonly RESET default_transaction_read_only" >/dev/null
stop_serve  # its session still has the setting: a new one has not
start_serve "$T/serve.readonly.log" --db "$DB" "${BUSY[@]}"
after_fault readonly readonly "$DB"
stop_serve

# --- 3. A lock held by another session past the lock timeout (--busy-timeout 500 ms), the
# lock a long prune batch takes, say.
DB=$(new_db locked)
start_serve "$T/serve.locked.log" --db "$DB" "${BUSY[@]}"
PGAPPNAME=locker "$PG_BINDIR/psql" -X -q -h "$PG_DIR" -U postgres -d locked >/dev/null 2>&1 <<'SQL' &
BEGIN;
LOCK TABLE notifications IN EXCLUSIVE MODE;
SELECT pg_sleep(300);
SQL
locker=$!
for _ in $(seq 100); do
  [ "$(pg_sql_in locked "SELECT count(*) FROM pg_locks WHERE relation = 'notifications'::regclass AND mode = 'ExclusiveLock' AND granted")" = 1 ] && break
  sleep 0.1
done
under_fault locked locked "$DB" "locked by another connection longer than the lock timeout"
pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'" >/dev/null
wait "$locker" 2>/dev/null || true
after_fault locked locked "$DB"
stop_serve

# --- 4. Serialization failures and deadlocks on every attempt: the store runs the
# transaction five times in all (a sequence counts the attempts: nextval is not rolled back),
# then gives up with a temporary error.
for kind in serialization_failure deadlock_detected; do
  db=recurring_$kind
  DB=$(new_db "$db")
  pg_sql_in "$db" "CREATE SEQUENCE attempts;
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM nextval('attempts'); RAISE EXCEPTION 'injected $kind' USING ERRCODE = '$kind'; END \$\$;
CREATE TRIGGER refuse BEFORE INSERT ON receipts FOR EACH ROW EXECUTE FUNCTION refuse();" >/dev/null
  rc=0
  make_mail 8100009 | "$BIN" mail --db "$DB" 2>"$T/$kind.err" || rc=$?
  expect_eq "$kind: mail exit" "$rc" 75
  expect_eq "$kind: five attempts" "$(pg_sql_in "$db" "SELECT last_value FROM attempts")" 5
  if [ $kind = serialization_failure ]; then reason="serialization failure (retried, kept recurring)"; else reason="deadlock (retried, kept recurring)"; fi
  expect_contains "$kind: mail names it" "$(cat "$T/$kind.err")" "$reason"
  expect_contains "$kind: mail gives the SQLSTATE" "$(cat "$T/$kind.err")" "SQLSTATE 40"
  pg_sql_in "$db" "SELECT setval('attempts', 1, false)" >/dev/null
  rc=0
  "$BIN" import --db "$DB" --no-progress "$T/archive" 2>"$T/$kind.import.err" || rc=$?
  expect_eq "$kind: import exit" "$rc" 75
  expect_eq "$kind: import, five attempts at its first mail" "$(pg_sql_in "$db" "SELECT last_value FROM attempts")" 5
  start_serve "$T/serve.$kind.log" --db "$DB" "${BUSY[@]}"
  under_fault "$kind" "$db" "$DB" "$reason"
  # Once only: the retry succeeds, in the filter (a transaction of its own) and inside an
  # import's chunk (ROLLBACK TO SAVEPOINT, the chunk's other mails kept).
  pg_sql_in "$db" "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF nextval('attempts') = 1 THEN RAISE EXCEPTION 'injected $kind' USING ERRCODE = '$kind'; END IF; RETURN NEW; END \$\$;
SELECT setval('attempts', 1, false)" >/dev/null
  rc=0
  make_mail 8200099 | "$BIN" mail --db "$DB" 2>"$T/$kind.once.err" || rc=$?
  expect_eq "$kind once: mail exit" "$rc" 0
  expect_eq "$kind once: mail, two attempts" "$(pg_sql_in "$db" "SELECT last_value FROM attempts")" 2
  pg_sql_in "$db" "SELECT setval('attempts', 1, false)" >/dev/null
  rc=0
  "$BIN" import --db "$DB" --no-progress "$T/archive2" >"$T/$kind.once.import.err" 2>&1 || rc=$?
  expect_eq "$kind once: import exit" "$rc" 0
  expect_contains "$kind once: import stored all" "$(cat "$T/$kind.once.import.err")" "20 new, 0 duplicate"
  expect_eq "$kind once: import, one attempt more than mails" "$(pg_sql_in "$db" "SELECT last_value FROM attempts")" 21
  expect_eq "$kind once: all 20 stored" "$(pg_sql_in "$db" "SELECT count(*) FROM notifications WHERE key LIKE 'id:71%'")" 20
  pg_sql_in "$db" "DROP TRIGGER refuse ON receipts" >/dev/null
  after_fault "$kind" "$db" "$DB"
  stop_serve
done

# --- 4b. A real deadlock: two imports of the same 2000 mails, one in the opposite order, both
# inserting the same keys in their chunks (transactions of up to 512 mails). Each waits for a
# key the other inserted; the server picks a victim. Its retries meet the same cycle (the other
# still waits for the victim's earlier rows), so after five attempts the victim's chunk is
# rolled back and it stops with 75, naming the deadlock; the other completes; the rerun of the
# victim completes (skipping, by fingerprint, the mails already recorded); every key is
# stored once.
make_maildir "$T/fwd" 2000 0
mkdir -p "$T/rev/new" "$T/rev/cur" "$T/rev/tmp"
for f in "$T/fwd/new/"*; do
  i=$((10#$(basename "$f" .test)))
  cp "$f" "$T/rev/new/$(printf '%08d.test' $((1999 - i)))"
done
# Whether the two imports meet inside their chunks depends on timing (on a loaded machine one
# may start late and find the other done): up to five rounds, each on a fresh database, until
# the server has seen a deadlock.
for round in 1 2 3 4 5; do
  dl_db=deadlock$round
  DB=$(new_db "$dl_db")
  deadlocks_before=$(grep -c "deadlock detected" "$PG_DIR/server.log" || true)
  "$BIN" import --db "$DB" --no-progress "$T/fwd" >"$T/fwd.out" 2>&1 &
  fwd=$!
  "$BIN" import --db "$DB" --no-progress "$T/rev" >"$T/rev.out" 2>&1 &
  rev=$!
  rc_fwd=0 rc_rev=0
  wait "$fwd" || rc_fwd=$?
  wait "$rev" || rc_rev=$?
  deadlocks=$(( $(grep -c "deadlock detected" "$PG_DIR/server.log" || true) - deadlocks_before ))
  echo "deadlock round $round: import exits $rc_fwd (forward) and $rc_rev (reverse), $deadlocks deadlocks" >&2
  [ "$deadlocks" -ge 1 ] && break
done
expect_eq "deadlock: the server saw deadlocks (the test tested)" "$([ "$deadlocks" -ge 1 ] && echo yes)" yes
for side in fwd rev; do
  rc_var=rc_$side
  case ${!rc_var} in
    0) ok ;;
    75) expect_contains "deadlock: the $side import names it" "$(cat "$T/$side.out")" "deadlock (retried, kept recurring)"
      rc=0
      "$BIN" import --db "$DB" --no-progress "$T/$side" >"$T/$side.rerun.out" 2>&1 || rc=$?
      expect_eq "deadlock: the $side import's rerun" "$rc" 0 ;;
    *) fail "deadlock: the $side import exit ${!rc_var}: $(tail -c 600 "$T/$side.out")" ;;
  esac
done
expect_eq "deadlock: every key once" "$(pg_sql_in "$dl_db" "SELECT count(*), count(DISTINCT key) FROM notifications WHERE id BETWEEN 7000001 AND 7002000")" "2000|2000"
expect_eq "deadlock: each mail's fingerprint once or twice (a rerun skips the mails it finds)" \
  "$(pg_sql_in "$dl_db" "SELECT count(*) FROM (SELECT raw_sha256 FROM receipts WHERE key LIKE 'id:700%' GROUP BY raw_sha256 HAVING count(*) NOT IN (1, 2)) x")" 0

# --- 5. A statement past statement_timeout: a trigger makes every insert of a receipt sleep.
# The store sets statement_timeout to 6 x the busy timeout, at least 30 s, so the four
# writers wait 30 s each: they run at once.
DB=$(new_db slow)
pg_sql_in slow "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN PERFORM pg_sleep(120); RETURN NEW; END \$\$;
CREATE TRIGGER slow BEFORE INSERT ON receipts FOR EACH ROW EXECUTE FUNCTION slow();" >/dev/null
start_serve "$T/serve.slow.log" --db "$DB" "${BUSY[@]}"
start=$(date +%s)
rc_mail=0 rc_poll=0 rc_import=0
( make_mail 8100001 | "$BIN" mail --db "$DB" "${BUSY[@]}" 2>"$T/slow.mail.err" ) &
mail_pid=$!
body 8100002 >"$T/slow.push.json"
post "http://127.0.0.1:$PORT/autodns/push" "$T/slow.push.json" >"$T/slow.push.status" &
push_pid=$!
start_standin slow.standin --protocol json --db "$DB" "$POLL_REPLY"
"$BIN" poll --db "$DB" "${BUSY[@]}" --url "$STANDIN_URL_JSON" --once --timeout 60 --max-failures 1 2>"$T/slow.poll.err" &
poll_pid=$!
"$BIN" import --db "$DB" "${BUSY[@]}" --no-progress "$T/archive" 2>"$T/slow.import.err" &
import_pid=$!
wait "$mail_pid" || rc_mail=$?
wait "$push_pid" || true
wait "$poll_pid" || rc_poll=$?
wait "$import_pid" || rc_import=$?
elapsed=$(( $(date +%s) - start ))
expect_eq "statement timeout: mail exit" "$rc_mail" 75
expect_eq "statement timeout: mail one line" "$(wc -l <"$T/slow.mail.err" | tr -d ' ')" 1
expect_contains "statement timeout: mail names it" "$(cat "$T/slow.mail.err")" "statement timeout"
expect_eq "statement timeout: push answered 503" "$(cut -d' ' -f1 "$T/slow.push.status")" 503
expect_eq "statement timeout: poll exit" "$rc_poll" 75
expect_eq "statement timeout: poll confirmed nothing" "$(grep -c '^CONFIRM' "$STANDIN_LOG" || true)" 0
expect_contains "statement timeout: poll names it" "$(cat "$T/slow.poll.err")" "statement timeout"
expect_eq "statement timeout: import exit" "$rc_import" 75
expect_contains "statement timeout: import names it" "$(cat "$T/slow.import.err")" "statement timeout"
expect_eq "statement timeout: nothing stored" "$(count slow)" 1
expect_eq "statement timeout: after about 30 s, not before" "$([ "$elapsed" -ge 29 ] && [ "$elapsed" -lt 90 ] && echo yes)" yes
stop_standin
# A statement canceled by someone else (pg_cancel_backend: SQLSTATE 57014 too) is said so.
( make_mail 8100003 | "$BIN" mail --db "$DB" "${BUSY[@]}" 2>"$T/cancel.mail.err" ) &
mail_pid=$!
for _ in $(seq 100); do
  [ "$(pg_sql_in slow "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")" = 1 ] && break
  sleep 0.1
done
pg_sql_in slow "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" >/dev/null
rc=0
wait "$mail_pid" || rc=$?
expect_eq "canceled: mail exit" "$rc" 75
expect_contains "canceled: mail says so" "$(cat "$T/cancel.mail.err")" "statement canceled on the server (pg_cancel_backend)"
expect_contains "canceled: with the SQLSTATE" "$(cat "$T/cancel.mail.err")" "SQLSTATE 57014"
pg_sql_in slow "DROP TRIGGER slow ON receipts" >/dev/null
after_fault slow slow "$DB"
stop_serve

# --- 6. The server's disk is full: restarted with the fault shim preloaded, every write of
# the postgres processes to a file under base/ (table and index files) fails with ENOSPC, as
# on a full file system; WAL writes still work. The tables are emptied before, so that an
# insert has to extend a file (a page with room in shared memory would need no write until
# the next checkpoint). Afterwards the server is crashed and restarted without the shim.
DB=$(new_db full)
pg_sql_in full "TRUNCATE notifications, receipts, quarantine, outbox" >/dev/null
SHIM=$PG_DIR/fault_shim.so
cp "${AUTODNS_FAULT_SHIM:?AUTODNS_FAULT_SHIM must name fault_shim.so}" "$SHIM"
chmod 755 "$SHIM"
pg_stop fast
LD_PRELOAD=$SHIM FAULT_SHIM_PATH=$PG_DIR/data/base/ FAULT_SHIM_ENOSPC_AFTER=0 pg_restart
start_serve "$T/serve.full.log" --db "$DB" "${BUSY[@]}"
under_fault full full "$DB" "disk full on the server"
expect_contains "full: the server's own words" "$(cat "$T/full.mail.err")" "No space left on device"
stop_serve
pg_stop immediate
pg_restart
start_serve "$T/serve.full.log" --db "$DB" "${BUSY[@]}"
after_fault full full "$DB"
stop_serve

finish
