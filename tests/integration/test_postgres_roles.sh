#!/usr/bin/env bash
# The least-privilege set-up of docs/user-guide.md ("Several hosts, one PostgreSQL database")
# on a server that checks passwords: an owner creates the schema, a writer runs mail and
# dispatch, a reader runs the report; passwords come from PGPASSFILE; a wrong password is one
# clear, non-temporary line that does not show it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null
printf 'local all postgres trust\nlocal all all scram-sha-256\n' >"$PG_DIR/data/pg_hba.conf"
as_postgres "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" reload >/dev/null
OWN_PW=$(secret -own-pw) WRITE_PW=$(secret -write-pw) READ_PW=$(secret -read-pw)
pg_sql "CREATE ROLE autodns_owner LOGIN PASSWORD '$OWN_PW';
CREATE ROLE autodns_writer LOGIN PASSWORD '$WRITE_PW';
CREATE ROLE autodns_reader LOGIN PASSWORD '$READ_PW';
CREATE SCHEMA autodns AUTHORIZATION autodns_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER ROLE autodns_owner SET search_path = autodns;
ALTER ROLE autodns_writer SET search_path = autodns;
ALTER ROLE autodns_reader SET search_path = autodns;" >/dev/null
printf '*:*:autodns:autodns_owner:%s\n*:*:autodns:autodns_writer:%s\n*:*:autodns:autodns_reader:%s\n' \
  "$OWN_PW" "$WRITE_PW" "$READ_PW" >"$T/pgpass"
holds_secret "$T/pgpass"
chmod 600 "$T/pgpass"
export PGPASSFILE=$T/pgpass
uri() { echo "postgresql://$1@/autodns?host=$PG_DIR"; }

rc=0
"$BIN" dispatch --once --db "$(uri autodns_owner)" 2>"$T/owner.log" || rc=$?
expect_eq "the owner creates the schema" "$rc" 0
pg_sql "GRANT USAGE ON SCHEMA autodns TO autodns_writer, autodns_reader;
GRANT SELECT, INSERT ON autodns.notifications, autodns.receipts, autodns.quarantine TO autodns_writer;
GRANT SELECT, INSERT, UPDATE ON autodns.outbox TO autodns_writer;
GRANT SELECT ON autodns.pruned_keys, autodns.pruned_raw TO autodns_writer;
GRANT SELECT ON autodns.autodns_schema TO autodns_writer, autodns_reader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA autodns TO autodns_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA autodns TO autodns_reader;" >/dev/null

cat >"$T/config.ini" <<INI
[handler.ops]
kind = jsonl
path = $T/records.jsonl
INI
rc=0
make_mail 1005491836 | "$BIN" mail --db "$(uri autodns_writer)" --config "$T/config.ini" 2>"$T/mail.log" || rc=$?
expect_eq "the writer stores a mail" "$rc" 0
expect_contains "and hands it to the handler" "$(cat "$T/records.jsonl" 2>/dev/null)" '"id:1005491836"'
rc=0
make_mail 1005491837 | "$BIN" mail --db "$(uri autodns_writer)" --config "$T/config.ini" --no-dispatch 2>>"$T/mail.log" || rc=$?
expect_eq "a second mail" "$rc" 0
rc=0
"$BIN" dispatch --once --db "$(uri autodns_writer)" --config "$T/config.ini" 2>"$T/dispatch.log" || rc=$?
expect_eq "the writer dispatches" "$rc" 0
expect_eq "delivered" "$(wc -l <"$T/records.jsonl" | tr -d ' ')" 2
rc=0
out=$("$BIN" report --db "$(uri autodns_reader)" --since 2000-01-01 --format csv 2>"$T/report.log") || rc=$?
expect_eq "the reader reports" "$rc" 0
rc=0
make_mail 1005491838 | "$BIN" mail --db "$(uri autodns_reader)" 2>"$T/ro.log" || rc=$?
expect_eq "the reader cannot store (the MDA keeps the mail)" "$rc" 75
expect_contains "and says why" "$(cat "$T/ro.log")" "permission denied"

# A wrong password (given in the URI, against the advice): one line, not temporary, not shown.
rc=0
"$BIN" report --db "postgresql://autodns_reader:$(secret -WrongPw99)@/autodns?host=$PG_DIR" --since 2000-01-01 2>"$T/bad.log" || rc=$?
expect_eq "wrong password: not temporary" "$rc" 1
expect_eq "one line" "$(wc -l <"$T/bad.log" | tr -d ' ')" 1
expect_contains "says what" "$(cat "$T/bad.log")" "authentication failed"
if grep -q -F "$SECRET_MARK" "$T/bad.log"; then fail "the password was printed: $(cat "$T/bad.log")"; else ok; fi
if grep -q -F "$SECRET_MARK" "$T"/*.log; then fail "a password from the pgpass file was printed"; else ok; fi

# A password given on the command line anyway is not left in the process title (ps).
"$BIN" dispatch --loop --interval 1 --config "$T/config.ini" \
  --db "postgresql://autodns_writer:$WRITE_PW@/autodns?host=$PG_DIR" 2>"$T/loop.log" &
loop=$!
sleep 2
title=$(tr '\0' ' ' <"/proc/$loop/cmdline")
kill -TERM "$loop"
wait "$loop" || true
expect_contains "the dispatcher ran" "$title" "dispatch --loop"
if [[ "$title" =~ autodns_writer:\*+@ ]]; then ok; else fail "the URI is not shown with the password hidden: $title"; fi
if [[ "$title" == *"$SECRET_MARK"* ]]; then fail "the password is in the process title: $title"; else ok; fi
finish
