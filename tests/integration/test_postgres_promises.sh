#!/usr/bin/env bash
# "Nothing is acknowledged before it is durable", against PostgreSQL, checked from outside the
# program by crashing the server (pg_ctl stop -m immediate: the shared WAL buffers are lost,
# what was flushed survives) right after each acknowledgement: mail's exit 0, serve's 200,
# each poll confirm (JSON, XML: the stand-in's hook crashes and restarts the server before
# it looks for the message) and each import --mark-seen move. After the restart every
# acknowledged arrival is there.
#
# The test makes a lost commit likely if the store ever committed asynchronously: the
# database's default is synchronous_commit = off (the store must set it on for its sessions)
# and the WAL writer flushes only every 10 s (wal_writer_delay), so an asynchronous commit
# stays in shared memory until long after the crash.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
source "$(dirname "$0")/pg_lib.sh"
PG_EXTRA_CONF="wal_writer_delay = 10s"
pg_start
export AUTODNS_NOTIFY_CONFIG=/dev/null PG_BINDIR
pg_sql "ALTER DATABASE autodns SET synchronous_commit = off" >/dev/null
DB=$PG_URI
P=$SRC/samples/payloads
expect_eq "a new session's default is asynchronous" "$(pg_sql "SHOW synchronous_commit")" off
pg_script "$T/crash-restart" crash start
crash_restart() { "$T/crash-restart"; }
stored() { pg_sql "SELECT count(*) FROM notifications WHERE key = 'id:$1'"; }

make_mail 9500000 | "$BIN" mail --db "$DB" 2>/dev/null  # the schema

# --- mail: exit 0, then the crash.
for id in 9500001 9500002 9500003 9500004 9500005; do
  rc=0
  make_mail "$id" | "$BIN" mail --db "$DB" 2>"$T/mail.err" || rc=$?
  crash_restart
  expect_eq "mail $id: exit" "$rc" 0
  expect_eq "mail $id: stored after the crash" "$(stored "$id")" 1
done
# A duplicate's receipt is an acknowledged arrival too.
before=$(pg_sql "SELECT count(*) FROM receipts WHERE key = 'id:9500005'")
rc=0
make_mail 9500005 | "$BIN" mail --db "$DB" 2>"$T/mail.err" || rc=$?
crash_restart
expect_contains "mail duplicate: outcome" "$(cat "$T/mail.err")" "duplicate"
expect_eq "mail duplicate: its receipt after the crash" "$(pg_sql "SELECT count(*) FROM receipts WHERE key = 'id:9500005'")" "$((before + 1))"

# --- serve: 200, then the crash (serve reconnects at the next request).
start_serve "$T/serve.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
for id in 9510001 9510002 9510003; do
  printf '{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", "object": {"type": "Domain", "value": "d%d.example"}}\n' "$id" "$id" "$id" >"$T/push.json"
  status=
  for _ in 1 2 3; do  # the first request after a crash may meet the lost connection: 503
    status=$(post "$URL" "$T/push.json" | cut -d' ' -f1)
    [ "$status" = 200 ] && break
  done
  crash_restart
  expect_eq "push $id: answered" "$status" 200
  expect_eq "push $id: stored after the crash" "$(stored "$id")" 1
done
stop_serve

# --- poll: every confirm comes after a crash and restart; the message must be there.
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -poll)" AUTODNS_CONTEXT=4
for protocol in json xml; do
  if [ $protocol = json ]; then
    queue=("$P/001-domaincreate-poll.json" "$P/003-autoupdate_dns_success-poll.json" "$P/003-autoupdate_deferred_error-poll.json")
    ids="1819917 1005491836 1005373399"
  else
    queue=("$P/001-domaincreate-poll.xml" "$P/003-autoupdate_dns_error-poll.xml")
    ids="1855680 1012057852"
  fi
  start_standin "poll-$protocol" --protocol $protocol --db "$DB" --hook "confirm=$T/crash-restart" "${queue[@]}"
  url=$STANDIN_URL_JSON
  [ $protocol = xml ] && url=$STANDIN_URL_XML
  rc=0
  "$BIN" poll --protocol $protocol --db "$DB" --url "$url" --once --timeout 60 --retry-min 0.05 \
    --retry-max 0.2 2>"$T/poll-$protocol.err" || rc=$?
  expect_eq "poll $protocol: exit" "$rc" 0
  expect_eq "poll $protocol: a crash before each confirm" "$(grep -c '^HOOK confirm$' "$STANDIN_LOG")" "$(wc -w <<<"$ids" | tr -d ' ')"
  expect_eq "poll $protocol: each confirmed message survived the crash before its confirm" \
    "$(grep '^CONFIRM' "$STANDIN_LOG" | awk '{print $2 "/" $3}' | tr '\n' ' ' | sed 's/ $//')" \
    "$(for id in $ids; do printf '%s/ok ' "$id"; done | sed 's/ $//')"
  stop_standin
done

# --- import --mark-seen: a mail is moved to cur/ only once its commit is durable. A crash
# does not tell here (a chunk's WAL outgrows a page and reaches the operating system, which
# keeps it through a crash of the server, fsync'ed or not), so the server runs with the fault
# shim logging its fsync/fdatasync calls and import with it logging its renames, into one
# file: each move must come after a sync of the WAL by the server.
SHIM=$PG_DIR/fault_shim.so
cp "${AUTODNS_FAULT_SHIM:?AUTODNS_FAULT_SHIM must name fault_shim.so}" "$SHIM"
chmod 755 "$SHIM"
SYNC_LOG=$PG_DIR/sync.log
: >"$SYNC_LOG"
chmod 666 "$SYNC_LOG"
pg_stop fast
LD_PRELOAD=$SHIM FAULT_SHIM_SYNC_LOG=$SYNC_LOG pg_restart
make_maildir "$T/md" 30 0  # ids 7000001..7000030
sleep 0.5
: >"$SYNC_LOG"  # from here on: the import's commits and moves only
rc=0
shim_run FAULT_SHIM_SYNC_LOG="$SYNC_LOG" "$BIN" import --mark-seen --db "$DB" --no-progress "$T/md" >/dev/null 2>"$T/import.err" || rc=$?
expect_eq "import --mark-seen: exit" "$rc" 0
expect_eq "import --mark-seen: all moved" "$(ls "$T/md/cur" | wc -l | tr -d ' ')" 30
expect_eq "import --mark-seen: a sync of the WAL before the first move" "$(python3 - "$SYNC_LOG" <<'PY'
import sys
synced = False
for line in open(sys.argv[1]):
    call, _, path = line.rstrip("\n").partition(" ")
    if call in ("fsync", "fdatasync") and "/pg_wal/" in path:
        synced = True
    elif call == "rename" and "/new/" in path:
        print("ok" if synced else "moved before a sync of the WAL: " + path)
        break
else:
    print("no move logged")
PY
)" ok
crash_restart
expect_eq "import --mark-seen: every moved mail stored after a crash" \
  "$(pg_sql "SELECT count(*) FROM notifications WHERE id BETWEEN 7000001 AND 7000030")" 30
finish
