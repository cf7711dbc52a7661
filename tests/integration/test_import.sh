#!/usr/bin/env bash
# `import`: Maildir and mbox, idempotent reruns that skip known mails before parsing,
# --mark-seen only after the commit, and a kill -9 in the middle that loses nothing.
source "$(dirname "$0")/lib.sh"
DB=$T/notify.sqlite

make_maildir "$T/md" 300 10
out=$("$BIN" import --db "$DB" --json "$T/md")
expect_contains "first import summary" "$out" '"mails":300,"notifications":300,"new":270,"duplicate":30,"quarantined":0,"skipped":0'
expect_eq "stored" "$(sql "$DB" 'select count(*) from notifications')" 270
expect_eq "archive untouched without --mark-seen" "$(ls "$T/md/new" | wc -l | tr -d ' ')" 300

out=$("$BIN" import --db "$DB" --json "$T/md")
expect_contains "second import skips everything" "$out" '"mails":300,"notifications":0,"new":0,"duplicate":0,"quarantined":0,"skipped":300'
expect_eq "receipts unchanged by rerun" "$(sql "$DB" 'select count(*) from receipts')" 300

out=$("$BIN" import --db "$DB" --json --mark-seen "$T/md")
expect_eq "mark-seen empties new/" "$(ls "$T/md/new" | wc -l | tr -d ' ')" 0
expect_eq "mark-seen fills cur/ with :2,S" "$(ls "$T/md/cur" | grep -c ':2,S$')" 300

# Text summary line names every count.
out=$("$BIN" import --db "$DB" "$T/md")
expect_contains "text summary" "$out" "import: 300 mails, 0 notifications, 0 new, 0 duplicate, 0 quarantined, 300 skipped, 0 errors"

# mbox (mboxrd quoting), including a mail that is not a notification.
python3 - "$T/box" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(3):
        f.write("From noreply@autodns.example Mon Jan  1 00:00:0%d 2024\n" % i)
        f.write("From: AutoDNS <noreply@autodns.example>\nSubject: n\nContent-Type: application/json\n\n")
        f.write('{"id": %d, "notify": {"type": "domain_away"}, "object": {"type": "Domain", "value": "m%d.example"}}\n\n' % (8100000 + i, i))
    f.write("From friend Mon Jan  1 00:00:09 2024\nFrom: friend@example.org\nSubject: hi\n\n>From the desk of a friend\n\n")
PY
out=$("$BIN" import --db "$DB" --json "$T/box")
expect_contains "mbox import" "$out" '"mails":4,"notifications":3,"new":3,"duplicate":0,"quarantined":1'
expect_contains "mbox locator" "$(sql "$DB" "select locator from receipts where key='id:8100001'")" "mbox:$T/box#2"
expect_contains "mbox unquoting" "$(sql "$DB" "select raw from quarantine")" $'\nFrom the desk'

# The bundled sample Maildir (the README's demo).
out=$("$BIN" import --db "$T/demo.sqlite" --json "$SRC/samples/maildir")
expect_contains "sample Maildir" "$out" '"mails":229,"notifications":219,"new":182,"duplicate":37,"quarantined":10,"skipped":0,"errors":0'

# The import lets the WAL grow while it runs, then checkpoints: what it leaves behind is an
# empty WAL, so the next process (a mail filter) has nothing to read back.
expect_eq "WAL truncated after import" "$(stat -c %s "$T/demo.sqlite-wal")" 0
expect_eq "records readable after the checkpoint" "$(sql "$T/demo.sqlite" 'select count(*) from notifications')" 182

# A missing path is reported and the exit status says so.
set +e; "$BIN" import --db "$DB" "$T/nonexistent" >/dev/null 2>"$T/stderr"; status=$?; set -e
expect_eq "missing path exit" "$status" 1
expect_contains "missing path message" "$(cat "$T/stderr")" "nonexistent"

# kill -9 in the middle: the rerun completes the work, nothing lost or doubled.
DB2=$T/kill.sqlite
make_maildir "$T/big" 30000 10
"$BIN" import --db "$DB2" --jobs 1 "$T/big" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 400); do
  n=$(sql "$DB2" 'select count(*) from receipts' 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && break
  sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
set +e; wait "$pid"; status=$?; set -e
expect_eq "first run was killed" "$status" 137
partial=$(sql "$DB2" 'select count(*) from receipts')
if [ "$partial" -lt 30000 ]; then ok; else fail "kill came too late: $partial receipts"; fi
out=$("$BIN" import --db "$DB2" --json "$T/big")
expect_eq "all unique stored after rerun" "$(sql "$DB2" 'select count(*) from notifications')" 27000
expect_eq "one receipt per mail after rerun" "$(sql "$DB2" 'select count(*) from receipts')" 30000
expect_contains "rerun skipped the committed part" "$out" "\"skipped\":$partial"
finish
