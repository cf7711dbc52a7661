#!/usr/bin/env bash
# PostgreSQL databases of schema versions 1 and 2 (tests/integration/pg_schema_v1.sql and
# pg_schema_v2.sql: the schema as released, frozen) holding rows the program wrote, opened by
# the current program: a read-only opener refuses and changes nothing; the first writing
# opener migrates to the current version (whatever the program makes of a new database) in
# place; the schema is then the one a new database gets, every old row is intact and still
# works (a late copy of an old notification is a duplicate, a pruned key stays pruned, old
# outbox rows are delivered); concurrent first openers migrate once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null
I=$SRC/tests/integration
cat >"$T/config.ini" <<INI
[handler.ops]
kind = jsonl
path = $T/records.jsonl
INI

# The current version and schema: what the program makes of a new database.
FRESH=$(pg_createdb fresh)
make_mail 1 | "$BIN" mail --db "$FRESH" 2>/dev/null
CURRENT=$(pg_sql_in fresh "SELECT max(version) FROM autodns_schema")
expect_eq "the current version is 3 or later" "$([ "$CURRENT" -ge 3 ] && echo yes)" yes
schema_of() {  # schema_of DATABASE: tables, columns, indexes, constraints (pg_dump, no comments)
  "$PG_BINDIR/pg_dump" --schema-only --no-owner --no-privileges -h "$PG_DIR" -U postgres "$1" |
    grep -v -e '^--' -e '^$' -e '^SET ' -e '^SELECT pg_catalog.set_config' -e '^.restrict ' -e '^.unrestrict '
}
schema_of fresh >"$T/fresh.schema"

# Rows the program wrote: notifications with outbox rows (a handler is configured and
# dispatching is off), duplicates by other channels, a quarantined mail; copied into the old
# databases with COPY (the columns of these four tables are those of version 1).
SRC_DB=$(pg_createdb source)
for id in 501 502 503; do
  make_mail "$id" | "$BIN" mail --db "$SRC_DB" --config "$T/config.ini" --no-dispatch 2>/dev/null
done
make_mail 501 | "$BIN" mail --db "$SRC_DB" --config "$T/config.ini" --no-dispatch 2>/dev/null
printf 'From: AutoDNS <noreply@autodns.example>\nSubject: junk\n\nnot a notification\n' |
  "$BIN" mail --db "$SRC_DB" 2>/dev/null
TABLES=(notifications receipts quarantine outbox)
expect_eq "source rows" "$(pg_sql_in source "SELECT (SELECT count(*) FROM notifications) || ' ' || (SELECT count(*) FROM receipts) || ' ' || (SELECT count(*) FROM quarantine) || ' ' || (SELECT count(*) FROM outbox WHERE state = 'pending')")" "3 4 1 3"

copy_rows() {  # copy_rows DATABASE: the source rows into DATABASE, row ids included
  local t
  for t in "${TABLES[@]}"; do
    "$PG_BINDIR/psql" -X -q -h "$PG_DIR" -U postgres -d source -c "COPY $t TO STDOUT" |
      "$PG_BINDIR/psql" -X -q -h "$PG_DIR" -U postgres -d "$1" -c "COPY $t FROM STDIN"
  done
  # bigserial: the sequences continue after the copied ids, as in the database they came from
  pg_sql_in "$1" "SELECT setval('receipts_rowid_seq', (SELECT max(rowid) FROM receipts));
    SELECT setval('quarantine_rowid_seq', (SELECT max(rowid) FROM quarantine));
    SELECT setval('outbox_rowid_seq', (SELECT max(rowid) FROM outbox))" >/dev/null
}
fingerprint() {  # fingerprint DATABASE: every copied row of the four tables, as text
  local t out=
  for t in "${TABLES[@]}"; do
    out+="$t:$(pg_sql_in "$1" "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM $t t WHERE $( [ $t = quarantine ] && echo "rowid <= 1" || echo "key IN ('id:501', 'id:502', 'id:503')")") "
  done
  echo "$out"
}
WANT=$(fingerprint source)

for from in 1 2; do
  db=v$from
  DB=$(pg_createdb "$db")
  "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d "$db" -f "$I/pg_schema_v$from.sql" >/dev/null ||
    fail "v$from: the fixture did not load"
  copy_rows "$db"
  [ "$from" = 2 ] && pg_sql_in "$db" "INSERT INTO pruned_keys VALUES ('id:777', '2026-01-01T00:00:00Z')" >/dev/null
  expect_eq "v$from: rows copied" "$(fingerprint "$db")" "$WANT"

  # A read-only opener does not migrate: one line, not temporary, nothing changed.
  rc=0
  "$BIN" report --db "$DB" --since 2000-01-01 >/dev/null 2>"$T/$db.report.err" || rc=$?
  expect_eq "v$from: report refuses" "$rc" 1
  expect_eq "v$from: report says it in one line" "$(wc -l <"$T/$db.report.err" | tr -d ' ')" 1
  expect_contains "v$from: report says why" "$(cat "$T/$db.report.err")" "schema version $from is older than $CURRENT"
  expect_eq "v$from: still version $from" "$(pg_sql_in "$db" "SELECT max(version) FROM autodns_schema")" "$from"

  # The first writing opener (the filter, here) migrates, then stores its mail.
  rc=0
  make_mail 600 | "$BIN" mail --db "$DB" --config "$T/config.ini" --no-dispatch 2>"$T/$db.mail.err" || rc=$?
  expect_eq "v$from: mail exit" "$rc" 0
  expect_contains "v$from: mail stored" "$(cat "$T/$db.mail.err")" "stored id:600"
  expect_eq "v$from: migrated to the current version" "$(pg_sql_in "$db" "SELECT string_agg(version::text, ',') FROM autodns_schema")" "$CURRENT"
  schema_of "$db" >"$T/$db.schema"
  if diff -u "$T/fresh.schema" "$T/$db.schema" >"$T/$db.schema.diff"; then ok; else
    fail "v$from: the migrated schema differs from a new database's: $(head -c 2000 "$T/$db.schema.diff")"
  fi
  expect_eq "v$from: every old row intact" "$(fingerprint "$db")" "$WANT"

  # The old rows still work.
  rc=0
  make_mail 502 | "$BIN" mail --db "$DB" --config "$T/config.ini" --no-dispatch 2>"$T/$db.dup.err" || rc=$?
  expect_eq "v$from: a late copy of an old notification" "$rc" 0
  expect_contains "v$from: is a duplicate" "$(cat "$T/$db.dup.err")" "duplicate id:502"
  if [ "$from" = 2 ]; then
    make_mail 777 | "$BIN" mail --db "$DB" --config "$T/config.ini" --no-dispatch 2>"$T/$db.pruned.err" || true
    expect_contains "v2: a pruned key stays pruned" "$(cat "$T/$db.pruned.err")" "duplicate id:777"
    expect_eq "v2: and is not stored again" "$(pg_sql_in "$db" "SELECT count(*) FROM notifications WHERE key = 'id:777'")" 0
  fi
  rm -f "$T/records.jsonl"
  rc=0
  "$BIN" dispatch --once --db "$DB" --config "$T/config.ini" 2>"$T/$db.dispatch.err" || rc=$?
  expect_eq "v$from: dispatch exit" "$rc" 0
  expect_eq "v$from: the old outbox rows and the new one delivered" \
    "$(python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["key"] for l in open(sys.argv[1]))))' "$T/records.jsonl" 2>&1)" \
    "id:501 id:502 id:503 id:600"
  rc=0
  "$BIN" report --db "$DB" --since 2000-01-01 --format json >"$T/$db.report.json" 2>"$T/$db.report.err" || rc=$?
  expect_eq "v$from: report after the migration" "$rc" 0
done

# Concurrent first openers of a version-1 database: eight filters at once, one migration
# (under the advisory lock), every mail stored.
DB=$(pg_createdb race)
"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d race -f "$I/pg_schema_v1.sql" >/dev/null
copy_rows race
pids=()
for id in $(seq 901 908); do
  ( make_mail "$id" | "$BIN" mail --db "$DB" 2>"$T/race.$id.err" ) &
  pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
expect_eq "race: every filter exit 0" "$bad" 0
expect_eq "race: one version row, the current one" "$(pg_sql_in race "SELECT string_agg(version::text, ',') FROM autodns_schema")" "$CURRENT"
expect_eq "race: every mail stored" "$(pg_sql_in race "SELECT count(*) FROM notifications WHERE id BETWEEN 901 AND 908")" 8
expect_eq "race: old rows intact" "$(fingerprint race)" "$WANT"
finish
