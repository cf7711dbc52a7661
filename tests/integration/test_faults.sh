#!/usr/bin/env bash
# Fault injection for `mail` and `import`, in addition to test_mail_filter.sh (locked, file
# size limit, read-only for `mail`) and test_import.sh (kill -9 during import): read-only
# database, unwritable directory, lock held past the busy timeout, a file system that fills
# up (a small tmpfs, or the fault shim's ENOSPC without mount permission), a file size limit. Each fault gives exit 75 with nothing written; the retry once the
# fault is gone stores everything exactly once.
source "$(dirname "$0")/lib.sh"

run() {  # run CMD...: status, $T/stdout, $T/stderr
  set +e; "$@" >"$T/stdout" 2>"$T/stderr"; status=$?; set -e
}
count() { sql "$1" "select count(*) from $2"; }
as_nobody=()
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  as_nobody=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups)
fi

make_mail 9100001 >"$T/one.eml"
chmod 644 "$T/one.eml"
make_maildir "$T/md" 40 10  # 36 unique notifications in 40 mails
chmod -R a+rX "$T/md"

# --- Permissions (as an unprivileged user: root ignores permission bits). ---
if ((${#as_nobody[@]})); then
  # A mail file the user cannot read (the import's workers read the files): reported by name,
  # counted as an error (exit 1), left in new/ by --mark-seen, and every other mail imported.
  mkdir "$T/holes" "$T/holes-db"; chmod 777 "$T/holes-db"
  cp -r "$T/md/." "$T/holes/"; chmod -R a+rX "$T/holes"; chmod 777 "$T/holes/new" "$T/holes/cur"
  victim=$(ls "$T/holes/new" | sed -n 7p)
  chmod 000 "$T/holes/new/$victim"
  run "${as_nobody[@]}" "$BIN" import --json --mark-seen --db "$T/holes-db/notify.sqlite" "$T/holes"
  expect_eq "import, unreadable file: exit" "$status" 1
  expect_contains "import, unreadable file: the others" "$(cat "$T/stdout")" '"mails":39,'
  expect_contains "import, unreadable file: counted" "$(cat "$T/stdout")" '"errors":1'
  expect_contains "import, unreadable file: named" "$(cat "$T/stderr")" "$victim: cannot read"
  expect_eq "import, unreadable file: left in new/" "$(ls "$T/holes/new")" "$victim"
  expect_eq "import, unreadable file: the others marked seen" "$(ls "$T/holes/cur" | grep -c ':2,S$')" 39

  # Unwritable directory, database not yet there: nothing can be created.
  mkdir "$T/closed"; chmod 755 "$T/closed"
  run "${as_nobody[@]}" "$BIN" mail --db "$T/closed/notify.sqlite" <"$T/one.eml"
  expect_eq "mail, unwritable directory: exit" "$status" 75
  expect_contains "mail, unwritable directory: message" "$(cat "$T/stderr")" "cannot create the file"
  run "${as_nobody[@]}" "$BIN" import --db "$T/closed/notify.sqlite" "$T/md"
  expect_eq "import, unwritable directory: exit" "$status" 75
  expect_eq "unwritable directory: no file" "$(ls -A "$T/closed")" ""

  # Database writable but its directory not: the -wal/-shm files cannot be created.
  "$BIN" mail --db "$T/closed/notify.sqlite" <"$T/one.eml" 2>/dev/null
  sql "$T/closed/notify.sqlite" "pragma wal_checkpoint(TRUNCATE)" >/dev/null
  rm -f "$T/closed/notify.sqlite-wal" "$T/closed/notify.sqlite-shm"
  chown nobody "$T/closed/notify.sqlite"
  make_mail 9100002 >"$T/two.eml"
  run "${as_nobody[@]}" "$BIN" mail --db "$T/closed/notify.sqlite" <"$T/two.eml"
  expect_eq "mail, no -wal in unwritable directory: exit" "$status" 75
  run "${as_nobody[@]}" "$BIN" import --db "$T/closed/notify.sqlite" "$T/md"
  expect_eq "import, no -wal in unwritable directory: exit" "$status" 75
  expect_eq "unwritable directory: nothing written" "$(count "$T/closed/notify.sqlite" receipts)" 1

  # Read-only database file (owned by root, 0644) for import; `mail` is in test_mail_filter.sh.
  mkdir "$T/ro"; chmod 755 "$T/ro"
  "$BIN" mail --db "$T/ro/notify.sqlite" <"$T/one.eml" 2>/dev/null
  chmod 644 "$T/ro/notify.sqlite"*
  chmod 777 "$T/ro"  # a writable directory does not make the file writable
  run "${as_nobody[@]}" "$BIN" import --db "$T/ro/notify.sqlite" "$T/md"
  expect_eq "import, read-only database: exit" "$status" 75
  expect_contains "import, read-only database: message" "$(cat "$T/stderr")" "read-only"
  expect_eq "read-only: nothing written" "$(count "$T/ro/notify.sqlite" receipts)" 1

  # The fault gone, the retries store everything once.
  run "$BIN" mail --db "$T/closed/notify.sqlite" <"$T/two.eml"
  expect_eq "mail retry: exit" "$status" 0
  run "$BIN" import --db "$T/ro/notify.sqlite" --json "$T/md"
  expect_eq "import retry: exit" "$status" 0
  expect_eq "import retry: notifications" "$(count "$T/ro/notify.sqlite" notifications)" 37
  expect_eq "import retry: receipts" "$(count "$T/ro/notify.sqlite" receipts)" 41
else
  skip_block "permission cases: need root, setpriv and the user nobody"
fi

# --- A lock held past the busy timeout, for import (`mail`: test_mail_filter.sh). ---
DB=$T/locked.sqlite
"$BIN" mail --db "$DB" <"$T/one.eml" 2>/dev/null
python3 - "$DB" >"$T/locker.out" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(4)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 200); do grep -q locked "$T/locker.out" 2>/dev/null && break; sleep 0.05; done
run "$BIN" import --db "$DB" --busy-timeout 300 "$T/md"
expect_eq "import, locked database: exit" "$status" 75
expect_contains "import, locked database: message" "$(cat "$T/stderr")" "locked"
wait "$locker"
expect_eq "locked: nothing written" "$(count "$DB" receipts)" 1
run "$BIN" import --db "$DB" --json "$T/md"
expect_eq "import after the lock: exit" "$status" 0
expect_eq "import after the lock: notifications" "$(count "$DB" notifications)" 37
expect_eq "import after the lock: receipts" "$(count "$DB" receipts)" 41

# --- The file system fills up (a small tmpfs, where mounting is permitted). ---
# Mails with 40 KB payloads: 40 of them need more than the 1 MiB file system holds.
make_big_maildir() {
  python3 - "$1" <<'PY'
import os, sys
out = sys.argv[1]
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
for i in range(40):
    nid = 9200000 + i
    body = ('{"id": %d, "notify": {"type": "transfer_start"}, "object": {"type": "Domain",'
            ' "value": "f%d.example", "data": {"pad": "%s"}}}\n' % (nid, nid, "y" * 40000))
    with open(os.path.join(out, "new", "%04d.test" % i), "w") as f:
        f.write("Message-ID: <%d@autodns.example>\nFrom: AutoDNS <noreply@autodns.example>\n"
                "Content-Type: application/json\n\n%s" % (nid, body))
PY
}
make_big_maildir "$T/bigmd"
mkdir "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
  trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
  DB=$T/small/notify.sqlite
  run "$BIN" import --db "$DB" --jobs 1 "$T/bigmd"
  expect_eq "import, file system full: exit" "$status" 75
  expect_contains "import, file system full: message" "$(cat "$T/stderr")" "full"
  partial=$(count "$DB" receipts)
  if [ "$partial" -lt 40 ]; then ok; else fail "file system full: all $partial mails stored"; fi
  python3 - "$T/bigmd/new/0000.test" >"$T/big.eml" <<'PY'
import sys
mail = open(sys.argv[1]).read().replace("9200000", "9300000")
sys.stdout.write(mail.replace("y" * 40000, "z" * 3000000))
PY
  run "$BIN" mail --db "$DB" <"$T/big.eml"
  expect_eq "mail, file system full: exit" "$status" 75
  expect_eq "mail, file system full: nothing written" "$(count "$DB" receipts)" "$partial"
  mount -o remount,size=16m "$T/small"
  run "$BIN" import --db "$DB" --json "$T/bigmd"
  expect_eq "import after space was freed: exit" "$status" 0
  expect_contains "import after space was freed: rest" "$(cat "$T/stdout")" "\"new\":$((40 - partial))"
  run "$BIN" mail --db "$DB" <"$T/big.eml"
  expect_eq "mail after space was freed: exit" "$status" 0
  expect_eq "full: every notification once" "$(count "$DB" notifications)" 41
  expect_eq "full: every mail once" "$(count "$DB" receipts)" 41
  expect_eq "full: no quarantine" "$(count "$DB" quarantine)" 0
else
  # No mount permission: the same disk full from the fault shim (ENOSPC once 1 MiB of the
  # database's files is written by the process), which SQLite reports as SQLITE_FULL too.
  DB=$T/small/notify.sqlite
  run shim_run FAULT_SHIM_PATH="$DB" FAULT_SHIM_ENOSPC_AFTER=1048576 "$BIN" import --db "$DB" --jobs 1 "$T/bigmd"
  expect_eq "import, disk full (shim): exit" "$status" 75
  expect_contains "import, disk full (shim): message" "$(cat "$T/stderr")" "full"
  partial=$(count "$DB" receipts)
  if [ "$partial" -lt 40 ]; then ok; else fail "disk full (shim): all $partial mails stored"; fi
  python3 - "$T/bigmd/new/0000.test" >"$T/big.eml" <<'PY'
import sys
mail = open(sys.argv[1]).read().replace("9200000", "9300000")
sys.stdout.write(mail.replace("y" * 40000, "z" * 3000000))
PY
  run shim_run FAULT_SHIM_PATH="$DB" FAULT_SHIM_ENOSPC_AFTER=1048576 "$BIN" mail --db "$DB" <"$T/big.eml"
  expect_eq "mail, disk full (shim): exit" "$status" 75
  expect_eq "mail, disk full (shim): nothing written" "$(count "$DB" receipts)" "$partial"
  run "$BIN" import --db "$DB" --json "$T/bigmd"
  expect_eq "import after the disk full (shim): exit" "$status" 0
  expect_contains "import after the disk full (shim): rest" "$(cat "$T/stdout")" "\"new\":$((40 - partial))"
  run "$BIN" mail --db "$DB" <"$T/big.eml"
  expect_eq "mail after the disk full (shim): exit" "$status" 0
  expect_eq "full (shim): every notification once" "$(count "$DB" notifications)" 41
  expect_eq "full (shim): every mail once" "$(count "$DB" receipts)" 41
fi

# --- A file size limit during import (`mail`: test_mail_filter.sh). ---
DB=$T/limited.sqlite
"$BIN" mail --db "$DB" <"$T/one.eml" 2>/dev/null
set +e
(ulimit -f 600 && exec "$BIN" import --db "$DB" --jobs 1 "$T/bigmd" >"$T/stdout" 2>"$T/stderr")
status=$?
set -e
expect_eq "import, file size limit: exit" "$status" 75
partial=$(count "$DB" receipts)
if [ "$partial" -lt 41 ]; then ok; else fail "file size limit: all $partial mails stored"; fi
run "$BIN" import --db "$DB" --json "$T/bigmd"
expect_eq "import after the limit: exit" "$status" 0
expect_eq "limit: every notification once" "$(count "$DB" notifications)" 41
expect_eq "limit: every mail once" "$(count "$DB" receipts)" 41

echo "note: kill -9 during dispatch is not tested here (no dispatcher in this build)" >&2
finish
