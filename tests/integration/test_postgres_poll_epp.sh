#!/usr/bin/env bash
# autodns-notify poll --protocol epp into PostgreSQL, against the EPP stand-in (epp_standin.py,
# TLS with a CA made here, looking into the database with psql at every ack): stored, each
# message acked only once committed, a second delivery a duplicate; the server crashing at
# the second poll (exit 75, nothing more acked, the rerun completes); and every ack after a
# durable commit: the stand-in crashes and restarts the server before it looks for the
# message, on a cluster where an asynchronous commit would be lost (see
# test_postgres_promises.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PG_EXTRA_CONF="wal_writer_delay = 10s"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -pw)" AUTODNS_CONTEXT=4 PG_BINDIR
P=$SRC/samples/payloads
FAST=(--once --timeout 30 --retry-min 0.05 --retry-max 0.2)
QUEUE=("$P/001-epp-poll-reply.xml" "$P/eppdoc-transfer_ack-poll.xml" "$P/eppdoc-transfer_start-undeclared-prefix-poll.xml")
IDS="880369 880178 900467"

source "$(dirname "$0")/epp_lib.sh"
acks() { grep -c '^ACK' "$STANDIN_LOG" || true; }
violations() { grep -c 'VIOLATION' "$STANDIN_LOG" || true; }
poll() { "$BIN" poll --protocol epp --url "$URL" --ca-file "$T/ca.pem" "$@"; }

# --- Stored, acked after the commit, in order; the same messages again are duplicates.
DB=$(pg_createdb epp)
start_standin basic --db "$DB" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/basic.poll.log" || rc=$?
expect_eq "epp: exit" "$rc" 0
expect_eq "epp: acked in order" "$(acked)" "$IDS"
expect_eq "epp: no ack before the commit" "$(violations)" 0
expect_eq "epp: stored in order" \
  "$(pg_sql_in epp "SELECT string_agg(n.id::text, ' ' ORDER BY r.rowid) FROM notifications n JOIN receipts r USING (key)")" "$IDS"
expect_eq "epp: format" "$(pg_sql_in epp "SELECT DISTINCT format FROM notifications")" epp
expect_contains "epp: summary" "$(cat "$T/basic.poll.log")" "3 stored, 0 duplicate, 3 confirmed, 0 quarantined"
if grep -q -F "$SECRET_MARK" "$T/basic.poll.log"; then fail "epp: password in the log"; else ok; fi
stop_standin
start_standin again --db "$DB" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/again.poll.log" || rc=$?
expect_eq "epp again: exit" "$rc" 0
expect_eq "epp again: acked" "$(acked)" "$IDS"
expect_contains "epp again: all duplicates" "$(cat "$T/again.poll.log")" "0 stored, 3 duplicate, 3 confirmed"
expect_eq "epp again: one notification, two receipts each" \
  "$(pg_sql_in epp "SELECT count(DISTINCT key) || ' ' || count(*) FROM receipts")" "3 6"
stop_standin

# --- The server crashes at the second poll: that message is not stored, so not acked; exit
# 75 after --max-failures; the rerun after the restart stores and acks the rest.
DB=$(pg_createdb epp_crash)
pg_script "$T/crash" crash
start_standin crash --db "$DB" --hook "poll2=$T/crash" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" --max-failures 3 2>"$T/crash.poll.log" || rc=$?
expect_eq "epp crash: exit" "$rc" 75
expect_eq "epp crash: the server crashed at the second poll" "$(grep -c '^HOOK poll2' "$STANDIN_LOG" || true)" 1
expect_eq "epp crash: only the first message acked" "$(acked)" 880369
expect_eq "epp crash: no other ack" "$(acks)" 1
expect_eq "epp crash: no ack before the commit" "$(violations)" 0
expect_contains "epp crash: the store failure logged" "$(cat "$T/crash.poll.log")" "cannot reach the server"
pg_restart
expect_eq "epp crash: the acked message survived" "$(pg_sql_in epp_crash "SELECT string_agg(id::text, ' ') FROM notifications")" 880369
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/crash.rerun.log" || rc=$?
expect_eq "epp crash, rerun: exit" "$rc" 0
expect_eq "epp crash, rerun: all acked" "$(acked)" "$IDS"
expect_eq "epp crash, rerun: each stored once" \
  "$(pg_sql_in epp_crash "SELECT (SELECT count(*) FROM notifications) || ' ' || (SELECT count(*) FROM receipts)")" "3 3"
stop_standin

# --- Durable before each ack: the database's default is asynchronous commit, and the
# stand-in crashes and restarts the server before every ack.
DB=$(pg_createdb epp_durable)
pg_sql "ALTER DATABASE epp_durable SET synchronous_commit = off" >/dev/null
pg_script "$T/crash-restart" crash start
start_standin durable --db "$DB" --hook "ack=$T/crash-restart" "${QUEUE[@]}"
rc=0; poll --db "$DB" "${FAST[@]}" 2>"$T/durable.poll.log" || rc=$?
expect_eq "epp durable: exit" "$rc" 0
expect_eq "epp durable: a crash before each ack" "$(grep -c '^HOOK ack$' "$STANDIN_LOG")" 3
expect_eq "epp durable: each acked message survived the crash before its ack" \
  "$(awk '$1 == "ACK" {print $2 "/" $3}' "$STANDIN_LOG" | tr '\n' ' ' | sed 's/ $//')" \
  "880369/ok 880178/ok 900467/ok"
stop_standin
finish
