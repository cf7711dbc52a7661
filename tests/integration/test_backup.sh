#!/usr/bin/env bash
# backup: online copies of an SQLite store while 8 `mail` filters and `serve` keep writing,
# then the refusals and error cases.
#
# What the load part proves. Writers only ever add rows (no handlers are configured, so there
# is no outbox and nothing updates a row), every ingest is one transaction, and SQLite commits
# one writer at a time, so a row's rowid is its place in commit order (receipts and
# quarantine have INTEGER PRIMARY KEY, max + 1). A consistent snapshot of the database at any
# instant is therefore exactly "every receipt with rowid <= R, every quarantine row with
# rowid <= Q, every notification whose key has a receipt among those" for some R and Q. For
# each copy, restored to a fresh path, the test checks:
#  (a) PRAGMA integrity_check is ok, and the copy is one file in rollback-journal mode;
#  (b) it is internally whole: every notification has a receipt and its raw payload, every
#      receipt its notification, no key twice, and the counts the command printed are the
#      copy's;
#  (c) it is such a prefix of the final database: its receipts and quarantine rows are, row
#      for row, the final database's rows up to its own largest rowid, and its notifications
#      are, column for column, the final database's notifications of exactly those keys. A
#      torn copy (pages from different moments) breaks this or (a);
#  (d) the snapshot lies inside the command's run: every input acknowledged (mail exit 0,
#      HTTP 200) before the backup command started is in the copy, and none whose writer
#      started after the command had returned;
#  (e) `report --format json` over the copy equals the report over the final database cut
#      back to that prefix (generated_at and the database path aside): the copy is what the
#      database held at the snapshot, as the program itself reads it.
# Inputs acknowledged while a backup ran are counted: the test fails when none were, as then
# it did not show that writers went on during a backup.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net_lib.sh"
DB=$T/notify.sqlite
BK=$T/backups
mkdir -p "$BK"
LOAD_PIDS=()
stop_load() {
  touch "$T/stop"
  for pid in "${LOAD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  LOAD_PIDS=()
}
SERVE_PID=
cleanup() {
  touch "$T/stop"
  for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
now_ns() { date +%s%N; }

# --- A database large enough that a copy takes a while: 3 000 notifications of ~16 KiB.
python3 - "$T/base" 3000 <<'PY'
import os, sys
out, count = sys.argv[1], int(sys.argv[2])
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
pad = "x" * 16000
for i in range(count):
    nid = 6000000 + i
    body = ('{"id": %d, "notify": {"type": "transfer_start"}, "stid": "s-%d", "object": '
            '{"type": "Domain", "value": "d%d.example", "data": {"pad": "%s"}}}\n'
            % (nid, nid, nid, pad))
    mail = ("Message-ID: <base-%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n"
            "Subject: notification %d\nContent-Type: application/json\n\n%s" % (i, nid, body))
    with open(os.path.join(out, "new", "%08d.base" % i), "w") as f:
        f.write(mail)
PY
"$BIN" import --db "$DB" --no-progress "$T/base" >/dev/null
expect_eq "base notifications" "$(sql "$DB" 'select count(*) from notifications')" 3000
rm -rf "$T/base"

# --- The load: 8 mail filters in loops (writer 0 sends every 5th mail without a
# notification, which is quarantined) and pushes to serve. Each logs "TOKEN START END STATUS"
# (nanoseconds) per input.
start_serve "$T/serve.log" --db "$DB"
URL=http://127.0.0.1:$PORT/autodns/push
export BIN DB
mail_writer() {
  local w=$1 i=0 id token start end rc
  while [ ! -e "$T/stop" ]; do
    i=$((i + 1))
    id=$((8000000 + w * 100000 + i))
    if [ "$w" = 0 ] && [ $((i % 5)) = 0 ]; then
      token=q$id
      printf 'Message-ID: <%s@autodns.example>\nFrom: someone@example.org\nSubject: hello\n\nnot a notification %s\n' \
        "$token" "$token" >"$T/w$w.eml"
    else
      token=id:$id
      make_mail "$id" "w$w-$i.example" >"$T/w$w.eml"
    fi
    start=$(now_ns)
    rc=0
    "$BIN" mail --db "$DB" --busy-timeout 120000 <"$T/w$w.eml" 2>>"$T/w$w.err" || rc=$?
    end=$(now_ns)
    echo "$token $start $end $rc" >>"$T/log.mail$w"
  done
}
push_writer() {
  local i=0 id start end status
  while [ ! -e "$T/stop" ]; do
    i=$((i + 1))
    id=$((9000000 + i))
    printf '{"id": %d, "notify": {"type": "autoupdate_dns_success"}, "stid": "p-%d", "object": {"type": "Domain", "value": "p%d.example"}}' \
      "$id" "$id" "$id" >"$T/push.json"
    start=$(now_ns)
    status=$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' --data-binary @"$T/push.json" \
      -H 'Content-Type: application/json' "$URL" 2>/dev/null || true)
    end=$(now_ns)
    echo "id:$id $start $end $status" >>"$T/log.push"
  done
}
for w in 0 1 2 3 4 5 6 7; do
  mail_writer "$w" &
  LOAD_PIDS+=($!)
done
push_writer &
LOAD_PIDS+=($!)

# Let the writers get going (some inputs acknowledged by each kind of writer), then take four
# copies one after another while they write.
for _ in $(seq 600); do
  [ "$(cat "$T"/log.mail* 2>/dev/null | wc -l)" -ge 16 ] && [ -s "$T/log.push" ] && break
  sleep 0.1
done
N_COPIES=4
for k in $(seq "$N_COPIES"); do
  echo "$(now_ns)" >"$T/b$k.start"
  rc=0
  "$BIN" backup --db "$DB" --json "$BK/copy$k.sqlite" >"$T/b$k.json" 2>"$T/b$k.err" || rc=$?
  echo "$(now_ns)" >"$T/b$k.end"
  expect_eq "backup $k under load: exit status" "$rc" 0
  [ "$rc" = 0 ] || cat "$T/b$k.err" >&2
  cat "$T/b$k.json" >&2
  sleep 0.3
done
sleep 0.5
stop_load
stop_serve
SERVE_PID=
expect_eq "serve stopped cleanly" "$STOP_RC" 0
cat "$T"/log.mail* >"$T/log.all"
cat "$T/log.push" >>"$T/log.all"
expect_eq "every writer's input acknowledged" \
  "$(awk '$4 != 0 && $4 != 200' "$T/log.all" | wc -l | tr -d ' ')" 0
expect_eq "no tmp files left beside the copies" "$(find "$BK" -name '*.tmp-*' | wc -l | tr -d ' ')" 0
echo "load: $(wc -l <"$T/log.all" | tr -d ' ') inputs; final: $(sql "$DB" 'select count(*) from notifications') notifications" >&2

# The final database, as the oracle for (c) and (e): a plain file copy taken with every
# writer stopped (the database and its WAL).
cp "$DB" "$T/final.sqlite"
[ -e "$DB-wal" ] && cp "$DB-wal" "$T/final.sqlite-wal"

for k in $(seq "$N_COPIES"); do
  [ -s "$BK/copy$k.sqlite" ] || { fail "copy $k missing"; continue; }
  # Restore: the file copied to a fresh path, as an operator would.
  R=$T/restore$k.sqlite
  cp "$BK/copy$k.sqlite" "$R"
  expect_eq "copy $k: one file (no -wal)" "$(ls "$BK" | grep -c "^copy$k.sqlite-" || true)" 0
  expect_eq "copy $k: integrity_check" "$(sql "$R" 'PRAGMA integrity_check')" ok
  expect_eq "copy $k: journal mode" "$(sql "$R" 'PRAGMA journal_mode')" delete
  expect_eq "copy $k: mode like the database" "$(stat -c %a "$BK/copy$k.sqlite")" "$(stat -c %a "$DB")"
  out=$(python3 - "$R" "$T/final.sqlite" "$T/b$k.json" "$T/log.all" "$(cat "$T/b$k.start")" \
    "$(cat "$T/b$k.end")" "$T/prefix$k.sqlite" 2>"$T/check$k.err" <<'PY'
import json, shutil, sqlite3, sys
copy_path, final_path, printed_path, log_path, b0, b1, prefix_path = sys.argv[1:8]
b0, b1 = int(b0), int(b1)
bad = []
def check(what, got, want):
    if got != want: bad.append("%s: got %r, want %r" % (what, got, want))
c = sqlite3.connect("file:%s?mode=ro" % copy_path, uri=True)
one = lambda db, q: db.execute(q).fetchone()[0]
# (b) whole
check("notifications without a receipt", one(c, "SELECT count(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM receipts r WHERE r.key = n.key)"), 0)
check("receipts without a notification", one(c, "SELECT count(*) FROM receipts r WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.key = r.key)"), 0)
check("notifications without raw payload", one(c, "SELECT count(*) FROM notifications WHERE raw_payload IS NULL OR length(raw_payload) = 0"), 0)
check("distinct keys", one(c, "SELECT count(DISTINCT key) FROM notifications"), one(c, "SELECT count(*) FROM notifications"))
p = json.load(open(printed_path))
check("printed notifications", p["notifications"], one(c, "SELECT count(*) FROM notifications"))
check("printed receipts", p["receipts"], one(c, "SELECT count(*) FROM receipts"))
check("printed quarantined", p["quarantined"], one(c, "SELECT count(*) FROM quarantine"))
check("printed schema", p["schema_version"], one(c, "PRAGMA user_version"))
check("printed outbox", p["outbox"], {"pending": 0, "done": 0, "dead": 0})
# (c) a prefix of the final database
c.execute("ATTACH ? AS f", ("file:%s?mode=ro" % final_path,))
R = one(c, "SELECT coalesce(max(rowid), 0) FROM main.receipts")
Q = one(c, "SELECT coalesce(max(rowid), 0) FROM main.quarantine")
for table, top in (("receipts", R), ("quarantine", Q)):
    check(table + " only in the copy", one(c, "SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM f.%s WHERE rowid <= %d)" % (table, table, top)), 0)
    check(table + " missing from the copy", one(c, "SELECT count(*) FROM (SELECT * FROM f.%s WHERE rowid <= %d EXCEPT SELECT * FROM main.%s)" % (table, top, table)), 0)
prefix_keys = "SELECT key FROM f.notifications WHERE key IN (SELECT key FROM f.receipts WHERE rowid <= %d)" % R
check("notifications only in the copy", one(c, "SELECT count(*) FROM (SELECT * FROM main.notifications EXCEPT SELECT * FROM f.notifications WHERE key IN (%s))" % prefix_keys), 0)
check("notifications missing from the copy", one(c, "SELECT count(*) FROM (SELECT * FROM f.notifications WHERE key IN (%s) EXCEPT SELECT * FROM main.notifications)" % prefix_keys), 0)
check("later rows in the final database", one(c, "SELECT count(*) FROM f.receipts WHERE rowid > %d" % R) > 0, True)
# (d) acknowledged before the command: in; started after it: out
keys = {r[0] for r in c.execute("SELECT key FROM main.receipts")}
qids = {r[0] for r in c.execute("SELECT coalesce(message_id, '') || ' ' || coalesce(locator, '') FROM main.quarantine")}
def present(token):
    if token.startswith("q"):
        return any(token in q for q in qids)
    return token in keys
before = after = during = 0
for line in open(log_path):
    token, start, end, status = line.split()
    start, end = int(start), int(end)
    if end < b0:
        before += 1
        if not present(token): bad.append("acknowledged before the backup, missing: " + token)
    elif start > b1:
        after += 1
        if present(token): bad.append("started after the backup, present: " + token)
    elif b0 <= end <= b1:
        during += 1
print("during %d" % during, file=sys.stderr)
check("inputs before the backup", before > 0, True)
# (e) the final database cut back to the prefix, for the report comparison
c.close()
shutil.copy(final_path, prefix_path)
try:
    shutil.copy(final_path + "-wal", prefix_path + "-wal")
except FileNotFoundError:
    pass
d = sqlite3.connect(prefix_path)
d.execute("DELETE FROM receipts WHERE rowid > ?", (R,))
d.execute("DELETE FROM quarantine WHERE rowid > ?", (Q,))
d.execute("DELETE FROM notifications WHERE key NOT IN (SELECT key FROM receipts)")
d.commit()
d.close()
print("\n".join(bad[:20]) if bad else "ok")
PY
  )
  expect_eq "copy $k: whole, a prefix, inside the run" "$out" ok
  during=$(sed -n 's/^during //p' "$T/check$k.err")
  DURING=$((${DURING:-0} + ${during:-0}))
  report_of() {
    "$BIN" report --db "$1" --format json --since 2000-01-01 --until 2100-01-01 --limit 100000 |
      python3 -c 'import json,sys; r=json.load(sys.stdin); r.pop("generated_at"); r.pop("database"); print(json.dumps(r, sort_keys=True))'
  }
  expect_eq "copy $k: report equals the final database's up to the snapshot" \
    "$(report_of "$R")" "$(report_of "$T/prefix$k.sqlite")"
done
echo "inputs acknowledged while a backup ran: ${DURING:-0}" >&2
expect_eq "writers went on during the backups" "$(( ${DURING:-0} > 0 ))" 1

# --- Refusals and errors. A small database of its own.
S=$T/small.sqlite
make_mail 5100001 >"$T/one.eml"
"$BIN" mail --db "$S" <"$T/one.eml"
out=$("$BIN" backup --db "$S" "$T/small-copy.sqlite")
expect_contains "text line" "$out" "backup: $T/small-copy.sqlite: schema $(sql "$S" "PRAGMA user_version"), 1 notifications, 1 receipts, 0 quarantined, outbox 0 pending/0 done/0 dead"

# DEST exists: refused without --force (and left as it was), replaced with it.
echo "precious" >"$T/exists.sqlite"
rc=0; err=$("$BIN" backup --db "$S" "$T/exists.sqlite" 2>&1) || rc=$?
expect_eq "existing DEST: exit status" "$rc" 1
expect_contains "existing DEST: message" "$err" "$T/exists.sqlite: exists (give --force to replace it)"
expect_eq "existing DEST: untouched" "$(cat "$T/exists.sqlite")" precious
rc=0; "$BIN" backup --db "$S" --force "$T/exists.sqlite" >/dev/null 2>&1 || rc=$?
expect_eq "--force: exit status" "$rc" 0
expect_eq "--force: replaced by the copy" "$(sql "$T/exists.sqlite" 'select count(*) from notifications')" 1
mkfifo "$T/fifo"
rc=0; err=$("$BIN" backup --db "$S" --force "$T/fifo" 2>&1) || rc=$?
expect_eq "DEST a named pipe, even with --force: exit status" "$rc" 1
expect_contains "DEST a named pipe: message" "$err" "$T/fifo: not a regular file"
expect_eq "DEST a named pipe: still a pipe" "$(stat -c %F "$T/fifo")" "fifo"
rc=0; err=$("$BIN" backup --db "$S" --force "$S" 2>&1) || rc=$?
expect_eq "DEST is the database: exit status" "$rc" 1
expect_contains "DEST is the database: message" "$err" "is the database itself"

# DEST a directory: a timestamped name inside it.
mkdir "$T/dir"
"$BIN" backup --db "$S" "$T/dir/" >/dev/null
expect_eq "DEST directory: one timestamped copy" \
  "$(ls "$T/dir" | grep -cE '^notify-[0-9]{8}T[0-9]{6}Z\.sqlite$' || true)" 1

# The source's mode goes to the copy.
"$BIN" mail --db "$T/shared.sqlite" --db-mode 0640 <"$T/one.eml" 2>/dev/null
"$BIN" backup --db "$T/shared.sqlite" "$T/shared-copy.sqlite" >/dev/null
expect_eq "mode of a 0640 database's copy" "$(stat -c %a "$T/shared-copy.sqlite")" 640

# A directory that does not exist, or one this user cannot write.
rc=0; err=$("$BIN" backup --db "$S" "$T/no/such/dir/x.sqlite" 2>&1) || rc=$?
expect_eq "missing directory: exit status" "$rc" 1
expect_contains "missing directory: message" "$err" "$T/no/such/dir/x.sqlite: cannot create a file in $T/no/such/dir: No such file or directory"
mkdir "$T/ro"
chmod 0555 "$T/ro"
as_nobody_cmd
if [ "$(id -u)" != 0 ]; then
  rc=0; err=$("$BIN" backup --db "$S" "$T/ro/x.sqlite" 2>&1) || rc=$?
elif [ ${#AS_NOBODY[@]} -gt 0 ]; then
  # The copy made above: one file, which nobody may read once it is 0644.
  chmod 0644 "$T/small-copy.sqlite"
  rc=0; err=$("${AS_NOBODY[@]}" "$BIN" backup --db "$T/small-copy.sqlite" "$T/ro/x.sqlite" 2>&1) || rc=$?
else
  rc=1; err="cannot create a file in $T/ro: Permission denied"
  skip_block "unwritable directory: running as root without setpriv"
fi
expect_eq "unwritable directory: exit status" "$rc" 1
expect_contains "unwritable directory: message" "$err" "cannot create a file in $T/ro: Permission denied"
expect_eq "unwritable directory: nothing written" "$(ls "$T/ro" | wc -l | tr -d ' ')" 0

# A missing database, and one that is not an SQLite database.
rc=0; err=$("$BIN" backup --db "$T/none.sqlite" "$T/x.sqlite" 2>&1) || rc=$?
expect_eq "missing database: exit status" "$rc" 1
expect_contains "missing database: message" "$err" "database $T/none.sqlite: No such file or directory"
head -c 8192 /dev/urandom >"$T/junk.sqlite"
rc=0; err=$("$BIN" backup --db "$T/junk.sqlite" "$T/junk-copy.sqlite" 2>&1) || rc=$?
expect_eq "not a database: exit status" "$rc" 1
expect_contains "not a database: message" "$err" "database $T/junk.sqlite: "
expect_eq "no files left after failures" "$(ls "$T" | grep -c '\.tmp-' || true)" 0

# A database locked exclusively by another process past the busy timeout: 75.
python3 - "$S" "$T/locked" "$T/unlock" <<'PY' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA locking_mode = EXCLUSIVE")
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO quarantine (channel, raw, reason, received_at) VALUES ('file', x'00', 'lock', '2024-01-01T00:00:00Z')")
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
db.execute("ROLLBACK")
PY
LOCK_PID=$!
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.1; done
rc=0; err=$("$BIN" backup --db "$S" --busy-timeout 300 "$T/locked-copy.sqlite" 2>&1) || rc=$?
touch "$T/unlock"
wait "$LOCK_PID" || true
expect_eq "locked database: exit status" "$rc" 75
expect_contains "locked database: message" "$err" "database $S: locked by another connection"
expect_eq "locked database: no copy" "$(ls "$T" | grep -c '^locked-copy' || true)" 0

# Usage errors.
rc=0; "$BIN" backup --db "$S" >/dev/null 2>&1 || rc=$?
expect_eq "no DEST: exit status" "$rc" 64
rc=0; "$BIN" backup --db "$S" "$T/a" "$T/b" >/dev/null 2>&1 || rc=$?
expect_eq "two DESTs: exit status" "$rc" 64

# PostgreSQL: no copy, the way to do it, exit 64; no server is contacted, no password shown.
rc=0; err=$("$BIN" backup --db "postgresql://notify:$(secret)@127.0.0.1:1/notify" "$T/pg.dump" 2>&1) || rc=$?
expect_eq "PostgreSQL: exit status" "$rc" 64
expect_contains "PostgreSQL: pg_dump" "$err" "pg_dump -Fc"
expect_contains "PostgreSQL: pg_restore" "$err" "pg_restore"
expect_contains "PostgreSQL: location shown" "$err" "postgresql://notify:***@127.0.0.1:1/notify"
expect_eq "PostgreSQL: password not shown" "$(grep -c -F "$SECRET_MARK" <<<"$err" || true)" 0
expect_eq "PostgreSQL: nothing written" "$(ls "$T" | grep -c '^pg\.dump' || true)" 0
finish
