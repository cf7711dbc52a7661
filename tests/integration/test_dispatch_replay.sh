#!/usr/bin/env bash
# dispatch --replay: a handler added after records were stored gets them, once each, within a
# --since/--until window by first arrival; a second replay queues nothing; the usage errors.
source "$(dirname "$0")/lib.sh"

DB=$T/db.sqlite
cat >"$T/none.ini" <<INI
db = $DB
INI
# Stored while no handler is configured: records only.
status=0
"$BIN" import --config "$T/none.ini" "$SRC/samples/maildir" >"$T/import.out" 2>&1 || status=$?
expect_eq "import exit" "$status" 0
stored=$(sql "$DB" "SELECT count(*) FROM notifications")
transfers=$(sql "$DB" "SELECT count(*) FROM notifications WHERE type LIKE 'transfer%'")
expect_eq "records stored" "$([ "$stored" -gt 10 ] && echo many || echo "$stored")" many
expect_eq "some transfers" "$([ "$transfers" -gt 0 ] && [ "$transfers" -lt "$stored" ] && echo yes || echo "$transfers")" yes
expect_eq "no outbox rows yet" "$(sql "$DB" "SELECT count(*) FROM outbox")" 0

# The handler added later: a jsonl archive of everything, and one for transfers only.
cat >"$T/config.ini" <<INI
db = $DB
[handler.archive]
kind = jsonl
path = $T/archive.jsonl
[handler.transfers]
kind = jsonl
path = $T/transfers.jsonl
types = transfer_*
INI
# A plain dispatch delivers nothing: nothing is queued for them.
"$BIN" dispatch --config "$T/config.ini" >"$T/d0.out" 2>&1
expect_eq "plain dispatch: nothing to deliver" "$([ -e "$T/archive.jsonl" ] && echo file || echo none)" none

# A window that holds no first arrival queues nothing.
status=0
"$BIN" dispatch --config "$T/config.ini" --replay --handler archive --until 2001-01-01 \
  >"$T/d1.out" 2>"$T/d1.err" || status=$?
expect_eq "empty window exit" "$status" 0
expect_contains "empty window line" "$(cat "$T/d1.err")" "replay for handler archive: 0 stored record(s)"
expect_eq "empty window: no rows" "$(sql "$DB" "SELECT count(*) FROM outbox")" 0

status=0
"$BIN" dispatch --config "$T/config.ini" --replay --handler archive --handler transfers \
  --since 2000-01-01 >"$T/d2.out" 2>"$T/d2.err" || status=$?
expect_eq "replay exit" "$status" 0
expect_contains "archive summary" "$(cat "$T/d2.err")" \
  "replay for handler archive: $stored stored record(s)"
expect_contains "archive queued all" "$(cat "$T/d2.err")" "$stored selected, $stored queued (0 had"
expect_contains "transfers queued only transfers" "$(cat "$T/d2.err")" \
  "$transfers selected, $transfers queued"
expect_contains "delivered" "$(cat "$T/d2.out")" "$((stored + transfers)) delivered"
expect_eq "archive lines" "$(wc -l <"$T/archive.jsonl")" "$stored"
expect_eq "transfers lines" "$(wc -l <"$T/transfers.jsonl")" "$transfers"
expect_eq "each key once" "$(python3 -c 'import json,sys
keys=[json.loads(l)["key"] for l in open(sys.argv[1])]
print(len(keys)-len(set(keys)))' "$T/archive.jsonl")" 0
expect_eq "only transfers" "$(grep -vc '"type":"transfer' "$T/transfers.jsonl" || true)" 0

# Again: every record has its row; nothing is queued or delivered twice.
"$BIN" dispatch --config "$T/config.ini" --replay --handler archive >"$T/d3.out" 2>"$T/d3.err"
expect_contains "second replay queues nothing" "$(cat "$T/d3.err")" \
  "$stored selected, 0 queued ($stored had a row for it already)"
expect_eq "archive unchanged" "$(wc -l <"$T/archive.jsonl")" "$stored"

# A new record after the handler exists is routed at ingest as always, not by replay.
make_mail 777001 >"$T/new.eml"
"$BIN" mail --config "$T/config.ini" <"$T/new.eml"
expect_eq "new record delivered at ingest" "$(wc -l <"$T/archive.jsonl")" "$((stored + 1))"

# Usage errors: 64, with the reason.
for args in "--replay" "--replay --handler nosuch" "--since 7d" "--replay --handler archive --list" \
  "--replay --handler archive --since tomorrowish" "--replay --handler archive --since now --until 1d"; do
  status=0
  # shellcheck disable=SC2086
  "$BIN" dispatch --config "$T/config.ini" $args >/dev/null 2>"$T/usage.err" || status=$?
  expect_eq "dispatch $args: exit" "$status" 64
done
status=0
"$BIN" dispatch --config "$T/config.ini" --replay >/dev/null 2>"$T/usage.err" || status=$?
expect_contains "--replay without --handler says why" "$(cat "$T/usage.err")" "--replay needs --handler"
expect_eq "the usage errors queued nothing" "$(sql "$DB" "SELECT count(*) FROM outbox WHERE state <> 'done'")" 0
finish
