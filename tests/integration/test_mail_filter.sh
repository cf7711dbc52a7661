#!/usr/bin/env bash
# The `mail` filter as an MDA runs it: exit statuses, dedup, quarantine, sender policy,
# locked / read-only / full database.
source "$(dirname "$0")/lib.sh"
DB=$T/notify.sqlite
run_mail() { set +e; "$BIN" mail --db "$DB" "$@" 2>"$T/stderr"; status=$?; set -e; }

# Stored, then recognized as a duplicate.
make_mail 9000001 >"$T/m1.eml"
run_mail <"$T/m1.eml"
expect_eq "first delivery exit" "$status" 0
expect_contains "first delivery log" "$(cat "$T/stderr")" "stored id:9000001"
expect_eq "notifications after first" "$(sql "$DB" 'select count(*) from notifications')" 1
run_mail <"$T/m1.eml"
expect_eq "second delivery exit" "$status" 0
expect_contains "second delivery log" "$(cat "$T/stderr")" "duplicate"
expect_eq "notifications after second" "$(sql "$DB" 'select count(*) from notifications')" 1
expect_eq "receipts after second" "$(sql "$DB" 'select count(*) from receipts')" 2

# CRLF line endings (Dovecot Sieve pipes send them): the same notification.
sed 's/$/\r/' "$T/m1.eml" >"$T/m1-crlf.eml"
run_mail <"$T/m1-crlf.eml"
expect_eq "CRLF delivery exit" "$status" 0
expect_eq "receipts after CRLF" "$(sql "$DB" 'select count(*) from receipts')" 3
expect_eq "record fields" "$(sql "$DB" "select kind, type, object_value from notifications")" \
  "notify|autoupdate_dns_success|example.aq"

# Not a notification: quarantined (exit 0), or passed on with --pass-through (exit 65).
printf 'From: friend@example.org\nSubject: lunch?\n\nTomorrow at noon?\n' >"$T/other.eml"
run_mail <"$T/other.eml"
expect_eq "ordinary mail exit" "$status" 0
expect_eq "quarantined ordinary mail" "$(sql "$DB" 'select count(*) from quarantine')" 1
expect_contains "quarantine reason" "$(sql "$DB" 'select reason from quarantine')" "not a notification"
run_mail --pass-through <"$T/other.eml"
expect_eq "ordinary mail --pass-through exit" "$status" 65
expect_eq "nothing quarantined with --pass-through" "$(sql "$DB" 'select count(*) from quarantine')" 1

# Truncated JSON: quarantined as malformed, the raw mail kept byte for byte.
make_mail 9000002 | head -c -60 >"$T/trunc.eml"
run_mail <"$T/trunc.eml"
expect_eq "truncated exit" "$status" 0
expect_contains "truncated reason" "$(sql "$DB" "select reason from quarantine order by rowid desc limit 1")" "malformed"
expect_eq "raw copy kept" "$(sql "$DB" "select length(raw) from quarantine order by rowid desc limit 1")" \
  "$(wc -c <"$T/trunc.eml" | tr -d ' ')"

# Sender policy: a forged notification is quarantined as untrusted, not stored.
make_mail 9000003 example.aq "AutoDNS <noreply@evil.test>" >"$T/forged.eml"
run_mail --allow-from autodns.example <"$T/forged.eml"
expect_eq "forged exit" "$status" 0
expect_eq "forged not stored" "$(sql "$DB" 'select count(*) from notifications where id=9000003')" 0
expect_contains "forged reason" "$(sql "$DB" "select reason from quarantine order by rowid desc limit 1")" "untrusted"
make_mail 9000004 >"$T/good.eml"
run_mail --allow-from autodns.example <"$T/good.eml"
expect_eq "allowed sender stored" "$(sql "$DB" 'select count(*) from notifications where id=9000004')" 1

# Usage error.
run_mail --no-such-option <"$T/good.eml"
expect_eq "usage exit" "$status" 64

# Database locked by another process past the busy timeout: 75, nothing written; the retry
# afterwards stores it.
make_mail 9000005 >"$T/locked.eml"
python3 - "$DB" >"$T/locker.out" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(3)
con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 100); do grep -q locked "$T/locker.out" 2>/dev/null && break; sleep 0.05; done
run_mail --busy-timeout 300 <"$T/locked.eml"
expect_eq "locked database exit" "$status" 75
expect_contains "locked database log" "$(cat "$T/stderr")" "temporary"
wait "$locker"
expect_eq "nothing written while locked" "$(sql "$DB" 'select count(*) from notifications where id=9000005')" 0
run_mail <"$T/locked.eml"
expect_eq "retry after lock exit" "$status" 0
expect_eq "retry after lock stored" "$(sql "$DB" 'select count(*) from notifications where id=9000005')" 1

# File-size limit reached while writing (a full disk as the process sees it): 75, then the
# retry without the limit stores it.
# A 3 MB notification: its payload is stored, so the database must grow.
make_mail 9000006 example.de >"$T/full.eml"
python3 - "$T/full.eml" "$T/full-big.eml" <<'PY'
import sys
mail = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(mail.replace('"data": {', '"data": {"pad": "%s", ' % ("x" * 3000000), 1))
PY
db_size=$(stat -c %s "$DB"); wal_size=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
size_kb=$(( (db_size > wal_size ? db_size : wal_size) / 1024 ))
set +e
( ulimit -f $((size_kb + 8)); "$BIN" mail --db "$DB" <"$T/full-big.eml" 2>"$T/stderr" )
status=$?
set -e
expect_eq "file size limit exit" "$status" 75
expect_eq "nothing written at the limit" "$(sql "$DB" 'select count(*) from notifications where id=9000006')" 0
run_mail <"$T/full-big.eml"
expect_eq "retry after limit exit" "$status" 0
expect_eq "retry after limit stored" "$(sql "$DB" 'select count(*) from notifications where id=9000006')" 1

# Read-only database (as an unprivileged user: root ignores permission bits): 75.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  mkdir "$T/ro"
  cp "$DB" "$T/ro/notify.sqlite"
  [ -f "$DB-wal" ] && cp "$DB-wal" "$T/ro/notify.sqlite-wal"
  chmod 755 "$T/ro"; chmod 644 "$T/ro"/*
  make_mail 9000007 >"$T/ro.eml"
  set +e
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" mail --db "$T/ro/notify.sqlite" \
    <"$T/ro.eml" 2>"$T/stderr"
  status=$?
  set -e
  expect_eq "read-only database exit" "$status" 75
  expect_contains "read-only database log" "$(cat "$T/stderr")" "notify.sqlite"
else
  skip_block "read-only database case: needs setpriv and the user nobody"
fi

finish
