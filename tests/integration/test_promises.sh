#!/usr/bin/env bash
# The promises of README.md and docs/ that an acknowledgement rests on, each checked from
# outside the program, on every channel it applies to:
#   - nothing is acknowledged before it is durable: an fsync/fdatasync of the WAL comes before
#     mail's exit status, serve's 200, each poll confirm and each --mark-seen move (seen by
#     the LD_PRELOAD shim tests/tools/fault_shim.c, which logs syncs and renames);
#   - a full disk (the shim's ENOSPC: SQLite's SQLITE_FULL), a locked and a read-only database
#     give 75 / 503 with nothing acknowledged: mail, import --mark-seen, serve, poll (JSON and
#     XML; the stand-in sees no confirm at all);
#   - serve's 200 never waits for a handler; a jsonl handler never leaves half a record (ENOSPC
#     and `ulimit -f`): the file unchanged, the row still pending; its line is fsync'ed;
#   - mail with a broken configuration reads all of stdin before it exits 75.
# tests/mutation/ breaks each of these promises in a copy of the code and expects this script
# to fail. PROMISES=NAME,... runs only those sections (the names of `want` below); unset, all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
export AUTODNS_NOTIFY_CONFIG=/dev/null
P=$SRC/samples/payloads
as_nobody_cmd

run() {  # run CMD...: $status, $T/stdout, $T/stderr
  set +e; "$@" >"$T/stdout" 2>"$T/stderr"; status=$?; set -e
}
count() { sql "$1" "select count(*) from $2"; }
want() { [ -z "${PROMISES:-}" ] || [[ ",$PROMISES," == *",$1,"* ]]; }
wal_syncs() {  # wal_syncs LOG DB: syncs of DB's WAL in LOG
  grep -cE "^(fsync|fdatasync) $2-wal\$" "$1" 2>/dev/null || true
}

# hold DB: keeps a connection to DB open in another process until release, so that no closing
# connection of the program is the last one (the last one checkpoints, which syncs even with
# synchronous=NORMAL); the WAL is then synced only by commits.
holder_pid=
hold() {
  python3 - "$1" "$T/holder.ready" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
# A read transaction held open: its snapshot keeps every checkpoint from copying the whole WAL
# back, so no later commit restarts the WAL (a restart syncs the new WAL header whatever the
# synchronous setting, which would hide a commit that is not durable).
con.execute("BEGIN")
con.execute("SELECT count(*) FROM sqlite_master").fetchall()
open(sys.argv[2], "w").write("ready\n")
time.sleep(300)
PY
  holder_pid=$!
  for _ in $(seq 200); do [ -s "$T/holder.ready" ] && break; sleep 0.05; done
  rm -f "$T/holder.ready"
}
release() {
  if [ -n "$holder_pid" ]; then kill "$holder_pid" 2>/dev/null || true; wait "$holder_pid" 2>/dev/null || true; fi
  holder_pid=
}
trap 'release; rm -rf "$T"' EXIT

# fresh_db DB: a database holding one mail, its WAL checkpointed away, then held open (with a
# read transaction) and one more mail committed (the first commit into a new WAL syncs its
# header whatever the setting).
fresh_db() {
  make_mail 9400001 | "$BIN" mail --db "$1" 2>/dev/null
  hold "$1"
  make_mail 9400002 | "$BIN" mail --db "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# 1. Durable before the acknowledgement.

if want durable-mail; then
# mail: the WAL is synced before the exit status.
DB=$T/mail-durable.sqlite
fresh_db "$DB"
: >"$T/sync.log"
make_mail 9400003 >"$T/m3.eml"
run shim_run FAULT_SHIM_SYNC_LOG="$T/sync.log" "$BIN" mail --db "$DB" <"$T/m3.eml"
expect_eq "mail durable: exit" "$status" 0
expect_eq "mail durable: stored" "$(sql "$DB" "select count(*) from notifications where id=9400003")" 1
if [ "$(wal_syncs "$T/sync.log" "$DB")" -ge 1 ]; then ok; else
  fail "mail durable: no sync of the WAL before exit 0 ($(tr '\n' ';' <"$T/sync.log"))"; fi
# A duplicate's receipt is an acknowledged arrival too.
: >"$T/sync.log"
run shim_run FAULT_SHIM_SYNC_LOG="$T/sync.log" "$BIN" mail --db "$DB" <"$T/m3.eml"
expect_contains "mail durable duplicate: outcome" "$(cat "$T/stderr")" "duplicate"
if [ "$(wal_syncs "$T/sync.log" "$DB")" -ge 1 ]; then ok; else
  fail "mail durable duplicate: no sync of the WAL before exit 0"; fi
release
fi

if want durable-import; then
# import --mark-seen: every move new/ -> cur/ comes after a sync of the WAL.
DB=$T/import-durable.sqlite
fresh_db "$DB"
make_maildir "$T/md-durable" 6 0
: >"$T/sync.log"
run shim_run FAULT_SHIM_SYNC_LOG="$T/sync.log" "$BIN" import --mark-seen --db "$DB" "$T/md-durable"
expect_eq "import durable: exit" "$status" 0
expect_eq "import durable: all moved" "$(ls "$T/md-durable/cur" | wc -l)" 6
expect_eq "import durable: sync before the first move" "$(python3 - "$T/sync.log" "$DB-wal" <<'PY'
import sys
synced = False
for line in open(sys.argv[1]):
    call, _, path = line.rstrip("\n").partition(" ")
    if call in ("fsync", "fdatasync") and path == sys.argv[2]:
        synced = True
    elif call == "rename" and "/new/" in path:
        print("moved before a sync: " + path if not synced else "ok")
        break
else:
    print("no move logged")
PY
)" ok
release
fi

if want durable-serve; then
# serve: the WAL is synced before the 200.
DB=$T/serve-durable.sqlite
fresh_db "$DB"
: >"$T/sync.log"
LD_PRELOAD=$AUTODNS_FAULT_SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 FAULT_SHIM_SYNC_LOG=$T/sync.log start_serve "$T/serve.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
expect_eq "serve durable: first body" "$(post "$URL" "$P/003-autoupdate_dns_success-push.json")" "200 stored"
: >"$T/sync.log"
expect_eq "serve durable: second body" "$(post "$URL" "$P/003-autoupdate_dns_error-push.json")" "200 stored"
if [ "$(wal_syncs "$T/sync.log" "$DB")" -ge 1 ]; then ok; else
  fail "serve durable: no sync of the WAL before the 200 ($(tr '\n' ';' <"$T/sync.log"))"; fi
stop_serve
release
fi

# poll (JSON and XML): a sync of the WAL between each fetch and its confirm. The shim logs into
# the stand-in's own log, so the order of syncs and confirms is the order of that one file.
export AUTODNS_USER=user AUTODNS_PASSWORD="$(secret -promises)" AUTODNS_CONTEXT=4
FAST=(--once --timeout 2 --retry-min 0.05 --retry-max 0.2)
JSON_QUEUE=("$P/001-domaincreate-poll.json" "$P/003-autoupdate_dns_success-poll.json" "$P/003-autoupdate_deferred_error-poll.json")
XML_QUEUE=("$P/001-domaincreate-poll.xml" "$P/003-autoupdate_dns_success-poll.xml" "$P/003-autoupdate_dns_error-poll.xml")
confirms() { grep -c '^CONFIRM' "$STANDIN_LOG" || true; }
violations() { grep -c 'VIOLATION' "$STANDIN_LOG" || true; }
synced_before_each_confirm() {  # LOG WAL: "ok N" or the first confirm without a sync before it
  python3 - "$1" "$2" <<'PY'
import sys
syncs, confirmed = 0, 0
for line in open(sys.argv[1]):
    words = line.split()
    if len(words) == 2 and words[0] in ("fsync", "fdatasync") and words[1] == sys.argv[2]:
        syncs += 1
    elif words[:1] == ["CONFIRM"]:
        if syncs == 0:
            print("confirm of %s without a sync of the WAL before it" % words[1])
            sys.exit()
        syncs, confirmed = 0, confirmed + 1
print("ok %d" % confirmed)
PY
}
if want durable-poll; then
for protocol in json xml; do
  DB=$T/poll-$protocol-durable.sqlite
  fresh_db "$DB"
  if [ $protocol = json ]; then queue=("${JSON_QUEUE[@]}"); else queue=("${XML_QUEUE[@]}"); fi
  start_standin "poll-$protocol" --protocol $protocol --db "$DB" "${queue[@]}"
  url=$STANDIN_URL_JSON; [ $protocol = xml ] && url=$STANDIN_URL_XML
  run shim_run FAULT_SHIM_SYNC_LOG="$STANDIN_LOG" "$BIN" poll --protocol $protocol --db "$DB" \
    --url "$url" "${FAST[@]}"
  expect_eq "poll $protocol durable: exit" "$status" 0
  expect_eq "poll $protocol durable: no confirm before store" "$(violations)" 0
  expect_eq "poll $protocol durable: a sync before each confirm" \
    "$(synced_before_each_confirm "$STANDIN_LOG" "$DB-wal")" "ok 3"
  stop_standin
  release
done
fi

# ---------------------------------------------------------------------------------------------
# 2. A full disk, a locked and a read-only database: 75 / 503, nothing acknowledged.

FULL=(FAULT_SHIM_ENOSPC_AFTER=0)  # with FAULT_SHIM_PATH=the database: no byte fits
full_db() {  # full_db DB: a database holding one mail, nothing kept in the WAL
  make_mail 9400001 | "$BIN" mail --db "$1" 2>/dev/null
}

if want full-mail; then
# mail
DB=$T/mail-full.sqlite
full_db "$DB"
make_mail 9400010 >"$T/m10.eml"
run shim_run FAULT_SHIM_PATH="$DB" "${FULL[@]}" "$BIN" mail --db "$DB" <"$T/m10.eml"
expect_eq "mail, disk full: exit" "$status" 75
expect_contains "mail, disk full: SQLITE_FULL named" "$(cat "$T/stderr")" "database or disk is full"
expect_eq "mail, disk full: nothing written" "$(count "$DB" receipts)" 1
run "$BIN" mail --db "$DB" <"$T/m10.eml"
expect_eq "mail after the disk full: stored" "$status/$(count "$DB" notifications)" 0/2
fi

if want full-import; then
# import --mark-seen whose commit fails: exit 75 and not one mail moved.
DB=$T/import-full.sqlite
full_db "$DB"
make_maildir "$T/md-full" 12 0
run shim_run FAULT_SHIM_PATH="$DB" "${FULL[@]}" "$BIN" import --mark-seen --db "$DB" "$T/md-full"
expect_eq "import --mark-seen, disk full: exit" "$status" 75
expect_contains "import --mark-seen, disk full: SQLITE_FULL named" "$(cat "$T/stderr")" "full"
expect_eq "import --mark-seen, disk full: nothing moved to cur/" "$(ls "$T/md-full/cur" | wc -l)" 0
expect_eq "import --mark-seen, disk full: all still in new/" "$(ls "$T/md-full/new" | wc -l)" 12
expect_eq "import --mark-seen, disk full: nothing written" "$(count "$DB" receipts)" 1
# The same with a commit that fails for a lock held past the busy timeout.
rm -f "$T/locker.ready"
python3 - "$DB" "$T/locker.ready" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked\n")
time.sleep(3)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 200); do [ -s "$T/locker.ready" ] && break; sleep 0.05; done
run "$BIN" import --mark-seen --busy-timeout 200 --db "$DB" "$T/md-full"
wait "$locker"
expect_eq "import --mark-seen, locked: exit" "$status" 75
expect_eq "import --mark-seen, locked: nothing moved" "$(ls "$T/md-full/cur" | wc -l)" 0
run "$BIN" import --mark-seen --db "$DB" "$T/md-full"
expect_eq "import --mark-seen after the faults: exit" "$status" 0
expect_eq "import --mark-seen after the faults: all moved" "$(ls "$T/md-full/cur" | grep -c ':2,S$')" 12
fi

if want full-serve; then
# serve: 503, nothing stored; a health check still answers; after the fault, 200.
DB=$T/serve-full.sqlite
full_db "$DB"
LD_PRELOAD=$AUTODNS_FAULT_SHIM ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 FAULT_SHIM_PATH=$DB FAULT_SHIM_ENOSPC_AFTER=0 \
  start_serve "$T/serve-full.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
expect_eq "serve, disk full: 503" "$(post "$URL" "$P/003-autoupdate_dns_success-push.json" | cut -c1-3)" 503
expect_eq "serve, disk full: nothing stored" "$(count "$DB" receipts)/$(count "$DB" quarantine)" 1/0
expect_eq "serve, disk full: a body that is not a notification too" "$(post "$URL" "$P/001-confirm-reply.json" | cut -c1-3)" 503
expect_eq "serve, disk full: nothing quarantined" "$(count "$DB" quarantine)" 0
expect_contains "serve, disk full: logged" "$(cat "$T/serve-full.log")" "full"
stop_serve
start_serve "$T/serve-full.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
expect_eq "serve after the disk full" "$(post "$URL" "$P/003-autoupdate_dns_success-push.json")" "200 stored"
stop_serve
fi

# poll, JSON and XML: locked, read-only, full. Exit 75, the stand-in sees no confirm at all.
poll_fault() {  # poll_fault PROTOCOL FAULT: runs one poll against a database under FAULT
  local protocol=$1 fault=$2 queue url
  DB=$T/poll-$protocol-$fault/notify.sqlite
  mkdir -p "$(dirname "$DB")"
  full_db "$DB"
  if [ "$protocol" = json ]; then queue=("${JSON_QUEUE[@]}"); else queue=("${XML_QUEUE[@]}"); fi
  start_standin "poll-$protocol-$fault" --protocol "$protocol" --db "$DB" "${queue[@]}"
  url=$STANDIN_URL_JSON; [ "$protocol" = xml ] && url=$STANDIN_URL_XML
  local poll=("$BIN" poll --protocol "$protocol" --db "$DB" --url "$url" "${FAST[@]}" --max-failures 2)
  case $fault in
    full) run shim_run FAULT_SHIM_PATH="$DB" "${FULL[@]}" "${poll[@]}" ;;
    locked)
      rm -f "$T/locker.ready"
      python3 - "$DB" "$T/locker.ready" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").write("locked\n")
time.sleep(4)
con.execute("ROLLBACK")
PY
      locker=$!
      for _ in $(seq 200); do [ -s "$T/locker.ready" ] && break; sleep 0.05; done
      rm -f "$T/locker.ready"
      run "${poll[@]}" --busy-timeout 200
      wait "$locker"
      ;;
    read-only)
      chmod 755 "$(dirname "$DB")"
      chmod 644 "$DB"*
      run "${AS_NOBODY[@]}" "${poll[@]}"
      ;;
  esac
  expect_eq "poll $protocol, $fault: exit" "$status" 75
  expect_eq "poll $protocol, $fault: nothing confirmed" "$(confirms)" 0
  expect_eq "poll $protocol, $fault: no confirm before store" "$(violations)" 0
  expect_eq "poll $protocol, $fault: nothing stored" "$(count "$DB" notifications)" 1
  if [ "$fault" != read-only ]; then  # read-only: refused at the start, before any fetch
    expect_contains "poll $protocol, $fault: logged" "$(cat "$T/stderr")" "nothing confirmed"
  fi
  stop_standin
}
if want full-poll; then
for protocol in json xml; do
  poll_fault $protocol full
  expect_contains "poll $protocol, full: SQLITE_FULL named" "$(cat "$T/stderr")" "database or disk is full"
  poll_fault $protocol locked
  if ((${#AS_NOBODY[@]})); then
    poll_fault $protocol read-only
    expect_contains "poll $protocol, read-only: named" "$(cat "$T/stderr")" "read-only"
  else
    skip_block "poll $protocol with a read-only database: needs root, setpriv and user nobody"
  fi
done
fi

# ---------------------------------------------------------------------------------------------
# 3. serve's 200 never waits for a handler: an exec handler that sleeps 3 s.
if want serve-slow; then
DB=$T/serve-slow.sqlite
cat >"$T/slow.ini" <<INI
[handler.slow]
kind = exec
command = /bin/sleep 3
timeout = 10
INI
start_serve "$T/serve-slow.log" --db "$DB" --config "$T/slow.ini"
URL=http://127.0.0.1:$PORT/autodns/push
for f in 003-autoupdate_dns_success-push.json 003-autoupdate_dns_error-push.json 003-autoupdate_dns_success-push.xml; do
  took=$(curl -sS --max-time 30 -o "$T/body" -w '%{time_total}' --data-binary "@$P/$f" "$URL" || echo 99)
  expect_eq "serve with a slow handler: $f answered" "$(tr -d '\n' <"$T/body")" stored
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$took"; then ok; else
    fail "serve with a slow handler: the 200 for $f took ${took} s (limit 1 s)"; fi
done
expect_eq "serve with a slow handler: outbox rows" "$(count "$DB" outbox)" 3
stop_serve
fi

# ---------------------------------------------------------------------------------------------
# 4. jsonl never leaves half a record: a full disk and a file size limit while appending
# leave the file as it was and the row pending; the delivered line is fsync'ed.
if want jsonl; then
DB=$T/jsonl.sqlite
OUT=$T/jsonl/records.jsonl
mkdir -p "$T/jsonl"
cat >"$T/jsonl.ini" <<INI
[handler.archive]
kind = jsonl
path = $OUT
backoff = 1
INI
printf '{"key":"before"}\n' >"$OUT"
make_mail 9400020 | "$BIN" mail --no-dispatch --db "$DB" --config "$T/jsonl.ini" 2>/dev/null
state() { sql "$DB" "select state || ' ' || attempts from outbox where key='id:9400020'"; }
due_now() { sql "$DB" "update outbox set next_attempt_at = 0"; }
expect_eq "jsonl: pending before dispatch" "$(state)" "pending 0"
before=$(sha256sum <"$OUT")
# ENOSPC after 10 bytes of the line: a short write, then no space.
run shim_run FAULT_SHIM_PATH="$OUT" FAULT_SHIM_ENOSPC_AFTER=10 "$BIN" dispatch --db "$DB" --config "$T/jsonl.ini"
expect_eq "jsonl, disk full: file unchanged" "$(sha256sum <"$OUT")" "$before"
expect_eq "jsonl, disk full: row still pending" "$(state)" "pending 1"
expect_contains "jsonl, disk full: reason kept" "$(sql "$DB" "select last_error from outbox")" "No space left"
# A file size limit 100 bytes above the file (and far above the database): the write is cut
# short, then fails with EFBIG (SIGXFSZ is ignored).
python3 -c "import sys; open(sys.argv[1], 'a').write('x' * (4096 * 1024 - 100 - 17) + '\n')" "$OUT"
before=$(sha256sum <"$OUT")
due_now
set +e
(ulimit -f 4096 && exec "$BIN" dispatch --db "$DB" --config "$T/jsonl.ini" >"$T/stdout" 2>"$T/stderr")
status=$?
set -e
expect_eq "jsonl, ulimit -f: exit" "$status" 0
expect_eq "jsonl, ulimit -f: file unchanged" "$(sha256sum <"$OUT")" "$before"
expect_eq "jsonl, ulimit -f: row still pending" "$(state)" "pending 2"
# No fault: the line is appended whole and fsync'ed before the row is done.
due_now
: >"$T/sync.log"
run shim_run FAULT_SHIM_SYNC_LOG="$T/sync.log" "$BIN" dispatch --db "$DB" --config "$T/jsonl.ini"
expect_eq "jsonl: delivered" "$(state)" "done 3"
expect_eq "jsonl: one whole line" "$(tail -n 1 "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')" "id:9400020"
expect_eq "jsonl: lines" "$(wc -l <"$OUT")" 3
if grep -qE "^(fsync|fdatasync) $OUT\$" "$T/sync.log"; then ok; else
  fail "jsonl: the file was not synced ($(tr '\n' ';' <"$T/sync.log"))"; fi
fi

# ---------------------------------------------------------------------------------------------
# 5. mail with a broken configuration: all of stdin read, then 75. The writer of a 1 MiB mail
# (more than a pipe holds) learns of a reader that stopped early (EPIPE).
if want mail-config; then
cat >"$T/broken.ini" <<INI
[handler.bad]
kind = no-such-kind
INI
{ make_mail 9400030; head -c 1048576 /dev/zero | tr '\0' 'x'; echo; } >"$T/big.eml"
set +e
python3 - "$T/big.eml" "$T/written" <<'PY' | "$BIN" mail --db "$T/broken.sqlite" --config "$T/broken.ini" 2>"$T/stderr"
import sys
data = open(sys.argv[1], "rb").read()
out, written = sys.stdout.buffer, 0
try:
    for i in range(0, len(data), 65536):
        out.write(data[i:i + 65536]); out.flush()
        written += len(data[i:i + 65536])
    out.close()
    result = "all %d" % written
except BrokenPipeError:
    result = "broken pipe after %d" % written
open(sys.argv[2], "w").write(result)
PY
status=${PIPESTATUS[1]}
set -e
expect_eq "mail, broken config: exit" "$status" 75
expect_eq "mail, broken config: stdin read to the end" "$(cat "$T/written")" "all $(stat -c %s "$T/big.eml")"
expect_contains "mail, broken config: named" "$(cat "$T/stderr")" "no-such-kind"
expect_eq "mail, broken config: nothing stored" "$([ -e "$T/broken.sqlite" ] && count "$T/broken.sqlite" receipts || echo 0)" 0
fi

finish
